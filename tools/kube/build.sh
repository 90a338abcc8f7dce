#!/usr/bin/env bash
# Builds the pinned Kubernetes control plane, etcd, kwok and metrics-server from their Go modules
# when they are missing from a per-user cache, and prints one line per binary on stdout:
# "<name> <path>".
#
#   bash tools/kube/build.sh
#
#   kube-apiserver, kube-controller-manager, kube-scheduler
#       built from k8s.io/kubernetes through the wrapper module tools/kube/components (its go.mod
#       pins the release; the cache key is the hash of go.mod and go.sum, so a pin change rebuilds);
#       4 to 12 minutes cold on 2 cores, the three together (the API server is most of it)
#   kwok
#       sigs.k8s.io/kwok (simulated nodes and kubelets), `go install` of the pinned tag; about
#       2 minutes cold
#   etcd
#       go.etcd.io/etcd/server/v3 through the wrapper module tools/kube/etcd (the etcd minor
#       Kubernetes 1.36 is tested against); about 2 minutes cold. PULSE_ETCD_BIN: use another etcd
#   metrics-server
#       sigs.k8s.io/metrics-server (the resource metrics API the HPA controller reads), `go install`
#       of the pinned tag; about 6 minutes cold on one core (GOMAXPROCS=1), downloads included
#
# Environment:
#   PULSE_KWOK_VERSION            pinned sigs.k8s.io/kwok tag           (default: tools/kube/versions.sh)
#   PULSE_METRICS_SERVER_VERSION  pinned sigs.k8s.io/metrics-server tag (default: tools/kube/versions.sh)
#   PULSE_TOOLS_BIN               install directory                     (default $HOME/.cache/pulse/bin)
#   PULSE_ETCD_BIN                use this etcd binary instead of building one
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
components="$here/components"
# shellcheck source=tools/kube/versions.sh disable=SC1091 # followed only with shellcheck -x
source "$here/versions.sh"
BIN_DIR="${PULSE_TOOLS_BIN:-${HOME}/.cache/pulse/bin}"

case "${1:-}" in
  '') ;;
  -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
  *) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
esac

log() { echo "build.sh: $*" >&2; }

need_go() {
  command -v go >/dev/null 2>&1 && return 0
  log "the Go toolchain (go >= 1.26) is needed to build the Kubernetes control plane, kwok and metrics-server"
  exit 1
}

# The Kubernetes release the wrapper module pins, e.g. v1.36.3.
kube_version() {
  sed -n 's/^[[:space:]]*k8s\.io\/kubernetes \(v[0-9.]*\)\( \/\/ indirect\)\{0,1\}$/\1/p' "$components/go.mod"
}

build_components() {
  local version minor key dir name started
  version="$(kube_version)"
  [[ "$version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || { log "no 'k8s.io/kubernetes v1.N.P' requirement in $components/go.mod"; exit 1; }
  minor="${BASH_REMATCH[1]}"
  key="$(cat "$components/go.mod" "$components/go.sum" | sha256sum | cut -c1-12)"
  dir="${BIN_DIR}/.kubernetes-${version}-${key}"
  for name in kube-apiserver kube-controller-manager kube-scheduler; do
    if [[ ! -x "$dir/$name" ]]; then
      need_go
      mkdir -p "$dir"
      log "building $name $version into $dir (first run: a few minutes)"
      started=$SECONDS
      # The release build stamps the version into component-base: without it the server reports
      # v0.0.0-master and helm refuses a chart whose kubeVersion has a lower bound.
      # CGO off: static binaries, no C toolchain needed.
      (cd "$components" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" go build -trimpath \
        -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=${version} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor} -X k8s.io/component-base/version.gitTreeState=clean" \
        -o "$dir/$name.tmp" "k8s.io/kubernetes/cmd/$name" >&2)
      mv -f "$dir/$name.tmp" "$dir/$name"
      log "built $name in $((SECONDS - started))s"
    fi
    ln -sfn "$dir/$name" "$BIN_DIR/$name"
    echo "$name $dir/$name"
  done
}

# shellcheck source=tools/workspace/go-install.sh disable=SC1091 # followed only with shellcheck -x
source "$here/../workspace/go-install.sh"

build_kwok() {
  go_install "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}" kwok "$KWOK_VERSION"
  echo "kwok ${BIN_DIR}/.kwok-${KWOK_VERSION}/kwok"
}

# etcd: the release Kubernetes is tested against (3.6), from the wrapper module tools/kube/etcd.
# Debian's etcd-server (3.4.23) starts and serves, but lacks what the API server needs for
# streaming lists (RequestWatchProgress): every informer of kube-controller-manager, kube-scheduler
# and kwok then falls back to relisting, and each step of a rollout waits up to half a minute.
build_etcd() {
  local src="$here/etcd" version key dir started=$SECONDS
  if [[ -n "${PULSE_ETCD_BIN:-}" ]]; then
    echo "etcd $PULSE_ETCD_BIN"
    return 0
  fi
  version="$(sed -n 's/^[[:space:]]*go\.etcd\.io\/etcd\/server\/v3 \(v[0-9.]*\)\( \/\/ indirect\)\{0,1\}$/\1/p' "$src/go.mod")"
  [[ -n "$version" ]] || { log "no go.etcd.io/etcd/server/v3 requirement in $src/go.mod"; exit 1; }
  key="$(cat "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)"
  dir="${BIN_DIR}/.etcd-${version}-${key}"
  if [[ ! -x "$dir/etcd" ]]; then
    need_go
    mkdir -p "$dir"
    log "building etcd $version into $dir (first run: a minute or two)"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" go build -trimpath -ldflags "-s -w" \
      -o "$dir/etcd.tmp" go.etcd.io/etcd/server/v3 >&2)
    mv -f "$dir/etcd.tmp" "$dir/etcd"
    log "built etcd in $((SECONDS - started))s"
  fi
  ln -sfn "$dir/etcd" "$BIN_DIR/etcd"
  echo "etcd $dir/etcd"
}

# metrics-server: like kwok, `go install` of the pinned tag (its go.mod has no replace directives, so
# the module's own requirements and go.sum apply). The release stamps its version into client-go.
build_metrics_server() {
  go_install "sigs.k8s.io/metrics-server/cmd/metrics-server@${METRICS_SERVER_VERSION}" metrics-server \
    "$METRICS_SERVER_VERSION" "-X k8s.io/client-go/pkg/version.gitVersion=${METRICS_SERVER_VERSION}"
  echo "metrics-server ${BIN_DIR}/.metrics-server-${METRICS_SERVER_VERSION}/metrics-server"
}

mkdir -p "$BIN_DIR"
build_components
build_kwok
build_etcd
build_metrics_server
