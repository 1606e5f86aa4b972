# shellcheck shell=bash
# The user journey that `deploy/cloud up` ends with and `deploy/cloud journey` runs alone.
# A step is a line "NEEDS  FUNCTION  DESCRIPTION": it runs when the service NEEDS is built
# (or NEEDS is -). Later features append their steps (images, servers, ssh) in journey order.
JOURNEY_STEPS=(
  "identity  journey_whoami   the demo user logs in"
  "identity  journey_catalog  the admin lists the service catalog"
)

journey_whoami() { cloudctl --profile demo whoami; }
journey_catalog() { cloudctl --profile admin catalog list; }

# run_journey: every applicable step, printing each one's output and time; fails on the first
# step that fails.
run_journey() {
  local line needs fn what t0 ran=0
  for line in "${JOURNEY_STEPS[@]}"; do
    read -r needs fn what <<<"$line"
    if [[ $needs != - ]] && ! service_built "$needs"; then
      log "journey: skip '$what' ($needs is not built)"
      continue
    fi
    t0=$(now)
    log "journey: $what: $fn"
    "$fn" | sed 's/^/    /' || die "journey: '$what' failed ($fn)"
    log "journey: $what: ok in $(elapsed "$t0") s"
    ran=$((ran + 1))
  done
  log "journey: $ran step(s) passed"
}
