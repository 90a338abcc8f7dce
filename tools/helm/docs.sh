#!/usr/bin/env bash
# Regenerates helm/pulse/README.md from README.md.gotmpl and the `# --` comments of values.yaml
# with helm-docs (pinned, installed from the Go module proxy by install-helm.sh).
#   bash tools/helm/docs.sh          # write README.md
#   bash tools/helm/docs.sh --check  # exit 1 (with a diff) when README.md is out of date
set -euo pipefail
cd "$(dirname "$0")/../.."
chart=helm/pulse

helm_docs="$(bash tools/helm/install-helm.sh --docs | sed -n 1p)"
render() {
  "$helm_docs" --chart-search-root "$chart" --sort-values-order file --skip-version-footer \
    --log-level warning "$@"
}

if [[ "${1:-}" == "--check" ]]; then
  tmp="$(mktemp)"
  trap 'rm -f "$tmp"' EXIT
  render --dry-run >"$tmp"
  if ! diff -u "$chart/README.md" "$tmp"; then
    echo "docs.sh: $chart/README.md is out of date: run 'bash tools/helm/docs.sh' and commit it" >&2
    exit 1
  fi
  echo "docs.sh: $chart/README.md is up to date"
else
  render
  echo "docs.sh: wrote $chart/README.md"
fi
