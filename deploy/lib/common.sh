# shellcheck shell=bash
# Common helpers for deploy/cloud, tests/run, .ci/run and tests/fixtures/*.sh.
# Sourced, never executed. Callers run with `set -euo pipefail`.

STRATUS_ROOT=${STRATUS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
STRATUS_BUILD=${STRATUS_BUILD:-$STRATUS_ROOT/build}
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/stratus-ccache}

log()  { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '%s WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '%s ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# Seconds since the epoch with a decimal fraction, for phase timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# phase NAME COMMAND...: run a command and print how long it took. It runs under the caller's
# errexit: a failing command ends the script, and the EXIT trap below names the phase that
# failed. (Callers that test phase's status, `phase ... || rc=$?`, get the command's status.)
STRATUS_PHASE=""
phase() {
  local name=$1 t0 rc; shift
  t0=$(now)
  log "== $name"
  STRATUS_PHASE=$name STRATUS_PHASE_T0=$t0
  "$@"
  rc=$?
  STRATUS_PHASE=""
  if ((rc == 0)); then
    log "== $name: done in $(elapsed "$t0") s"
  else
    log "== $name: FAILED (exit $rc) in $(elapsed "$t0") s"
  fi
  return "$rc"
}
report_failed_phase() {
  local rc=$?
  if ((rc != 0)) && [[ -n $STRATUS_PHASE ]]; then
    log "== $STRATUS_PHASE: FAILED (exit $rc) in $(elapsed "$STRATUS_PHASE_T0") s"
  fi
}
trap report_failed_phase EXIT

# as_root COMMAND...: run as root, through sudo when we are not root.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "this needs root: run it with sudo"
}

# pid_alive PID: true when the process exists and is not a zombie (PID 1 reaps late here).
pid_alive() {
  local pid=$1 state
  [[ -n $pid && -d /proc/$pid ]] || return 1
  state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# pidfile_alive FILE: true when FILE names a live process.
pidfile_alive() {
  [[ -r $1 ]] && pid_alive "$(<"$1")"
}

# local_cloud_running: true when a process of the local cloud in $STRATUS_STATE runs (a pid file
# under run/ names a live process): CI and the e2e suites then use that cloud as it is.
local_cloud_running() {
  local pidfile
  for pidfile in "$STRATUS_STATE"/run/*.pid; do
    if pidfile_alive "$pidfile"; then return 0; fi
  done
  return 1
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_until SECONDS DESCRIPTION COMMAND...: retry COMMAND every 0.2 s until it succeeds.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || { warn "gave up waiting for $what after ${limit}s"; return 1; }
    sleep 0.2
  done
}

# stop_pid PID NAME [TIMEOUT]: SIGTERM, then SIGKILL after TIMEOUT seconds (default 10).
stop_pid() {
  local pid=$1 name=$2 timeout=${3:-10}
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      warn "$name (pid $pid) ignored SIGTERM for ${timeout}s: sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
}

# new_secret: 48 hex characters from the kernel's random source.
new_secret() {
  od -An -tx1 -N24 /dev/urandom | tr -d ' \n'
}

# secret NAME: the secret stored in $STRATUS_STATE/secrets/NAME, generated on first use (mode 0600).
secret() {
  local file=$STRATUS_STATE/secrets/$1
  if [[ ! -s $file ]]; then
    install -d -m 0700 "$STRATUS_STATE/secrets"
    (umask 077 && new_secret >"$file")
  fi
  cat "$file"
}
