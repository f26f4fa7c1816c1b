#!/usr/bin/env bash
# Builds deploy/Dockerfile with podman on a machine that cannot pull images: makes the stand-in base
# (stand-in-base.sh), then builds the real Dockerfile unchanged. Prints the image size.
#   deploy/image/build.sh [TAG]        (default localhost/pod-shell-broker:dev)
# The host's CA bundle is bind-mounted into the RUN steps (never copied into a layer), with an npmrc
# pointing npm at it, for networks whose TLS to the npm registry goes through a local CA.
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG="${1:-localhost/pod-shell-broker:dev}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/image/containers.conf}"

bash deploy/image/stand-in-base.sh

mounts=()
ca="${BUILD_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}"
if [ -s "$ca" ]; then
  npmrc="$(mktemp)"
  trap 'rm -f "$npmrc"' EXIT
  echo "cafile=/run/pod-shell-build/ca.crt" >"$npmrc"
  mounts+=(-v "$ca:/run/pod-shell-build/ca.crt:ro" -v "$npmrc:/usr/local/etc/npmrc:ro")
fi

echo "== podman build -f deploy/Dockerfile -t $TAG"
podman --runtime runc build --layers "${mounts[@]}" -f deploy/Dockerfile -t "$TAG" .
podman image inspect --format '== {{index .RepoTags 0}}: {{.Size}} bytes' "$TAG"
