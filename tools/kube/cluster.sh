#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the chart's tests: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, metrics-server, and kwok simulating the kubelets of a few
# fake nodes.
#
#   tools/kube/cluster.sh up       build what is missing (tools/kube/build.sh), start what is not
#                                  running, wait until every node is Ready and the API server
#                                  serves metrics.k8s.io; prints "kubeconfig <path>" and
#                                  "server <url>" on stdout
#   tools/kube/cluster.sh down     stop what 'up' started (by the PIDs it recorded), nothing else
#   tools/kube/cluster.sh status   one line per component; exit 0 only if all are up
#   tools/kube/cluster.sh purge    down, then delete the state dir (etcd data, certificates)
#
# State (etcd data, certificates, tokens, kubeconfigs, logs, PIDs):
#   ${PULSE_KUBE_DIR:-${PULSE_STACK_DIR:-<repo>/.pulse-stack}/kube}
# Ports (127.0.0.1): PULSE_KUBE_ETCD_PORT (23790; peer +10), PULSE_KUBE_APISERVER_PORT (16443),
# PULSE_KUBE_CONTROLLER_MANAGER_PORT (10357), PULSE_KUBE_SCHEDULER_PORT (10359),
# PULSE_KUBE_KWOK_PORT (10347; also the fake nodes' kubelet port), PULSE_KUBE_METRICS_SERVER_PORT
# (10349).
#
# Authentication is by static bearer tokens (a token file, one token per component; the admin's is in
# the kubeconfig), authorization by RBAC, admission with the API server's defaults (PodSecurity
# included). kwok plays the kubelet: it marks the fake nodes Ready, gives each scheduled pod an IP
# and makes it Running and Ready at once (no container runs, no probe is executed), completes pods
# owned by a Job and the pods of `helm test`, and finalises deletions. It also serves each fake
# node's kubelet `/metrics/resource` (kwok's Metric), with every pod's CPU and memory taken from its
# annotations kwok.x-k8s.io/usage-cpu and kwok.x-k8s.io/usage-memory (default 1m and 1Mi; kwok's
# ClusterResourceUsage "usage-from-annotation"). metrics-server scrapes that, as it would real
# kubelets, and serves metrics.k8s.io through the API server's aggregation layer, so the HPA
# controller scales on those numbers. See docs/development.md.
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
METRICS_SERVER_PORT="${PULSE_KUBE_METRICS_SERVER_PORT:-10349}"
# The HPA controller's resync: short, so that a test sees it act within seconds (default 15s).
HPA_SYNC_PERIOD=5s
# metrics-server's scrape interval: its minimum (default 60s).
METRICS_RESOLUTION=10s
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
# The static-token user metrics-server runs as (tools/kube/metrics-server.yaml binds its roles).
METRICS_SERVER_USER=pulse-metrics-server

declare -A BIN=()
load_binaries() {
  ((${#BIN[@]})) && return 0
  local name path
  while read -r name path; do
    BIN[$name]="$path"
  done < <(bash "$here/build.sh")
}

# ---------------------------------------------------------------- certificates, tokens, kubeconfigs

# Self-signed CA, the serving certificates (API server, kwok's kubelet endpoint, metrics-server),
# the front proxy's own CA and client certificate (aggregation layer), the service-account signing
# key and one token per client. Written once; `purge` deletes them.
PKI_FILES=(ca.crt apiserver.crt kwok.crt metrics-server.crt front-proxy-ca.crt front-proxy-client.crt
  sa.key sa.pub tokens.csv)
kube_pki() {
  local tmp file
  if [[ -s "$PKI/tokens.csv" ]]; then
    for file in "${PKI_FILES[@]}"; do
      [[ -s "$PKI/$file" ]] || pulse_die "$PKI has no $file: its state predates this script; run '$0 purge' first"
    done
    return 0
  fi
  command -v openssl >/dev/null || pulse_apt_install openssl
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  tmp="$(mktemp -d "$PKI/.new.XXXXXX")"
  (
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=pulse-test-ca" 2>/dev/null
    kube_cert apiserver kube-apiserver ca serverAuth \
      "IP:$PULSE_HOST,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    # The fake nodes' kubelet endpoint (their InternalIP); metrics-server checks it against ca.crt.
    kube_cert kwok kwok ca serverAuth "IP:$PULSE_HOST"
    # The aggregator checks this one for the name <service>.<namespace>.svc of the APIService.
    kube_cert metrics-server metrics-server ca serverAuth "DNS:metrics-server.kube-system.svc,IP:$PULSE_HOST"
    # The front proxy: the API server forwards to aggregated APIs with this client certificate and
    # the user in X-Remote-* headers. Its CA is a separate one: whoever holds a certificate it
    # signed may assert any user to metrics-server, so only the API server's may come from it.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout front-proxy-ca.key -out front-proxy-ca.crt \
      -days 3650 -subj "/CN=pulse-test-front-proxy-ca" 2>/dev/null
    kube_cert front-proxy-client front-proxy-client front-proxy-ca clientAuth ''
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.srl
    # token,user,uid,"groups". kwok writes node and pod status for every node it simulates, as
    # a kubelet would for its own: it runs as an administrator here (no Node authorizer).
    {
      printf '%s,pulse-admin,pulse-admin,"system:masters"\n' "$(kube_token)"
      printf '%s,system:kube-controller-manager,system:kube-controller-manager\n' "$(kube_token)"
      printf '%s,system:kube-scheduler,system:kube-scheduler\n' "$(kube_token)"
      printf '%s,kwok,kwok,"system:masters"\n' "$(kube_token)"
      printf '%s,%s,%s\n' "$(kube_token)" "$METRICS_SERVER_USER" "$METRICS_SERVER_USER"
    } >tokens.csv
    chmod 600 ./*.key tokens.csv
  )
  mv "$tmp"/* "$PKI"/
  rmdir "$tmp"
  kube_kubeconfig pulse-admin "$KUBECONFIG_ADMIN"
  kube_kubeconfig system:kube-controller-manager "$KUBE_DIR/controller-manager.kubeconfig"
  kube_kubeconfig system:kube-scheduler "$KUBE_DIR/scheduler.kubeconfig"
  kube_kubeconfig kwok "$KUBE_DIR/kwok.kubeconfig"
  kube_kubeconfig "$METRICS_SERVER_USER" "$KUBE_DIR/metrics-server.kubeconfig"
}

# kube_cert NAME CN CA USAGE SANS: NAME.key and NAME.crt signed by CA (in the current directory).
kube_cert() {
  local name=$1 cn=$2 ca=$3 usage=$4 sans=$5
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  {
    printf 'extendedKeyUsage=%s\n' "$usage"
    [[ -z "$sans" ]] || printf 'subjectAltName=%s\n' "$sans"
  } >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 3650 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
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

kube_tls_ok() { # PORT PATH: the endpoint answers 200 "ok" with a certificate of the cluster CA
  [[ -s "$PKI/ca.crt" ]] && [[ "$(curl -s --max-time 3 --cacert "$PKI/ca.crt" "https://$PULSE_HOST:$1$2" 2>/dev/null)" == ok ]]
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
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group
    --requestheader-extra-headers-prefix X-Remote-Extra-
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key"
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
    --horizontal-pod-autoscaler-sync-period "$HPA_SYNC_PERIOD"
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
kwok_ports() { printf '%s\n' "$KWOK_PORT"; }
kwok_timeout() { printf 60; }
kwok_stop_timeout() { printf 20; }
kwok_missing_packages() { kube_missing; }
kwok_healthy() { kube_tls_ok "$KWOK_PORT" /healthz; }
# kwok's configuration: which nodes it manages, the stages it plays and the metrics it serves. The
# stages are kwok's own published ones (its Go module, same version as the binary): nodes become
# Ready and renew their leases; pods become Ready, pods owned by a Job complete, deleted pods go
# away. One stage of ours completes the pods `helm test` runs (kwok completes only Job pods). The
# Metric (a kubelet's /metrics/resource for each node, at the path the node's annotation
# metrics.k8s.io/resource-metrics-path names) and the ClusterResourceUsage (each pod's usage from
# its annotations) are kwok's published ones too.
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
    printf -- '---\n'
    cat "$dir/kustomize/metrics/resource/metrics-resource.yaml"
    printf -- '---\n'
    cat "$dir/kustomize/metrics/usage/usage-from-annotation.yaml"
  } >"$KUBE_DIR/kwok.yaml"
}
kwok_command() {
  PULSE_CMD=("${BIN[kwok]}" --kubeconfig "$KUBE_DIR/kwok.kubeconfig" --config "$KUBE_DIR/kwok.yaml"
    --server-address "$PULSE_HOST:$KWOK_PORT" --tls-cert-file "$PKI/kwok.crt" --tls-private-key-file "$PKI/kwok.key"
    --node-ip "$PULSE_HOST" --node-port "$KWOK_PORT" --node-lease-duration-seconds 40)
}

metrics_server_addr() { printf 'https://%s:%s' "$PULSE_HOST" "$METRICS_SERVER_PORT"; }
metrics_server_ports() { printf '%s\n' "$METRICS_SERVER_PORT"; }
metrics_server_timeout() { printf 90; }
metrics_server_stop_timeout() { printf 20; }
metrics_server_missing_packages() { kube_missing; }
metrics_server_prepare() { :; }
# Live, not ready: its readyz waits for a node with usage, and kwok's nodes report the sum of their
# pods' usage, none before the first pod. `up` then waits for the API server to serve metrics.k8s.io.
metrics_server_healthy() { kube_tls_ok "$METRICS_SERVER_PORT" /livez; }
metrics_server_command() {
  local kc="$KUBE_DIR/metrics-server.kubeconfig"
  # The kubelets are kwok's server: reached at each node's InternalIP and the port in its status,
  # their serving certificate checked against the cluster CA (no --kubelet-insecure-tls).
  PULSE_CMD=("${BIN[metrics-server]}"
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc"
    --bind-address "$PULSE_HOST" --secure-port "$METRICS_SERVER_PORT"
    --tls-cert-file "$PKI/metrics-server.crt" --tls-private-key-file "$PKI/metrics-server.key"
    --kubelet-certificate-authority "$PKI/ca.crt"
    --kubelet-preferred-address-types InternalIP --kubelet-use-node-status-port
    --metric-resolution "$METRICS_RESOLUTION" --kubelet-request-timeout 5s --profiling=false --v=1)
}

# The objects of tools/kube/metrics-server.yaml, applied one document at a time (server-side apply
# of YAML: no kubectl needed). Each document names its apiVersion, kind and metadata at the top
# level; the resource is the kind in lower case plus "s" (true of every kind in that file).
# shellcheck disable=SC2016 # the ${…} placeholders are literal text of the file
kube_metrics_server_objects() {
  local doc=() line
  local ca_bundle
  ca_bundle="$(base64 -w0 <"$PKI/ca.crt")"
  while IFS= read -r line || [[ -n "$line" ]]; do
    if [[ "$line" == --- ]]; then
      kube_apply_doc "${doc[@]}"
      doc=()
    else
      line="${line//'${METRICS_SERVER_USER}'/$METRICS_SERVER_USER}"
      line="${line//'${METRICS_SERVER_HOST}'/$PULSE_HOST}"
      line="${line//'${METRICS_SERVER_PORT}'/$METRICS_SERVER_PORT}"
      line="${line//'${CA_BUNDLE}'/$ca_bundle}"
      doc+=("$line")
    fi
  done <"$here/metrics-server.yaml"
  kube_apply_doc "${doc[@]}"
}

kube_apply_doc() { # LINE...: one YAML document
  local line api='' kind='' name='' ns='' in_meta=0 path code
  for line in "$@"; do
    case "$line" in
      'apiVersion: '*) api="${line#apiVersion: }" ;;
      'kind: '*) kind="${line#kind: }" ;;
      'metadata:') in_meta=1 ;;
      '  name: '*) ((in_meta)) && [[ -z "$name" ]] && name="${line#  name: }" ;;
      '  namespace: '*) ((in_meta)) && [[ -z "$ns" ]] && ns="${line#  namespace: }" ;;
      [a-z]*) in_meta=0 ;;
    esac
  done
  [[ -n "$kind" ]] || return 0 # comments only
  [[ -n "$api" && -n "$name" ]] || pulse_die "metrics-server.yaml: a $kind without apiVersion or name"
  if [[ "$api" == v1 ]]; then path=/api/v1; else path="/apis/$api"; fi
  [[ -z "$ns" ]] || path="$path/namespaces/$ns"
  kind="${kind,,}"
  path="$path/${kind}s/$name?fieldManager=pulse-cluster&force=true"
  code="$(printf '%s\n' "$@" | kube_api PATCH "$path" -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/apply-patch+yaml' --data-binary @-)"
  [[ "$code" == 200 || "$code" == 201 ]] || pulse_die "applying $kind $name: HTTP $code"
}

# The HPA controller's path to the metrics answers: the aggregator reaches metrics-server through the
# APIService (its certificate checked), and metrics-server accepts the front proxy's identity
# (delegated authentication and authorization).
kube_metrics_api_served() {
  [[ "$(kube_api GET /apis/metrics.k8s.io/v1beta1/nodes -o /dev/null -w '%{http_code}' 2>/dev/null)" == 200 ]]
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
 "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0",
  "metrics.k8s.io/resource-metrics-path":"/metrics/nodes/$name/metrics/resource"},
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

COMPONENTS=(etcd apiserver controller_manager scheduler kwok metrics_server)

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
    [[ "$name" == apiserver ]] && kube_nodes && kube_metrics_server_objects
  done
  for ((i = 0; i < 120; i++)); do
    kube_nodes_ready && break
    sleep 0.5
  done
  kube_nodes_ready || pulse_die "the fake nodes did not become Ready within 60s (kwok log: $(pulse_log_file kwok))"
  for ((i = 0; i < 120; i++)); do
    kube_metrics_api_served && break
    sleep 0.5
  done
  kube_metrics_api_served ||
    pulse_die "the API server did not serve metrics.k8s.io within 60s (logs: $(pulse_log_file metrics_server), $(pulse_log_file apiserver))"
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
