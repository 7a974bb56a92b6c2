#!/usr/bin/env bash
# Provides the real Kubernetes API server the end-to-end tests (src/test/java/dev/steadfast/e2e) run against:
#   etcd            Debian's etcd-server package (installed with apt-get when `etcd` is not on PATH)
#   kube-apiserver  built once from source with the wrapper Go module in test/apiserver/
#   kubectl         the one on PATH, or built from the same module when there is none
# Everything lands in a cache directory outside the repository, in the layout io.fabric8:kube-api-test uses:
#   ${STEADFAST_CACHE:-$HOME/.cache/steadfast}/k8s/<version>-linux-<arch>/{etcd,kube-apiserver,kubectl}
# A second run finds the binaries there and does nothing. Needs: Go >= 1.24 (or GOTOOLCHAIN=auto), network
# access to the Go module proxy for the first build, and apt-get (as root or through sudo) when etcd is missing.
set -euo pipefail

K8S_VERSION=1.33.13
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_DIR="$ROOT/test/apiserver"
CACHE="${STEADFAST_CACHE:-$HOME/.cache/steadfast}"

log() { echo "setup-apiserver: $*"; }
die() { echo "setup-apiserver: ERROR: $*" >&2; exit 1; }

case "$(uname -m)" in
  x86_64 | amd64) ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) die "unsupported architecture $(uname -m)" ;;
esac
BIN_DIR="$CACHE/k8s/${K8S_VERSION}-linux-${ARCH}"

grep -q "k8s.io/kubernetes v${K8S_VERSION}" "$MODULE_DIR/go.mod" \
  || die "test/apiserver/go.mod does not require k8s.io/kubernetes v${K8S_VERSION}; keep the two in step"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# Links $2 into the cache directory, unless it is already there.
link_into_cache() {
  local name="$1" target="$2"
  if [ "$(readlink "$BIN_DIR/$name" 2>/dev/null || true)" != "$target" ]; then
    ln -sfn "$target" "$BIN_DIR/$name"
    log "linked $BIN_DIR/$name -> $target"
  fi
}

# Builds one command of the wrapper module into the cache directory (temp file, then rename).
go_build() {
  local name="$1"
  command -v go >/dev/null || die "the Go toolchain (>= 1.24, or >= 1.21 with GOTOOLCHAIN=auto) is needed to build $name: install it, then rerun"
  log "building $name v${K8S_VERSION} with $(go version | awk '{print $3}') (once; about 20 min on 2 cores)"
  local start=$SECONDS tmp="$BIN_DIR/.$name.tmp.$$" ldflags="-s" pkg minor="${K8S_VERSION#*.}"
  # What hack/lib/version.sh stamps into release builds; without it /version says v0.0.0-master.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v${K8S_VERSION} -X $pkg.gitMajor=${K8S_VERSION%%.*}"
    ldflags+=" -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
  done
  (cd "$MODULE_DIR" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="$ldflags" -o "$tmp" "k8s.io/kubernetes/cmd/$name") \
    || { rm -f "$tmp"; die "go build of $name failed"; }
  mv -f "$tmp" "$BIN_DIR/$name"
  log "built $BIN_DIR/$name in $((SECONDS - start))s"
}

mkdir -p "$BIN_DIR"
# One run at a time: a second one (another checkout, a parallel CI job) waits for the first to finish.
if command -v flock >/dev/null; then
  exec 9>"$CACHE/.setup.lock"
  flock 9
fi

# etcd
ETCD="$(command -v etcd || true)"
if [ -z "$ETCD" ]; then
  log "etcd not found: installing Debian's etcd-server"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q etcd-server
  # The package starts an etcd service where systemd runs; the tests start their own on other ports.
  ETCD="$(command -v etcd || true)"
  [ -n "$ETCD" ] || die "etcd-server installed but no etcd on PATH"
fi
link_into_cache etcd "$ETCD"

# kube-apiserver
if [ -x "$BIN_DIR/kube-apiserver" ] && "$BIN_DIR/kube-apiserver" --version 2>/dev/null | grep -q "v${K8S_VERSION}\$"; then
  :
else
  go_build kube-apiserver
  "$BIN_DIR/kube-apiserver" --version | grep -q "v${K8S_VERSION}\$" || die "built kube-apiserver reports $("$BIN_DIR/kube-apiserver" --version)"
fi

# kubectl
if [ -x "$BIN_DIR/kubectl" ] && [ ! -L "$BIN_DIR/kubectl" ]; then
  : # built here on an earlier run
elif KUBECTL="$(command -v kubectl)"; then
  link_into_cache kubectl "$KUBECTL"
else
  go_build kubectl
fi

for b in etcd kube-apiserver kubectl; do [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b is missing or not executable"; done
log "ready: $("$BIN_DIR/kube-apiserver" --version), etcd $("$BIN_DIR/etcd" --version 2>/dev/null | awk '/etcd Version/ {print $3}'), kubectl in $BIN_DIR"
