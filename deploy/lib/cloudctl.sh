# shellcheck shell=bash
# cloudctl on the PATH, its profiles, and the demo project/user.

cloudctl_bin() { echo "$STRATUS_BUILD/tools/cloudctl/cloudctl"; }

install_cloudctl() {
  ln -sfn "$(cloudctl_bin)" /usr/local/bin/cloudctl
  log "cloudctl: /usr/local/bin/cloudctl -> $(cloudctl_bin)"
}

# ini_put_section FILE SECTION LINE...: replace [SECTION] in FILE (other sections are kept).
ini_put_section() {
  local file=$1 section=$2 tmp; shift 2
  tmp=$(mktemp "$file.XXXXXX")
  if [[ -f $file ]]; then
    awk -v s="[$section]" '
      /^[[:space:]]*\[/ { skip = ($1 == s) }
      !skip' "$file" >"$tmp"
  fi
  { echo "[$section]"; printf '%s\n' "$@"; } >>"$tmp"
  chmod --reference="$file" "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$file"
}

# write_profile HOME NAME USERNAME PROJECT PASSWORD
write_profile() {
  local home=$1 name=$2 user=$3 project=$4 password=$5 dir
  dir=$home/.config/cloudctl
  install -d -m 0700 "$dir"
  [[ -f $dir/credentials ]] || (umask 077 && : >"$dir/credentials")
  chmod 0600 "$dir/credentials"
  ini_put_section "$dir/config" "$name" "endpoint = 127.0.0.1:7100" "username = $user" "project = $project"
  ini_put_section "$dir/credentials" "$name" "password = $password"
}

# write_profiles: admin and demo, for root and for the user who ran sudo.
write_profiles() {
  local homes=("$HOME") home owner
  if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
    homes+=("$(getent passwd "$SUDO_USER" | cut -d: -f6)")
  fi
  for home in "${homes[@]}"; do
    [[ -n $home && -d $home ]] || continue
    write_profile "$home" admin admin admin "$(secret admin)"
    write_profile "$home" demo demo demo "$(secret demo)"
    owner=$(stat -c %U "$home")
    [[ $owner == root ]] || chown -R "$owner:" "$home/.config/cloudctl"
    log "cloudctl: profiles admin and demo in $home/.config/cloudctl/"
  done
}

# cloudctl_ensure ARGS...: run cloudctl; "already exists" counts as success.
cloudctl_ensure() {
  local err rc=0
  err=$(cloudctl "$@" 2>&1 >/dev/null) || rc=$?
  if ((rc == 0)) || [[ $err == ALREADY_EXISTS* ]]; then
    return 0
  fi
  printf '%s\n' "$err" >&2
  die "cloudctl $* failed (exit $rc)"
}

# bootstrap_demo: project demo, user demo (password in secrets/demo), role member on demo.
bootstrap_demo() {
  cloudctl_ensure --profile admin project create demo
  secret demo | cloudctl_ensure --profile admin user create demo --password-stdin
  cloudctl_ensure --profile admin role add --user demo --project demo member
  log "bootstrap: project demo, user demo (member of demo)"
}

# bootstrap_service_users NAME...: project "service" and, per service, a user NAME (password in
# secrets/service-NAME) with role admin on it, which the service logs in with
# ([identity] service_user/service_password/service_project in its config).
bootstrap_service_users() {
  local name
  (($# > 0)) || return 0
  cloudctl_ensure --profile admin project create service
  for name in "$@"; do
    secret "service-$name" | cloudctl_ensure --profile admin user create "$name" --password-stdin
    cloudctl_ensure --profile admin role add --user "$name" --project service admin
  done
  log "bootstrap: service users $* (admin on project service)"
}
