#!/usr/bin/env bash
# How podman runs on these hosts, in one place. Sourced by the scripts in tools/images; run directly
# it is podman itself with those settings (the test suite calls it so):
#   bash tools/images/podman.sh run --rm localhost/pulse-cli:0.1.0 --help
# runc, not crun: crun refuses hosts whose cgroups are in hybrid mode. cgroupfs, not systemd:
# there is no systemd session to delegate cgroups to. Override with PULSE_PODMAN="podman ..." .

if [[ -n "${PULSE_PODMAN:-}" ]]; then
  # shellcheck disable=SC2206 # a command line on purpose
  PODMAN=(${PULSE_PODMAN})
else
  PODMAN=(podman --runtime /usr/sbin/runc --cgroup-manager cgroupfs)
fi

# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/lib.sh"

# require_tools CMD...: installs the Debian packages of the missing commands (as root; otherwise
# says what to install). podman's recommended packages are not needed: runc and host networking.
require_tools() {
  local -a missing=()
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      case "$tool" in
        podman) missing+=(podman runc) ;;
        *) missing+=("$tool") ;;
      esac
    fi
  done
  pulse_apt_install "${missing[@]}"
}

# The Node version the repository pins (the `node` dev dependency), e.g. 24.21.0.
pinned_node_version() {
  local repo_root="$1"
  local version
  version=$(sed -nE 's/^ *"version": *"([0-9]+\.[0-9]+\.[0-9]+)".*/\1/p' "$repo_root/node_modules/node/package.json" | head -1)
  if [[ -z "$version" ]]; then
    echo "cannot read the pinned Node version from node_modules/node/package.json: run npm ci first" >&2
    exit 1
  fi
  echo "$version"
}

# Containers may lower their rlimits but not raise them above the host's hard limits, and podman's
# defaults ask for more than some hosts grant: every build step and container gets these.
PODMAN_LIMITS=(--ulimit nofile=10000:10000 --ulimit nproc=1000:1000)

# The service and tool targets of deploy/docker/Dockerfile (every stage built FROM runtime).
dockerfile_targets() {
  local repo_root="$1"
  sed -nE 's/^FROM runtime AS ([a-z0-9-]+)$/\1/p' "$repo_root/deploy/docker/Dockerfile"
}

# Tag of the images: the chart's appVersion, so the chart's defaults name them.
default_image_tag() {
  local repo_root="$1"
  sed -nE "s/^appVersion: *['\"]?([^'\"]+)['\"]?$/\1/p" "$repo_root/helm/pulse/Chart.yaml"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    run | create | build) exec "${PODMAN[@]}" "$1" "${PODMAN_LIMITS[@]}" "${@:2}" ;;
    *) exec "${PODMAN[@]}" "$@" ;;
  esac
fi
