#!/usr/bin/env bash
# Benchmark: `gitops-upgrade rebase --no-fetch` against `git rebase -Xtheirs`
# on the same generated repository, on this machine, in the same run.
#
# The repository (made with `git fast-import` in a temporary directory): a
# vendor tree of ~400 files, an `upstream` branch of UPSTREAM commits (line
# edits, added, renamed and deleted vendor files) and a local `main` branch
# of LOCAL commits editing overlays/deploy and, now and then, vendor lines
# the upstream also edits (conflicts that the local side wins). Each tool
# runs on a fresh copy; the best of RUNS runs is kept; the final trees must
# be identical.
#
# Usage: benches/rebase-bench.sh [UPSTREAM] [LOCAL] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."

upstream="${1:-2000}"
local_commits="${2:-100}"
runs="${3:-3}"

cargo build --release --quiet
ours="$(pwd)/${CARGO_TARGET_DIR:-target}/release/gitops-upgrade"

work="$(mktemp -d -t rebase-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$work"

repo="$work/repo"
git init -q -b main "$repo"
git -C "$repo" config user.name Bench
git -C "$repo" config user.email bench@example.com
git -C "$repo" config commit.gpgsign false

python3 - "$upstream" "$local_commits" <<'EOF' | git -C "$repo" fast-import --quiet
import random, sys

n_up, n_loc = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(42)
out = sys.stdout.buffer
mark = [0]
t = [1700000000]


def blob(data):
    mark[0] += 1
    out.write(b"blob\nmark :%d\ndata %d\n" % (mark[0], len(data)) + data + b"\n")
    return mark[0]


def commit(branch, msg, changes, parent=None):
    t[0] += 60
    blobs = [(op, p, blob(d) if op == "M" else None, d) for op, p, d in changes]
    mark[0] += 1
    m = mark[0]
    msg = msg.encode()
    out.write(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), m))
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % t[0])
    out.write(b"data %d\n" % len(msg) + msg + b"\n")
    if parent:
        out.write(b"from :%d\n" % parent)
    for op, p, b, _ in blobs:
        if op == "M":
            out.write(b"M 100644 :%d %s\n" % (b, p.encode()))
        else:
            out.write(b"D %s\n" % p.encode())
    out.write(b"\n")
    return m


def doc(kind, name, n):
    lines = ["apiVersion: v1", "kind: %s" % kind, "metadata:", "  name: %s" % name, "data:"]
    lines += ["  key%d: value-%d-%d" % (i, i, rng.randrange(1000)) for i in range(n)]
    return lines


def text(lines):
    return ("\n".join(lines) + "\n").encode()


# The vendor tree, and the files of the local overlay.
vendor = {}
for c in range(40):
    for f in ("deployment", "service", "configmap", "rbac", "crd", "values", "notes", "extra", "svcacct", "pdb"):
        vendor["rok/components/c%02d/%s.yaml" % (c, f)] = doc("ConfigMap", "c%02d-%s" % (c, f), 20 + rng.randrange(40))
overlay = {"overlays/deploy/kustomization.yaml": ["resources:"] + ["  - cm%d.yaml" % i for i in range(10)]}
for i in range(10):
    overlay["overlays/deploy/cm%d.yaml" % i] = doc("ConfigMap", "local-%d" % i, 10)
files = dict(vendor)
files.update(overlay)
base = commit("main", "vendor release 1.0", [("M", p, text(l)) for p, l in sorted(files.items())])

# Vendor files the upstream never deletes or renames: the local commits
# edit some of their lines too.
stable = sorted(vendor)[:60]
up_files = {p: list(l) for p, l in vendor.items()}
parent = base
for i in range(n_up):
    changes = []
    for _ in range(1 + rng.randrange(3)):
        r = rng.randrange(100)
        movable = [p for p in up_files if p not in stable]
        if r < 80 or not movable:
            p = rng.choice(sorted(up_files))
            lines = up_files[p]
            k = 5 + rng.randrange(len(lines) - 5)
            lines[k] = "  key%d: upstream-%d" % (k, i)
            changes.append(("M", p, text(lines)))
        elif r < 88:
            p = "rok/components/new/u%d.yaml" % i
            up_files[p] = doc("ConfigMap", "u%d" % i, 15)
            changes.append(("M", p, text(up_files[p])))
        elif r < 95:
            p = rng.choice(sorted(movable))
            q = p.replace(".yaml", "-r%d.yaml" % i)
            up_files[q] = up_files.pop(p)
            changes += [("D", p, None), ("M", q, text(up_files[q]))]
        else:
            p = rng.choice(sorted(movable))
            del up_files[p]
            changes.append(("D", p, None))
    parent = commit("upstream", "upstream %d" % i, changes, parent)

loc_files = {p: list(l) for p, l in files.items()}
parent = base
for i in range(n_loc):
    changes = []
    for _ in range(1 + rng.randrange(3)):
        if rng.randrange(4) == 0:
            p = rng.choice(stable)
        else:
            p = "overlays/deploy/cm%d.yaml" % rng.randrange(10)
        lines = loc_files[p]
        k = 5 + rng.randrange(len(lines) - 5)
        lines[k] = "  key%d: local-%d" % (k, i)
        changes.append(("M", p, text(lines)))
    parent = commit("main", "overlay %d" % i, changes, parent)
EOF
git -C "$repo" checkout -q -f main
echo "repository: $(git -C "$repo" rev-list --count upstream) upstream commits, $(git -C "$repo" rev-list --count upstream..main) local commits, $(git -C "$repo" ls-files | wc -l) files"

now() { date +%s.%N; }
best_ours=""
best_git=""
for r in $(seq "$runs"); do
    rm -rf "$work/a" "$work/b"
    cp -a "$repo" "$work/a"
    cp -a "$repo" "$work/b"
    t0=$(now)
    "$ours" -C "$work/a" rebase --no-fetch --upstream upstream >"$work/ours.out"
    t1=$(now)
    git -C "$work/b" rebase -q -Xtheirs upstream >/dev/null 2>&1
    t2=$(now)
    a=$(python3 -c "print($t1 - $t0)")
    b=$(python3 -c "print($t2 - $t1)")
    printf 'run %d: gitops-upgrade rebase %.3f s, git rebase -Xtheirs %.3f s\n' "$r" "$a" "$b"
    best_ours=$(python3 -c "print(min([x for x in ['$best_ours', '$a'] if x], key=float))")
    best_git=$(python3 -c "print(min([x for x in ['$best_git', '$b'] if x], key=float))")
    ta=$(git -C "$work/a" rev-parse 'HEAD^{tree}')
    tb=$(git -C "$work/b" rev-parse 'HEAD^{tree}')
    if [ "$ta" != "$tb" ]; then
        echo "final trees differ: gitops-upgrade $ta, git $tb" >&2
        exit 1
    fi
done
python3 -c "
o, g = float('$best_ours'), float('$best_git')
print(f'best of $runs: gitops-upgrade rebase {o:.3f} s, git rebase -Xtheirs {g:.3f} s, ratio {o / g:.2f} (below 1: faster than git)')
"
