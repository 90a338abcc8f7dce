#!/usr/bin/env bash
# Installs the pinned Helm (and helm-docs) CLIs with `go install` (Go module proxy) when they are
# missing from a per-user cache, and prints the path of the helm binary on stdout (last line).
# Builds take ~2-3 minutes once; later runs only check the cache.
#
#   bash tools/helm/install-helm.sh            # helm only
#   bash tools/helm/install-helm.sh --docs     # helm + helm-docs (prints the helm-docs path too)
#   bash tools/helm/install-helm.sh --kube-strict
#       # + the strict manifest decoder of tools/helm/kube-strict (prints its path too)
#   bash tools/helm/install-helm.sh --promtool
#       # + Prometheus' promtool, to check and unit-test the chart's alert rules (prints its path too)
#
# Environment:
#   PULSE_HELM_VERSION       pinned helm.sh/helm/v3 version        (default below)
#   PULSE_HELM_DOCS_VERSION  pinned github.com/norwoodj/helm-docs  (default below)
#   PULSE_PROMTOOL_VERSION   pinned github.com/prometheus/prometheus module (default below)
#   PULSE_TOOLS_BIN          install directory                      (default $HOME/.cache/pulse/bin)
#   PULSE_HELM_BIN           use this helm binary instead (no install)
set -euo pipefail

HELM_VERSION="${PULSE_HELM_VERSION:-v3.22.0}"
HELM_DOCS_VERSION="${PULSE_HELM_DOCS_VERSION:-v1.14.2}"
# The Go module of Prometheus 3.x is tagged v0.3xx.y (for release 3.xx.y).
PROMTOOL_VERSION="${PULSE_PROMTOOL_VERSION:-v0.316.0}"
BIN_DIR="${PULSE_TOOLS_BIN:-${HOME}/.cache/pulse/bin}"

want_docs=false
want_strict=false
want_promtool=false
for arg in "$@"; do
  case "$arg" in
    --docs) want_docs=true ;;
    --kube-strict) want_strict=true ;;
    --promtool) want_promtool=true ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "install-helm.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { echo "install-helm.sh: $*" >&2; }

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    log "Go toolchain not found; install Go >= 1.24 or set PULSE_HELM_BIN to an existing helm"
    exit 1
  fi
}

# shellcheck source=tools/workspace/go-install.sh disable=SC1091 # followed only with shellcheck -x
source "$(dirname "${BASH_SOURCE[0]}")/../workspace/go-install.sh"

# Helm's release build stamps its version and the Kubernetes version of its client-go into the
# binary (Makefile LDFLAGS). A bare `go install` would report "v3.22" and default
# .Capabilities.KubeVersion to v1.20.0, so stamp the same values here.
helm_ldflags() {
  need_go
  local gomod k8s_minor
  gomod="$(go mod download -json "helm.sh/helm/v3@${HELM_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$gomod" | head -n 1)"
  if [[ -z "$k8s_minor" ]]; then
    log "could not read the k8s.io/client-go version of helm ${HELM_VERSION}"
    exit 1
  fi
  local v="-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
  local k="-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${k8s_minor}"
  local l="-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${k8s_minor}"
  echo "$v $k $l"
}

mkdir -p "$BIN_DIR"

helm_path=""
if [[ -n "${PULSE_HELM_BIN:-}" ]]; then
  helm_path="$PULSE_HELM_BIN"
else
  if [[ ! -x "${BIN_DIR}/.helm-${HELM_VERSION}/helm" ]] && ! command -v go >/dev/null 2>&1 \
    && command -v helm >/dev/null 2>&1; then
    # No Go toolchain to build the pinned helm: fall back to the one on PATH.
    helm_path="$(command -v helm)"
    log "Go not found: using ${helm_path} instead of the pinned ${HELM_VERSION}"
  else
    if [[ ! -x "${BIN_DIR}/.helm-${HELM_VERSION}/helm" ]]; then
      go_install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" helm "$HELM_VERSION" "$(helm_ldflags)"
    fi
    ln -sfn "${BIN_DIR}/.helm-${HELM_VERSION}/helm" "${BIN_DIR}/helm"
    helm_path="${BIN_DIR}/helm"
  fi
fi
log "helm $("$helm_path" version --short) at ${helm_path}"

if $want_docs; then
  go_install "github.com/norwoodj/helm-docs/cmd/helm-docs@${HELM_DOCS_VERSION}" helm-docs "$HELM_DOCS_VERSION"
  echo "${BIN_DIR}/helm-docs"
fi
if $want_strict; then
  # Built from the repository's own Go module (its go.sum pins the k8s.io modules helm uses);
  # the cache key is the hash of its sources, so an edit rebuilds it.
  src="$(cd "$(dirname "$0")/kube-strict" && pwd)"
  key="$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-16)"
  dir="${BIN_DIR}/.kube-strict-${key}"
  if [[ ! -x "$dir/kube-strict" ]]; then
    need_go
    log "building tools/helm/kube-strict into ${dir}"
    mkdir -p "$dir"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" go build -trimpath -o "$dir/kube-strict" . >&2)
  fi
  echo "$dir/kube-strict"
fi
if $want_promtool; then
  go_install "github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_VERSION}" promtool "$PROMTOOL_VERSION"
  echo "${BIN_DIR}/promtool"
fi
echo "$helm_path"
