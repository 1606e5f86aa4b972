#!/usr/bin/env bash
# ctest compute_e2e_test: tests/compute-e2e/scenario.sh on the local cloud. When no cloud runs
# here, it brings one up first (deploy/cloud up --no-build --no-journey, binaries from
# $STRATUS_BUILD, state in $STRATUS_STATE) and takes it down after, pass or fail. Servers the
# ctest fixtures started stay as they are (deploy/cloud only stops what it started).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../../deploy/lib/common.sh
source "$root/deploy/lib/common.sh"
export STRATUS_STATE=${STRATUS_STATE:-/var/lib/stratus}
[[ $(id -u) -eq 0 ]] || die "compute e2e needs root (libvirt, namespaces, OVS)"

if local_cloud_running; then
  log "compute-e2e: using the cloud that runs here ($STRATUS_STATE)"
  exec bash "$root/tests/compute-e2e/scenario.sh"
fi

rc=0
"$root/deploy/cloud" up --no-build --no-journey || rc=$?
if ((rc == 0)); then bash "$root/tests/compute-e2e/scenario.sh" || rc=$?; fi
if ((rc != 0)); then
  for name in compute compute-agent network-agent; do
    echo "---- last lines of $STRATUS_STATE/log/$name.log"
    tail -n 30 "$STRATUS_STATE/log/$name.log" 2>/dev/null || true
  done
fi
"$root/deploy/cloud" down || rc=$?
exit "$rc"
