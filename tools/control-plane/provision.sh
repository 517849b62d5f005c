#!/usr/bin/env bash
# Provides the control plane the apply tests run against: kube-apiserver and
# etcd, in the directory printed on the last line of standard output.
#
#   1. $KUBEBUILDER_ASSETS (the envtest convention: a directory holding
#      kube-apiserver and etcd) when it is set: used as it is, nothing built;
#   2. otherwise target/control-plane/bin, built once from the Go modules
#      pinned in this directory's go.mod/go.sum with the machine's Go, and
#      rebuilt only when go.mod, go.sum or this script change.
#
# Fails loudly (exit 1, one line saying why) when neither can be had.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# The release go.mod pins; the version the binaries report.
K8S_VERSION=v1.37.2

die() { echo "ERROR: control plane: $*" >&2; exit 1; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
    for b in kube-apiserver etcd; do
        [ -x "$KUBEBUILDER_ASSETS/$b" ] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"
    done
    echo "control plane from KUBEBUILDER_ASSETS" >&2
    "$KUBEBUILDER_ASSETS/kube-apiserver" --version >&2
    echo "$KUBEBUILDER_ASSETS"
    exit 0
fi

out="$root/target/control-plane"
bin="$out/bin"
stamp_want="$(cat "$here/go.mod" "$here/go.sum" "$0" | sha256sum | cut -d' ' -f1)"
mkdir -p "$out"

# One builder at a time (tests of several binaries may ask at once).
exec 9>"$out/.lock"
flock 9

if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ] \
    && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp_want" ]; then
    echo "$bin"
    exit 0
fi

command -v go >/dev/null || die "Go is not installed (needed to build kube-apiserver and etcd; or set KUBEBUILDER_ASSETS to a directory holding both)"
echo "building kube-apiserver $K8S_VERSION and etcd from Go modules (first build: about 6 minutes of two idle cores, 10 minutes of CPU; far longer on a busy machine) ..." >&2
start=$(date +%s)
tmp="$out/bin.tmp-$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$here"
# -mod=readonly: go.sum must already hold every module (reproducible builds);
# -buildvcs=false: nothing here is stamped with version-control data.
pkg=k8s.io/component-base/version
major="${K8S_VERSION#v}"; major="${major%%.*}"
minor="${K8S_VERSION#v*.}"; minor="${minor%%.*}"
ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -ldflags "$ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver \
    || die "go build of kube-apiserver failed (is the Go module proxy reachable?)"
GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3 \
    || die "go build of etcd failed (is the Go module proxy reachable?)"
"$tmp/kube-apiserver" --version >&2 || die "the built kube-apiserver does not run"
"$tmp/etcd" --version >&2 || die "the built etcd does not run"
rm -rf "$bin"
mv "$tmp" "$bin"
echo "$stamp_want" > "$out/stamp"
echo "built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
