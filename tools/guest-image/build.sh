#!/usr/bin/env bash
# Builds the Stratus test guest from Debian packages only:
#   OUTDIR/vmlinuz     Debian's cloud kernel
#   OUTDIR/initrd.img  busybox + dropbear + a few modules + an /init that reads the config drive
#   OUTDIR/disk.raw    a small MBR/FAT disk with syslinux booting the same kernel and initrd
#   OUTDIR/disk.qcow2  the same disk as qcow2 (when qemu-img is installed)
# Downloaded .deb files are cached (OUTDIR/.cache/debs, or $STRATUS_GUEST_CACHE) and a build
# whose inputs have not changed returns at once. See README.md next to this script.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=$(realpath -m "$1")
CACHE=${STRATUS_GUEST_CACHE:-$OUTDIR/.cache}
DEB_CACHE=$CACHE/debs                  # downloaded .deb files
EXTRACT_CACHE=$CACHE/extracted         # their unpacked contents (the kernel's takes ~5 s)
WORK=$OUTDIR/.work
ROOT=$WORK/initramfs
PATH=$PATH:/usr/sbin:/sbin

# Modules the guest needs for its NIC, its disks and the config drive (ISO9660 or vfat,
# on virtio-blk, virtio-scsi or an IDE/SATA cdrom). Their dependencies are added automatically.
GUEST_MODULES=(virtio_pci virtio_net virtio_blk virtio_scsi virtio_rng
               isofs sr_mod sd_mod ata_piix ata_generic vfat nls_cp437 nls_ascii nls_iso8859-1 nls_utf8
               button evdev)  # the ACPI power button, for a soft stop
KERNEL_CMDLINE="console=ttyS0 panic=-1"

log() { echo "guest-image: $*" >&2; }
die() { echo "guest-image: error: $*" >&2; exit 1; }

require_host_tools() {
    local tool missing=()
    for tool in apt-get apt-cache dpkg-deb cpio gzip depmod modinfo readelf \
                sfdisk mkfs.fat mcopy syslinux; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [[ -f /usr/lib/syslinux/mbr/mbr.bin ]] || missing+=("/usr/lib/syslinux/mbr/mbr.bin")
    ((${#missing[@]} == 0)) ||
        die "missing ${missing[*]}; install the packages in $HERE/packages.txt"
}

declare -A CANDIDATE_VERSION=()

# One apt-cache call for all packages: each call costs a second or two.
load_candidate_versions() {
    local line package=""
    while read -r line; do
        if [[ $line =~ ^([^[:space:]]+):$ ]]; then
            package=${BASH_REMATCH[1]}
        elif [[ $line =~ ^Candidate:\ (.+)$ && -n $package ]]; then
            CANDIDATE_VERSION[$package]=${BASH_REMATCH[1]}
        fi
    done < <(apt-cache policy "$@")
}

candidate_version() {
    local version=${CANDIDATE_VERSION[$1]:-}
    [[ -n $version && $version != "(none)" ]] ||
        die "package $1 has no candidate version (run apt-get update?)"
    echo "$version"
}

# The versioned kernel package that linux-image-cloud-amd64 points at today.
resolve_kernel_package() {
    local package
    package=$(apt-cache depends linux-image-cloud-amd64 |
              awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [[ -n $package ]] || die "cannot resolve linux-image-cloud-amd64 (run apt-get update?)"
    echo "$package"
}

# dropbear is dynamically linked: take its library packages (and theirs) too.
resolve_dropbear_packages() {
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances dropbear-bin | grep '^[a-z0-9]' | sort -u
}

# deb_path PACKAGE: the cached .deb of the candidate version, downloaded if missing.
deb_path() {
    local package=$1 version file
    version=$(candidate_version "$package")
    file=$(compgen -G "$DEB_CACHE/${package}_${version//:/%3a}_*.deb" | head -n1 || true)
    if [[ -z $file ]]; then
        log "downloading $package $version"
        (cd "$DEB_CACHE" && apt-get -q -o APT::Sandbox::User=root download "$package=$version" >&2)
        file=$(compgen -G "$DEB_CACHE/${package}_${version//:/%3a}_*.deb" | head -n1)
    fi
    echo "$file"
}

# extracted_deb DEB: a directory with DEB's files, unpacked once into the cache.
extracted_deb() {
    local deb=$1 dir
    dir=$EXTRACT_CACHE/$(basename "$deb" .deb)
    if [[ ! -f $dir/.complete ]]; then
        rm -rf "$dir"
        dpkg-deb -x "$deb" "$dir"
        touch "$dir/.complete"
    fi
    echo "$dir"
}

inputs_fingerprint() {
    { printf '%s\n' "$@" "$KERNEL_CMDLINE" "${GUEST_MODULES[@]}"
      cat "${BASH_SOURCE[0]}" "$HERE"/rootfs/*; } | sha256sum | cut -d' ' -f1
}

install_busybox() {
    local busybox_root=$1 applet
    install -D -m 755 "$busybox_root/bin/busybox" "$ROOT/bin/busybox"
    # Symlinks for every applet at its usual place (bin/sh, sbin/init, usr/bin/awk, ...).
    while read -r applet; do
        [[ $applet == bin/busybox || $applet == linuxrc ]] && continue
        mkdir -p "$ROOT/$(dirname "$applet")"
        ln -sf /bin/busybox "$ROOT/$applet"
    done < <("$ROOT/bin/busybox" --list-full)
}

LIBRARY_ROOTS=()   # extracted dropbear-bin and the library packages it depends on

# find_library NAME: the file for a DT_NEEDED name among the extracted library packages.
find_library() {
    local root dir
    for root in "${LIBRARY_ROOTS[@]}"; do
        for dir in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
            if [[ -e $root/$dir/$1 ]]; then echo "$root/$dir/$1"; return 0; fi
        done
    done
    die "library $1 needed by dropbear not found in its Debian dependencies"
}

# find_in_packages PATH: PATH (e.g. usr/sbin/dropbear) from whichever package has it.
find_in_packages() {
    local root
    for root in "${LIBRARY_ROOTS[@]}"; do
        if [[ -e $root/$1 ]]; then echo "$root/$1"; return 0; fi
    done
    die "$1 not found in the dropbear packages"
}

copy_needed_libraries() {
    local binary=$1 needed
    for needed in $(readelf -d "$binary" | awk '/\(NEEDED\)/ { gsub(/[][]/, "", $5); print $5 }'); do
        [[ -e $ROOT/lib/x86_64-linux-gnu/$needed ]] && continue
        install -D -m 644 "$(find_library "$needed")" "$ROOT/lib/x86_64-linux-gnu/$needed"
        copy_needed_libraries "$ROOT/lib/x86_64-linux-gnu/$needed"
    done
}

install_dropbear() {
    local binary
    for binary in usr/sbin/dropbear usr/bin/dropbearkey; do
        install -D -m 755 "$(find_in_packages "$binary")" "$ROOT/$binary"
        copy_needed_libraries "$ROOT/$binary"
    done
    install -D -m 755 "$(readlink -f "$(find_in_packages lib64/ld-linux-x86-64.so.2)")" \
        "$ROOT/lib64/ld-linux-x86-64.so.2"
}

declare -A MODULE_SEEN=()
MODULE_ORDER=()

# add_module NAME: appends NAME's dependencies, then NAME, to MODULE_ORDER (insmod order).
add_module() {
    local name=$1 kernel_root=$2 kver=$3 file dependency
    [[ -n ${MODULE_SEEN[$name]:-} ]] && return 0
    MODULE_SEEN[$name]=1
    file=$(modinfo -b "$kernel_root" -k "$kver" -F filename "$name") ||
        die "kernel module $name not found in $kver"
    [[ $file == *"(builtin)"* ]] && return 0
    for dependency in $(modinfo -b "$kernel_root" -k "$kver" -F depends "$name" | tr ',' ' '); do
        add_module "$dependency" "$kernel_root" "$kver"
    done
    MODULE_ORDER+=("${file#"$kernel_root/lib/modules/$kver/"}")
}

install_kernel_modules() {
    local kernel_root=$1 kver=$2 name module
    [[ -f $kernel_root/lib/modules/$kver/modules.dep ]] || depmod -b "$kernel_root" "$kver"
    for name in "${GUEST_MODULES[@]}"; do add_module "$name" "$kernel_root" "$kver"; done
    for module in "${MODULE_ORDER[@]}"; do
        install -D -m 644 "$kernel_root/lib/modules/$kver/$module" "$ROOT/lib/modules/$kver/$module"
    done
    printf '%s\n' "${MODULE_ORDER[@]}" > "$ROOT/lib/modules/load-order"
    printf '%s\n' "${MODULE_ORDER[@]}" > "$ROOT/lib/modules/$kver/modules.order"
    cp "$kernel_root/lib/modules/$kver"/modules.builtin{,.modinfo} "$ROOT/lib/modules/$kver/"
    depmod -b "$ROOT" "$kver"          # lets `modprobe` work inside the guest too
}

install_config_files() {
    mkdir -p "$ROOT"/{proc,sys,dev,run,tmp,root,home/cloud,etc/dropbear,var/log,var/run}
    install -m 755 "$HERE/rootfs/init" "$ROOT/init"
    install -D -m 644 "$HERE/rootfs/jsonflat.awk" "$ROOT/usr/share/stratus/jsonflat.awk"
    install -D -m 755 "$HERE/rootfs/udhcpc.script" "$ROOT/usr/share/udhcpc/default.script"
    # '*' = no password: the accounts are reachable with SSH keys only.
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
        'cloud:x:1000:1000:Cloud User:/home/cloud:/bin/sh' > "$ROOT/etc/passwd"
    printf '%s\n' 'root:*:19000:0:99999:7:::' 'cloud:*:19000:0:99999:7:::' > "$ROOT/etc/shadow"
    chmod 600 "$ROOT/etc/shadow"
    printf '%s\n' 'root:x:0:' 'tty:x:5:' 'cloud:x:1000:' > "$ROOT/etc/group"
    printf '%s\n' /bin/sh /bin/ash > "$ROOT/etc/shells"
    printf '%s\n' 'ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100' \
        '::ctrlaltdel:/sbin/reboot' '::shutdown:/bin/umount -a -r' > "$ROOT/etc/inittab"
}

write_initramfs() {
    find "$ROOT" -exec touch -h -d @0 {} +       # same inputs, same bytes
    (cd "$ROOT" && find . | sort | cpio --quiet -o -H newc -R 0:0 --reproducible) |
        gzip -9 -n > "$WORK/initrd.img"
}

write_syslinux_config() {
    cat > "$1" <<EOF
SERIAL 0 115200
DEFAULT stratus
PROMPT 0
TIMEOUT 0
LABEL stratus
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $KERNEL_CMDLINE
EOF
}

# An MBR disk with one bootable FAT partition at 1 MiB holding syslinux, kernel and initrd.
write_disk() {
    local disk=$WORK/disk.raw content_mib size_mib
    content_mib=$(( ($(stat -c %s "$WORK/vmlinuz") + $(stat -c %s "$WORK/initrd.img")) >> 20 ))
    size_mib=$(( content_mib + 8 ))
    truncate -s "${size_mib}M" "$disk"
    printf 'label: dos\nstart=2048, type=c, bootable\n' | sfdisk --quiet "$disk"
    dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
    mkfs.fat --invariant -n STRATUS --offset 2048 "$disk" $(( (size_mib - 1) * 1024 )) >/dev/null
    write_syslinux_config "$WORK/syslinux.cfg"
    export MTOOLS_SKIP_CHECK=1
    mcopy -i "$disk@@1M" "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/syslinux.cfg" ::
    syslinux --install --offset 1048576 "$disk"
    if command -v qemu-img >/dev/null; then
        qemu-img convert -f raw -O qcow2 "$disk" "$WORK/disk.qcow2"
    fi
}

publish_outputs() {
    local file
    for file in vmlinuz initrd.img disk.raw disk.qcow2; do
        [[ -f $WORK/$file ]] && mv -f "$WORK/$file" "$OUTDIR/$file"
    done
    rm -rf "$WORK"
}

main() {
    require_host_tools
    mkdir -p "$OUTDIR" "$DEB_CACHE" "$EXTRACT_CACHE"
    local kernel_package kver packages=() debs=() package fingerprint kernel_root deb
    kernel_package=$(resolve_kernel_package)
    kver=${kernel_package#linux-image-}
    mapfile -t packages < <(echo "$kernel_package"; echo busybox-static; resolve_dropbear_packages)
    load_candidate_versions "${packages[@]}"
    for package in "${packages[@]}"; do debs+=("$(deb_path "$package")"); done

    fingerprint=$(inputs_fingerprint "${debs[@]##*/}")
    if [[ -f $OUTDIR/.fingerprint && $(cat "$OUTDIR/.fingerprint") == "$fingerprint" &&
          -f $OUTDIR/vmlinuz && -f $OUTDIR/initrd.img && -f $OUTDIR/disk.raw ]]; then
        log "up to date in $OUTDIR (kernel $kver)"
        return 0
    fi

    log "building in $OUTDIR (kernel $kver)"
    rm -rf "$WORK" "$OUTDIR/.fingerprint"
    mkdir -p "$ROOT"
    kernel_root=$(extracted_deb "${debs[0]}")
    for deb in "${debs[@]:2}"; do LIBRARY_ROOTS+=("$(extracted_deb "$deb")"); done

    install_busybox "$(extracted_deb "${debs[1]}")"
    install_dropbear
    install_kernel_modules "$kernel_root" "$kver"
    install_config_files
    write_initramfs
    cp "$kernel_root/boot/vmlinuz-$kver" "$WORK/vmlinuz"
    write_disk
    publish_outputs
    echo "$fingerprint" > "$OUTDIR/.fingerprint"
    log "done: $(cd "$OUTDIR" && du -h vmlinuz initrd.img disk.raw | tr '\t\n' ': ')"
}

main
