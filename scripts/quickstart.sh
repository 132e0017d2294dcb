#!/usr/bin/env bash
# Sets up the local stack and runs the main job on examples/quickstart/imagespec.yaml:
# checks the content-hash tag in the local basic-auth registry and builds + pushes the image when missing.
#
#   bash scripts/quickstart.sh [SPEC]
set -Eeuo pipefail
# Every failure says where it happened: script, line and the command that failed.
trap 'rc=$?; printf "quickstart: error: %s:%s: \`%s\` exited with status %s\n" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" "$rc" >&2' ERR
cd "$(dirname "$0")/.."
spec=${1:-examples/quickstart/imagespec.yaml}

[[ -d node_modules ]] || npm ci --no-audit --no-fund </dev/null
bash scripts/testbed.sh up
eval "$(bash scripts/testbed.sh env)"
[[ -f dist/cli.js ]] || npm run build

# A Docker client configuration of its own, so the login does not touch ~/.docker.
export DOCKER_CONFIG=$IMAGESPEC_TESTBED_DIR/quickstart-docker
mkdir -p "$DOCKER_CONFIG"
docker login --username "$TESTBED_BASIC_USER" --password-stdin "$TESTBED_BASIC_REGISTRY" \
  <<<"$TESTBED_BASIC_PASSWORD" >/dev/null

# The main job: check the content tag in the local registry, build what is missing, push.
# Prints REFERENCE@DIGEST, with "(exists)" when the image was already there.
node dist/cli.js build --registry "$TESTBED_BASIC_REGISTRY/quickstart" "$spec"
