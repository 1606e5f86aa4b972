#!/usr/bin/env bash
# Stratus identity vs Keystone, in one run on this machine (traffic to 127.0.0.1 only).
#
#   tools/bench/identity-vs-keystone.sh [--endpoint 127.0.0.1:PORT] [--with-keystone|--without-keystone]
#       [--duration S] [--warmup S] [--concurrency 1,16] [--ops issue,renew,validate,local-validate]
#       [--password-file F] [--admin-password-file F] [--server-pid PID] [--db-pid PID] [--bench BIN] [--json]
#
# Without --endpoint it uses the local cloud's identity (127.0.0.1:7100), running `deploy/cloud up`
# first when identity is not up, and reads the demo/admin passwords from $STRATUS_STATE/secrets.
# --with-keystone is the default when the peer (../shared/peers/keystone from the repo root, or
# $KEYSTONE_PEER) exists: its setup.sh and bench.sh run first; Keystone is stopped again with
# stop.sh if this script started it, before Stratus is measured, so the two never share the cores.
# --server-pid/--db-pid (identity's pid, PostgreSQL's postmaster pid; found by themselves for the
# local cloud) add CPU per request to the output, which other load on the machine does not change.
# Environment: STRATUS_STATE (/var/lib/stratus), STRATUS_BUILD (where the bench binary is looked
# for first), DURATION (10), WARMUP (2), KEYSTONE_PEER.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
STRATUS_STATE=${STRATUS_STATE:-/var/lib/stratus}
duration=${DURATION:-10}
warmup=${WARMUP:-2}
concurrency=1,16
ops=issue,renew,validate,local-validate
endpoint=
keystone=auto
password_file=
admin_password_file=
bench=
server_pid=
db_pid=
json=()

die() { echo "identity-vs-keystone: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }
usage() { sed -n '4,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

while (($#)); do
  case $1 in
    --endpoint) endpoint=${2:?}; shift ;;
    --with-keystone) keystone=yes ;;
    --without-keystone) keystone=no ;;
    --duration) duration=${2:?}; shift ;;
    --warmup) warmup=${2:?}; shift ;;
    --concurrency) concurrency=${2:?}; shift ;;
    --ops) ops=${2:?}; shift ;;
    --password-file) password_file=${2:?}; shift ;;
    --admin-password-file) admin_password_file=${2:?}; shift ;;
    --bench) bench=${2:?}; shift ;;
    --server-pid) server_pid=${2:?}; shift ;;
    --db-pid) db_pid=${2:?}; shift ;;
    --json) json=(--json) ;;
    -h | --help) usage ;;
    *) usage ;;
  esac
  shift
done

# ---- the benchmark binary
if [[ -z $bench ]]; then
  for dir in ${STRATUS_BUILD:-} "$root/build" "$root/build-bench"; do
    if [[ -x $dir/tools/bench/stratus-identity-bench ]]; then
      bench=$dir/tools/bench/stratus-identity-bench
      break
    fi
  done
fi
[[ -n $bench && -x $bench ]] || die "stratus-identity-bench is not built (ninja -C <build> stratus-identity-bench), or pass --bench"

# ---- the Keystone peer
peer=${KEYSTONE_PEER:-}
if [[ -z $peer ]]; then
  for dir in "$root/../shared/peers/keystone" /work/shared/peers/keystone; do
    if [[ -f $dir/bench.sh ]]; then peer=$(cd "$dir" && pwd); break; fi
  done
fi
if [[ $keystone == auto ]]; then
  if [[ -n $peer ]]; then keystone=yes; else keystone=no; fi
fi
[[ $keystone == no || -f $peer/bench.sh ]] || die "--with-keystone: no peer found (set KEYSTONE_PEER)"

# ---- the identity endpoint and credentials
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
if [[ -z $endpoint ]]; then
  endpoint=127.0.0.1:7100
  if ! port_open 127.0.0.1 7100; then
    say "identity is not listening on $endpoint: deploy/cloud up"
    "$root/deploy/cloud" up
  fi
fi
host=${endpoint%:*}
[[ $host == 127.0.0.1 || $host == localhost ]] || die "only a loopback endpoint is benchmarked, got $endpoint"
port_open 127.0.0.1 "${endpoint##*:}" || die "nothing listens on $endpoint"
if [[ $endpoint == 127.0.0.1:7100 ]]; then  # the local cloud: its pid files
  [[ -n $server_pid || ! -r $STRATUS_STATE/run/identity.pid ]] || server_pid=$(<"$STRATUS_STATE/run/identity.pid")
  [[ -n $db_pid || ! -r /var/run/postgresql/15-main.pid ]] || db_pid=$(head -1 /var/run/postgresql/15-main.pid)
fi
cpu=()
[[ -z $server_pid ]] || cpu+=(--server-pid "$server_pid")
[[ -z $db_pid ]] || cpu+=(--db-pid "$db_pid")
password_file=${password_file:-$STRATUS_STATE/secrets/demo}
admin_password_file=${admin_password_file:-$STRATUS_STATE/secrets/admin}
[[ -r $password_file ]] || die "no demo password at $password_file (deploy/cloud up writes it; or --password-file)"
setup=()
# deploy/cloud creates the demo user with cloudctl; --setup-demo makes sure of it (idempotent).
if [[ -r $admin_password_file ]]; then setup=(--setup-demo --admin-password-file "$admin_password_file"); fi

work=$(mktemp -d /tmp/identity-vs-keystone.XXXXXX)
keystone_started=0
stop_keystone() {
  if ((keystone_started)); then
    say "stopping Keystone (this script started it)"
    bash "$peer/stop.sh" >&2 || true
    keystone_started=0
  fi
}
trap stop_keystone EXIT

# ---- Keystone first, then stopped (when we started it) so Stratus has the cores alone
keystone_args=()
if [[ $keystone == yes ]]; then
  ks_url=http://127.0.0.1:${KS_PORT:-35357}/v3
  if ! curl -sf -o /dev/null "$ks_url"; then keystone_started=1; fi
  say "Keystone: $peer/setup.sh (apt-get on first use: minutes)"
  # On Debian 12 its last step (openstack role assignment list --names) can fail although
  # Keystone is up and demo has its role; bench.sh checks tokens itself, so go on and let it judge.
  bash "$peer/setup.sh" >&2 || say "Keystone: setup.sh failed (see above); trying bench.sh anyway"
  say "Keystone: bench.sh, DURATION=$duration"
  DURATION=$duration WARMUP=$warmup CONCS=${concurrency//,/ } bash "$peer/bench.sh" | tee "$work/keystone.txt" >&2
  stop_keystone
  keystone_args=(--keystone "$work/keystone.txt")
fi

# ---- Stratus
say "Stratus: $bench against $endpoint"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$bench" --endpoint "$endpoint" --username demo --project demo --password-stdin "${setup[@]}" \
  --duration "$duration" --warmup "$warmup" --concurrency "$concurrency" --ops "$ops" \
  "${cpu[@]}" "${keystone_args[@]}" "${json[@]}" <"$password_file"
