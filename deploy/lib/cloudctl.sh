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
    # The whole header line, trimmed: a section name may hold a space ("profile stratus").
    awk -v s="[$section]" '
      /^[[:space:]]*\[/ { line = $0; gsub(/^[[:space:]]+|[[:space:]]+$/, "", line); skip = (line == s) }
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

# profile_homes: root's home and that of the user who ran sudo.
profile_homes() {
  echo "$HOME"
  if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
    getent passwd "$SUDO_USER" | cut -d: -f6
  fi
}

# write_profiles: admin and demo, for root and for the user who ran sudo.
write_profiles() {
  local home owner
  for home in $(profile_homes); do
    [[ -n $home && -d $home ]] || continue
    write_profile "$home" admin admin admin "$(secret admin)"
    write_profile "$home" demo demo demo "$(secret demo)"
    owner=$(stat -c %U "$home")
    [[ $owner == root ]] || chown -R "$owner:" "$home/.config/cloudctl"
    log "cloudctl: profiles admin and demo in $home/.config/cloudctl/"
  done
}

# write_aws_profiles: profile "stratus" for the AWS CLI and SDKs (boto3), as the demo user, for
# root and for the user who ran sudo: a fresh access key of demo (the previous one this wrote is
# deleted), region RegionOne, endpoint_url the EC2 front (read by awscli >= 2.13 and boto3 >=
# 1.28; Debian 12's awscli 2.9 needs --endpoint-url http://127.0.0.1:8788/ on the command line).
write_aws_profiles() {
  local key id secret old home owner
  old=$(cat "$STRATUS_STATE/run/aws-access-key" 2>/dev/null || true)
  [[ -z $old ]] || cloudctl --profile demo access-key delete "$old" >/dev/null 2>&1 || true
  key=$(cloudctl --profile demo --json access-key create) || return 1
  id=$(jq -r .key.access_key_id <<<"$key")
  secret=$(jq -r .secret <<<"$key")
  echo "$id" >"$STRATUS_STATE/run/aws-access-key"
  for home in $(profile_homes); do
    [[ -n $home && -d $home ]] || continue
    install -d -m 0700 "$home/.aws"
    [[ -f $home/.aws/credentials ]] || (umask 077 && : >"$home/.aws/credentials")
    chmod 0600 "$home/.aws/credentials"
    ini_put_section "$home/.aws/credentials" stratus "aws_access_key_id = $id" "aws_secret_access_key = $secret"
    ini_put_section "$home/.aws/config" "profile stratus" "region = RegionOne" \
      "endpoint_url = http://127.0.0.1:8788/" "output = json"
    owner=$(stat -c %U "$home")
    [[ $owner == root ]] || chown -R "$owner:" "$home/.aws"
    log "aws: profile stratus (demo's access key $id) in $home/.aws/"
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

# password_works USER PROJECT PASSWORD: a login with it succeeds (in a throwaway cloudctl home,
# so no profile or cached token is touched).
password_works() {
  local dir rc=0
  dir=$(mktemp -d)
  printf '%s\n' "$3" | env XDG_CONFIG_HOME="$dir" XDG_CACHE_HOME="$dir" CLOUD_ENDPOINT=127.0.0.1:7100 \
    CLOUD_USERNAME="$1" CLOUD_PROJECT="$2" cloudctl --profile check login --password-stdin >/dev/null 2>&1 || rc=$?
  rm -rf "$dir"
  return "$rc"
}

# ensure_user USER PROJECT SECRET [HOST]: the user exists (an agent user confined to HOST when
# given) and logs in to PROJECT (once it has a role there) with the password in secrets/SECRET. A user left by an earlier state directory, with
# another password, gets the current one (an admin's reset); a working password is left alone
# (a reset would end the sessions of running services).
ensure_user() {
  local user=$1 project=$2 host=${4:-} password err rc=0
  password=$(secret "$3")
  err=$(printf '%s\n' "$password" | cloudctl --profile admin user create "$user" --password-stdin ${host:+--host "$host"} \
    2>&1 >/dev/null) || rc=$?
  if ((rc == 0)); then return 0; fi
  [[ $err == ALREADY_EXISTS* ]] || { printf '%s\n' "$err" >&2; die "cloudctl user create $user failed (exit $rc)"; }
  password_works "$user" "$project" "$password" && return 0
  log "user $user: its password is not the one in $STRATUS_STATE/secrets/$3: setting it"
  printf '%s\n' "$password" | cloudctl_ensure --profile admin user set-password "$user" --password-stdin
  # The reset revoked the user's tokens: drop the profile's cached one (cloudctl does not renew
  # a revoked token silently). Profiles are named after their users.
  local home
  for home in $(profile_homes); do
    rm -f "$home/.cache/cloudctl/$user.token"
  done
}

# ensure_user_with_role USER PROJECT ROLE SECRET [HOST]: ensure_user, and ROLE on PROJECT
# (first, when the user exists already: checking its password logs in to PROJECT).
ensure_user_with_role() {
  local user=$1 project=$2 role=$3 secret_name=$4 host=${5:-}
  if cloudctl --profile admin user show "$user" >/dev/null 2>&1; then
    cloudctl_ensure --profile admin role add --user "$user" --project "$project" "$role"
    ensure_user "$user" "$project" "$secret_name" "$host"
  else
    ensure_user "$user" "$project" "$secret_name" "$host"
    cloudctl_ensure --profile admin role add --user "$user" --project "$project" "$role"
  fi
}

# bootstrap_demo: project demo, user demo (password in secrets/demo), role member on demo.
bootstrap_demo() {
  cloudctl_ensure --profile admin project create demo
  ensure_user_with_role demo demo member demo
  log "bootstrap: project demo, user demo (member of demo)"
}

# bootstrap_service_users NAME...: project "service" and, per service, the user it logs in with
# (password in secrets/service-NAME; [identity] service_user/service_password/service_project
# in its config, see service_user_of): a service gets role "service" on it, an agent (NAME
# ending in -agent) the user NAME-HOST confined to this host, with role "agent". No process of
# the cloud runs as admin, and failed logins never lock these users out (docs/identity.md).
bootstrap_service_users() {
  local name
  (($# > 0)) || return 0
  cloudctl_ensure --profile admin project create service
  for name in "$@"; do
    if [[ $name == *-agent ]]; then
      ensure_user_with_role "$(service_user_of "$name")" service agent "service-$name" "$(hostname -s)"
    else
      ensure_user_with_role "$name" service service "service-$name"
    fi
  done
  log "bootstrap: service users of $* (role service or agent on project service)"
}
