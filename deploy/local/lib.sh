# shellcheck shell=bash
# Shared helpers for the local stack scripts (stack.sh, kafka.sh, influxdb.sh, nats.sh).
# Sourced, never executed. Everything the stack writes lives under $PULSE_STACK_DIR;
# downloads (Kafka jars) are cached under $PULSE_CACHE_DIR.
#
# A component NAME (kafka, influxdb, nats) is described by these functions/variables,
# defined in deploy/local/NAME.sh, and driven by the generic pulse_* verbs below:
#   NAME_addr               what to print as its address ("127.0.0.1:9092")
#   NAME_ports              every TCP port it binds (checked before starting)
#   NAME_timeout            readiness timeout in seconds
#   NAME_healthy            exit 0 if a healthy server answers on its address
#   NAME_missing_packages   print the Debian packages it needs that are not installed
#   NAME_prepare            install what apt does not (jars), write config, format storage
#   NAME_command            fill the array PULSE_CMD with the command line to run
#   NAME_stop_timeout       seconds to wait after SIGTERM before SIGKILL

[[ -n "${PULSE_LIB_LOADED:-}" ]] && return 0
PULSE_LIB_LOADED=1

set -euo pipefail

PULSE_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PULSE_REPO_ROOT="$(cd "$PULSE_LOCAL_DIR/../.." && pwd)"

PULSE_STACK_DIR="${PULSE_STACK_DIR:-$PULSE_REPO_ROOT/.pulse-stack}"
case "$PULSE_STACK_DIR" in /*) ;; *) PULSE_STACK_DIR="$PWD/$PULSE_STACK_DIR" ;; esac
PULSE_CACHE_DIR="${PULSE_CACHE_DIR:-${HOME:-/root}/.cache/pulse}"
case "$PULSE_CACHE_DIR" in /*) ;; *) PULSE_CACHE_DIR="$PWD/$PULSE_CACHE_DIR" ;; esac

# Loopback only: nothing of the local stack listens on another address.
PULSE_HOST=127.0.0.1
PULSE_RUN_DIR="$PULSE_STACK_DIR/run"
PULSE_LOG_DIR="$PULSE_STACK_DIR/logs"
PULSE_LOG_MAX_BYTES=$((64 * 1024 * 1024))

# ---------------------------------------------------------------- messages

# Progress goes to stderr so that stdout carries only results (addresses, tool output).
pulse_info() { printf '[pulse-stack] %s\n' "$*" >&2; }
pulse_warn() { printf '[pulse-stack] WARNING: %s\n' "$*" >&2; }
pulse_err() { printf '[pulse-stack] ERROR: %s\n' "$*" >&2; }
pulse_die() {
  pulse_err "$@"
  exit 1
}

pulse_log_file() { printf '%s/%s.log\n' "$PULSE_LOG_DIR" "$1"; }
pulse_pid_file() { printf '%s/%s.pid\n' "$PULSE_RUN_DIR" "$1"; }

# Print the last lines of a log file to stderr, indented.
pulse_tail_log() {
  local log=$1 lines=${2:-30}
  local from
  [[ -s "$log" ]] || return 0
  # Only this start's lines: from the last marker written by pulse_spawn.
  from="$(grep -n '^===== .* pulse-stack: starting' "$log" | tail -n 1 | cut -d: -f1)" || true
  printf '[pulse-stack] ---- last lines of %s ----\n' "$log" >&2
  tail -n "+${from:-1}" "$log" | tail -n "$lines" | sed 's/^/    /' >&2
  printf '[pulse-stack] ----\n' >&2
}

# ---------------------------------------------------------------- network probes (pure bash)

# pulse_port_open HOST PORT: something accepts TCP connections there.
pulse_port_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# pulse_http_status HOST PORT PATH: print the HTTP status code of a GET (empty if none).
pulse_http_status() {
  local line code
  # shellcheck disable=SC2016 # expanded by the inner bash
  line="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$3" "$1" "$2" >&3
    IFS= read -r line <&3 && printf "%s" "$line"' _ "$1" "$2" "$3" 2>/dev/null)" || true
  read -r _ code _ <<<"$line" || true
  printf '%s' "${code:-}"
}

# pulse_read_banner HOST PORT: print the first line a server sends on connect (e.g. NATS INFO).
pulse_read_banner() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    IFS= read -r -t 2 line <&3 && printf "%s" "$line"' _ "$1" "$2" 2>/dev/null || true
}

# ---------------------------------------------------------------- processes

# pulse_owned_pid NAME: print the PID of NAME if this stack started it and it is still alive.
# Guards against PID reuse: every process we start carries $PULSE_STACK_DIR on its command line.
pulse_owned_pid() {
  local pid_file pid
  pid_file="$(pulse_pid_file "$1")"
  [[ -s "$pid_file" ]] || return 1
  pid="$(<"$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$PULSE_STACK_DIR" || return 1
  printf '%s\n' "$pid"
}

# pulse_spawn NAME CMD...: start CMD detached (own session, stdin closed, output to the log),
# record its PID in the pid file. Returns at once.
pulse_spawn() {
  local name=$1 log pid_file i
  shift
  log="$(pulse_log_file "$name")"
  pid_file="$(pulse_pid_file "$name")"
  mkdir -p "$PULSE_RUN_DIR" "$PULSE_LOG_DIR"
  if [[ -f "$log" ]] && (($(stat -c %s "$log") > PULSE_LOG_MAX_BYTES)); then
    mv -f "$log" "$log.1"
  fi
  rm -f "$pid_file"
  printf '\n===== %s pulse-stack: starting %s: %s\n' "$(date -Is)" "$name" "$*" >>"$log"
  # The child writes its own PID and then execs, so the PID file names the real server even if
  # setsid has to fork. fd 9 (the stack lock) must not leak into long-lived servers.
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'printf "%s\n" "$$" >"$0"; exec "$@"' "$pid_file" "$@" </dev/null >>"$log" 2>&1 9>&- &
  for ((i = 0; i < 100; i++)); do
    [[ -s "$pid_file" ]] && return 0
    sleep 0.05
  done
  pulse_die "$name: could not start (no PID file $pid_file); see $log"
}

# pulse_stop_pid NAME PID TIMEOUT: SIGTERM, wait, SIGKILL as a last resort.
pulse_stop_pid() {
  local name=$1 pid=$2 timeout=$3 start=$SECONDS
  kill -TERM "$pid" 2>/dev/null || true
  while pulse_owned_pid "$name" >/dev/null; do
    if ((SECONDS - start >= timeout)); then
      pulse_warn "$name (pid $pid) did not exit ${timeout}s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$(pulse_pid_file "$name")"
}

# ---------------------------------------------------------------- locking

# Serialise up/down/install across concurrent callers (e.g. parallel Jest runs' globalSetup).
pulse_lock() {
  [[ "${PULSE_LOCK_HELD:-}" == 1 ]] && return 0
  mkdir -p "$PULSE_STACK_DIR"
  [[ -f "$PULSE_STACK_DIR/.pulse-stack" ]] ||
    printf 'State of the Pulse local stack (deploy/local). Safe to delete when the stack is down.\n' \
      >"$PULSE_STACK_DIR/.pulse-stack"
  exec 9>"$PULSE_STACK_DIR/.lock"
  if ! flock -w "${PULSE_LOCK_TIMEOUT:-600}" 9; then
    pulse_die "another deploy/local command holds $PULSE_STACK_DIR/.lock for more than ${PULSE_LOCK_TIMEOUT:-600}s"
  fi
  PULSE_LOCK_HELD=1
}

# ---------------------------------------------------------------- installing

pulse_is_root() { [[ "$(id -u)" -eq 0 ]]; }

# pulse_apt_install PKG...: install Debian packages (root only; otherwise say what to install).
pulse_apt_install() {
  (($#)) || return 0
  if ! pulse_is_root; then
    pulse_die "missing Debian packages: $*. Install them first:  sudo apt-get install -y $*"
  fi
  command -v apt-get >/dev/null || pulse_die "missing packages ($*) and no apt-get on this machine"
  pulse_info "installing Debian packages: $*"
  local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
  if ! "${apt[@]}" install --no-install-recommends "$@" >&2; then
    pulse_info "apt-get install failed; refreshing the package lists and retrying"
    "${apt[@]}" update >&2 || true
    "${apt[@]}" install --no-install-recommends "$@" >&2 ||
      pulse_die "apt-get install $* failed (see the output above)"
  fi
}

# pulse_java_major: print the major version of `java` on the PATH (empty if none).
pulse_java_major() {
  command -v java >/dev/null || return 0
  java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1") ? v[2] : v[1]; exit }'
}

# ---------------------------------------------------------------- generic verbs

# pulse_up_start NAME: reuse a healthy server, or start ours. Sets PULSE_STATE[NAME] to
# ours (already running, ours), reused (someone else's), or starting (wait with pulse_up_wait).
declare -A PULSE_STATE=()
pulse_up_start() {
  local name=$1 pid port
  local -a PULSE_CMD=()
  if pid="$(pulse_owned_pid "$name")"; then
    if "${name}_healthy"; then
      pulse_info "$name: already running (pid $pid, started by this stack)"
      PULSE_STATE[$name]=ours
    else
      pulse_info "$name: pid $pid (started by this stack) is not ready yet; waiting for it"
      PULSE_STATE[$name]=starting
    fi
    return 0
  fi
  if "${name}_healthy"; then
    pulse_info "$name: reusing the server already answering on $("${name}_addr") (not started by this stack; 'down' leaves it alone)"
    PULSE_STATE[$name]=reused
    return 0
  fi
  for port in $("${name}_ports"); do
    if pulse_port_open "$PULSE_HOST" "$port"; then
      pulse_die "$name: port $PULSE_HOST:$port is taken by something that is not a healthy $name. Stop it, or move $name to other ports (see deploy/local/README.md). Listener: $(pulse_who_listens "$port")"
    fi
  done
  "${name}_prepare"
  "${name}_command"
  pulse_info "$name: starting (log: $(pulse_log_file "$name"))"
  pulse_spawn "$name" "${PULSE_CMD[@]}"
  PULSE_STATE[$name]=starting
}

pulse_who_listens() {
  if command -v ss >/dev/null; then
    ss -Hltnp "sport = :$1" 2>/dev/null | head -n 3 | tr -s ' ' | tr '\n' ';' || true
  else
    printf 'unknown (no ss)'
  fi
}

# pulse_up_wait NAME: wait until NAME answers; on timeout or early exit, stop it and fail.
pulse_up_wait() {
  local name=$1 timeout log start=$SECONDS pid
  [[ "${PULSE_STATE[$name]:-}" == starting ]] || return 0
  timeout="$("${name}_timeout")"
  log="$(pulse_log_file "$name")"
  while :; do
    if "${name}_healthy"; then
      pulse_info "$name: ready after $((SECONDS - start))s"
      PULSE_STATE[$name]=ours
      return 0
    fi
    if ! pid="$(pulse_owned_pid "$name")"; then
      pulse_err "$name exited during startup; see its log: $log"
      pulse_tail_log "$log" 40
      rm -f "$(pulse_pid_file "$name")"
      PULSE_STATE[$name]=failed
      return 1
    fi
    if ((SECONDS - start >= timeout)); then
      pulse_err "$name (pid $pid) was not ready within ${timeout}s; stopping it. See its log: $log"
      pulse_tail_log "$log" 40
      pulse_stop_pid "$name" "$pid" "$("${name}_stop_timeout")"
      PULSE_STATE[$name]=failed
      return 1
    fi
    sleep 0.5
  done
}

# pulse_down NAME: stop NAME if (and only if) this stack started it.
pulse_down() {
  local name=$1 pid
  if pid="$(pulse_owned_pid "$name")"; then
    pulse_info "$name: stopping pid $pid"
    pulse_stop_pid "$name" "$pid" "$("${name}_stop_timeout")"
    pulse_info "$name: stopped"
  else
    rm -f "$(pulse_pid_file "$name")"
    if "${name}_healthy"; then
      pulse_info "$name: not started by this stack; leaving the server on $("${name}_addr") alone"
    else
      pulse_info "$name: not running"
    fi
  fi
}

# pulse_status NAME: one line on stdout; exit 0 if healthy.
pulse_status() {
  local name=$1 pid
  if pid="$(pulse_owned_pid "$name")"; then
    if "${name}_healthy"; then
      printf '%-9s %-16s up (pid %s, started by this stack; log %s)\n' "$name" "$("${name}_addr")" "$pid" "$(pulse_log_file "$name")"
      return 0
    fi
    printf '%-9s %-16s NOT READY (pid %s alive but not answering; log %s)\n' "$name" "$("${name}_addr")" "$pid" "$(pulse_log_file "$name")"
    return 1
  fi
  if "${name}_healthy"; then
    printf '%-9s %-16s up (not started by this stack)\n' "$name" "$("${name}_addr")"
    return 0
  fi
  local port
  for port in $("${name}_ports"); do
    if pulse_port_open "$PULSE_HOST" "$port"; then
      printf '%-9s %-16s NOT HEALTHY (port %s is in use, but no healthy %s answers: %s)\n' \
        "$name" "$("${name}_addr")" "$port" "$name" "$(pulse_who_listens "$port")"
      return 1
    fi
  done
  printf '%-9s %-16s down\n' "$name" "$("${name}_addr")"
  return 1
}

# pulse_usage SCRIPT: print the script's header comment (its usage) to stderr.
pulse_usage() {
  awk 'NR == 1 { next } /^# shellcheck/ { exit } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1" >&2
}

# pulse_main_component NAME VERB [ARGS...]: the CLI of a single-component script.
pulse_main_component() {
  local name=$1 verb=${2:-}
  shift 2 || shift $#
  case "$verb" in
    up)
      pulse_lock
      local -a missing=()
      if ! pulse_owned_pid "$name" >/dev/null && ! "${name}_healthy"; then
        read -r -a missing <<<"$("${name}_missing_packages")"
        pulse_apt_install "${missing[@]}"
      fi
      pulse_up_start "$name"
      pulse_up_wait "$name"
      printf '%s %s\n' "$name" "$("${name}_addr")"
      ;;
    down)
      pulse_lock
      pulse_down "$name"
      ;;
    status) pulse_status "$name" ;;
    install)
      pulse_lock
      local -a missing=()
      read -r -a missing <<<"$("${name}_missing_packages")"
      pulse_apt_install "${missing[@]}"
      "${name}_install"
      ;;
    *)
      pulse_usage "$0"
      return 2
      ;;
  esac
}
