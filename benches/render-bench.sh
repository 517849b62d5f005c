#!/usr/bin/env bash
# Benchmark: render every overlay of a generated tree with gitops-upgrade and
# with the reference `kubectl kustomize`, sequentially on this machine.
# Besides the generated overlays, CRD_ROOTS roots of CustomResourceDefinitions
# (benches/gen-crds.py, CRD_MB megabytes of YAML each) are rendered and timed
# one by one: the speed-up is reported for each of them and for the overlays.
# Usage: benches/render-bench.sh [OVERLAYS] [BASES_PER_OVERLAY] [CRD_ROOTS] [CRD_MB]
set -euo pipefail
cd "$(dirname "$0")/.."

overlays="${1:-60}"
per="${2:-5}"
crd_roots="${3:-3}"
crd_mb="${4:-4}"
kubectl="${GITOPS_UPGRADE_KUBECTL:-target/kubectl-venv/bin/kubectl}"
if [ ! -x "$kubectl" ]; then
    echo "reference kubectl missing at $kubectl (run .ci/run or cargo test once to install it)" >&2
    exit 1
fi

cargo build --release
ours="${CARGO_TARGET_DIR:-target}/release/gitops-upgrade"

tree="$(mktemp -d -t render-bench.XXXXXX)"
trap 'rm -rf "$tree"' EXIT
read -r n_overlays n_resources < <(python3 benches/gen-tree.py "$tree" "$overlays" "$per")
read -r n_crd_roots n_crd_resources < <(python3 benches/gen-crds.py "$tree" "$crd_roots" "$crd_mb")
n_resources=$((n_resources + n_crd_resources))

python3 benches/bench-run.py "$tree" "$ours" "$kubectl" "$n_overlays" "$n_resources"
