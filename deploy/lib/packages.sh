# shellcheck shell=bash
# The Debian 12 packages Stratus needs, and one function that installs the missing ones.

STRATUS_PACKAGES_BUILD=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librabbitmq-dev libpqxx-dev libsodium-dev libssl-dev nlohmann-json3-dev catch2 libvirt-dev libxml2-dev
  libboost-dev libpugixml-dev nodejs
)
STRATUS_PACKAGES_SERVERS=(
  postgresql rabbitmq-server openvswitch-switch
  libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils
)
STRATUS_PACKAGES_TOOLS=(iproute2 ethtool openssh-client genisoimage jq socat iputils-ping netcat-openbsd python3-boto3
  awscli chromium curl)

# stratus_packages: every package name, one per line, including tools/guest-image/packages.txt
# (one name per line, '#' comments allowed) when that file exists.
stratus_packages() {
  printf '%s\n' "${STRATUS_PACKAGES_BUILD[@]}" "${STRATUS_PACKAGES_SERVERS[@]}" "${STRATUS_PACKAGES_TOOLS[@]}"
  local extra=$STRATUS_ROOT/tools/guest-image/packages.txt
  if [[ -r $extra ]]; then
    sed -e 's/#.*//' "$extra" | tr -s ' \t' '\n' | sed '/^$/d'
  fi
}

# missing_packages: the names dpkg does not report as installed.
missing_packages() {
  local wanted installed
  wanted=$(stratus_packages | sort -u)
  # One dpkg-query for all; unknown names are simply absent from its output.
  # shellcheck disable=SC2086  # one word per package
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $wanted 2>/dev/null |
    awk '$2 == "installed" { print $1 }' | sort -u || true)
  comm -23 <(echo "$wanted") <(echo "$installed")
}

# ensure_packages: install what is missing (apt-get update once, only when needed).
ensure_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    log "packages: all $(stratus_packages | sort -u | wc -l) installed"
    return 0
  fi
  log "packages: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
}
