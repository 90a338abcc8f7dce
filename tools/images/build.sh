#!/usr/bin/env bash
# `npm run images`: builds every target of deploy/docker/Dockerfile with podman, on the local base
# image from tools/images/base.sh (made once, then reused), as
#   localhost/pulse-<target>:<tag>        (tag: PULSE_IMAGE_TAG, default the chart's appVersion)
# Layers are cached in podman's storage, so a build without changes takes seconds.
#   bash tools/images/build.sh [target ...]     # default: every target
# With Docker and the public base image instead: see deploy/docker/Dockerfile.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo_root=$PWD
# shellcheck source=tools/images/podman.sh
source tools/images/podman.sh
require_tools podman

mapfile -t all_targets < <(dockerfile_targets "$repo_root")
targets=("$@")
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " == *" $target "* ]]; then
    echo "unknown target '$target' (deploy/docker/Dockerfile has: ${all_targets[*]})" >&2
    exit 1
  fi
done
tag="${PULSE_IMAGE_TAG:-$(default_image_tag "$repo_root")}"

base=$(bash tools/images/base.sh)

# npm inside the build must trust what npm on this host trusts (a TLS-inspecting proxy's CA, say):
# handed over as a build secret, so it stays out of the image.
secret=()
cafile=$(npm config get cafile 2>/dev/null || true)
if [[ -n "$cafile" && "$cafile" != "null" && "$cafile" != "undefined" && -s "$cafile" ]]; then
  secret=(--secret "id=npm_ca,src=$cafile")
fi

# Every input of a build: the Dockerfile, .dockerignore, the base image and the files its COPY
# instructions take from the context (paths and contents; a superset of what .dockerignore lets
# through, so a change can only cause a build, never hide one). An image last built from the same
# fingerprint is up to date and not built again: even a fully cached podman build re-hashes every
# stage, about 10 s per target.
base_id=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$base")
mapfile -t copy_sources < <(sed -nE 's/^COPY +(--chown=[^ ]+ +)?([^- ][^ ]*( +[^ ]+)*) +[^ ]+$/\2/p' deploy/docker/Dockerfile | tr ' ' '\n' | sort -u)
if ((${#copy_sources[@]} == 0)); then
  echo "found no COPY sources in deploy/docker/Dockerfile" >&2
  exit 1
fi
context_fingerprint=$({
  echo "base $base $base_id"
  sha256sum deploy/docker/Dockerfile .dockerignore
  find "${copy_sources[@]}" -type f -not -path '*/node_modules/*' -print0 | sort -z | xargs -0 sha256sum
} | sha256sum | cut -d' ' -f1)

# Fingerprints are kept next to podman's own state, per image (podman build's --label does not
# reach an image whose last step came from the layer cache).
state_dir="$PULSE_CACHE_DIR/images/built"
mkdir -p "$state_dir"

started=$SECONDS
for target in "${targets[@]}"; do
  image="localhost/pulse-$target:$tag"
  fingerprint=$(echo "$context_fingerprint $target" | sha256sum | cut -d' ' -f1)
  # "<fingerprint> <image id>" of the last build of this image
  record="$state_dir/$(echo "$image" | tr '/:' '__')"
  if [[ -f "$record" ]] && "${PODMAN[@]}" image exists "$image" &&
    [[ "$(cat "$record")" == "$fingerprint $("${PODMAN[@]}" image inspect --format '{{.Id}}' "$image")" ]]; then
    echo "=== $image is up to date"
    continue
  fi
  target_started=$SECONDS
  echo "=== building $image (target $target)"
  # --network host: npm ci and apt-get reach the registry and the Debian mirror as this host does.
  bash tools/images/podman.sh build \
    --file deploy/docker/Dockerfile \
    --target "$target" \
    --tag "$image" \
    --build-arg "NODE_IMAGE=$base" \
    --pull=never \
    --network host \
    --layers \
    "${secret[@]}" \
    . >&2
  echo "$fingerprint $("${PODMAN[@]}" image inspect --format '{{.Id}}' "$image")" >"$record"
  echo "=== $image: built in $((SECONDS - target_started)) s"
done

echo
echo "images (built in $((SECONDS - started)) s, base $base):"
for target in "${targets[@]}"; do
  "${PODMAN[@]}" image inspect --format "  localhost/pulse-$target:$tag  {{.Size}} bytes  {{.Id}}" "localhost/pulse-$target:$tag" |
    awk '{ printf "  %-40s %7.1f MB  %.12s\n", $1, $2 / 1e6, $4 }'
done
