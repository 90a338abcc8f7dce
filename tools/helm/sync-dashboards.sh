#!/usr/bin/env bash
# Copies the Grafana dashboards (deploy/grafana/dashboards/*.json, their source of truth) into the
# chart (helm/pulse/dashboards/), where .Files.Glob can package them. Helm cannot read files outside
# the chart directory, hence the copy.
#   bash tools/helm/sync-dashboards.sh          # copy (and remove copies whose source is gone)
#   bash tools/helm/sync-dashboards.sh --check  # exit 1 when the copies differ from the sources
set -euo pipefail
cd "$(dirname "$0")/../.."
src=deploy/grafana/dashboards
dst=helm/pulse/dashboards
mode="${1:-sync}"

shopt -s nullglob
sources=("$src"/*.json)
copies=("$dst"/*.json)
status=0

for file in "${sources[@]}"; do
  name="$(basename "$file")"
  if [[ "$mode" == "--check" ]]; then
    if ! cmp -s "$file" "$dst/$name"; then
      echo "sync-dashboards.sh: $dst/$name differs from $file (or is missing)" >&2
      status=1
    fi
  else
    mkdir -p "$dst"
    cp "$file" "$dst/$name"
  fi
done

for copy in "${copies[@]}"; do
  name="$(basename "$copy")"
  if [[ ! -f "$src/$name" ]]; then
    if [[ "$mode" == "--check" ]]; then
      echo "sync-dashboards.sh: $copy has no source in $src" >&2
      status=1
    else
      rm -f "$copy"
    fi
  fi
done

if [[ "$mode" == "--check" ]]; then
  if [[ $status -eq 0 ]]; then
    echo "sync-dashboards.sh: ${#sources[@]} dashboard(s) in sync"
  else
    echo "sync-dashboards.sh: run 'bash tools/helm/sync-dashboards.sh'" >&2
  fi
  exit $status
fi
echo "sync-dashboards.sh: ${#sources[@]} dashboard(s) copied to $dst"
