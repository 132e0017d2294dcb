#!/usr/bin/env bash
# Runs `bash scripts/testbed.sh install` on a machine where nothing is installed: a fresh Debian 12 (bookworm)
# minbase root made with debootstrap, entered with chroot, with service starts blocked by a policy-rc.d. Then
# checks that the engine, CLI, buildx, containerd, runc and registry are there at the versions the tests need.
# A failing install (a silent exit included) fails this check, saying where.
#
#   bash scripts/check-fresh-install.sh
#
# Needs root and debootstrap (the testbed installs it). The minbase root file system is cached in the testbed's
# state directory; each run unpacks a fresh copy and removes it afterwards.
set -Eeuo pipefail
trap 'rc=$?; printf "check-fresh-install: error: %s:%s: \`%s\` exited with status %s\n" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${IMAGESPEC_TESTBED_DIR:-/var/lib/imagespec-testbed}
DEBIAN_MIRROR=http://deb.debian.org/debian
log() { printf 'check-fresh-install: %s\n' "$*" >&2; }
die() {
  printf 'check-fresh-install: error: %s\n' "$*" >&2
  exit 1
}

[[ $(id -u) == 0 ]] || die "run as root (debootstrap and chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (bash scripts/testbed.sh install)"

# A bare minbase root, the state of a machine where nothing is installed (no curl, no Docker, no registry).
tarball=$STATE/rootfs/fresh-bookworm.tar
if [[ ! -s $tarball ]]; then
  mkdir -p "$STATE/rootfs/debs-amd64" "$STATE/logs"
  tmp=$(mktemp -d "$STATE/rootfs/fresh.XXXXXX")
  log "debootstrap --variant=minbase bookworm (once per machine)"
  debootstrap --variant=minbase --cache-dir="$STATE/rootfs/debs-amd64" bookworm "$tmp" "$DEBIAN_MIRROR" \
    >>"$STATE/logs/debootstrap.log" 2>&1 || die "debootstrap failed (log: $STATE/logs/debootstrap.log)"
  tar --numeric-owner -C "$tmp" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$tmp"
fi

root=$(mktemp -d /tmp/imagespec-fresh.XXXXXX)
mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT
tar --numeric-owner -C "$root" -xf "$tarball"
for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$root/$m"
  mounted+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/"
# The machine's apt settings: the testing suite's Release file carries a Valid-Until date that these allow.
cp -r /etc/apt/apt.conf.d/. "$root/etc/apt/apt.conf.d/"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/src/project/scripts"
cp "$REPO/scripts/testbed.sh" "$root/src/project/scripts/"

log "bash scripts/testbed.sh install, in a fresh bookworm root"
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  bash -c 'cd /src/project && bash scripts/testbed.sh install' ||
  die "'bash scripts/testbed.sh install' failed in a fresh bookworm root (its output is above)"

log "a second run changes nothing (idempotent)"
out=$(chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  bash -c 'cd /src/project && bash scripts/testbed.sh install' 2>&1) || die "the second install failed: $out"
[[ $out != *"installing "* ]] || die "the second install installed packages again: $out"

in_root() { chroot "$root" "$@"; }
engine=$(in_root dockerd --version)
client=$(in_root /usr/bin/docker --version)
buildx=$(in_root /usr/libexec/docker/cli-plugins/docker-buildx version)
containerd=$(in_root containerd --version)
runc=$(in_root runc --version | head -n 1)
registry=$(in_root docker-registry --version)
qemu=$(in_root /usr/bin/qemu-aarch64-static --version | head -n 1)
libc=$(in_root dpkg-query -W -f='${Version}' libc6)
printf '  %s\n' "$engine" "$client" "$buildx" "$containerd" "$runc" "$registry" "$qemu" "libc6 $libc" >&2

at_least() { # text minimum what
  local v
  v=$(grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' <<<"$1" | head -n 1)
  dpkg --compare-versions "${v:-0}" ge "$2" || die "$3 is ${v:-missing}, the tests need >= $2"
}
at_least "$engine" 28 "Docker Engine"
at_least "$client" 28 "the docker CLI"
at_least "$buildx" 0.29 "buildx"
at_least "$containerd" 2 "containerd"
at_least "$runc" 1.1 "runc"
at_least "$registry" 2.8 "the distribution registry"
[[ $libc == 2.36-* ]] || die "libc6 was upgraded to $libc: the engine must come from the testing suite package by package"
log "ok: a fresh machine gets Engine >= 28, buildx >= 0.29, containerd >= 2 and the registry; libc stays $libc"
