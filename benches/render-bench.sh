#!/usr/bin/env bash
# Benchmark: render every overlay of a generated tree with gitops-upgrade and
# with the reference `kubectl kustomize`, sequentially on this machine.
# Usage: benches/render-bench.sh [OVERLAYS] [BASES_PER_OVERLAY]
set -euo pipefail
cd "$(dirname "$0")/.."

overlays="${1:-60}"
per="${2:-5}"
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

python3 benches/bench-run.py "$tree" "$ours" "$kubectl" "$n_overlays" "$n_resources"
