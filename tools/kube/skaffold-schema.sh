#!/usr/bin/env bash
# Prints the path of skaffold's own JSON schema for the apiVersion skaffold.yaml declares (or for
# APIVERSION, e.g. skaffold/v4beta14), from the published skaffold Go module (downloaded into the
# Go module cache when missing; checksums verified by the go command). Building skaffold itself
# takes far longer than validating against the schema its release ships.
#
#   bash tools/kube/skaffold-schema.sh [APIVERSION]
#
# Environment:
#   PULSE_SKAFFOLD_VERSION  skaffold release (default: tools/kube/versions.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/kube/versions.sh disable=SC1091 # followed only with shellcheck -x
source "$here/versions.sh"

case "${1:-}" in
  -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
  '') api="$(sed -n 's/^apiVersion: *\(skaffold\/[a-z0-9]*\) *$/\1/p' "$here/../../skaffold.yaml")" ;;
  *) api="$1" ;;
esac
[[ "$api" =~ ^skaffold/(v[0-9a-z]+)$ ]] || { echo "skaffold-schema.sh: not a skaffold apiVersion: '$api'" >&2; exit 2; }
version="${BASH_REMATCH[1]}"

command -v go >/dev/null 2>&1 || { echo "skaffold-schema.sh: the go command is needed (Go module cache)" >&2; exit 1; }
module="github.com/GoogleContainerTools/skaffold/v2@${SKAFFOLD_VERSION}"
json="$(GOFLAGS=-mod=mod go mod download -json "$module")" || { echo "skaffold-schema.sh: go mod download $module failed: $json" >&2; exit 1; }
dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
schema="$dir/docs-v2/content/en/schemas/$version.json"
[[ -s "$schema" ]] || { echo "skaffold-schema.sh: skaffold ${SKAFFOLD_VERSION} ships no schema for $api" >&2; exit 1; }
printf '%s\n' "$schema"
