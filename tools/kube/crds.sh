#!/usr/bin/env bash
# Prints the paths of the CustomResourceDefinitions the chart can use, one per line, taken from the
# projects' published Go modules (downloaded into the Go module cache when missing; checksums
# verified by the go command):
#   ServiceMonitor, PrometheusRule  github.com/prometheus-operator/prometheus-operator
#                                   (example/prometheus-operator-crd/)
#   ScaledObject, TriggerAuthentication
#                                   github.com/kedacore/keda/v2 (config/crd/bases/)
#
#   bash tools/kube/crds.sh
#
# Environment:
#   PULSE_PROMETHEUS_OPERATOR_VERSION  (default below)
#   PULSE_KEDA_VERSION                 (default below)
set -euo pipefail

PROMETHEUS_OPERATOR_VERSION="${PULSE_PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
# The newest KEDA whose go.mod the installed Go 1.26 accepts (`go mod download` refuses newer ones).
KEDA_VERSION="${PULSE_KEDA_VERSION:-v2.20.2}"

case "${1:-}" in
  '') ;;
  -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
  *) echo "crds.sh: unknown argument: $1" >&2; exit 2 ;;
esac

module_dir() { # MODULE@VERSION
  local json dir
  json="$(GOFLAGS=-mod=mod go mod download -json "$1")" || { echo "crds.sh: go mod download $1 failed: $json" >&2; exit 1; }
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
  [[ -n "$dir" && -d "$dir" ]] || { echo "crds.sh: go mod download $1 gave no directory: $json" >&2; exit 1; }
  printf '%s\n' "$dir"
}

command -v go >/dev/null 2>&1 || { echo "crds.sh: the go command is needed (Go module cache)" >&2; exit 1; }
prom="$(module_dir "github.com/prometheus-operator/prometheus-operator@${PROMETHEUS_OPERATOR_VERSION}")"
keda="$(module_dir "github.com/kedacore/keda/v2@${KEDA_VERSION}")"
for file in \
  "$prom/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
  "$prom/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" \
  "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
  "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml"; do
  [[ -s "$file" ]] || { echo "crds.sh: missing $file" >&2; exit 1; }
  printf '%s\n' "$file"
done
