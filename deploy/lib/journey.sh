# shellcheck shell=bash
# The user journey that `deploy/cloud up` ends with and `deploy/cloud journey` runs alone.
# A step is a line "NEEDS  FUNCTION  DESCRIPTION". NEEDS is -, or comma-separated requirements:
# a service name (its binary is built) or cloudctl:RESOURCE (this cloudctl has that command).
# A step whose needs are not met is skipped. Later features append their steps in journey order.
JOURNEY_STEPS=(
  "identity                    journey_whoami      the demo user logs in"
  "identity                    journey_catalog     the admin lists the service catalog"
  "image,cloudctl:image        journey_images      the demo user sees the public guest images"
  "network,cloudctl:network    journey_networks    the demo user sees networks public and demo-net"
  "network,cloudctl:network    journey_rules       the default group of demo lets ssh and ping in"
  "network,cloudctl:network    journey_floating_ip the demo user takes a floating IP from public and releases it"
  "compute,cloudctl:flavor      journey_flavors     the demo user sees flavors m1.tiny and m1.small"
  "compute,cloudctl:keypair     journey_keypair     the demo user makes key pair journey-key, private key saved 0600"
  "compute-agent,network-agent,cloudctl:server journey_server_boot the demo user boots journey-vm (stratus-guest, m1.tiny, demo-net) and waits for ACTIVE"
  "compute-agent,network-agent,cloudctl:server journey_server_fip  a floating IP from public is associated with journey-vm"
  "compute-agent,network-agent,cloudctl:server journey_server_ssh  cloud-outside: ssh -i KEY cloud@FLOATING_IP hostname prints journey-vm"
  "compute-agent,network-agent,cloudctl:server journey_console_log journey-vm's console log prints the host key that its sshd offers"
  "compute-agent,block-storage,cloudctl:volume journey_volume a 1 GiB volume is attached to journey-vm, seen in the guest as /dev/vdb, detached (gone in the guest) and deleted (file gone)"
  "compute-agent,network-agent,cloudctl:server journey_server_delete journey-vm is deleted (--wait), its floating IP and key pair released"
  "compute-agent,network-agent,cloudctl:server journey_server_audit nothing of journey-vm is left: libvirt domain, instance directory, OVS interface, port"
  "ec2-api                     journey_aws         the AWS CLI (profile stratus, demo's access key) lists the public images and key pairs through the EC2 front"
  "dashboard                   journey_dashboard   the dashboard serves its app, demo logs in, lists the public images through /api/, logs out (the session is gone)"
)

journey_whoami() { cloudctl --profile demo whoami; }
journey_catalog() { cloudctl --profile admin catalog list; }

# expect_lines PATTERN...: stdin (a cloudctl table) has a line matching each extended regex.
expect_lines() {
  local out pattern
  out=$(cat)
  printf '%s\n' "$out"
  for pattern in "$@"; do
    grep -Eq -- "$pattern" <<<"$out" || { echo "expected a line matching /$pattern/" >&2; return 1; }
  done
}

journey_images() {
  cloudctl --profile demo image list --public | expect_lines \
    "stratus-guest .*active.*public" "stratus-guest-kernel .*active" "stratus-guest-ramdisk .*active"
}

journey_networks() {
  cloudctl --profile demo network list | expect_lines "[[:space:]]public[[:space:]]" "[[:space:]]demo-net[[:space:]]"
}

journey_rules() {
  cloudctl --profile demo security-group rule list default | expect_lines "tcp.*22" "icmp"
}

journey_floating_ip() {
  local created id address
  created=$(cloudctl --profile demo --json floating-ip create --pool public) || return 1
  id=$(jq -r '.id // empty' <<<"$created")
  address=$(jq -r '.floating_ip_address // empty' <<<"$created")
  [[ -n $id && -n $address ]] || { echo "floating-ip create answered no id or address: $created" >&2; return 1; }
  echo "allocated $address ($id)"
  cloudctl --profile demo floating-ip delete "$id" || return 1
  echo "released $address"
}

# ---- a real server: boot, reach it by SSH through a floating IP, delete it, audit ----------
# Steps run in subshells: what one step learns for the next (ids, addresses) is kept in files
# under $STRATUS_STATE/run/journey/. Each step finds what it needs by name, so a failed step
# leaves the later ones able to clean up.
JOURNEY_SERVER=journey-vm
JOURNEY_KEY=journey-key
journey_dir() { echo "$STRATUS_STATE/run/journey"; }
journey_key_file() { echo "$(journey_dir)/$JOURNEY_KEY.pem"; }
journey_note() { printf '%s\n' "$2" >"$(journey_dir)/$1"; }          # journey_note NAME VALUE
journey_recall() { cat "$(journey_dir)/$1" 2>/dev/null || true; }     # journey_recall NAME
as_demo() { cloudctl --profile demo "$@"; }

journey_flavors() {
  as_demo flavor list | expect_lines "[[:space:]]m1\.tiny[[:space:]]" "[[:space:]]m1\.small[[:space:]]"
}

# A fresh key pair each run (a key pair's private key exists only once, at creation).
journey_keypair() {
  install -d -m 0700 "$(journey_dir)"
  rm -f "$(journey_key_file)"
  as_demo keypair show "$JOURNEY_KEY" >/dev/null 2>&1 && { as_demo keypair delete "$JOURNEY_KEY" || return 1; }
  as_demo keypair create "$JOURNEY_KEY" --file "$(journey_key_file)" >/dev/null || return 1
  [[ $(stat -c %a "$(journey_key_file)") == 600 ]] || { echo "$(journey_key_file) is not mode 0600"; return 1; }
  ssh-keygen -y -f "$(journey_key_file)" >/dev/null || { echo "the saved private key does not load"; return 1; }
  echo "saved $(journey_key_file) (0600): $(as_demo --json keypair show "$JOURNEY_KEY" | jq -r .fingerprint_sha256)"
}

# journey_server_leftovers: a journey-vm (and its floating IPs) left by an interrupted run.
journey_server_leftovers() {
  local id
  id=$(as_demo --json server show "$JOURNEY_SERVER" 2>/dev/null | jq -r '.id // empty') || true
  [[ -n $id ]] || return 0
  echo "deleting journey-vm $id left by an earlier run"
  journey_release_fips "$id"
  as_demo server delete "$id" --wait
}

# journey_release_fips SERVER_ID: delete the floating IPs on the server's ports.
journey_release_fips() {
  local port fip
  for port in $(as_demo --json port list --server "$1" | jq -r '.[].id'); do
    for fip in $(as_demo --json floating-ip list | jq -r --arg p "$port" '.[] | select(.port_id == $p) | .id'); do
      as_demo floating-ip delete "$fip" || return 1
    done
  done
}

journey_server_boot() {
  local server id rc=0
  journey_server_leftovers || return 1
  rm -f "$(journey_dir)"/server-* "$(journey_dir)"/fip-*
  server=$(as_demo --json server create "$JOURNEY_SERVER" --image "$GUEST_DISK_IMAGE" --flavor m1.tiny \
    --key-name "$JOURNEY_KEY" --network demo-net --wait) || rc=$?
  id=$(jq -r '.id // empty' <<<"$server" 2>/dev/null || true)
  [[ -z $id ]] || journey_note server-id "$id"
  if ((rc != 0)); then
    [[ -z $id ]] || as_demo server show "$id" || true
    return "$rc"
  fi
  journey_note server-ports "$(jq -r '.port_ids | join(" ")' <<<"$server")"
  echo "journey-vm $id ACTIVE on $(jq -r '.host // "?"' <<<"$server"): $(jq -r '[.addresses[].addresses[].ip_address] | join(", ")' <<<"$server")"
}

journey_server_fip() {
  local id fip address
  id=$(journey_recall server-id)
  [[ -n $id ]] || { echo "no server from the boot step"; return 1; }
  fip=$(as_demo --json floating-ip create --pool public) || return 1
  address=$(jq -r .floating_ip_address <<<"$fip")
  journey_note fip-id "$(jq -r .id <<<"$fip")"
  journey_note fip-address "$address"
  as_demo floating-ip associate "$(jq -r .id <<<"$fip")" "$id" >/dev/null || return 1
  echo "floating IP $address -> journey-vm ($(as_demo --json floating-ip show "$address" | jq -r .fixed_ip_address))"
}

# journey_ssh_as USER ADDRESS COMMAND...: one SSH attempt from cloud-outside with the journey's key.
journey_ssh_as() {
  local user=$1 address=$2; shift 2
  in_outside timeout 20 ssh -F /dev/null -i "$(journey_key_file)" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR "$user@$address" "$@"
}
journey_ssh() { journey_ssh_as cloud "$@"; }

# The guest boots a few seconds after ACTIVE (TCG) and then starts dropbear: try until it answers.
journey_server_ssh() {
  local address name="" deadline=$((SECONDS + ${STRATUS_JOURNEY_SSH_TIMEOUT:-180}))
  address=$(journey_recall fip-address)
  [[ -n $address ]] || { echo "no floating IP from the previous step"; return 1; }
  until name=$(journey_ssh "$address" hostname 2>/dev/null); do
    ((SECONDS < deadline)) || break
    sleep 2
  done
  if [[ $name != "$JOURNEY_SERVER" ]]; then
    echo "ssh cloud@$address hostname answered '${name}', not $JOURNEY_SERVER; last attempt:"
    journey_ssh "$address" hostname
    return 1
  fi
  echo "ssh cloud@$address hostname: $name"
}

# console_host_key CONSOLE_TEXT: the ecdsa fingerprint in the host-key block a guest prints on
# its console (cloud-init's format); empty when the block is not there (yet).
console_host_key() {
  sed -n '/BEGIN SSH HOST KEY FINGERPRINTS/,/END SSH HOST KEY FINGERPRINTS/p' <<<"$1" |
    tr -d '\r' | awk '$1 == "ecdsa" { print $2 }'
}
# offered_host_key ADDRESS: the ecdsa fingerprint the sshd at ADDRESS offers to cloud-outside.
offered_host_key() {
  in_outside ssh-keyscan -T 5 -t ecdsa "$1" 2>/dev/null | ssh-keygen -lf - | awk '{ print $2 }'
}

# What a careful user does before trusting the host key: read the fingerprints the guest printed
# on its console and compare them with the key its sshd offers through the floating IP. The
# console reaches compute every few seconds, so the step waits a little for the block.
journey_console_log() {
  local id address out printed offered deadline=$((SECONDS + 30))
  id=$(journey_recall server-id)
  address=$(journey_recall fip-address)
  [[ -n $id && -n $address ]] || { echo "no server or floating IP from the earlier steps"; return 1; }
  while :; do
    out=$(as_demo server console-log "$id" --lines 400) || return 1
    printed=$(console_host_key "$out")
    [[ -z $printed && SECONDS -lt deadline ]] || break
    sleep 2
  done
  [[ -n $printed ]] || { printf '%s\n' "$out" | tail -n 20; echo "no ecdsa host key fingerprint in the console log"; return 1; }
  offered=$(offered_host_key "$address")
  [[ $printed == "$offered" ]] || { echo "console says $printed, sshd at $address offers ${offered:-nothing}"; return 1; }
  echo "$(wc -l <<<"$out") lines; the console's ecdsa host key $printed is the one sshd offers"
}

journey_server_delete() {
  local id fip rc=0
  id=$(journey_recall server-id)
  fip=$(journey_recall fip-id)
  if [[ -n $fip ]]; then as_demo floating-ip delete "$fip" || rc=1; fi
  if [[ -n $id ]]; then
    journey_release_fips "$id" || rc=1
    as_demo server delete "$id" --wait || rc=1
  fi
  as_demo keypair delete "$JOURNEY_KEY" || rc=1
  rm -f "$(journey_key_file)"
  ((rc == 0)) && echo "deleted journey-vm ${id:-(none)}, floating IP ${fip:-(none)}, key pair $JOURNEY_KEY"
  return "$rc"
}

journey_server_audit() {
  local id port left=()
  id=$(journey_recall server-id)
  [[ -n $id ]] || { echo "no server from the boot step: nothing to audit"; return 1; }
  if virsh -c qemu:///system list --all --name | grep -qx "stratus-$id"; then left+=("libvirt domain stratus-$id"); fi
  [[ ! -e $(compute_instances_dir)/$id ]] || left+=("instance directory $(compute_instances_dir)/$id")
  for port in $(journey_recall server-ports); do
    [[ -z $(vsctl --bare --columns=name find Interface "external_ids:iface-id=$port") ]] ||
      left+=("OVS interface of port $port")
    ! as_demo port show "$port" >/dev/null 2>&1 || left+=("port $port")
  done
  [[ $(as_demo --json port list --server "$id" | jq length) == 0 ]] || left+=("ports with device_id $id")
  [[ -z $(journey_recall fip-id) ]] || ! as_demo floating-ip show "$(journey_recall fip-id)" >/dev/null 2>&1 ||
    left+=("floating IP $(journey_recall fip-address)")
  if ((${#left[@]})); then
    printf 'left behind: %s\n' "${left[@]}"
    return 1
  fi
  echo "no domain, instance directory, OVS interface, port or floating IP of journey-vm $id is left"
}

# journey_volume: a volume on journey-vm and off again, seen from inside the guest (as root:
# the guest authorises the key for root too, and block devices are root's).
journey_volume() {
  local volume id status file address rc=0
  id=$(journey_recall server-id)
  address=$(journey_recall fip-address)
  [[ -n $id && -n $address ]] || { echo "no server or floating IP from the earlier steps"; return 1; }
  if as_demo --json volume show journey-volume >/dev/null 2>&1; then as_demo volume delete journey-volume || return 1; fi
  volume=$(as_demo --json volume create journey-volume --size 1 --description "deploy/cloud journey") || return 1
  id=$(jq -r .id <<<"$volume")
  status=$(jq -r .status <<<"$volume")
  file=$STRATUS_STATE/volumes/volume-$id.qcow2
  [[ $status == VOLUME_STATUS_AVAILABLE ]] || { echo "volume $id is $status, not available"; as_demo volume delete "$id"; return 1; }
  [[ $(qemu-img info -U --output=json "$file" | jq -r '."virtual-size"') == 1073741824 ]] ||
    { echo "$file is not a 1 GiB qcow2"; as_demo volume delete "$id"; return 1; }
  as_demo volume attach "$id" "$JOURNEY_SERVER" --wait >/dev/null || { as_demo volume delete "$id"; return 1; }
  # 1 GiB = 2097152 sectors; the serial is the volume id (virtio keeps its first 20 characters).
  journey_ssh_as root "$address" "test \$(cat /sys/block/vdb/size) = 2097152 && grep -q ${id:0:20} /sys/block/vdb/serial" ||
    { echo "the guest has no 1 GiB /dev/vdb with serial ${id:0:20}"; rc=1; }
  as_demo volume detach "$id" --wait >/dev/null || rc=1
  journey_ssh_as root "$address" "test ! -e /sys/block/vdb" || { echo "/dev/vdb is still in the guest after the detach"; rc=1; }
  as_demo volume delete "$id" >/dev/null || return 1
  [[ ! -e $file ]] || { echo "$file is still there after the delete"; return 1; }
  ((rc == 0)) && echo "volume $id: attached to $JOURNEY_SERVER as /dev/vdb (1 GiB in the guest), detached, deleted, file gone"
  return "$rc"
}

# journey_aws: Debian's own awscli (/usr/bin/aws, not another one earlier on PATH), unmodified,
# signs with SigV4 and reads EC2 XML.
journey_aws() {
  local images aws=${STRATUS_AWS_CLI:-/usr/bin/aws}
  [[ -x $aws ]] || { echo "$aws (Debian's awscli) is not installed"; return 1; }
  images=$("$aws" --profile stratus --endpoint-url http://127.0.0.1:8788/ ec2 describe-images \
    --query 'Images[].Name' --output text) || return 1
  grep -qw stratus-guest <<<"$images" || { echo "describe-images did not list stratus-guest: $images"; return 1; }
  "$aws" --profile stratus --endpoint-url http://127.0.0.1:8788/ ec2 describe-key-pairs >/dev/null || return 1
  echo "aws ec2 describe-images: $images"
}

# journey_dashboard: the browser's calls, by curl: the page, login (cookie + CSRF token), a
# service call as demo, logout. tests/dashboard-e2e drives a real browser through the rest.
journey_dashboard() {
  local url jar session csrf images code
  url=$(dashboard_url)
  jar=$(mktemp)
  curl -fsS "$url" | grep -qi '<!doctype html' || { echo "$url did not serve the app"; rm -f "$jar"; return 1; }
  session=$(jq -n --arg p "$(secret demo)" '{username: "demo", password: $p, project: "demo"}' |
    curl -fsS -c "$jar" -H 'Content-Type: application/json' --data-binary @- "${url}api/session") ||
    { echo "login through the dashboard failed"; rm -f "$jar"; return 1; }
  csrf=$(jq -r .csrf_token <<<"$session")
  images=$(curl -fsS -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{}' \
    "${url}api/rpc/image/ListImages" | jq -r '.images[].name' | tr '\n' ' ')
  grep -qw stratus-guest <<<"$images" || { echo "ListImages through the dashboard: $images"; rm -f "$jar"; return 1; }
  curl -fsS -b "$jar" -X DELETE -H "X-CSRF-Token: $csrf" "${url}api/session" >/dev/null || { rm -f "$jar"; return 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "${url}api/session")
  rm -f "$jar"
  [[ $code == 401 ]] || { echo "after logout GET /api/session answered $code, not 401"; return 1; }
  echo "dashboard $url: demo logged in as project $(jq -r .project_name <<<"$session"), images: $images; logged out"
}

# journey_needs_met NEEDS: every requirement of a step holds.
journey_needs_met() {
  local need needs
  [[ $1 == - ]] && return 0
  IFS=, read -ra needs <<<"$1"
  for need in "${needs[@]}"; do
    case $need in
      cloudctl:*) cloudctl "${need#cloudctl:}" --help >/dev/null 2>&1 || return 1 ;;
      *) service_built "$need" || return 1 ;;
    esac
  done
}

indent() { sed 's/^/    /'; }

# run_journey: every applicable step, one line each (OK, FAIL or SKIP, with its time). A failed
# step prints its output; STRATUS_JOURNEY_VERBOSE=1 prints every step's. Exit 1 if any failed.
run_journey() {
  local line needs fn what t0 out rc passed=0 failed=0 skipped=0
  local verbose=${STRATUS_JOURNEY_VERBOSE:-0}
  for line in "${JOURNEY_STEPS[@]}"; do
    read -r needs fn what <<<"$line"
    if ! journey_needs_met "$needs"; then
      log "journey: SKIP $what (needs $needs)"
      skipped=$((skipped + 1))
      continue
    fi
    t0=$(now)
    rc=0
    out=$("$fn" 2>&1) || rc=$?
    if ((rc == 0)); then
      log "journey: OK   $what ($(elapsed "$t0") s)"
      passed=$((passed + 1))
      if [[ $verbose == 1 ]]; then indent <<<"$out" >&2; fi
    else
      log "journey: FAIL $what ($fn, exit $rc, $(elapsed "$t0") s):"
      indent <<<"$out" >&2
      failed=$((failed + 1))
    fi
  done
  log "journey: $passed passed, $failed failed, $skipped skipped"
  ((failed == 0))
}
