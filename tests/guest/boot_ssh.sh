#!/usr/bin/env bash
# End-to-end: the project's guest image boots under QEMU (TCG), reads a config drive made by
# stratus-configdrive, and accepts SSH with the injected key; its user_data script has run.
# Boots twice: kernel+initrd given to QEMU directly (config drive on virtio-blk), then the
# bootable disk image (config drive as an IDE cdrom).
#
# usage: boot_ssh.sh STRATUS_CONFIGDRIVE IMAGE_DIR
#   IMAGE_DIR is where tools/guest-image/build.sh puts (and caches) the image.
# Env: STRATUS_BOOT_TIMEOUT (seconds per boot, default 120), STRATUS_KEEP_WORK=1 keeps files.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 STRATUS_CONFIGDRIVE IMAGE_DIR" >&2; exit 2; }
CONFIGDRIVE_TOOL=$1
IMAGE_DIR=$2
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BOOT_TIMEOUT=${STRATUS_BOOT_TIMEOUT:-120}
GUEST_HOSTNAME=stratus-e2e
GUEST_MAC=52:54:00:12:34:56
WORK=$(mktemp -d /tmp/stratus-boot-ssh.XXXXXX)
QEMU_PID=""

log() { echo "[boot_ssh $(date +%T)] $*"; }
fail() { echo "[boot_ssh] FAIL: $*" >&2; exit 1; }

stop_qemu() {
    if [[ -n $QEMU_PID ]]; then
        kill "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
        QEMU_PID=""
    fi
}

cleanup() {
    stop_qemu
    if [[ ${STRATUS_KEEP_WORK:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

require_tools() {
    local tool
    for tool in qemu-system-x86_64 ssh ssh-keygen; do
        command -v "$tool" >/dev/null ||
            fail "$tool not found: install the packages in tools/guest-image/packages.txt"
    done
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if port_is_free "$port"; then echo "$port"; return 0; fi
    done
    fail "no free TCP port found on 127.0.0.1"
}

guest_ssh() {
    local port=$1 user=$2
    shift 2
    ssh -F /dev/null -i "$WORK/key" -p "$port" -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes \
        -o LogLevel=ERROR -o ConnectTimeout=5 "$user@127.0.0.1" "$@"
}

make_config_drive() {
    ssh-keygen -q -t ed25519 -N '' -C stratus-e2e -f "$WORK/key"
    cat > "$WORK/user_data" <<'EOF'
#!/bin/sh
echo "user-data ran on $(hostname)" > /home/cloud/user-data-marker
chown cloud:cloud /home/cloud/user-data-marker
EOF
    "$CONFIGDRIVE_TOOL" --hostname "$GUEST_HOSTNAME" --public-key "$WORK/key.pub" \
        --user-data "$WORK/user_data" --mac "$GUEST_MAC" --ip 10.0.2.15/24 \
        --gateway 10.0.2.2 --dns 10.0.2.3 -o "$WORK/config.iso"
}

# start_qemu SERIAL_LOG PORT QEMU_ARGS...: starts QEMU in the background (QEMU_PID).
# virtio-rng: the guest's host-key generation waits for the kernel RNG, slow to seed under TCG.
start_qemu() {
    local serial_log=$1 port=$2
    shift 2
    qemu-system-x86_64 -accel tcg -m 256 -nographic -monitor none -no-reboot \
        -serial "file:$serial_log" \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" \
        -device "virtio-net-pci,netdev=n0,mac=$GUEST_MAC" \
        -device virtio-rng-pci \
        "$@" < /dev/null > "$serial_log.qemu" 2>&1 &
    QEMU_PID=$!
}

show_logs_and_fail() {
    local serial_log=$1 message=$2
    echo "---- last lines of the serial console ----" >&2
    tail -n 40 "$serial_log" >&2 2>/dev/null || true
    echo "---- qemu output ----" >&2
    cat "$serial_log.qemu" >&2 2>/dev/null || true
    fail "$message"
}

# wait_for_guest SERIAL_LOG PORT: until the boot banner is on the console and SSH works.
wait_for_guest() {
    local serial_log=$1 port=$2 started=$SECONDS elapsed last_report=0
    while true; do
        elapsed=$((SECONDS - started))
        kill -0 "$QEMU_PID" 2>/dev/null || show_logs_and_fail "$serial_log" "QEMU exited during boot"
        if grep -q '^=== stratus-guest:' "$serial_log" 2>/dev/null &&
           guest_ssh "$port" cloud true 2>/dev/null; then
            log "guest up: banner and SSH after ${elapsed}s"
            return 0
        fi
        ((elapsed < BOOT_TIMEOUT)) ||
            show_logs_and_fail "$serial_log" "no banner+SSH within ${BOOT_TIMEOUT}s"
        if ((elapsed - last_report >= 10)); then
            log "waiting for guest (${elapsed}s): $(tail -n 1 "$serial_log" 2>/dev/null | tr -d '\r' | cut -c1-100)"
            last_report=$elapsed
        fi
        sleep 1
    done
}

check_guest() {
    local serial_log=$1 port=$2 banner name marker
    banner=$(grep '^=== stratus-guest:' "$serial_log" | tr -d '\r')
    log "banner: $banner"
    [[ $banner == *"hostname=$GUEST_HOSTNAME "* ]] || fail "banner has the wrong hostname"
    [[ $banner == *"addresses=10.0.2.15/24 "* ]] || fail "banner lacks the static address"
    [[ $banner == *"sshd=up"* ]] || fail "banner says sshd is not up"

    name=$(guest_ssh "$port" cloud hostname)
    [[ $name == "$GUEST_HOSTNAME" ]] || fail "hostname over SSH is '$name', expected $GUEST_HOSTNAME"
    marker=$(guest_ssh "$port" cloud cat /home/cloud/user-data-marker) ||
        fail "user_data marker file missing"
    [[ $marker == "user-data ran on $GUEST_HOSTNAME" ]] || fail "unexpected marker content '$marker'"
    [[ $(guest_ssh "$port" root id -u) == 0 ]] || fail "root login with the key failed"
    log "ssh: hostname=$name, marker='$marker', root login ok"
}

# boot_and_check NAME QEMU_ARGS...: boots one variant; retries on a port taken meanwhile.
boot_and_check() {
    local name=$1 serial_log="$WORK/serial-$1.log" port
    shift
    for _ in 1 2 3; do
        port=$(pick_free_port)
        log "$name: booting, SSH forwarded from 127.0.0.1:$port"
        start_qemu "$serial_log" "$port" "$@"
        sleep 1
        if kill -0 "$QEMU_PID" 2>/dev/null; then break; fi
        grep -q 'hostfwd\|Could not set up host forwarding' "$serial_log.qemu" ||
            show_logs_and_fail "$serial_log" "QEMU did not start"
        QEMU_PID=""
    done
    wait_for_guest "$serial_log" "$port"
    check_guest "$serial_log" "$port"
    stop_qemu
    log "$name: PASS"
}

main() {
    require_tools
    local started=$SECONDS
    "$REPO/tools/guest-image/build.sh" "$IMAGE_DIR"
    log "guest image ready in $((SECONDS - started))s"
    make_config_drive

    boot_and_check kernel-initrd -kernel "$IMAGE_DIR/vmlinuz" -initrd "$IMAGE_DIR/initrd.img" \
        -append "console=ttyS0 panic=-1" \
        -drive "file=$WORK/config.iso,if=virtio,format=raw,readonly=on"
    boot_and_check disk -drive "file=$IMAGE_DIR/disk.raw,if=virtio,format=raw,snapshot=on" \
        -drive "file=$WORK/config.iso,if=ide,media=cdrom,readonly=on"
    log "PASS (total $((SECONDS - started))s)"
}

main
