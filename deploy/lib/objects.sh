# shellcheck shell=bash
# What `up` puts in the cloud for people to use, through cloudctl and idempotently: the external
# network `public` with its floating-IP pool, the demo project's network and security-group
# rules, and the project's guest image as public images. Each part is skipped, with a message,
# while its service or its cloudctl commands do not exist yet.

STRATUS_GUEST_DIR=${STRATUS_GUEST_DIR:-}   # default: $STRATUS_STATE/guest-image
GUEST_KERNEL_IMAGE=stratus-guest-kernel
GUEST_RAMDISK_IMAGE=stratus-guest-ramdisk
GUEST_DISK_IMAGE=stratus-guest

# cloudctl_has WORD...: true when this cloudctl knows the command (e.g. `image create`).
cloudctl_has() { cloudctl "$@" --help >/dev/null 2>&1; }

# objects_ready SERVICE WORD...: the service runs and cloudctl has the command; else says why not.
objects_ready() {
  local service=$1; shift
  if ! service_running "$service"; then
    log "$service is not running: skipping $*"
    return 1
  fi
  if ! cloudctl_has "$@"; then
    log "this cloudctl has no '$*' command yet: skipping it"
    return 1
  fi
}

# ---- networks ---------------------------------------------------------------------------------

# ensure_object PROFILE KIND NAME CREATE_ARGS...: `KIND show NAME`, else `KIND create NAME ARGS`.
ensure_object() {
  local profile=$1 kind=$2 name=$3; shift 3
  if cloudctl --profile "$profile" "$kind" show "$name" >/dev/null 2>&1; then
    log "$kind $name ($profile): exists"
    return 0
  fi
  cloudctl_ensure --profile "$profile" "$kind" create "$name" "$@"
  log "$kind $name ($profile): created"
}

# bootstrap_networks: docs/network.md, "What deploy must do for the local cloud".
bootstrap_networks() {
  objects_ready network network create || return 0
  ensure_object admin network public --external
  ensure_object admin subnet public-subnet --network public --cidr "$STRATUS_PUBLIC_CIDR" \
    --gateway "$STRATUS_PUBLIC_GATEWAY" --pool "$STRATUS_PUBLIC_POOL"
  ensure_object demo network demo-net
  ensure_object demo subnet demo-subnet --network demo-net --cidr 10.0.0.0/24 --dns 10.0.0.1
  # A rule equal to an existing one answers ALREADY_EXISTS, which cloudctl_ensure accepts.
  cloudctl_ensure --profile demo security-group rule create default --protocol tcp --port 22
  cloudctl_ensure --profile demo security-group rule create default --protocol icmp
  log "security group default (demo): ssh and icmp allowed in"
}

# ---- images -----------------------------------------------------------------------------------

guest_dir() { echo "${STRATUS_GUEST_DIR:-$STRATUS_STATE/guest-image}"; }

# build_guest_image: tools/guest-image/build.sh into the state dir; an unchanged build returns in
# seconds (it keeps a fingerprint of its inputs and a cache of the .debs).
build_guest_image() {
  local dir
  dir=$(guest_dir)
  "$STRATUS_ROOT/tools/guest-image/build.sh" "$dir" >"$STRATUS_STATE/log/guest-image.log" 2>&1 || {
    tail -n 20 "$STRATUS_STATE/log/guest-image.log" >&2
    die "guest image build failed; see $STRATUS_STATE/log/guest-image.log"
  }
  log "guest image: $dir/{vmlinuz,initrd.img,disk.raw} (log $STRATUS_STATE/log/guest-image.log)"
}

# image_field NAME FIELD: FIELD (id, sha256, kernel_id...) of the active public image NAME, newest
# first; empty when there is none.
image_field() {
  cloudctl --profile admin --json image list --public --name "$1" --status active 2>/dev/null |
    jq -r --arg f "$2" '[.[]] | sort_by(.created_at) | reverse | .[0][$f] // empty'
}

# image_ids_not NAME ID: ids of the other images named NAME with the same owner as image ID.
image_ids_not() {
  cloudctl --profile admin --json image list --name "$1" 2>/dev/null |
    jq -r --arg keep "$2" '(map(select(.id == $keep))[0].owner) as $owner
      | .[] | select(.id != $keep and .owner == $owner) | .id'
}

# ensure_image NAME FILE CREATE_ARGS...: a public, active image NAME holding FILE's bytes (same
# sha256); uploaded again when the file changed. Prints its id.
ensure_image() {
  local name=$1 file=$2 id sha; shift 2
  sha=$(sha256sum "$file" | cut -d' ' -f1)
  id=$(image_field "$name" id)
  if [[ -n $id && $(image_field "$name" sha256) == "$sha" ]]; then
    log "image $name: up to date ($id)"
  else
    # Names are unique in a project: the old copy steps aside first, and goes when nothing uses it.
    if [[ -n $id ]]; then
      local old=$id
      cloudctl --profile admin image set "$old" --name "$name.replaced-$(date +%s)" >/dev/null ||
        die "image $name: cannot rename the old copy $old"
      if cloudctl --profile admin image delete "$old" >/dev/null 2>&1; then
        log "image $name: deleted the old copy $old"
      else
        warn "image $name: the old copy $old is in use; kept as $name.replaced-*"
      fi
    fi
    id=$(cloudctl --profile admin --json image create "$name" --file "$file" --public "$@" | jq -r .id)
    [[ -n $id && $id != null ]] || die "image create $name did not return an id"
    log "image $name: uploaded $(du -h "$file" | cut -f1) as $id"
  fi
  echo "$id"
}

# prune_images NAME KEEP_ID: delete the admin's other images named NAME (older uploads, failed
# ones); one still used by a server refuses, which is only a warning.
prune_images() {
  local old
  for old in $(image_ids_not "$1" "$2"); do
    if cloudctl --profile admin image delete "$old" >/dev/null 2>&1; then
      log "image $1: deleted the older copy $old"
    else
      warn "image $1: could not delete the older copy $old (in use?)"
    fi
  done
}

# bootstrap_images: the guest as public images: the bootable disk (raw: syslinux boots the
# kernel and initramfs inside it) and, for direct kernel boot, the kernel (aki) and ramdisk (ari).
bootstrap_images() {
  objects_ready image image create || return 0
  build_guest_image
  local dir kernel ramdisk disk
  dir=$(guest_dir)
  kernel=$(ensure_image "$GUEST_KERNEL_IMAGE" "$dir/vmlinuz" --disk-format aki)
  ramdisk=$(ensure_image "$GUEST_RAMDISK_IMAGE" "$dir/initrd.img" --disk-format ari)
  disk=$(ensure_image "$GUEST_DISK_IMAGE" "$dir/disk.raw" --disk-format raw --min-ram 256 \
    --property default_user=cloud --property os_distro=stratus-guest)
  prune_images "$GUEST_DISK_IMAGE" "$disk"
  prune_images "$GUEST_RAMDISK_IMAGE" "$ramdisk"
  prune_images "$GUEST_KERNEL_IMAGE" "$kernel"
  log "images: $GUEST_DISK_IMAGE, $GUEST_KERNEL_IMAGE, $GUEST_RAMDISK_IMAGE (public; ssh user 'cloud')"
}

# ---- flavors ----------------------------------------------------------------------------------

# bootstrap_flavors: small public flavors for this 2-core TCG machine. m1.tiny has 256 MiB, not
# the 128 MiB of OpenStack's m1.tiny: the guest runs from an initramfs in RAM and its image says
# min_ram 256 (compute refuses a flavor below an image's min_ram).
STRATUS_FLAVORS=(
  "m1.tiny   --vcpus 1 --ram 256 --disk 1"
  "m1.small  --vcpus 1 --ram 512 --disk 2"
)
bootstrap_flavors() {
  objects_ready compute flavor create || return 0
  local line name args
  for line in "${STRATUS_FLAVORS[@]}"; do
    read -r name args <<<"$line"
    # shellcheck disable=SC2086  # the options are words on purpose
    ensure_object admin flavor "$name" $args
  done
}
