#!/usr/bin/env bash
# tests/compute-e2e/scenario.sh: the compute guide end to end on the local cloud, through cloudctl
# only, with real VMs (libvirt, TCG) and the outside world of floating IPs (namespace
# cloud-outside). Needs a cloud that `deploy/cloud up` started; tests/compute-e2e/run.sh starts
# one when none runs. Root (namespaces, virsh, ovs-ofctl for the audit).
#
# As demo: key pair KeypairOne; two servers web-1, web-2 (--count 2) in a new group web-sg;
# SSH through a floating IP fails before the association and before the tcp/22 rule, then works;
# the console log shows the host key sshd offers; web-1 reaches web-2 on the tenant network by
# ICMP (allowed within the group) but not on tcp/8080 until a rule allows it, and the outside
# world never does; a file written to web-1's disk survives stop/start; web-1's snapshot boots
# web-3 with the file; the floating IP moves to web-3; a volume gets a file system and a file on
# web-1, is refused to web-2 while in use, stays across stop/start, is available again when web-1
# is deleted and shows the file on web-3; everything is deleted and the audit finds no domain,
# instance directory, OVS interface, flow, port, floating IP, volume or claim left.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for lib in common external services journey; do
  # shellcheck source=/dev/null
  source "$root/deploy/lib/$lib.sh"
done
STRATUS_STATE=${STRATUS_STATE:-/var/lib/stratus}
export PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/sbin:$PATH

work=$(mktemp -d /tmp/compute-e2e.XXXXXX)
KEY=$work/KeypairOne.pem
GROUP=web-sg-$$            # unique per run: a crashed run's group never collides
SNAPSHOT=web-1-snap-$$
VOLUME=web-data-$$
MARK="written-by-compute-e2e-$$"
SSH_TIMEOUT=${STRATUS_E2E_SSH_TIMEOUT:-180}

demo() { cloudctl --profile demo "$@"; }
admin() { cloudctl --profile admin "$@"; }
fail() { echo "compute-e2e: FAIL: $*" >&2; exit 1; }
t0=$SECONDS
step() { echo "compute-e2e: [$((SECONDS - t0)) s] $*"; }

# ssh_as USER ADDRESS COMMAND...: one attempt from cloud-outside with KeypairOne.
ssh_as() {
  local user=$1 address=$2; shift 2
  in_outside timeout 25 ssh -F /dev/null -i "$KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR "$user@$address" "$@"
}
# ssh_until USER ADDRESS EXPECTED COMMAND...: retry until COMMAND prints EXPECTED (guest boot).
ssh_until() {
  local user=$1 address=$2 expected=$3 out="" deadline=$((SECONDS + SSH_TIMEOUT)); shift 3
  until out=$(ssh_as "$user" "$address" "$@" 2>&1) && [[ $out == "$expected" ]]; do
    ((SECONDS < deadline)) || fail "ssh $user@$address $* printed '${out}', not '$expected', for $SSH_TIMEOUT s"
    sleep 2
  done
}
# console_fingerprint SERVER: the ecdsa host key fingerprint the guest printed, once it has.
console_fingerprint() {
  local deadline=$((SECONDS + SSH_TIMEOUT)) printed
  while :; do
    printed=$(console_host_key "$(demo server console-log "$1" --lines 400)")
    [[ -z $printed ]] || { echo "$printed"; return 0; }
    ((SECONDS < deadline)) || fail "$1 printed no host key fingerprints on its console in $SSH_TIMEOUT s"
    sleep 2
  done
}
server_field() { demo --json server show "$1" | jq -r "$2"; }
fixed_ip() { server_field "$1" '[.addresses[].addresses[] | select(.type != "floating") | .ip_address][0]'; }
host_usage() { admin --json host show "$(hostname -s)" | jq -c '{vcpus_used, ram_mib_used, disk_gib_used, instances}'; }

# ---- cleanup: whatever this run made, in any state; then the audit -------------------------
server_ids=() port_ids=() fip_id="" snapshot_id="" volume_id="" volume_snapshot_id="" copy_id="" image_volume_id=""
cleanup() {
  local id
  if [[ ${STRATUS_E2E_KEEP:-0} == 1 ]]; then echo "compute-e2e: kept everything (STRATUS_E2E_KEEP=1) and $work"; return; fi
  for id in "${server_ids[@]}"; do demo server delete "$id" --wait >/dev/null 2>&1 || true; done
  [[ -z $fip_id ]] || demo floating-ip delete "$fip_id" >/dev/null 2>&1 || true
  [[ -z $snapshot_id ]] || demo image delete "$snapshot_id" >/dev/null 2>&1 || true
  [[ -z $volume_snapshot_id ]] || demo volume snapshot delete "$volume_snapshot_id" >/dev/null 2>&1 || true
  [[ -z $copy_id ]] || demo volume delete "$copy_id" >/dev/null 2>&1 || true
  [[ -z $image_volume_id ]] || demo volume delete "$image_volume_id" >/dev/null 2>&1 || true
  [[ -z $volume_id ]] || demo volume delete "$volume_id" >/dev/null 2>&1 || true
  demo security-group delete "$GROUP" >/dev/null 2>&1 || true
  demo keypair delete KeypairOne >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

audit() {
  local id port cookie left=()
  for id in "${server_ids[@]}"; do
    ! virsh -c qemu:///system list --all --name | grep -qx "stratus-$id" || left+=("libvirt domain stratus-$id")
    [[ ! -e $(compute_instances_dir)/$id ]] || left+=("instance directory $(compute_instances_dir)/$id")
    [[ $(demo --json server list | jq --arg id "$id" '[.[] | select(.id == $id)] | length') == 0 ]] ||
      left+=("server $id in server list")
  done
  for port in "${port_ids[@]}"; do
    [[ -z $(vsctl --bare --columns=name find Interface "external_ids:iface-id=$port") ]] || left+=("OVS interface of port $port")
    cookie=$(tr -d - <<<"$port" | cut -c1-16 | sed 's/^0*//')
    [[ $(ovs-ofctl -O OpenFlow13 dump-flows "$STRATUS_INTEGRATION_BRIDGE" "cookie=0x$cookie/-1" | grep -c cookie=) == 0 ]] ||
      left+=("flows with cookie 0x$cookie (port $port)")
    ! demo port show "$port" >/dev/null 2>&1 || left+=("port $port (and its fixed IP)")
  done
  [[ -z $fip_id ]] || ! demo floating-ip show "$fip_id" >/dev/null 2>&1 || left+=("floating IP $fip_id")
  for id in $volume_id $copy_id $image_volume_id; do
    ! demo volume show "$id" >/dev/null 2>&1 || left+=("volume $id")
    [[ ! -e $STRATUS_STATE/volumes/volume-$id.qcow2 ]] || left+=("the volume file of $id")
  done
  [[ -z $volume_snapshot_id ]] || ! demo volume snapshot show "$volume_snapshot_id" >/dev/null 2>&1 ||
    left+=("volume snapshot $volume_snapshot_id")
  [[ $(host_usage) == "$usage_before" ]] || left+=("claims: host usage $(host_usage), was $usage_before")
  ((${#left[@]} == 0)) || { printf 'compute-e2e: left behind: %s\n' "${left[@]}" >&2; exit 1; }
  step "audit: no domain, instance directory, OVS interface, flow, port, fixed or floating IP, volume or claim is left"
}

# ---- the guide ---------------------------------------------------------------------------------
usage_before=$(host_usage)
step "host usage before: $usage_before"

demo keypair create KeypairOne --file "$KEY" >/dev/null
[[ $(stat -c %a "$KEY") == 600 ]] || fail "$KEY is not mode 0600"
step "key pair KeypairOne saved 0600"

demo image list --public | grep -q '[[:space:]]stratus-guest[[:space:]]' || fail "no public image stratus-guest"
demo flavor list | grep -q '[[:space:]]m1\.tiny[[:space:]]' || fail "no flavor m1.tiny"

# The group starts without rules: nothing in, nothing out. Out: anything; in: ICMP from members.
demo security-group create "$GROUP" --description "compute e2e" >/dev/null
demo security-group rule create "$GROUP" --direction egress --protocol any >/dev/null
demo security-group rule create "$GROUP" --protocol icmp --remote-group "$GROUP" >/dev/null

# Each guest serves its hostname on tcp/8080 (busybox httpd, started by the user data).
cat >"$work/user-data" <<'EOF'
#!/bin/sh
mkdir -p /srv/www && hostname > /srv/www/index.html && httpd -p 8080 -h /srv/www
EOF
demo server create web --count 2 --image stratus-guest --flavor m1.tiny --key-name KeypairOne \
  --security-group "$GROUP" --network demo-net --user-data "$work/user-data" --wait >/dev/null
for name in web-1 web-2; do
  id=$(server_field "$name" .id)
  server_ids+=("$id")
  read -ra ports <<<"$(server_field "$name" '.port_ids | join(" ")')"
  port_ids+=("${ports[@]}")
done
web1=${server_ids[0]} web2=${server_ids[1]}
web2_ip=$(fixed_ip web-2)
step "web-1 $web1 and web-2 $web2 ($web2_ip) ACTIVE"

fip=$(demo --json floating-ip create --pool public)
fip_id=$(jq -r .id <<<"$fip")
address=$(jq -r .floating_ip_address <<<"$fip")
printed=$(console_fingerprint web-1)   # sshd listens from here on: a failure below is the network's
! ssh_as cloud "$address" hostname >/dev/null 2>&1 || fail "ssh to $address worked before the association"
demo floating-ip associate "$fip_id" web-1 >/dev/null
! ssh_as cloud "$address" hostname >/dev/null 2>&1 || fail "ssh to web-1 worked before a tcp/22 rule"
step "ssh to floating IP $address fails before the association and before the tcp/22 rule"
demo security-group rule create "$GROUP" --protocol tcp --port 22 --remote-ip 0.0.0.0/0 >/dev/null
ssh_until cloud "$address" web-1 hostname
step "ssh -i KeypairOne.pem cloud@$address hostname: web-1"

offered=$(offered_host_key "$address")
[[ $printed == "$offered" ]] || fail "console log says host key $printed, sshd offers ${offered:-nothing}"
step "web-1's console log shows the host key its sshd offers ($printed)"

# The interactive console (Compute.OpenConsole -> the agent's tunnel -> libvirt's console
# stream): Enter at getty's prompt is answered with the prompt again.
console_out=$(printf '\r' | demo server console web-1 --linger 3) || fail "server console web-1 failed"
[[ $console_out == *"web-1 login:"* ]] || fail "web-1's console did not answer Enter with its login prompt: ${console_out: -200}"
# Tenant wall: a member of another project gets NOT_FOUND, and nothing of web-1's console.
other_project=e2e-other-$RANDOM
other_password=Other-$RANDOM-Pass
admin project create "$other_project" >/dev/null
admin user create "$other_project-user" --password-stdin <<<"$other_password" >/dev/null
admin role add member --user "$other_project-user" --project "$other_project" >/dev/null
identity_url=$(admin --json catalog list | jq -r '.[] | select(.service == "identity") | .url')
other() {
  CLOUD_PROFILE=$other_project CLOUD_ENDPOINT=$identity_url CLOUD_USERNAME=$other_project-user \
    CLOUD_PROJECT=$other_project CLOUD_PASSWORD=$other_password cloudctl "$@"
}
if other_out=$(printf '\r' | other server console "$web1" --linger 1 2>&1); then
  fail "a member of $other_project opened web-1's console: ${other_out: -200}"
fi
[[ $other_out == *NOT_FOUND* && $other_out != *login:* ]] || fail "another project's console attempt answered: ${other_out: -200}"
admin user delete "$other_project-user" >/dev/null
admin project delete "$other_project" >/dev/null
step "web-1's interactive console answers Enter with 'web-1 login:'; another project's member gets NOT_FOUND"

# (busybox nc, not its wget: the guest's static wget crashes.)
http_get="printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $web2_ip 8080 | tail -n 1"
ssh_as root "$address" "ping -c1 -W3 $web2_ip" >/dev/null || fail "web-1 cannot ping web-2 ($web2_ip) inside the group"
[[ -z $(ssh_as root "$address" "$http_get" 2>/dev/null) ]] || fail "web-1 reached web-2:8080 with no rule allowing it"
demo security-group rule create "$GROUP" --protocol tcp --port 8080 --remote-group "$GROUP" >/dev/null
ssh_until root "$address" web-2 "$http_get"
! in_outside timeout 5 socat -T3 - "TCP:$address:8080" </dev/null >/dev/null 2>&1 ||
  fail "the outside reached web-1:8080, which only the group may"
step "web-1 -> web-2: ping allowed, tcp/8080 only after the group rule; the outside still cannot"

# A volume: a file system and a file from inside web-1, as root (block devices are root's).
volume_id=$(demo --json volume create "$VOLUME" --size 1 | jq -r .id)
demo volume attach "$VOLUME" web-1 --wait >/dev/null
ssh_as root "$address" "mke2fs -q /dev/vdb >/dev/null && mkdir -p /mnt/data && mount /dev/vdb /mnt/data && echo $MARK > /mnt/data/proof && sync && umount /mnt/data" ||
  fail "cannot make a file system on web-1's /dev/vdb"
if out=$(demo volume attach "$VOLUME" web-2 2>&1); then fail "$VOLUME was attached to web-2 while in use on web-1"; fi
grep -q "web-1" <<<"$out" || fail "the refusal to attach $VOLUME to web-2 does not name web-1: $out"
step "$VOLUME ($volume_id) attached to web-1 as /dev/vdb with a file on it; refused to web-2 while in use"

# The root disk keeps what the guest writes across stop/start (the guest runs from RAM: the
# file goes to the disk's FAT partition).
ssh_as root "$address" "mkdir -p /mnt && mount /dev/vda1 /mnt && echo $MARK > /mnt/e2e.txt && umount /mnt" || fail "cannot write web-1's disk"
demo server stop web-1 --wait >/dev/null
[[ $(server_field web-1 .vm_state) == VM_STATE_SHUTOFF ]] || fail "web-1 is $(server_field web-1 .vm_state) after stop"
demo server start web-1 --wait >/dev/null
ssh_until root "$address" "$MARK" "mkdir -p /mnt && mount -o ro /dev/vda1 /mnt && cat /mnt/e2e.txt; umount /mnt"
ssh_until root "$address" "$MARK" "mkdir -p /mnt/data && mount -o ro /dev/vdb /mnt/data && cat /mnt/data/proof; umount /mnt/data"
step "web-1's file, and its volume with the file on it, survive stop/start"

snapshot=$(demo --json server snapshot web-1 "$SNAPSHOT" --wait)
snapshot_id=$(jq -r .image_id <<<"$snapshot")
[[ $(server_field web-1 .vm_state) == VM_STATE_ACTIVE ]] || fail "web-1 is not ACTIVE after its snapshot"
demo server create web-3 --image "$snapshot_id" --flavor m1.tiny --key-name KeypairOne \
  --security-group "$GROUP" --network demo-net --wait >/dev/null
web3=$(server_field web-3 .id)
server_ids+=("$web3")
read -ra ports <<<"$(server_field web-3 '.port_ids | join(" ")')"
port_ids+=("${ports[@]}")
step "web-3 $web3 ACTIVE from snapshot $SNAPSHOT ($snapshot_id)"

demo floating-ip associate "$fip_id" web-3 >/dev/null
ssh_until cloud "$address" web-3 hostname
ssh_until root "$address" "$MARK" "mkdir -p /mnt && mount -o ro /dev/vda1 /mnt && cat /mnt/e2e.txt; umount /mnt"
step "floating IP $address moved to web-3; web-3 has web-1's file"

# The volume outlives web-1 and brings its file to web-3.
demo server delete web-1 --wait >/dev/null
[[ $(demo --json volume show "$VOLUME" | jq -r .status) == VOLUME_STATUS_AVAILABLE ]] ||
  fail "$VOLUME is $(demo --json volume show "$VOLUME" | jq -r .status) after web-1 was deleted, not available"
demo volume attach "$VOLUME" web-3 --wait >/dev/null
ssh_until root "$address" "$MARK" "mkdir -p /mnt/data && mount -o ro /dev/vdb /mnt/data && cat /mnt/data/proof; umount /mnt/data"
demo volume detach "$VOLUME" --wait >/dev/null
ssh_as root "$address" "test ! -e /sys/block/vdb" || fail "/dev/vdb is still in web-3 after the detach"
step "web-1 deleted: $VOLUME available again, on web-3 with web-1's file, detached (gone in the guest)"

# A snapshot of the volume, and a volume made from it that has the file.
demo volume snapshot create "$VOLUME-snap" --volume "$VOLUME" >/dev/null
volume_snapshot_id=$(demo --json volume snapshot show "$VOLUME-snap" | jq -r .id)
copy_id=$(demo --json volume create "$VOLUME-copy" --snapshot "$VOLUME-snap" | jq -r .id)
demo volume attach "$copy_id" web-3 --wait >/dev/null
ssh_until root "$address" "$MARK" "mkdir -p /mnt/data && mount -o ro /dev/vdb /mnt/data && cat /mnt/data/proof; umount /mnt/data"
demo volume detach "$copy_id" --wait >/dev/null
if out=$(demo volume delete "$VOLUME" 2>&1); then fail "$VOLUME was deleted while it has a snapshot"; fi
demo volume snapshot delete "$volume_snapshot_id" >/dev/null
demo volume delete "$copy_id" >/dev/null
demo volume delete "$VOLUME" >/dev/null
step "snapshot $VOLUME-snap held $VOLUME; $VOLUME-copy made from it has the file on web-3; all deleted"

# A volume made from the guest image is bootable and has the image's boot partition.
image_volume_id=$(demo --json volume create "$VOLUME-image" --image stratus-guest | jq -r .id)
[[ $(demo --json volume show "$image_volume_id" | jq -r .bootable) == true ]] || fail "$VOLUME-image is not bootable"
demo volume attach "$image_volume_id" web-3 --wait >/dev/null
ssh_until root "$address" yes "mkdir -p /mnt/img && mount -o ro /dev/vdb1 /mnt/img && test -s /mnt/img/vmlinuz && echo yes; umount /mnt/img"
demo volume detach "$image_volume_id" --wait >/dev/null
demo volume delete "$image_volume_id" >/dev/null
step "$VOLUME-image made from stratus-guest is bootable and has its kernel on /dev/vdb1 in web-3"

for id in "${server_ids[@]}"; do
  demo server show "$id" >/dev/null 2>&1 || continue  # web-1 is gone already
  demo server delete "$id" --wait >/dev/null
done
demo floating-ip delete "$fip_id" >/dev/null
demo image delete "$snapshot_id" >/dev/null
demo security-group delete "$GROUP" >/dev/null
demo keypair delete KeypairOne >/dev/null
step "deleted web-1..3, the floating IP, the snapshot, $VOLUME, $GROUP and KeypairOne"
audit
step "passed"
