#!/usr/bin/env bash
# ctest dashboard_e2e_test: journey.mjs in headless chromium against the local cloud's dashboard.
# When no cloud runs here it brings one up first (deploy/cloud up --no-build --no-journey) and
# takes it down after, pass or fail. Screenshots of each page go to $STRATUS_SCREENSHOTS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
for lib in common services; do
  # shellcheck source=/dev/null
  source "$root/deploy/lib/$lib.sh"
done
export STRATUS_STATE=${STRATUS_STATE:-/var/lib/stratus}
export STRATUS_BUILD=${STRATUS_BUILD:-$root/build}
[[ $(id -u) -eq 0 ]] || die "dashboard e2e needs root (it may bring up the cloud)"
[[ -x /usr/bin/chromium ]] || die "Debian's chromium is missing: apt-get install chromium"

if [[ ! -f $here/node_modules/.package-lock.json || $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

journey() {
  STRATUS_DASHBOARD_URL=$(dashboard_url) \
  STRATUS_DASHBOARD_USER=demo STRATUS_DASHBOARD_PROJECT=demo \
  STRATUS_DASHBOARD_PASSWORD=$(cat "$STRATUS_STATE/secrets/demo") \
  STRATUS_DASHBOARD_IMAGE=${STRATUS_DASHBOARD_IMAGE:-stratus-guest} \
  STRATUS_DASHBOARD_FLAVOR=${STRATUS_DASHBOARD_FLAVOR:-m1.tiny} \
  STRATUS_CLOUDCTL=$STRATUS_BUILD/tools/cloudctl/cloudctl \
  STRATUS_DASHBOARD_ADMIN_PASSWORD=$(cat "$STRATUS_STATE/secrets/admin") \
  STRATUS_SCREENSHOTS=${STRATUS_SCREENSHOTS:-$STRATUS_BUILD/tests/dashboard-e2e/screenshots} \
    node "$here/journey.mjs"
}

if local_cloud_running; then
  log "dashboard-e2e: using the cloud that runs here ($STRATUS_STATE)"
  journey
  exit
fi

rc=0
"$root/deploy/cloud" up --no-build --no-journey || rc=$?
if ((rc == 0)); then journey || rc=$?; fi
if ((rc != 0)); then
  for name in dashboard compute compute-agent; do
    echo "---- last lines of $STRATUS_STATE/log/$name.log"
    tail -n 30 "$STRATUS_STATE/log/$name.log" 2>/dev/null || true
  done
fi
"$root/deploy/cloud" down || rc=$?
exit "$rc"
