#!/usr/bin/env bash
# Makes the local Node base image the Dockerfile builds on when no registry is reachable:
# a Debian bookworm minbase root filesystem (mmdebstrap, from the Debian mirror apt uses) plus the
# Node binary the repository pins (node_modules/node) and a pinned npm, imported into podman as
#   localhost/pulse-node:<node version>-bookworm
# It stands in for the public node:<version>-bookworm-slim image: same Debian release, same Node
# build, npm and npx on the PATH, no other tools. Skipped when an image with that tag was made from
# the same inputs (node binary, npm version, this script); --force makes it again.
# Prints the image reference on stdout (progress goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo_root=$PWD
# shellcheck source=tools/images/podman.sh
source tools/images/podman.sh

# npm bundled into the base, as the official Node images bundle one (Node 24 ships npm 11).
NPM_VERSION=11.19.1
SUITE=bookworm
MIRROR="${PULSE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${PULSE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

force=false
[[ "${1:-}" == "--force" ]] && force=true

require_tools podman
node_version=$(pinned_node_version "$repo_root")
node_binary="$repo_root/node_modules/node/bin/node"
if [[ "$("$node_binary" --version)" != "v$node_version" ]]; then
  echo "$node_binary is not Node $node_version: run npm ci" >&2
  exit 1
fi
image="localhost/pulse-node:${node_version}-${SUITE}"

# path-exclude as in Debian's slim images: no manuals, docs or translations, also for packages the
# Dockerfile installs later (the dpkg configuration stays in the image).
mmdebstrap_args=(
  --variant=minbase --quiet
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log'
  --customize-hook='install -m 0755 "$PULSE_NODE_BINARY" "$1/usr/local/bin/node"'
  --customize-hook='mkdir -p "$1/usr/local/lib/node_modules/npm" && tar -xzf "$PULSE_NPM_TARBALL" --strip-components=1 --no-same-owner -C "$1/usr/local/lib/node_modules/npm"'
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"'
  --customize-hook='chroot "$1" node --version >/dev/null && chroot "$1" npm --version >/dev/null'
  "$SUITE"
)
mirrors=(
  "deb $MIRROR $SUITE main"
  "deb $MIRROR $SUITE-updates main"
  "deb $SECURITY_MIRROR $SUITE-security main"
)

# What the image is made of: when any of it changes, the image is made again under the same tag.
inputs=$({
  sha256sum "$node_binary" | cut -d' ' -f1
  echo "npm $NPM_VERSION"
  printf '%s\n' "${mmdebstrap_args[@]}" "${mirrors[@]}"
} | sha256sum | cut -d' ' -f1)

if ! $force && "${PODMAN[@]}" image exists "$image"; then
  current=$("${PODMAN[@]}" image inspect --format '{{ index .Labels "org.pulse.base-inputs" }}' "$image")
  if [[ "$current" == "$inputs" ]]; then
    echo "base image $image is up to date" >&2
    echo "$image"
    exit 0
  fi
  echo "base image $image was made from other inputs: making it again" >&2
fi

if [[ $EUID -ne 0 ]]; then
  echo "making the base image needs root (mmdebstrap in root mode, rootful podman)" >&2
  exit 1
fi
require_tools mmdebstrap

cache_dir="$PULSE_CACHE_DIR/images"
mkdir -p "$cache_dir"
npm_tarball="$cache_dir/npm-$NPM_VERSION.tgz"
if [[ ! -s "$npm_tarball" ]]; then
  echo "fetching npm $NPM_VERSION" >&2
  scratch=$(mktemp -d)
  (cd "$scratch" && npm pack "npm@$NPM_VERSION" --silent >/dev/null)
  mv "$scratch/npm-$NPM_VERSION.tgz" "$npm_tarball"
  rmdir "$scratch"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
echo "making $image: Debian $SUITE minbase + Node $node_version + npm $NPM_VERSION" >&2
PULSE_NODE_BINARY=$node_binary PULSE_NPM_TARBALL=$npm_tarball \
  mmdebstrap "${mmdebstrap_args[@]}" "$work/rootfs.tar" "${mirrors[@]}"

"${PODMAN[@]}" import --quiet \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=$node_version" \
  --change "LABEL org.pulse.base-inputs=$inputs" \
  --change "LABEL org.opencontainers.image.description=Debian $SUITE minbase with Node $node_version and npm $NPM_VERSION, made locally by tools/images/base.sh" \
  --change 'CMD ["node"]' \
  "$work/rootfs.tar" "$image" >/dev/null
echo "made $image in $((SECONDS - started)) s ($("${PODMAN[@]}" image inspect --format '{{.Size}}' "$image") bytes)" >&2
echo "$image"
