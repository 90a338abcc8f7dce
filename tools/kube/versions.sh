# shellcheck shell=bash
# Pins of the control plane's tools that are not in a wrapper module's go.mod (sourced by build.sh
# and cluster.sh). kube-apiserver, kube-controller-manager and kube-scheduler: components/go.mod;
# etcd: etcd/go.mod.
# kwok: binary and the stage definitions it plays come from the same module version. v0.8.0 is the
# first built with Go 1.26 and client-go 0.36 (the control plane's minor).
# shellcheck disable=SC2034 # read by the scripts that source this file
KWOK_VERSION="${PULSE_KWOK_VERSION:-v0.8.0}"
# metrics-server: the resource metrics API (metrics.k8s.io) the HPA controller reads. Its module has
# no replace directives, so `go install …@version` builds it from its own go.mod and go.sum.
# shellcheck disable=SC2034 # read by the scripts that source this file
METRICS_SERVER_VERSION="${PULSE_METRICS_SERVER_VERSION:-v0.8.0}"
# skaffold: only the JSON schemas its Go module ships (docs-v2/content/en/schemas/), to validate
# skaffold.yaml; v2.19.0 is the first release whose newest schema is skaffold/v4beta14.
# shellcheck disable=SC2034 # read by the scripts that source this file
SKAFFOLD_VERSION="${PULSE_SKAFFOLD_VERSION:-v2.19.0}"
