# shellcheck shell=bash
# The user journey that `deploy/cloud up` ends with and `deploy/cloud journey` runs alone.
# A step is a line "NEEDS  FUNCTION  DESCRIPTION". NEEDS is -, or comma-separated requirements:
# a service name (its binary is built) or cloudctl:RESOURCE (this cloudctl has that command).
# A step whose needs are not met is skipped. Later features append their steps (servers, ssh)
# in journey order.
JOURNEY_STEPS=(
  "identity                    journey_whoami      the demo user logs in"
  "identity                    journey_catalog     the admin lists the service catalog"
  "image,cloudctl:image        journey_images      the demo user sees the public guest images"
  "network,cloudctl:network    journey_networks    the demo user sees networks public and demo-net"
  "network,cloudctl:network    journey_rules       the default group of demo lets ssh and ping in"
  "network,cloudctl:network    journey_floating_ip the demo user takes a floating IP from public and releases it"
  "network-agent,cloudctl:port journey_reach_fip   cloud-outside reaches a stand-in VM on demo-net by its floating IP (ping, tcp/22)"
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

# journey_reach_fip: until servers exist, a namespace stands in for a VM: a port on demo-net
# bound to this host, a veth on br-int carrying the port's iface-id and MAC, a floating IP.
# From cloud-outside, ping and tcp/22 (allowed by default's rules) must reach it through the
# agent's flows (ARP, NAT, conntrack firewall). Needs root (namespaces); cleans up after itself.
JOURNEY_VM_NS=journey-vm
JOURNEY_VM_TAP=journey-vm-tap
journey_reach_fip() {
  [[ $(id -u) -eq 0 ]] || { echo "needs root (network namespaces)"; return 0; }
  local rc=0
  journey_vm_cleanup
  journey_vm_try || rc=$?
  journey_vm_cleanup
  return "$rc"
}

journey_vm_try() {
  local port id mac ip fip i net project
  # Only compute (or an admin) binds a port to a host: the admin makes demo's port here.
  net=$(cloudctl --profile demo --json network show demo-net | jq -r .id) || return 1
  project=$(cloudctl --profile demo --json whoami | jq -r .project_id) || return 1
  port=$(cloudctl --profile admin --json port create journey-vm --network "$net" --project "$project" \
    --host "$(hostname -s)") || return 1
  id=$(jq -r .id <<<"$port")
  mac=$(jq -r .mac_address <<<"$port")
  ip=$(jq -r '.fixed_ips[0].ip_address' <<<"$port")
  ip netns add "$JOURNEY_VM_NS"
  ip link add "$JOURNEY_VM_TAP" type veth peer name eth0 netns "$JOURNEY_VM_NS"
  ip -n "$JOURNEY_VM_NS" link set eth0 address "$mac"
  ip -n "$JOURNEY_VM_NS" addr add "$ip/24" dev eth0
  ip -n "$JOURNEY_VM_NS" link set eth0 up
  ip -n "$JOURNEY_VM_NS" route add default via 10.0.0.1
  ip link set "$JOURNEY_VM_TAP" up
  offloads_off ethtool -K "$JOURNEY_VM_TAP"
  offloads_off ip netns exec "$JOURNEY_VM_NS" ethtool -K eth0
  vsctl add-port "$STRATUS_INTEGRATION_BRIDGE" "$JOURNEY_VM_TAP" -- set Interface "$JOURNEY_VM_TAP" \
    external_ids:iface-id="$id" external_ids:attached-mac="$mac"
  fip=$(cloudctl --profile demo --json floating-ip create --pool public --port "$id" | jq -r .floating_ip_address) || return 1
  echo "port $ip ($mac) on $STRATUS_INTEGRATION_BRIDGE, floating IP $fip"
  # A tiny "sshd": answers one line on tcp/22.
  ip netns exec "$JOURNEY_VM_NS" socat TCP-LISTEN:22,reuseaddr,fork SYSTEM:'echo journey-vm' </dev/null >/dev/null 2>&1 &
  for ((i = 0; i < 50; i++)); do   # the agent programs the port within a few seconds
    in_outside ping -c1 -W1 "$fip" >/dev/null 2>&1 && break
    sleep 0.2
  done
  in_outside ping -c1 -W2 "$fip" || return 1
  [[ $(in_outside timeout 5 socat -T3 - "TCP:$fip:22" </dev/null) == journey-vm ]] || {
    echo "tcp/22 to $fip got no answer"
    return 1
  }
  echo "tcp/22 to $fip answered"
}

journey_vm_cleanup() {
  local fip port
  if ip netns list | awk '{ print $1 }' | grep -qx "$JOURNEY_VM_NS"; then
    ip netns pids "$JOURNEY_VM_NS" | xargs -r kill 2>/dev/null || true
    ip netns del "$JOURNEY_VM_NS"
  fi
  vsctl --if-exists del-port "$STRATUS_INTEGRATION_BRIDGE" "$JOURNEY_VM_TAP"
  ip link del "$JOURNEY_VM_TAP" 2>/dev/null || true
  port=$(cloudctl --profile demo --json port show journey-vm 2>/dev/null | jq -r '.id // empty') || true
  [[ -n $port ]] || return 0
  for fip in $(cloudctl --profile demo --json floating-ip list | jq -r --arg p "$port" '.[] | select(.port_id == $p) | .id'); do
    cloudctl --profile demo floating-ip delete "$fip"
  done
  cloudctl --profile demo port delete "$port"
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
