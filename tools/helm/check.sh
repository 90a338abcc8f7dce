#!/usr/bin/env bash
# The chart's static checks (Nx target helm-chart:lint, run by CI):
#   1. helm lint --strict (values.schema.json enforced) on the defaults and every ci/*-values.yaml,
#      for the oldest and the newest Kubernetes the chart supports;
#   2. helm/pulse/README.md is what helm-docs generates from values.yaml;
#   3. helm/pulse/dashboards/ matches deploy/grafana/dashboards/;
#   4. hadolint on deploy/docker/Dockerfile;
#   5. ESLint on the chart's TypeScript tests (and shellcheck on tools/helm/*.sh, tools/kube/*.sh and tools/workspace/*.sh
#      where installed).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
chart=helm/pulse
# Oldest (Chart.yaml kubeVersion) and newest Kubernetes minor the chart is tested against.
kube_versions=(1.30.0 1.36.0)

helm="$(bash tools/helm/install-helm.sh | tail -n 1)" || { echo "check.sh: helm is not available" >&2; exit 1; }
failures=()

run() {
  local name="$1"
  shift
  if "$@"; then
    echo "check.sh: ok   $name"
  else
    echo "check.sh: FAIL $name" >&2
    failures+=("$name")
  fi
}

for kube in "${kube_versions[@]}"; do
  run "helm lint defaults (k8s $kube)" "$helm" lint --strict "$chart" --kube-version "$kube" --quiet
  for values in "$chart"/ci/*-values.yaml; do
    run "helm lint $(basename "$values") (k8s $kube)" \
      "$helm" lint --strict "$chart" -f "$values" --kube-version "$kube" --quiet
  done
done
run "README up to date" bash tools/helm/docs.sh --check
run "dashboards in sync" bash tools/helm/sync-dashboards.sh --check
run "hadolint Dockerfile" bash tools/helm/hadolint.sh deploy/docker/Dockerfile
if command -v shellcheck >/dev/null 2>&1; then
  run "shellcheck tools/helm tools/kube tools/workspace" shellcheck tools/helm/*.sh tools/kube/*.sh tools/workspace/*.sh
fi
if [[ -x node_modules/.bin/eslint ]]; then
  run "eslint chart tests" node_modules/.bin/eslint "$chart/tests" "$chart/jest.config.ts" "$chart/jest.integration.config.ts"
fi

if ((${#failures[@]})); then
  echo "check.sh: ${#failures[@]} check(s) failed: ${failures[*]}" >&2
  exit 1
fi
echo "check.sh: all chart checks passed"
