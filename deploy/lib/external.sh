# shellcheck shell=bash
# The switch of this machine and the "outside world" of the external network `public`.
#
# Open vSwitch gets the integration bridge (br-int: VM ports) and the external bridge (br-ex:
# floating addresses); the network agent creates them too and owns their flows. What is on the
# far side of br-ex depends on STRATUS_EXTERNAL_MODE:
#
#   namespace  (default) a network namespace, `cloud-outside`, joined to br-ex by a veth pair.
#              It holds the gateway address of `public` (172.24.4.1/24) and has no other
#              address and no route beyond that subnet, so it is the one place floating
#              addresses are reached from (`ip netns exec cloud-outside ssh ...`) and no packet
#              for a floating address can leave the machine. Nothing is routed in the root
#              namespace.
#   provider   a real host: the interface STRATUS_PROVIDER_INTERFACE (a NIC or VLAN on the
#              provider network) becomes a port of br-ex; STRATUS_PUBLIC_CIDR, _GATEWAY and
#              _POOL describe that network. No namespace is made.
#
# (DevStack's mode, the gateway address on br-ex in the root namespace, is deliberately not
# offered: it needs a route for the cloud's range in the root namespace.)

STRATUS_EXTERNAL_MODE=${STRATUS_EXTERNAL_MODE:-namespace}
STRATUS_OVS_DATAPATH=${STRATUS_OVS_DATAPATH:-netdev}
STRATUS_INTEGRATION_BRIDGE=${STRATUS_INTEGRATION_BRIDGE:-br-int}
STRATUS_EXTERNAL_BRIDGE=${STRATUS_EXTERNAL_BRIDGE:-br-ex}
STRATUS_PUBLIC_CIDR=${STRATUS_PUBLIC_CIDR:-172.24.4.0/24}
STRATUS_PUBLIC_GATEWAY=${STRATUS_PUBLIC_GATEWAY:-172.24.4.1}
STRATUS_PUBLIC_POOL=${STRATUS_PUBLIC_POOL:-172.24.4.10-172.24.4.250}

OUTSIDE_NS=cloud-outside
OUTSIDE_VETH=outside-ext   # the end on br-ex, in the root namespace
OUTSIDE_DEV=eth0           # the end in the namespace

vsctl() { ovs-vsctl --timeout=10 "$@"; }

in_outside() { ip netns exec "$OUTSIDE_NS" "$@"; }

outside_ns_exists() { ip netns list | awk '{ print $1 }' | grep -qx "$OUTSIDE_NS"; }

# The gateway with the prefix length of the public CIDR, e.g. 172.24.4.1/24.
public_gateway_cidr() { echo "$STRATUS_PUBLIC_GATEWAY/${STRATUS_PUBLIC_CIDR#*/}"; }

# Checksum offload breaks userspace conntrack (ENVIRONMENT.md): off on both veth ends, but only
# for the userspace datapath; the kernel datapath keeps its offloads.
offloads_off() {
  [[ $STRATUS_OVS_DATAPATH == netdev ]] || return 0
  "$@" tx off >/dev/null 2>&1 || warn "could not turn off tx offload: $*"
}

# ensure_bridges: br-int and br-ex with the configured datapath, fail_mode secure (nothing is
# forwarded until the agent programs flows). Idempotent; the agent sets the same later.
ensure_bridges() {
  local bridge
  for bridge in "$STRATUS_INTEGRATION_BRIDGE" "$STRATUS_EXTERNAL_BRIDGE"; do
    vsctl --may-exist add-br "$bridge" -- set Bridge "$bridge" \
      datapath_type="$STRATUS_OVS_DATAPATH" fail_mode=secure
  done
}

# ensure_outside_namespace: cloud-outside, its veth on br-ex, the gateway address, no routes.
ensure_outside_namespace() {
  outside_ns_exists || ip netns add "$OUTSIDE_NS"
  if ! ip link show "$OUTSIDE_VETH" >/dev/null 2>&1; then
    # A pair dies with either end, so a missing outer end means no inner end either.
    ip link add "$OUTSIDE_VETH" type veth peer name "$OUTSIDE_DEV" netns "$OUTSIDE_NS"
  fi
  in_outside ip link set lo up
  # Exactly one address: the gateway (a changed STRATUS_PUBLIC_* replaces the old one).
  if [[ $(in_outside ip -4 -o addr show dev "$OUTSIDE_DEV" | awk '{ print $4 }') != "$(public_gateway_cidr)" ]]; then
    in_outside ip addr flush dev "$OUTSIDE_DEV"
    in_outside ip addr add "$(public_gateway_cidr)" dev "$OUTSIDE_DEV"
  fi
  in_outside ip link set "$OUTSIDE_DEV" up
  ip link set "$OUTSIDE_VETH" up
  offloads_off ethtool -K "$OUTSIDE_VETH"
  offloads_off in_outside ethtool -K "$OUTSIDE_DEV"
  vsctl --may-exist add-port "$STRATUS_EXTERNAL_BRIDGE" "$OUTSIDE_VETH"
  # Only the connected route of the public subnet: drop anything else someone added.
  local route
  while read -r route; do
    [[ -n $route ]] || continue
    warn "$OUTSIDE_NS: removing unexpected route '$route'"
    # shellcheck disable=SC2086  # the route's words
    in_outside ip route del $route
  done < <(in_outside ip -4 route show | grep -v " dev $OUTSIDE_DEV proto kernel scope link " || true)
}

# external_up: bridges, then the outside world of the chosen mode.
external_up() {
  ensure_bridges
  case $STRATUS_EXTERNAL_MODE in
    namespace)
      ensure_outside_namespace
      log "external: namespace $OUTSIDE_NS holds $(public_gateway_cidr) on $STRATUS_EXTERNAL_BRIDGE" \
        "($OUTSIDE_VETH), no other route; try: ip netns exec $OUTSIDE_NS ping FLOATING_IP"
      ;;
    provider)
      [[ -n ${STRATUS_PROVIDER_INTERFACE:-} ]] ||
        die "STRATUS_EXTERNAL_MODE=provider needs STRATUS_PROVIDER_INTERFACE (the NIC on the provider network)"
      vsctl --may-exist add-port "$STRATUS_EXTERNAL_BRIDGE" "$STRATUS_PROVIDER_INTERFACE"
      log "external: $STRATUS_PROVIDER_INTERFACE is a port of $STRATUS_EXTERNAL_BRIDGE (provider network $STRATUS_PUBLIC_CIDR)"
      ;;
    *) die "STRATUS_EXTERNAL_MODE must be namespace or provider, not '$STRATUS_EXTERNAL_MODE'" ;;
  esac
}

# external_down: remove the namespace and its veth (whatever the mode now: a namespace made
# earlier goes too). The bridges stay: the agent owns them and their flows, and a provider
# interface stays on br-ex.
external_down() {
  if server_ovs_running; then
    vsctl --if-exists del-port "$STRATUS_EXTERNAL_BRIDGE" "$OUTSIDE_VETH"
  fi
  if ip link show "$OUTSIDE_VETH" >/dev/null 2>&1; then ip link del "$OUTSIDE_VETH"; fi
  if outside_ns_exists; then
    ip netns del "$OUTSIDE_NS"
    log "external: namespace $OUTSIDE_NS removed"
  fi
}

# external_status: one status line; false when the mode's plumbing is missing.
external_status() {
  local what="external network ($STRATUS_EXTERNAL_MODE)"
  if ! server_ovs_running; then
    printf '%-15s %-5s %s\n' "$STRATUS_EXTERNAL_BRIDGE" down "$what: Open vSwitch is not running"
    return 1
  fi
  if [[ $STRATUS_EXTERNAL_MODE == provider ]]; then
    if vsctl port-to-br "${STRATUS_PROVIDER_INTERFACE:-none}" >/dev/null 2>&1; then
      printf '%-15s %-5s %s\n' "$STRATUS_EXTERNAL_BRIDGE" up "$what: ${STRATUS_PROVIDER_INTERFACE} on it"
      return 0
    fi
    printf '%-15s %-5s %s\n' "$STRATUS_EXTERNAL_BRIDGE" down "$what: ${STRATUS_PROVIDER_INTERFACE:-no interface} not on it"
    return 1
  fi
  if outside_ns_exists && in_outside ip -4 addr show dev "$OUTSIDE_DEV" 2>/dev/null | grep -q "inet $(public_gateway_cidr) " &&
    [[ $(vsctl port-to-br "$OUTSIDE_VETH" 2>/dev/null) == "$STRATUS_EXTERNAL_BRIDGE" ]]; then
    printf '%-15s %-5s %s\n' "$OUTSIDE_NS" up "$what: $(public_gateway_cidr) on $STRATUS_EXTERNAL_BRIDGE"
    return 0
  fi
  printf '%-15s %-5s %s\n' "$OUTSIDE_NS" down "$what"
  return 1
}
