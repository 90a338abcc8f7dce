#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the chart's tests: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, and kwok simulating the kubelets of a few fake nodes.
#
#   tools/kube/cluster.sh up       build what is missing (tools/kube/build.sh), start what is not
#                                  running, wait until every node is Ready; prints
#                                  "kubeconfig <path>" and "server <url>" on stdout
#   tools/kube/cluster.sh down     stop what 'up' started (by the PIDs it recorded), nothing else
#   tools/kube/cluster.sh status   one line per component; exit 0 only if all are up
#   tools/kube/cluster.sh purge    down, then delete the state dir (etcd data, certificates)
#
# State (etcd data, certificates, tokens, kubeconfigs, logs, PIDs):
#   ${PULSE_KUBE_DIR:-${PULSE_STACK_DIR:-<repo>/.pulse-stack}/kube}
# Ports (127.0.0.1): PULSE_KUBE_ETCD_PORT (23790; peer +10), PULSE_KUBE_APISERVER_PORT (16443),
# PULSE_KUBE_CONTROLLER_MANAGER_PORT (10357), PULSE_KUBE_SCHEDULER_PORT (10359),
# PULSE_KUBE_KWOK_PORT (10347; simulated kubelet API +1).
#
# Authentication is by static bearer tokens (a token file, one token per component; the admin's is in
# the kubeconfig), authorization by RBAC, admission with the API server's defaults (PodSecurity
# included). kwok plays the kubelet: it marks the fake nodes Ready, gives each scheduled pod an IP
# and makes it Running and Ready at once (no container runs, no probe is executed), completes pods
# owned by a Job and the pods of `helm test`, and finalises deletions. See docs/development.md.
# shellcheck disable=SC2034 # PULSE_CMD, set by the *_command functions, is read by deploy/local/lib.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# lib.sh keeps everything under PULSE_STACK_DIR and recognises its own processes by that path on
# their command lines: point it at this cluster's directory.
KUBE_DIR="${PULSE_KUBE_DIR:-${PULSE_STACK_DIR:-$repo/.pulse-stack}/kube}"
case "$KUBE_DIR" in /*) ;; *) KUBE_DIR="$PWD/$KUBE_DIR" ;; esac
export PULSE_STACK_DIR="$KUBE_DIR"
# shellcheck source=deploy/local/lib.sh disable=SC1091 # followed only with shellcheck -x
source "$repo/deploy/local/lib.sh"

ETCD_PORT="${PULSE_KUBE_ETCD_PORT:-23790}"
ETCD_PEER_PORT=$((ETCD_PORT + 10))
APISERVER_PORT="${PULSE_KUBE_APISERVER_PORT:-16443}"
KCM_PORT="${PULSE_KUBE_CONTROLLER_MANAGER_PORT:-10357}"
SCHEDULER_PORT="${PULSE_KUBE_SCHEDULER_PORT:-10359}"
KWOK_PORT="${PULSE_KUBE_KWOK_PORT:-10347}"
KWOK_NODE_PORT=$((KWOK_PORT + 1))
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
POD_CIDR=10.244.0.0/16
PKI="$KUBE_DIR/pki"
KUBECONFIG_ADMIN="$KUBE_DIR/kubeconfig"
SERVER="https://$PULSE_HOST:$APISERVER_PORT"
# shellcheck source=tools/kube/versions.sh disable=SC1091 # followed only with shellcheck -x
source "$here/versions.sh"
# The fake nodes: a small production node pool (4 vCPU, 16 GiB, 110 pods) spread over two zones.
NODES=(kwok-node-a:zone-a kwok-node-b:zone-b)

declare -A BIN=()
load_binaries() {
  ((${#BIN[@]})) && return 0
  local name path
  while read -r name path; do
    BIN[$name]="$path"
  done < <(bash "$here/build.sh")
}

# ---------------------------------------------------------------- certificates, tokens, kubeconfigs

# Self-signed CA, the API server's serving certificate, the service-account signing key and one
# token per client. Written once; `purge` deletes them.
kube_pki() {
  [[ -s "$PKI/tokens.csv" ]] && return 0
  command -v openssl >/dev/null || pulse_apt_install openssl
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  local tmp
  tmp="$(mktemp -d "$PKI/.new.XXXXXX")"
  (
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=pulse-test-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    printf 'subjectAltName=IP:%s,IP:%s,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
      "$PULSE_HOST" "$SERVICE_IP" >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f apiserver.csr apiserver.ext ca.srl
    # token,user,uid,"groups". kwok writes node and pod status for every node it simulates, as
    # a kubelet would for its own: it runs as an administrator here (no Node authorizer).
    {
      printf '%s,pulse-admin,pulse-admin,"system:masters"\n' "$(kube_token)"
      printf '%s,system:kube-controller-manager,system:kube-controller-manager\n' "$(kube_token)"
      printf '%s,system:kube-scheduler,system:kube-scheduler\n' "$(kube_token)"
      printf '%s,kwok,kwok,"system:masters"\n' "$(kube_token)"
    } >tokens.csv
    chmod 600 ./*.key tokens.csv
  )
  mv "$tmp"/* "$PKI"/
  rmdir "$tmp"
  kube_kubeconfig pulse-admin "$KUBECONFIG_ADMIN"
  kube_kubeconfig system:kube-controller-manager "$KUBE_DIR/controller-manager.kubeconfig"
  kube_kubeconfig system:kube-scheduler "$KUBE_DIR/scheduler.kubeconfig"
  kube_kubeconfig kwok "$KUBE_DIR/kwok.kubeconfig"
}

kube_token() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

# The token of USER in the token file.
kube_user_token() { awk -F, -v u="$1" '$2 == u { print $1 }' "$PKI/tokens.csv"; }

kube_kubeconfig() { # USER FILE
  local user=$1 file=$2
  (
    umask 077
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: pulse-test
    cluster:
      server: $SERVER
      certificate-authority: $PKI/ca.crt
users:
  - name: $user
    user:
      token: $(kube_user_token "$user")
contexts:
  - name: pulse-test
    context:
      cluster: pulse-test
      user: $user
current-context: pulse-test
EOF
  )
}

# kube_api METHOD PATH [CURL ARGS...]: call the API server as the admin; prints the body.
kube_api() {
  local method=$1 path=$2
  shift 2
  curl -sS --max-time 10 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(kube_user_token pulse-admin)" \
    -X "$method" "$@" "$SERVER$path"
}

kube_https_ok() { # PORT PATH: the endpoint answers 200 "ok" (self-signed serving certificate)
  [[ "$(curl -sk --max-time 3 "https://$PULSE_HOST:$1$2" 2>/dev/null)" == ok ]]
}

# ---------------------------------------------------------------- components (see deploy/local/lib.sh)

kube_missing() { command -v curl >/dev/null || printf 'curl\n'; }

etcd_addr() { printf '%s:%s' "$PULSE_HOST" "$ETCD_PORT"; }
etcd_ports() { printf '%s %s\n' "$ETCD_PORT" "$ETCD_PEER_PORT"; }
etcd_timeout() { printf 60; }
etcd_stop_timeout() { printf 20; }
etcd_missing_packages() { kube_missing; }
etcd_prepare() { :; }
etcd_healthy() { [[ "$(pulse_http_status "$PULSE_HOST" "$ETCD_PORT" /health)" == 200 ]]; }
etcd_command() {
  # A disposable single member for tests: a small backend quota, frequent compaction is the API
  # server's job (--etcd-compaction-interval, default 5 min).
  PULSE_CMD=("${BIN[etcd]}" --name pulse-test --data-dir "$KUBE_DIR/etcd"
    --listen-client-urls "http://$PULSE_HOST:$ETCD_PORT" --advertise-client-urls "http://$PULSE_HOST:$ETCD_PORT"
    --listen-peer-urls "http://$PULSE_HOST:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://$PULSE_HOST:$ETCD_PEER_PORT"
    --initial-cluster "pulse-test=http://$PULSE_HOST:$ETCD_PEER_PORT" --listen-metrics-urls ''
    --quota-backend-bytes $((1024 * 1024 * 1024)) --log-level warn)
}

apiserver_addr() { printf '%s' "$SERVER"; }
apiserver_ports() { printf '%s\n' "$APISERVER_PORT"; }
apiserver_timeout() { printf 120; }
apiserver_stop_timeout() { printf 20; }
apiserver_missing_packages() { kube_missing; }
apiserver_prepare() { mkdir -p "$KUBE_DIR/apiserver"; }
apiserver_healthy() {
  [[ -s "$PKI/tokens.csv" ]] && [[ "$(kube_api GET /readyz 2>/dev/null)" == ok ]]
}
apiserver_command() {
  PULSE_CMD=("${BIN[kube-apiserver]}"
    --etcd-servers "http://$PULSE_HOST:$ETCD_PORT"
    --bind-address "$PULSE_HOST" --advertise-address "$PULSE_HOST" --secure-port "$APISERVER_PORT"
    --cert-dir "$KUBE_DIR/apiserver"
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key"
    --client-ca-file "$PKI/ca.crt"
    --token-auth-file "$PKI/tokens.csv" --anonymous-auth=false
    --authorization-mode RBAC
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key"
    --service-account-issuer https://kubernetes.default.svc.cluster.local
    --service-cluster-ip-range "$SERVICE_CIDR"
    --profiling=false --v=1)
}

controller_manager_addr() { printf '%s:%s' "$PULSE_HOST" "$KCM_PORT"; }
controller_manager_ports() { printf '%s\n' "$KCM_PORT"; }
controller_manager_timeout() { printf 90; }
controller_manager_stop_timeout() { printf 20; }
controller_manager_missing_packages() { kube_missing; }
controller_manager_prepare() { mkdir -p "$KUBE_DIR/controller-manager"; }
controller_manager_healthy() { kube_https_ok "$KCM_PORT" /healthz; }
controller_manager_command() {
  local kc="$KUBE_DIR/controller-manager.kubeconfig"
  # Each controller acts with its own service account (the bootstrap RBAC roles), as in a real
  # cluster; the token controller signs their tokens with the API server's key.
  PULSE_CMD=("${BIN[kube-controller-manager]}"
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc"
    --bind-address "$PULSE_HOST" --secure-port "$KCM_PORT" --cert-dir "$KUBE_DIR/controller-manager"
    --use-service-account-credentials
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt"
    --cluster-cidr "$POD_CIDR" --service-cluster-ip-range "$SERVICE_CIDR"
    --leader-elect=false --profiling=false --v=1)
}

scheduler_addr() { printf '%s:%s' "$PULSE_HOST" "$SCHEDULER_PORT"; }
scheduler_ports() { printf '%s\n' "$SCHEDULER_PORT"; }
scheduler_timeout() { printf 90; }
scheduler_stop_timeout() { printf 20; }
scheduler_missing_packages() { kube_missing; }
scheduler_prepare() { mkdir -p "$KUBE_DIR/scheduler"; }
scheduler_healthy() { kube_https_ok "$SCHEDULER_PORT" /healthz; }
scheduler_command() {
  local kc="$KUBE_DIR/scheduler.kubeconfig"
  PULSE_CMD=("${BIN[kube-scheduler]}"
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc"
    --bind-address "$PULSE_HOST" --secure-port "$SCHEDULER_PORT" --cert-dir "$KUBE_DIR/scheduler"
    --leader-elect=false --profiling=false --v=1)
}

kwok_addr() { printf '%s:%s' "$PULSE_HOST" "$KWOK_PORT"; }
kwok_ports() { printf '%s %s\n' "$KWOK_PORT" "$KWOK_NODE_PORT"; }
kwok_timeout() { printf 60; }
kwok_stop_timeout() { printf 20; }
kwok_missing_packages() { kube_missing; }
kwok_healthy() { [[ "$(pulse_http_status "$PULSE_HOST" "$KWOK_PORT" /healthz)" == 200 ]]; }
# kwok's configuration: which nodes it manages and the stages it plays. The stages are kwok's own
# published ones (its Go module, same version as the binary): nodes become Ready and renew their
# leases; pods become Ready, pods owned by a Job complete, deleted pods go away. One stage of ours
# completes the pods `helm test` runs (kwok completes only Job pods).
kwok_prepare() {
  local dir stage
  dir="$(kube_module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")"
  {
    cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  manageAllNodes: false
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  cidr: $POD_CIDR
  nodeLeaseDurationSeconds: 40
  nodeLeaseParallelism: 4
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
EOF
    for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
      pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
      printf -- '---\n'
      cat "$dir/kustomize/stage/$stage.yaml"
    done
    printf -- '---\n'
    cat "$here/stages/pod-helm-test-complete.yaml"
  } >"$KUBE_DIR/kwok.yaml"
}
kwok_command() {
  PULSE_CMD=("${BIN[kwok]}" --kubeconfig "$KUBE_DIR/kwok.kubeconfig" --config "$KUBE_DIR/kwok.yaml"
    --server-address "$PULSE_HOST:$KWOK_PORT" --node-ip "$PULSE_HOST" --node-port "$KWOK_NODE_PORT"
    --node-lease-duration-seconds 40)
}

# kube_module_dir MODULE@VERSION: the extracted directory of a Go module (downloaded if missing).
kube_module_dir() {
  local dir
  dir="$(GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || pulse_die "go mod download $1 gave no directory"
  printf '%s\n' "$dir"
}

# ---------------------------------------------------------------- nodes

kube_nodes() {
  local entry name zone code
  for entry in "${NODES[@]}"; do
    name="${entry%%:*}"
    zone="${entry#*:}"
    code="$(kube_api POST /api/v1/nodes -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d @- <<EOF
{"apiVersion":"v1","kind":"Node","metadata":{"name":"$name",
 "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
 "labels":{"kubernetes.io/hostname":"$name","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64",
  "node.kubernetes.io/instance-type":"standard-4","topology.kubernetes.io/region":"local",
  "topology.kubernetes.io/zone":"$zone","type":"kwok"}},
 "spec":{},
 "status":{"allocatable":{"cpu":"3920m","memory":"15Gi","pods":"110","ephemeral-storage":"95Gi"},
  "capacity":{"cpu":"4","memory":"16Gi","pods":"110","ephemeral-storage":"100Gi"}}}
EOF
    )"
    [[ "$code" == 201 || "$code" == 409 ]] || pulse_die "creating node $name: HTTP $code"
  done
}

kube_nodes_ready() {
  local ready
  ready="$(kube_api GET /api/v1/nodes 2>/dev/null | grep -c '"reason": "KubeletReady"' || true)"
  ((ready >= ${#NODES[@]}))
}

# ---------------------------------------------------------------- verbs

COMPONENTS=(etcd apiserver controller_manager scheduler kwok)

kube_up() {
  local start=$SECONDS name i
  pulse_lock
  read -r -a missing <<<"$(kube_missing)"
  pulse_apt_install "${missing[@]}"
  load_binaries
  kube_pki
  # Strictly in order: each one needs the one before it to answer.
  for name in "${COMPONENTS[@]}"; do
    pulse_up_start "$name"
    pulse_up_wait "$name" || pulse_die "the control plane is not up (see above); 'down' stops what started"
    [[ "$name" == apiserver ]] && kube_nodes
  done
  for ((i = 0; i < 120; i++)); do
    kube_nodes_ready && break
    sleep 0.5
  done
  kube_nodes_ready || pulse_die "the fake nodes did not become Ready within 60s (kwok log: $(pulse_log_file kwok))"
  pulse_info "control plane ready in $((SECONDS - start))s (state: $KUBE_DIR)"
  printf 'kubeconfig %s\nserver %s\n' "$KUBECONFIG_ADMIN" "$SERVER"
}

kube_down() {
  local i
  pulse_lock
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    pulse_down "${COMPONENTS[$i]}"
  done
}

kube_status() {
  local name failed=0
  for name in "${COMPONENTS[@]}"; do
    pulse_status "$name" || failed=1
  done
  return "$failed"
}

case "${1:-}" in
  up) kube_up ;;
  down) kube_down ;;
  status) kube_status ;;
  purge)
    kube_down
    rm -rf -- "$KUBE_DIR"
    pulse_info "deleted $KUBE_DIR"
    ;;
  *)
    pulse_usage "$0"
    exit 2
    ;;
esac
