#!/usr/bin/env bash
# The whole test suite: what `npm test` and CI run. Installs and starts what it needs
# (local Kafka/InfluxDB/NATS, InfluxDB 1.8 for the v2 write API, helm, a Kubernetes control plane for
# the chart), then lint, typecheck, unit, integration and e2e tests.
# Ends with one line "tests: N passed, N failed" summed over every Jest run.
set -uo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-}" FORCE_COLOR=0

log_dir="${PULSE_TEST_LOG_DIR:-tmp/test-logs}"
mkdir -p "$log_dir"
summary="$log_dir/summary.log"
: >"$summary"
failed_steps=()

step() {
  local name="$1"
  shift
  echo
  echo "=== $name"
  local started=$SECONDS
  if "$@" 2>&1 | tee "$log_dir/$name.log"; then
    echo "=== $name: ok ($((SECONDS - started)) s)"
  else
    echo "=== $name: FAILED ($((SECONDS - started)) s)"
    failed_steps+=("$name")
  fi
  cat "$log_dir/$name.log" >>"$summary"
}

echo "node $(node --version) ($(command -v node))"
if [[ "$(node --version)" != v24.* ]]; then
  echo "tests must run on Node 24 from the repo: run them as 'npm test' after 'npm ci'" >&2
  exit 1
fi

step stack bash deploy/local/stack.sh up
# InfluxDB 1.8 for the tests of the v2 write API (the Helm default): built once per machine.
step influxdb18 bash deploy/local/influxdb18.sh up
step helm-install bash tools/helm/install-helm.sh --docs --kube-strict --promtool
# The control plane the chart's integration suite starts (etcd, kube-apiserver, controller manager,
# scheduler, kwok): built once per machine, here rather than inside a test's timeout.
step kube-install bash tools/kube/build.sh
step static npx nx run-many -t lint typecheck --parallel=2 --output-style=static --skip-nx-cache
step unit npx nx run-many -t test --parallel=2 --output-style=static --skip-nx-cache
step integration npx nx run-many -t integration --parallel=1 --output-style=static --skip-nx-cache
if [[ -f tools/e2e/project.json ]]; then
  step e2e npx nx run e2e:e2e --output-style=static --skip-nx-cache
fi

passed=0
failed=0
while read -r line; do
  p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || true)
  f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || true)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done < <(grep -E '^Tests: ' "$summary")

echo
if ((${#failed_steps[@]} > 0)); then
  # CI shows only the end of a long log: name what failed here, where it will be seen.
  # Jest opens each failure's report with "● suite › test": that line and the start of its reason.
  failures=$(awk '/^[[:space:]]*● / && !/● Console/ { left = 12 } left > 0 { print "  " substr($0, 1, 300); left-- }' "$summary" | head -120)
  if [[ -n "$failures" ]]; then
    echo "failed tests (the first lines of each report; all of it above and in $log_dir/<step>.log):"
    echo "$failures"
  fi
  echo "failed steps: ${failed_steps[*]}"
  [[ $failed -eq 0 ]] && failed=1
fi
echo "tests: $passed passed, $failed failed"
((${#failed_steps[@]} == 0))
