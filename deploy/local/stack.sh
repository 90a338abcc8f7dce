#!/usr/bin/env bash
# The Pulse local stack: Apache Kafka (single-node KRaft), InfluxDB 1.x and NATS on 127.0.0.1.
#
#   deploy/local/stack.sh up        install what is missing, start what is not running, wait until ready
#   deploy/local/stack.sh down      stop what 'up' started (never what it reused)
#   deploy/local/stack.sh status    one line per component; exit 0 only if all are up
#   deploy/local/stack.sh install   install only (Debian packages, Kafka jars); start nothing
#   deploy/local/stack.sh purge     down, then delete the stack dir (all data)
#
# State: ${PULSE_STACK_DIR:-<repo>/.pulse-stack}; Kafka jars: ${PULSE_CACHE_DIR:-~/.cache/pulse}.
# See deploy/local/README.md.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
# shellcheck source=deploy/local/kafka.sh
source "$here/kafka.sh"
# shellcheck source=deploy/local/influxdb.sh
source "$here/influxdb.sh"
# shellcheck source=deploy/local/nats.sh
source "$here/nats.sh"
# shellcheck source=deploy/local/influxdb18.sh
source "$here/influxdb18.sh"

# Start order: the quick ones first, so Kafka's JVM start overlaps nothing slow.
COMPONENTS=(influxdb nats kafka)
# Started by the tests that need them (their own script's `up`), never by `up` here; `down`,
# `status` and `purge` still cover them when this stack started them.
TEST_COMPONENTS=(influxdb18)

# Debian packages needed by the components that 'up' will have to start, in one apt-get call.
stack_missing_packages() {
  local name
  for name in "$@"; do
    "${name}_missing_packages"
  done | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' '
}

stack_up() {
  local name start=$SECONDS failed=0
  local -a to_start=() packages=()
  pulse_lock
  for name in "${COMPONENTS[@]}"; do
    if ! pulse_owned_pid "$name" >/dev/null && ! "${name}_healthy"; then
      to_start+=("$name")
    fi
  done
  if ((${#to_start[@]})); then
    read -r -a packages <<<"$(stack_missing_packages "${to_start[@]}")"
    pulse_apt_install "${packages[@]}"
  fi
  for name in "${COMPONENTS[@]}"; do
    pulse_up_start "$name"
  done
  for name in "${COMPONENTS[@]}"; do
    pulse_up_wait "$name" || failed=1
  done
  if ((failed)); then
    pulse_die "the local stack is not up (see the errors above); components that did start are left running"
  fi
  pulse_info "local stack ready in $((SECONDS - start))s (state: $PULSE_STACK_DIR)"
  for name in "${COMPONENTS[@]}"; do
    printf '%-9s %-16s %s\n' "$name" "$("${name}_addr")" \
      "$([[ ${PULSE_STATE[$name]} == reused ]] && echo '(reused: not started by this stack)' || echo '(started by this stack)')"
  done
}

stack_down() {
  local i name
  pulse_lock
  for name in "${TEST_COMPONENTS[@]}"; do
    if pulse_owned_pid "$name" >/dev/null; then pulse_down "$name"; fi
  done
  # Reverse order: Kafka first (its shutdown takes longest).
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    pulse_down "${COMPONENTS[$i]}"
  done
}

stack_status() {
  local name rc=0
  for name in "${COMPONENTS[@]}"; do
    pulse_status "$name" || rc=3
  done
  for name in "${TEST_COMPONENTS[@]}"; do
    if pulse_owned_pid "$name" >/dev/null; then pulse_status "$name" || rc=3; fi
  done
  return "$rc"
}

stack_install() {
  local -a packages=()
  local name
  pulse_lock
  read -r -a packages <<<"$(stack_missing_packages "${COMPONENTS[@]}")"
  pulse_apt_install "${packages[@]}"
  for name in "${COMPONENTS[@]}"; do
    "${name}_install"
  done
  pulse_info "installed: Kafka $KAFKA_VERSION ($KAFKA_LIB), $(influxd version 2>/dev/null | head -n 1), nats-server $("$(nats_bin)" --version 2>/dev/null | awk '{print $2}')"
}

stack_purge() {
  stack_down
  [[ -f "$PULSE_STACK_DIR/.pulse-stack" ]] ||
    pulse_die "$PULSE_STACK_DIR does not look like a stack dir (no .pulse-stack marker); not deleting it"
  local name
  for name in "${COMPONENTS[@]}" "${TEST_COMPONENTS[@]}"; do
    if pulse_owned_pid "$name" >/dev/null; then pulse_die "$name is still running; not deleting $PULSE_STACK_DIR"; fi
  done
  pulse_info "deleting $PULSE_STACK_DIR"
  rm -rf -- "$PULSE_STACK_DIR"
}

case "${1:-}" in
  up) stack_up ;;
  down) stack_down ;;
  status) stack_status ;;
  install) stack_install ;;
  purge) stack_purge ;;
  *)
    pulse_usage "$0"
    exit 2
    ;;
esac
