#!/usr/bin/python3
"""The EC2 front through Debian's unmodified boto3 (run by boto3_test.cpp, which starts the
cloud and sets EC2_URL, EC2_REGION, A_KEY/A_SECRET/A_PROJECT, B_KEY/B_SECRET, EC2_FLAVOR,
EC2_IMAGE_NAME, EC2_TMP, EC2_TERMINATED_VISIBLE_SECONDS). One line per step; exits non-zero
at the first failure.

The instances are real to compute (scheduler, state machine, ports, floating IPs) but run on a
pretend hypervisor (tests/ec2-api/fake_compute_agent.h): no guest boots, nothing is pinged or
reached over SSH here; the console text is the fake agent's. Volumes are real qcow2 files of
block storage; the fake agent checks the file compute hands it exists and reports the disk
connected, but no guest reads it."""
import datetime
import os
import time
import uuid
import subprocess
import sys
import urllib.request
from unittest import mock

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

URL, REGION = os.environ["EC2_URL"], os.environ["EC2_REGION"]


def client(key, secret):
    return boto3.client("ec2", endpoint_url=URL, region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret)


def step(text):
    print("ok:", text, flush=True)


def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        return e
    raise AssertionError(f"expected {code}, the call succeeded")


def raw(form, key, secret, when=None):
    """A SigV4-signed POST of `form` built by botocore itself, for what boto3 would refuse to send."""
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=URL, data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "ec2", REGION)
    if when is None:
        signer.add_auth(request)
    else:
        class SkewedClock(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return when
        with mock.patch.object(botocore.auth.datetime, "datetime", SkewedClock):
            signer.add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body.encode() if isinstance(prepared.body, str) else prepared.body,
                                  headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


a = client(os.environ["A_KEY"], os.environ["A_SECRET"])
b = client(os.environ["B_KEY"], os.environ["B_SECRET"])

# ---- regions, zones, instance types
regions = a.describe_regions()["Regions"]
assert [r["RegionName"] for r in regions] == [REGION], regions
zones = a.describe_availability_zones()["AvailabilityZones"]
assert zones and zones[0]["State"] == "available", zones
step(f"describe-regions {REGION}, availability zones {[z['ZoneName'] for z in zones]}")
types = a.describe_instance_types(InstanceTypes=[os.environ["EC2_FLAVOR"]])["InstanceTypes"]
assert types[0]["VCpuInfo"]["DefaultVCpus"] == 2 and types[0]["MemoryInfo"]["SizeInMiB"] == 2048, types
expect_error("InvalidInstanceType", a.describe_instance_types, InstanceTypes=["no.such.type"])
step("describe-instance-types: vCPUs and memory from the flavor")

# ---- key pairs
created = a.create_key_pair(KeyName="ec2-key")
assert "PRIVATE KEY" in created["KeyMaterial"] and created["KeyPairId"].startswith("key-"), created
listed = a.describe_key_pairs(KeyNames=["ec2-key"])["KeyPairs"]
assert listed[0]["KeyFingerprint"] == created["KeyFingerprint"] and "KeyMaterial" not in listed[0], listed
expect_error("InvalidKeyPair.Duplicate", a.create_key_pair, KeyName="ec2-key")
expect_error("InvalidKeyPair.NotFound", a.describe_key_pairs, KeyNames=["no-such-key"])
key_file = os.path.join(os.environ["EC2_TMP"], "imported")
subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key_file], check=True)
public = open(key_file + ".pub", "rb").read()
imported = a.import_key_pair(KeyName="ec2-imported", PublicKeyMaterial=public)
fingerprint = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", key_file + ".pub"], check=True,
                             capture_output=True, text=True).stdout.split()[1]
assert imported["KeyFingerprint"].rstrip("=") == fingerprint.split(":", 1)[1], (imported, fingerprint)
names = sorted(k["KeyName"] for k in a.describe_key_pairs()["KeyPairs"])
assert names == ["ec2-imported", "ec2-key"], names
step("key pairs: create (key material once), import (fingerprint as ssh-keygen), duplicate and not-found codes")

# ---- images
image_name = os.environ["EC2_IMAGE_NAME"]
images = a.describe_images(Filters=[{"Name": "name", "Values": [image_name]}])["Images"]
assert len(images) == 1 and images[0]["ImageId"].startswith("ami-") and images[0]["Public"], images
again = a.describe_images(ImageIds=[images[0]["ImageId"]])["Images"]
assert again[0]["Name"] == image_name, again
assert a.describe_images(Owners=["self"])["Images"] == [], "project A owns no image"
expect_error("InvalidAMIID.NotFound", a.describe_images, ImageIds=["ami-" + "0" * 32])
expect_error("InvalidAMIID.Malformed", a.describe_images, ImageIds=["ami-12345"])
step(f"describe-images: the public image {images[0]['ImageId']}, owners, ids, not-found and malformed codes")

# ---- security groups
group_id = a.create_security_group(GroupName="ec2-web", Description="web servers")["GroupId"]
assert group_id.startswith("sg-"), group_id
ssh = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
a.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ssh)
group = a.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
rules = [p for p in group["IpPermissions"] if p["IpProtocol"] == "tcp"]
assert rules and rules[0]["FromPort"] == 22 and rules[0]["ToPort"] == 22 and \
    rules[0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0", group
expect_error("InvalidPermission.Duplicate", a.authorize_security_group_ingress, GroupId=group_id, IpPermissions=ssh)
expect_error("InvalidGroup.Duplicate", a.create_security_group, GroupName="ec2-web", Description="again")
by_name = a.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["ec2-*"]}])["SecurityGroups"]
assert [g["GroupId"] for g in by_name] == [group_id], by_name
step(f"security group {group_id} with tcp/22 from 0.0.0.0/0; duplicate rule and group codes")

# ---- tenant wall: project B sees and changes nothing of A's
assert all(k["KeyName"] != "ec2-key" for k in b.describe_key_pairs()["KeyPairs"])
expect_error("InvalidKeyPair.NotFound", b.describe_key_pairs, KeyNames=["ec2-key"])
expect_error("InvalidGroup.NotFound", b.describe_security_groups, GroupIds=[group_id])
expect_error("InvalidGroup.NotFound", b.delete_security_group, GroupId=group_id)
expect_error("InvalidGroup.NotFound", b.authorize_security_group_ingress, GroupId=group_id, IpPermissions=ssh)
assert all(g["GroupId"] != group_id for g in b.describe_security_groups()["SecurityGroups"])
assert a.describe_security_groups(GroupIds=[group_id])["SecurityGroups"], "A's group must survive B's attempts"
step("tenant wall: project B's key neither sees nor changes A's key pair and group")

# ---- instances: run (two in one reservation, then four with the default type), waiters
image_id = images[0]["ImageId"]
flavor = os.environ["EC2_FLAVOR"]
fast = {"Delay": 1, "MaxAttempts": 40}
zone = zones[0]["ZoneName"]
token = str(uuid.uuid4())
launch = dict(ImageId=image_id, InstanceType=flavor, MinCount=2, MaxCount=2, KeyName="ec2-key",
              SecurityGroupIds=[group_id], UserData="#!/bin/sh\necho hello from user data\n",
              Placement={"AvailabilityZone": zone}, ClientToken=token)
run = a.run_instances(**launch)
pair = [i["InstanceId"] for i in run["Instances"]]
assert run["ReservationId"].startswith("r-") and len(pair) == 2 and all(i.startswith("i-") for i in pair), run
assert all(i["State"] == {"Code": 0, "Name": "pending"} for i in run["Instances"]), run["Instances"]
assert sorted(i["AmiLaunchIndex"] for i in run["Instances"]) == [0, 1], run["Instances"]
assert run["OwnerId"] == os.environ["A_PROJECT"], run
retried = a.run_instances(**launch)
assert retried["ReservationId"] == run["ReservationId"] and \
    sorted(i["InstanceId"] for i in retried["Instances"]) == sorted(pair), (retried, run)
more = a.run_instances(ImageId=image_id, MinCount=1, MaxCount=4, SecurityGroups=["ec2-web"])
four = [i["InstanceId"] for i in more["Instances"]]
assert len(four) == 4 and all(i["InstanceType"] == flavor for i in more["Instances"]), more
everyone = pair + four
a.get_waiter("instance_running").wait(InstanceIds=everyone, WaiterConfig=fast)
step(f"run-instances: reservation {run['ReservationId']} of 2 (ClientToken retry answers the same), "
     f"4 more with the default instance type and a group by name; instance_running waiter")

described = a.describe_instances(InstanceIds=pair)["Reservations"]
assert len(described) == 1 and described[0]["ReservationId"] == run["ReservationId"], described
first = {i["InstanceId"]: i for i in described[0]["Instances"]}[pair[0]]
assert first["State"] == {"Code": 16, "Name": "running"}, first
assert first["KeyName"] == "ec2-key" and first["InstanceType"] == flavor and first["ImageId"] == image_id, first
assert first["Placement"]["AvailabilityZone"] == zone, first
assert first["PrivateIpAddress"].startswith("10.30.0."), first
assert [g["GroupId"] for g in first["SecurityGroups"]] == [group_id], first


def ids_of(reservations):
    return sorted(i["InstanceId"] for r in reservations for i in r["Instances"])


def described_ids(**kwargs):
    return ids_of(a.describe_instances(**kwargs)["Reservations"])


def by(name, *values):
    return {"Filters": [{"Name": name, "Values": list(values)}]}


assert described_ids() == sorted(everyone)
assert described_ids(**by("reservation-id", run["ReservationId"])) == sorted(pair)
assert described_ids(**by("key-name", "ec2-key")) == sorted(pair)
assert described_ids(**by("instance-state-name", "running")) == sorted(everyone)
assert described_ids(**by("instance-state-code", "80")) == []
assert described_ids(**by("instance-type", flavor)) == sorted(everyone)
assert described_ids(**by("image-id", image_id)) == sorted(everyone)
assert described_ids(**by("availability-zone", zone)) == sorted(everyone)
assert described_ids(**by("instance-id", pair[1])) == [pair[1]]
assert described_ids(**by("instance.group-name", "ec2-web")) == sorted(everyone)
assert described_ids(**by("instance.group-id", group_id)) == sorted(everyone)
assert described_ids(**by("instance-id", "i-*")) == sorted(everyone)
assert described_ids(Filters=[{"Name": "key-name", "Values": ["ec2-key"]},
                              {"Name": "instance-id", "Values": [pair[0], four[0]]}]) == [pair[0]]
pages = list(a.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}))
assert len(pages) == 2 and ids_of(r for p in pages for r in p["Reservations"]) == sorted(everyone), pages
assert sum(len(r["Instances"]) for r in pages[0]["Reservations"]) == 5 and "NextToken" in pages[0], pages[0]
for p in pages:
    on_page = [r["ReservationId"] for r in p["Reservations"]]
    assert len(on_page) == len(set(on_page)), f"one reservation's instances are listed together: {on_page}"
expect_error("InvalidParameterValue", a.describe_instances, MaxResults=5, NextToken="not-a-token")
expect_error("InvalidParameterValue", a.describe_instances, **by("no-such-filter", "x"))
step("describe-instances: one reservation per run, state codes, filters (reservation-id, key-name, "
     "instance-state-name/-code, instance-type, image-id, availability-zone, instance-id, instance.group-name/-id), "
     "MaxResults/NextToken")

e = expect_error("InvalidInstanceID.NotFound", a.describe_instances, InstanceIds=["i-" + "0" * 32])
assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
expect_error("InvalidInstanceID.Malformed", a.describe_instances, InstanceIds=["i-12345"])
expect_error("InvalidInstanceID.Malformed", a.stop_instances, InstanceIds=["vol-" + "0" * 32])
expect_error("InvalidAMIID.NotFound", a.run_instances, ImageId="ami-" + "0" * 32, MinCount=1, MaxCount=1)
expect_error("InvalidParameterValue", a.run_instances, ImageId=image_id, InstanceType="no.such.type",
             MinCount=1, MaxCount=1)
expect_error("InvalidKeyPair.NotFound", a.run_instances, ImageId=image_id, KeyName="no-such-key", MinCount=1, MaxCount=1)
expect_error("InvalidGroup.NotFound", a.run_instances, ImageId=image_id, SecurityGroupIds=["sg-" + "0" * 32],
             MinCount=1, MaxCount=1)
expect_error("InvalidParameterValue", a.run_instances, ImageId=image_id, MinCount=3, MaxCount=2)
expect_error("InstanceLimitExceeded", a.run_instances, ImageId=image_id, MinCount=11, MaxCount=11)
assert described_ids() == sorted(everyone), "a refused run makes nothing"
# The project's quota (10 instances) leaves room for 4 of MaxCount=6: EC2 launches what fits.
partial = [i["InstanceId"] for i in a.run_instances(ImageId=image_id, MinCount=1, MaxCount=6)["Instances"]]
assert len(partial) == 4, partial
a.terminate_instances(InstanceIds=partial)
a.get_waiter("instance_terminated").wait(InstanceIds=partial, WaiterConfig=fast)
step("instance errors: InvalidInstanceID.NotFound (400) and .Malformed, InvalidAMIID.NotFound, "
     "InvalidParameterValue, InvalidKeyPair.NotFound, InvalidGroup.NotFound, InstanceLimitExceeded; "
     "MinCount=1 MaxCount=6 launches the 4 that fit the quota")

# ---- stop, start, reboot, status, console
stopping = a.stop_instances(InstanceIds=[pair[0]])["StoppingInstances"][0]
assert stopping["InstanceId"] == pair[0] and stopping["PreviousState"] == {"Code": 16, "Name": "running"} and \
    stopping["CurrentState"]["Name"] in ("stopping", "stopped"), stopping
a.get_waiter("instance_stopped").wait(InstanceIds=[pair[0]], WaiterConfig=fast)
assert a.describe_instances(InstanceIds=[pair[0]])["Reservations"][0]["Instances"][0]["State"] == \
    {"Code": 80, "Name": "stopped"}
again = a.stop_instances(InstanceIds=[pair[0]])["StoppingInstances"][0]
assert again["PreviousState"]["Name"] == "stopped" and again["CurrentState"]["Name"] == "stopped", again
assert a.describe_instance_status(InstanceIds=[pair[0]])["InstanceStatuses"] == []
status = a.describe_instance_status(InstanceIds=[pair[0]], IncludeAllInstances=True)["InstanceStatuses"][0]
assert status["InstanceState"]["Name"] == "stopped" and status["InstanceStatus"]["Status"] == "not-applicable", status
expect_error("IncorrectInstanceState", a.reboot_instances, InstanceIds=[pair[0]])
starting = a.start_instances(InstanceIds=[pair[0]])["StartingInstances"][0]
assert starting["PreviousState"] == {"Code": 80, "Name": "stopped"} and \
    starting["CurrentState"]["Name"] in ("pending", "running"), starting
a.get_waiter("instance_running").wait(InstanceIds=[pair[0]], WaiterConfig=fast)
a.reboot_instances(InstanceIds=[pair[1]])
a.get_waiter("instance_running").wait(InstanceIds=[pair[1]], WaiterConfig=fast)
a.get_waiter("instance_status_ok").wait(InstanceIds=pair, WaiterConfig=fast)
statuses = a.describe_instance_status()["InstanceStatuses"]
assert sorted(s["InstanceId"] for s in statuses) == sorted(everyone), statuses
console = a.get_console_output(InstanceId=pair[0])
assert console["InstanceId"] == pair[0] and "login:" in console["Output"], console
step("stop (stopping -> instance_stopped waiter -> 80 stopped; again: no change), start, reboot, "
     "describe-instance-status (instance_status_ok waiter), get-console-output (base64, decoded by boto3)")

# ---- Elastic IPs
allocation = a.allocate_address(Domain="vpc")
assert allocation["AllocationId"].startswith("eipalloc-") and allocation["Domain"] == "vpc" and \
    allocation["PublicIp"].startswith("203.0.113."), allocation
association = a.associate_address(AllocationId=allocation["AllocationId"], InstanceId=pair[0])["AssociationId"]
assert association.startswith("eipassoc-"), association
address = a.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
assert address["InstanceId"] == pair[0] and address["AssociationId"] == association and \
    address["PublicIp"] == allocation["PublicIp"] and address["PrivateIpAddress"] == first["PrivateIpAddress"], address
assert [x["AllocationId"] for x in a.describe_addresses(**by("instance-id", pair[0]))["Addresses"]] == \
    [allocation["AllocationId"]]
assert a.describe_addresses(**by("instance-id", pair[1]))["Addresses"] == []
assert a.describe_addresses(PublicIps=[allocation["PublicIp"]])["Addresses"][0]["AssociationId"] == association
shown = a.describe_instances(InstanceIds=[pair[0]])["Reservations"][0]["Instances"][0]
assert shown.get("PublicIpAddress") == allocation["PublicIp"], shown
assert described_ids(**by("ip-address", allocation["PublicIp"])) == [pair[0]]
expect_error("InvalidIPAddress.InUse", a.release_address, AllocationId=allocation["AllocationId"])
expect_error("Resource.AlreadyAssociated", a.associate_address, AllocationId=allocation["AllocationId"],
             InstanceId=pair[1])
expect_error("InvalidAllocationID.NotFound", a.associate_address, AllocationId="eipalloc-" + "0" * 32,
             InstanceId=pair[0])
expect_error("InvalidAllocationID.NotFound", a.describe_addresses, AllocationIds=["eipalloc-" + "0" * 32])
step(f"Elastic IP {allocation['PublicIp']}: allocate, associate with {pair[0]} ({association}), describe by id, "
     "filter and public ip, shown on the instance; InUse and AlreadyAssociated codes")

# ---- tenant wall: project B sees and changes none of A's instances and addresses
assert b.describe_instances()["Reservations"] == []
expect_error("InvalidInstanceID.NotFound", b.describe_instances, InstanceIds=[pair[0]])
expect_error("InvalidInstanceID.NotFound", b.stop_instances, InstanceIds=[pair[0]])
expect_error("InvalidInstanceID.NotFound", b.terminate_instances, InstanceIds=[pair[0]])
expect_error("InvalidInstanceID.NotFound", b.get_console_output, InstanceId=pair[0])
assert b.describe_addresses()["Addresses"] == []
expect_error("InvalidAllocationID.NotFound", b.describe_addresses, AllocationIds=[allocation["AllocationId"]])
expect_error("InvalidAllocationID.NotFound", b.release_address, AllocationId=allocation["AllocationId"])
expect_error("InvalidAssociationID.NotFound", b.disassociate_address, AssociationId=association)
assert a.describe_instances(InstanceIds=[pair[0]])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"
assert a.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]["AssociationId"] == association
step("tenant wall: project B neither sees nor stops, terminates, reads or re-homes A's instances and address")

a.disassociate_address(AssociationId=association)
expect_error("InvalidAssociationID.NotFound", a.disassociate_address, AssociationId=association)
assert "AssociationId" not in a.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"][0]
a.release_address(AllocationId=allocation["AllocationId"])
expect_error("InvalidAllocationID.NotFound", a.release_address, AllocationId=allocation["AllocationId"])
assert a.describe_addresses()["Addresses"] == []
step("Elastic IP disassociated (the association id is gone with it) and released")

# ---- volumes: create, describe (filters, paging), errors
volume_id = a.create_volume(AvailabilityZone=zone, Size=1, VolumeType="gp2")["VolumeId"]
created = a.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
assert volume_id.startswith("vol-") and created["Size"] == 1 and created["AvailabilityZone"] == zone and \
    created["VolumeType"] == "standard" and created["Attachments"] == [] and not created["Encrypted"], created
a.get_waiter("volume_available").wait(VolumeIds=[volume_id], WaiterConfig=fast)
volume_token = str(uuid.uuid4())
extra = [a.create_volume(AvailabilityZone=zone, Size=2, ClientToken=f"{volume_token}-{n}")["VolumeId"] for n in range(5)]
assert a.create_volume(AvailabilityZone=zone, Size=2, ClientToken=f"{volume_token}-0")["VolumeId"] == extra[0], \
    "a ClientToken retry answers the first volume"
all_volumes = sorted([volume_id] + extra)


def volume_ids(**kwargs):
    return sorted(v["VolumeId"] for v in a.describe_volumes(**kwargs)["Volumes"])


def volume(volume_id):
    return a.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]


assert volume_ids() == all_volumes
assert volume_ids(**by("size", "2")) == sorted(extra)
assert volume_ids(**by("status", "available")) == all_volumes
assert volume_ids(**by("availability-zone", zone)) == all_volumes
assert volume_ids(**by("volume-id", volume_id)) == [volume_id]
assert volume_ids(**by("attachment.instance-id", pair[0])) == []
volume_pages = list(a.get_paginator("describe_volumes").paginate(PaginationConfig={"PageSize": 5}))
assert len(volume_pages) == 2 and len(volume_pages[0]["Volumes"]) == 5 and \
    sorted(v["VolumeId"] for p in volume_pages for v in p["Volumes"]) == all_volumes, volume_pages
expect_error("InvalidVolume.NotFound", a.describe_volumes, VolumeIds=["vol-" + "0" * 32])
expect_error("InvalidVolumeID.Malformed", a.describe_volumes, VolumeIds=["vol-123"])
expect_error("InvalidParameterValue", a.create_volume, AvailabilityZone=zone, Size=1, VolumeType="io1", Iops=3000)
expect_error("InvalidParameterValue", a.create_volume, AvailabilityZone="mars", Size=1)
expect_error("VolumeLimitExceeded", a.create_volume, AvailabilityZone=zone, Size=1000)  # the 1000 GiB quota
assert volume_ids() == all_volumes, "a refused create makes nothing"
step(f"create-volume {volume_id} (volume_available waiter; ClientToken retry answers the same) and 5 more; "
     "describe-volumes by id, filters (size, status, availability-zone, volume-id, attachment.instance-id), "
     "MaxResults/NextToken; NotFound, Malformed, InvalidParameterValue (io1, zone), VolumeLimitExceeded")

# ---- attach to a running instance (the fake agent connects the qcow2 file and reports)
attaching = a.attach_volume(VolumeId=volume_id, InstanceId=pair[0], Device="/dev/sdf")
assert attaching["VolumeId"] == volume_id and attaching["InstanceId"] == pair[0] and \
    attaching["Device"] == "/dev/vdf" and attaching["State"] in ("attaching", "attached"), attaching
a.get_waiter("volume_in_use").wait(VolumeIds=[volume_id], WaiterConfig=fast)
for _ in range(80):
    shown = volume(volume_id)
    if shown["Attachments"] and shown["Attachments"][0]["State"] == "attached":
        break
    time.sleep(0.25)
assert shown["State"] == "in-use" and shown["Attachments"][0]["State"] == "attached" and \
    shown["Attachments"][0]["InstanceId"] == pair[0] and shown["Attachments"][0]["Device"] == "/dev/vdf" and \
    shown["Attachments"][0]["DeleteOnTermination"] is False, shown
assert volume_ids(**by("attachment.instance-id", pair[0])) == [volume_id]
assert volume_ids(**by("attachment.status", "attached")) == [volume_id]
assert volume_ids(**by("status", "in-use")) == [volume_id]
mappings = a.describe_instances(InstanceIds=[pair[0]])["Reservations"][0]["Instances"][0]["BlockDeviceMappings"]
assert [(m["DeviceName"], m["Ebs"]["VolumeId"], m["Ebs"]["Status"]) for m in mappings] == \
    [("/dev/vdf", volume_id, "attached")], mappings
expect_error("VolumeInUse", a.attach_volume, VolumeId=volume_id, InstanceId=pair[1], Device="/dev/sdg")
expect_error("VolumeInUse", a.delete_volume, VolumeId=volume_id)
expect_error("InvalidParameterValue", a.attach_volume, VolumeId=extra[0], InstanceId=pair[0], Device="/dev/xvdf")
expect_error("InvalidParameterValue", a.attach_volume, VolumeId=extra[0], InstanceId=pair[0], Device="/dev/sda")
expect_error("InvalidInstanceID.NotFound", a.attach_volume, VolumeId=extra[0], InstanceId="i-" + "0" * 32,
             Device="/dev/sdg")
expect_error("InvalidVolume.NotFound", a.attach_volume, VolumeId="vol-" + "0" * 32, InstanceId=pair[0],
             Device="/dev/sdg")
expect_error("IncorrectState", a.create_snapshot, VolumeId=volume_id)  # block storage snapshots detached volumes
expect_error("InvalidAttachment.NotFound", a.detach_volume, VolumeId=volume_id, InstanceId=pair[1])
expect_error("IncorrectState", a.detach_volume, VolumeId=extra[0])
assert volume(extra[0])["State"] == "available", "refused attaches leave the volume alone"
step(f"attach-volume {volume_id} to {pair[0]} as /dev/sdf (virtio /dev/vdf): volume_in_use waiter, "
     "attaching -> attached, attachment filters, the instance's BlockDeviceMappings; VolumeInUse, "
     "attachment point in use, InvalidAttachment.NotFound, IncorrectState")

# ---- tenant wall: project B neither sees nor touches A's volumes, nor attaches to A's instances
assert b.describe_volumes()["Volumes"] == []
expect_error("InvalidVolume.NotFound", b.describe_volumes, VolumeIds=[volume_id])
expect_error("InvalidVolume.NotFound", b.detach_volume, VolumeId=volume_id)
expect_error("InvalidVolume.NotFound", b.delete_volume, VolumeId=extra[0])
expect_error("InvalidVolume.NotFound", b.attach_volume, VolumeId=extra[0], InstanceId=pair[0], Device="/dev/sdg")
expect_error("InvalidVolume.NotFound", b.create_snapshot, VolumeId=extra[0])
b_volume = b.create_volume(AvailabilityZone=zone, Size=1)["VolumeId"]
expect_error("InvalidInstanceID.NotFound", b.attach_volume, VolumeId=b_volume, InstanceId=pair[0], Device="/dev/sdg")
b.delete_volume(VolumeId=b_volume)
assert volume(volume_id)["Attachments"][0]["State"] == "attached" and volume_ids() == all_volumes
step("tenant wall: project B neither sees, detaches, deletes, attaches nor snapshots A's volumes, "
     "nor attaches its own to A's instance")

# ---- detach, snapshots, a volume from a snapshot
detaching = a.detach_volume(VolumeId=volume_id, InstanceId=pair[0], Device="/dev/sdf")
assert detaching["State"] in ("detaching", "detached") and detaching["Device"] == "/dev/vdf", detaching
a.get_waiter("volume_available").wait(VolumeIds=[volume_id], WaiterConfig=fast)
assert volume(volume_id)["Attachments"] == []
assert a.describe_instances(InstanceIds=[pair[0]])["Reservations"][0]["Instances"][0]["BlockDeviceMappings"] == []

snapshot = a.create_snapshot(VolumeId=volume_id, Description="before the upgrade")
snapshot_id = snapshot["SnapshotId"]
assert snapshot_id.startswith("snap-") and snapshot["VolumeId"] == volume_id and snapshot["VolumeSize"] == 1 and \
    snapshot["OwnerId"] == os.environ["A_PROJECT"] and snapshot["State"] in ("pending", "completed"), snapshot
a.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot_id], WaiterConfig=fast)
extra_snapshots = [a.create_snapshot(VolumeId=v)["SnapshotId"] for v in extra]
all_snapshots = sorted([snapshot_id] + extra_snapshots)


def snapshot_ids(**kwargs):
    return sorted(x["SnapshotId"] for x in a.describe_snapshots(**kwargs)["Snapshots"])


shown = a.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
assert shown["State"] == "completed" and shown["Progress"] == "100%" and \
    shown["Description"] == "before the upgrade", shown
assert snapshot_ids() == all_snapshots
assert snapshot_ids(OwnerIds=["self"]) == all_snapshots
assert snapshot_ids(OwnerIds=[os.environ["A_PROJECT"]]) == all_snapshots
assert snapshot_ids(OwnerIds=["amazon"]) == []
assert snapshot_ids(**by("volume-id", volume_id)) == [snapshot_id]
assert snapshot_ids(**by("description", "before *")) == [snapshot_id]
assert snapshot_ids(**by("status", "completed")) == all_snapshots
assert snapshot_ids(**by("volume-size", "2")) == sorted(extra_snapshots)
snapshot_pages = list(a.get_paginator("describe_snapshots").paginate(OwnerIds=["self"],
                                                                      PaginationConfig={"PageSize": 5}))
assert len(snapshot_pages) == 2 and \
    sorted(x["SnapshotId"] for p in snapshot_pages for x in p["Snapshots"]) == all_snapshots, snapshot_pages
expect_error("InvalidSnapshot.NotFound", a.describe_snapshots, SnapshotIds=["snap-" + "0" * 32])
expect_error("InvalidSnapshotID.Malformed", a.describe_snapshots, SnapshotIds=["snap-1"])
expect_error("InvalidSnapshot.NotFound", a.create_volume, AvailabilityZone=zone, SnapshotId="snap-" + "0" * 32)

assert b.describe_snapshots()["Snapshots"] == [] and b.describe_snapshots(OwnerIds=[os.environ["A_PROJECT"]])["Snapshots"] == []
expect_error("InvalidSnapshot.NotFound", b.describe_snapshots, SnapshotIds=[snapshot_id])
expect_error("InvalidSnapshot.NotFound", b.delete_snapshot, SnapshotId=snapshot_id)
expect_error("InvalidSnapshot.NotFound", b.create_volume, AvailabilityZone=zone, SnapshotId=snapshot_id)

restored = a.create_volume(AvailabilityZone=zone, SnapshotId=snapshot_id)
restored_id = restored["VolumeId"]
assert restored["SnapshotId"] == snapshot_id and restored["Size"] == 1, restored
a.get_waiter("volume_available").wait(VolumeIds=[restored_id], WaiterConfig=fast)
assert volume_ids(**by("snapshot-id", snapshot_id)) == [restored_id]
expect_error("IncorrectState", a.delete_volume, VolumeId=volume_id)  # block storage: delete its snapshots first
step(f"detach-volume (volume_available waiter, attachment gone); create-snapshot {snapshot_id} "
     "(snapshot_completed waiter) and 5 more; describe-snapshots by id, Owner self/project/amazon, filters, paging; "
     f"a volume {restored_id} from the snapshot; tenant wall for snapshots")

# ---- deletes
for x in all_snapshots:
    a.delete_snapshot(SnapshotId=x)
expect_error("InvalidSnapshot.NotFound", a.delete_snapshot, SnapshotId=snapshot_id)
assert a.describe_snapshots()["Snapshots"] == []
for v in all_volumes + [restored_id]:
    a.delete_volume(VolumeId=v)
a.get_waiter("volume_deleted").wait(VolumeIds=[volume_id], WaiterConfig=fast)
expect_error("InvalidVolume.NotFound", a.delete_volume, VolumeId=volume_id)
assert a.describe_volumes()["Volumes"] == []
step("delete-snapshot and delete-volume (volume_deleted waiter); NotFound afterwards, nothing left")

# ---- terminate
terminating = a.terminate_instances(InstanceIds=everyone)["TerminatingInstances"]
assert sorted(t["InstanceId"] for t in terminating) == sorted(everyone), terminating
assert all(t["PreviousState"]["Name"] == "running" and
           t["CurrentState"]["Name"] in ("shutting-down", "terminated") for t in terminating), terminating
a.get_waiter("instance_terminated").wait(InstanceIds=everyone, WaiterConfig=fast)
terminated_at = time.monotonic()
assert set(everyone) <= set(described_ids(**by("instance-state-name", "terminated")))
again = a.terminate_instances(InstanceIds=[pair[0]])["TerminatingInstances"][0]
assert again["PreviousState"]["Code"] == 48 and again["CurrentState"]["Code"] == 48, again
step("terminate-instances (shutting-down, instance_terminated waiter; terminated ones stay visible a while)")

# ---- authentication and protocol errors
expect_error("SignatureDoesNotMatch", client(os.environ["A_KEY"], os.environ["A_SECRET"] + "x").describe_regions)
expect_error("AuthFailure", client("STKAAAAAAAAAAAAAAAAA", "secret").describe_regions)
status, body = raw("Action=DescribeRegions&Version=2016-11-15", os.environ["A_KEY"], os.environ["A_SECRET"],
                   when=datetime.datetime.utcnow() - datetime.timedelta(minutes=10))
assert status == 400 and "<Code>RequestExpired</Code>" in body, (status, body)
status, body = raw("Action=RunRockets&Version=2016-11-15", os.environ["A_KEY"], os.environ["A_SECRET"])
assert status == 400 and "<Code>InvalidAction</Code>" in body and "<RequestID>" in body, (status, body)
status, body = raw("Action=CreateSecurityGroup&Version=2016-11-15&GroupName=x", os.environ["A_KEY"], os.environ["A_SECRET"])
assert status == 400 and "<Code>MissingParameter</Code>" in body, (status, body)
status, body = raw("Action=DescribeKeyPairs&Version=2016-11-15", os.environ["A_KEY"], os.environ["A_SECRET"])
assert status == 200 and 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"' in body and "<requestId>" in body, body
step("wrong secret SignatureDoesNotMatch, unknown key AuthFailure, 10-minute skew RequestExpired, "
     "InvalidAction, MissingParameter")

# ---- teardown
a.revoke_security_group_ingress(GroupId=group_id, IpPermissions=ssh)
expect_error("InvalidPermission.NotFound", a.revoke_security_group_ingress, GroupId=group_id, IpPermissions=ssh)
a.delete_security_group(GroupId=group_id)
expect_error("InvalidGroup.NotFound", a.describe_security_groups, GroupIds=[group_id])
a.delete_key_pair(KeyName="ec2-key")
a.delete_key_pair(KeyPairId=imported["KeyPairId"])
assert a.describe_key_pairs()["KeyPairs"] == []
step("teardown: rule revoked, group and key pairs deleted, nothing left")

# ---- terminated instances go away after ec2.terminated_visible_seconds
time.sleep(max(0.0, terminated_at + float(os.environ["EC2_TERMINATED_VISIBLE_SECONDS"]) + 1 - time.monotonic()))
assert a.describe_instances()["Reservations"] == []
expect_error("InvalidInstanceID.NotFound", a.describe_instances, InstanceIds=[pair[0]])
step("terminated instances are gone after the visibility window: NotFound, as on EC2")
sys.exit(0)
