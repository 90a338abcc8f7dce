#!/usr/bin/env bash
# A second InfluxDB for the tests of PULSE_INFLUX_API=v2 (the Helm chart's default): InfluxDB 1.8,
# the first 1.x with the 2.x write API (/api/v2/write, which the official v2 client library uses),
# built from its Go module because Debian ships 1.6.7, which answers 404 there. Loopback only, on
# its own ports and state dir; not part of `stack.sh up` (the fleet writes through v1), started by
# the integration suites that need it.
#
#   deploy/local/influxdb18.sh up|down|status|install
#
# In 1.8 a v2 "bucket" is "database[/retention policy]" and the org is ignored; InfluxDB 2.x and 3.x
# hold real buckets and orgs. What this server proves is the v2 client path against a real
# implementation of the endpoint: request format, gzip, precision, error bodies.
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=deploy/local/influxdb.sh
source "$(dirname "${BASH_SOURCE[0]}")/influxdb.sh"

INFLUXDB18_VERSION=1.8.3
INFLUXDB18_PORT="${PULSE_INFLUXDB18_PORT:-8186}"
INFLUXDB18_RPC_PORT="${PULSE_INFLUXDB18_RPC_PORT:-8188}"
INFLUXDB18_DIR="$PULSE_STACK_DIR/influxdb18"
INFLUXDB18_BIN="$PULSE_CACHE_DIR/influxdb-$INFLUXDB18_VERSION/bin/influxd"

influxdb18_addr() { printf '%s:%s' "$PULSE_HOST" "$INFLUXDB18_PORT"; }
influxdb18_ports() { printf '%s %s\n' "$INFLUXDB18_PORT" "$INFLUXDB18_RPC_PORT"; }
influxdb18_timeout() { printf '%s' "${PULSE_INFLUXDB_START_TIMEOUT:-60}"; }
influxdb18_stop_timeout() { printf '%s' "${PULSE_INFLUXDB_STOP_TIMEOUT:-30}"; }
influxdb18_missing_packages() { printf '\n'; }

# Built once per machine into the cache (about a minute on 2 cores), like Kafka's jars.
influxdb18_install() {
  [[ -x "$INFLUXDB18_BIN" ]] && return 0
  command -v go >/dev/null ||
    pulse_die "influxdb18: building InfluxDB $INFLUXDB18_VERSION needs Go (the go command), which is not on the PATH"
  local gopath
  gopath="$(mktemp -d "${TMPDIR:-/tmp}/pulse-influxdb-build.XXXXXX")"
  pulse_info "influxdb18: building InfluxDB $INFLUXDB18_VERSION from its Go module (once per machine; about a minute)"
  # Own GOPATH: nothing of the build is left in the user's module cache; -modcacherw lets it be removed.
  if ! GOPATH="$gopath" GOBIN="$(dirname "$INFLUXDB18_BIN")" GOFLAGS=-modcacherw CGO_ENABLED=0 \
    go install -ldflags "-X main.version=$INFLUXDB18_VERSION" \
      "github.com/influxdata/influxdb/cmd/influxd@v$INFLUXDB18_VERSION" >&2; then
    rm -rf -- "$gopath"
    pulse_die "influxdb18: go install of InfluxDB $INFLUXDB18_VERSION failed (see the output above)"
  fi
  rm -rf -- "$gopath"
}

influxdb18_prepare() {
  influxdb18_install
  influxdb_write_config "$INFLUXDB18_DIR" "$INFLUXDB18_PORT" "$INFLUXDB18_RPC_PORT" influxdb18.sh
}

influxdb18_command() {
  PULSE_CMD=("$INFLUXDB18_BIN" run -config "$INFLUXDB18_DIR/influxdb.conf")
}

influxdb18_healthy() {
  [[ "$(pulse_http_status "$PULSE_HOST" "$INFLUXDB18_PORT" /ping)" == 204 ]]
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  pulse_main_component influxdb18 "$@"
fi
