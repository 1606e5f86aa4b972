#!/usr/bin/python3
"""The EC2 front through Debian's unmodified boto3 (run by boto3_test.cpp, which starts the
cloud and sets EC2_URL, EC2_REGION, A_KEY/A_SECRET/A_PROJECT, B_KEY/B_SECRET, EC2_FLAVOR,
EC2_IMAGE_NAME, EC2_TMP). One line per step; exits non-zero at the first failure."""
import datetime
import os
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
sys.exit(0)
