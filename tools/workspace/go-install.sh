# shellcheck shell=bash
# Sourced by the scripts that build Go tools once per machine (tools/helm/install-helm.sh,
# tools/kube/build.sh); they define BIN_DIR, log and need_go.
#
# go_install PACKAGE@VERSION NAME VERSION [LDFLAGS]: builds the command with `go install` into
# "$BIN_DIR/.NAME-VERSION" (a pin change builds again, the old build stays until purged) and links
# it as "$BIN_DIR/NAME".
go_install() {
  local pkg="$1" name="$2" version="$3" ldflags="${4:-}"
  local dir="${BIN_DIR}/.${name}-${version}" started=$SECONDS
  if [[ ! -x "${dir}/${name}" ]]; then
    need_go
    mkdir -p "$dir"
    log "installing ${pkg} into ${dir} (go install; first run takes a few minutes)"
    # CGO off: a static binary, no C toolchain needed. -trimpath for reproducible builds.
    GOBIN="$dir" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" \
      go install -trimpath -ldflags "-s -w ${ldflags}" "$pkg" >&2
    log "built ${name} in $((SECONDS - started))s"
  fi
  ln -sfn "${dir}/${name}" "${BIN_DIR}/${name}"
}
