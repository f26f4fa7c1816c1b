#!/usr/bin/env bash
# Runs the broker image as the broker tests' child process: the broker tests start the broker through
# this script when PODSHELL_TEST_BROKER_LAUNCHER names it (packages/broker/src/test/broker-process.ts).
#   test-launcher.sh serve        (environment: the broker's configuration, as for the CLI)
# The container runs like the production manifests ask: host network (kube-sim and Redis are on the
# host), read-only root filesystem with no tmpfs, uid 1000, no capabilities, no new privileges. The
# tenants file and kubeconfig are copied into a directory only uid 1000 can read, mounted read-only.
# SIGTERM/SIGINT are passed on to the broker (PID 1 in the container); the exit code is the broker's.
set -euo pipefail
IMAGE="${PODSHELL_TEST_IMAGE:-localhost/pod-shell-broker:dev}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$(cd "$(dirname "$0")" && pwd)/containers.conf}"

stage="$(mktemp -d)"
envfile="$(mktemp)"
trap 'rm -rf "$stage" "$envfile"' EXIT
for var in TENANTS_FILE KUBECONFIG; do
  src="${!var:-}"
  [ -n "$src" ] || continue
  cp "$src" "$stage/$(basename "$src")"
  export "$var=/config/$(basename "$src")"
done
chown -R 1000:1000 "$stage" && chmod 0700 "$stage"
# Everything but the host's own variables is the broker's configuration.
env | grep -vE '^(PATH|HOME|PWD|SHLVL|OLDPWD|_|HOSTNAME|TERM|CONTAINERS_CONF|PODSHELL_TEST_IMAGE)=' >"$envfile" || true

podman --runtime runc run --rm --network host --read-only --read-only-tmpfs=false \
  --user 1000:1000 --cap-drop ALL --security-opt no-new-privileges \
  --env-file "$envfile" -v "$stage:/config:ro" "$IMAGE" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM
trap 'kill -INT "$pid" 2>/dev/null || true' INT
set +e
wait "$pid"; rc=$?
# A trapped signal interrupts the first wait: wait again for podman's own exit code.
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; rc=$?; done
exit "$rc"
