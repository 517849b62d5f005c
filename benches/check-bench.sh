#!/usr/bin/env bash
# Benchmark: `gitops-upgrade check` as a pre-commit hook, against
# `kubectl kustomize` on the roots the change affects.
#
# Generates a repository of 200 kustomizations (benches/gen-tree.py: 12
# shared bases, 188 overlays each pulling 5 bases with strategic-merge
# patches, images, generators), commits it, changes one overlay's patch,
# stages it, and times (release build, RUNS runs each, median and p90):
#
#   hook      gitops-upgrade check --staged --changed   (what the hook runs)
#   file      gitops-upgrade check <changed file>       (pre-commit framework
#                                                       style, working tree)
#   cold      the hook command without the kustomization cache
#   kubectl   kubectl kustomize <each affected root>
#   hook-odb  the hook command once every file is newer than the index,
#             so that staged mode reads every blob from the object database
#   file-odb  the file command in that state (reads the working tree)
#
# Both a repository of loose objects (a fresh `git add`) and a packed one
# (after `git gc`, like a clone) are measured. `startup` is
# `gitops-upgrade --version`: loading the binary and its libraries, no
# work. The harness's own cost of starting a process is measured with
# /bin/true and printed, not subtracted.
#
# Usage: benches/check-bench.sh [RUNS]   (KUBECTL or GITOPS_UPGRADE_KUBECTL
# name the reference kubectl; default target/kubectl-venv/bin/kubectl, which
# `cargo test` installs)
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-41}"
kubectl="${KUBECTL:-${GITOPS_UPGRADE_KUBECTL:-target/kubectl-venv/bin/kubectl}}"
if [ ! -x "$kubectl" ]; then
    echo "reference kubectl missing at $kubectl (run cargo test once to install it, or set KUBECTL)" >&2
    exit 1
fi
kubectl="$(cd "$(dirname "$kubectl")" && pwd)/$(basename "$kubectl")"

cargo build --release --quiet
ours="$(pwd)/${CARGO_TARGET_DIR:-target}/release/gitops-upgrade"

tree="$(mktemp -d -t check-bench.XXXXXX)"
trap 'rm -rf "$tree"' EXIT
python3 benches/gen-tree.py "$tree" 188 5 >/dev/null

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
cd "$tree"
git init -q
git add -A
git commit -q -m "200 kustomizations"
kustomizations=$(find . -name kustomization.yaml -not -path './.git/*' | wc -l)

changed=overlays/ov042/patch-app06.yaml
sed -i 's/replicas: 3/replicas: 4/' "$changed"
git add "$changed"

# the roots the change affects, as check sees them
roots=$("$ours" check --staged --changed --output json |
    python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["roots"]))')
status=$("$ours" check --staged --changed --output json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')

python3 - "$ours" "$kubectl" "$runs" "$changed" "$kustomizations" "$status" $roots <<'EOF'
import os, statistics, subprocess, sys, time

ours, kubectl, runs, changed, nk, status = sys.argv[1:7]
runs = int(runs)
roots = sys.argv[7:]


def once(cmds):
    t = time.perf_counter()
    for c in cmds:
        r = subprocess.run(c, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if r.returncode not in (0, 1):
            sys.exit(f"{c} failed with {r.returncode}")
    return (time.perf_counter() - t) * 1000


def bench(cmds):
    once(cmds)  # warm the page cache (and our kustomization cache)
    xs = sorted(once(cmds) for _ in range(runs))
    return statistics.median(xs), xs[int(len(xs) * 0.9)]


def measure(label):
    # the index's stat data fresh: files git trusts are read from the disk
    subprocess.run(["git", "update-index", "-q", "--refresh"], check=False)
    rows = [
        ("hook", [[ours, "check", "--staged", "--changed"]]),
        ("file", [[ours, "check", changed]]),
        ("cold", [[ours, "check", "--staged", "--changed", "--no-cache"]]),
        ("kubectl", [[kubectl, "kustomize", r] for r in roots]),
        ("startup", [[ours, "--version"]]),
        ("/bin/true", [["/bin/true"]]),
    ]
    res = {name: bench(cmds) for name, cmds in rows}
    # Every file newer than the index: git no longer trusts the working
    # tree's copies, so staged mode reads each blob from the object
    # database (inflating loose objects, or from the pack).
    subprocess.run("find . -path ./.git -prune -o -type f -exec touch {} +",
                   shell=True, check=True)
    res["hook-odb"] = bench([[ours, "check", "--staged", "--changed"]])
    res["file-odb"] = bench([[ours, "check", changed]])
    print(f"\n{label}:")
    for name, (med, p90) in res.items():
        print(f"  {name:<10} median {med:7.1f} ms   p90 {p90:7.1f} ms")
    hook, kube = res["hook"][0], res["kubectl"][0]
    print(f"  kubectl kustomize / check --staged --changed: {kube / hook:.1f}x")
    return res


print(f"repository: {nk} kustomizations; changed {changed}; affected roots: {' '.join(roots)}; "
      f"check status: {status}; {runs} runs each, {os.cpu_count()} CPUs")
measure("loose objects (fresh git add)")
subprocess.run(["git", "gc", "-q"], check=True)
measure("packed objects (after git gc, as in a clone)")
EOF
