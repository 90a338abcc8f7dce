#!/usr/bin/env bash
# Builds the Kafka Streams peer of the benchmark into one shaded jar, once per version of its
# sources: the jar is cached as $PULSE_CACHE_DIR/bench-peer-kafka-streams/<hash>/kafka-streams-peer.jar,
# <hash> covering pom.xml, this script and src/. Prints the jar's path on stdout.
#
#   tools/bench/peers/kafka-streams/build.sh
#
# Needs a JDK (javac 17+) and Maven, installed from Debian packages when missing (as the local
# stack installs Java for Kafka; root only, otherwise it says what to install). The build runs the
# unit tests and fetches dependencies from Maven Central into ~/.m2 the first time; later builds
# run offline (mvn -o) when everything is already there.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/../../../../deploy/local/lib.sh"

peer_hash() {
  (cd "$here" && find pom.xml build.sh src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -c1-16
}

peer_build() {
  local cache="$PULSE_CACHE_DIR/bench-peer-kafka-streams"
  local hash out jar
  hash="$(peer_hash)"
  out="$cache/$hash"
  jar="$out/kafka-streams-peer.jar"
  if [[ -f "$jar" ]]; then
    printf '%s\n' "$jar"
    return 0
  fi
  local -a missing=()
  local major
  major="$(command -v javac >/dev/null && javac -version 2>&1 | awk '{split($2, v, "."); print v[1]}')"
  if [[ -z "$major" || "$major" -lt 17 ]]; then missing+=(openjdk-17-jdk-headless); fi
  command -v mvn >/dev/null || missing+=(maven)
  pulse_apt_install "${missing[@]}"
  mkdir -p "$cache"
  (
    # One build at a time per cache (two benches starting together build once).
    exec 8>"$cache/.lock"
    flock -w 900 8 || pulse_die "kafka-streams peer: timed out waiting for $cache/.lock"
    [[ -f "$jar" ]] && exit 0
    local tmp start=$SECONDS
    tmp="$(mktemp -d "$cache/.build.XXXXXX")"
    pulse_info "kafka-streams peer: building $hash with Maven (unit tests included)"
    local -a mvn=(mvn -B -q -Dstyle.color=never -f "$here/pom.xml" "-Dpeer.buildDir=$tmp/target" package)
    if ! "${mvn[@]}" -o >"$tmp/mvn.log" 2>&1; then
      if grep -q 'offline mode' "$tmp/mvn.log"; then
        pulse_info "kafka-streams peer: fetching dependencies from Maven Central (once)"
        "${mvn[@]}" >"$tmp/mvn.log" 2>&1 || {
          pulse_tail_log "$tmp/mvn.log" 60
          pulse_die "kafka-streams peer: the Maven build failed (full log: $tmp/mvn.log)"
        }
      else
        pulse_tail_log "$tmp/mvn.log" 60
        pulse_die "kafka-streams peer: the Maven build failed (full log: $tmp/mvn.log)"
      fi
    fi
    mkdir -p "$out"
    mv "$tmp/target/kafka-streams-peer.jar" "$jar.partial"
    mv "$jar.partial" "$jar"
    rm -rf -- "$tmp"
    pulse_info "kafka-streams peer: built in $((SECONDS - start))s: $jar"
  )
  printf '%s\n' "$jar"
}

peer_build
