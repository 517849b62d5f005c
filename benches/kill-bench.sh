#!/usr/bin/env bash
# SIGKILL at random moments on the repository of benches/rebase-bench.sh
# (~410 files, UPSTREAM upstream and LOCAL local commits): runs the test
# tests/crash_sigkill.rs against it, KILLS times, each kill on a fresh copy,
# and prints where the kills landed. Every kill must leave a repository
# that is sound and that `rebase --continue` / `--abort` bring to exactly
# the state after / before the rebase (see docs/reliability.md).
#
# The generator is taken from benches/rebase-bench.sh, so both use the
# same repository.
#
# Usage: benches/kill-bench.sh [KILLS] [SEED] [UPSTREAM] [LOCAL]
# (PROFILE=dev uses the debug build instead of --release.)
set -euo pipefail
cd "$(dirname "$0")/.."

kills="${1:-16}"
seed="${2:-$RANDOM}"
upstream="${3:-2000}"
local_commits="${4:-100}"

work="$(mktemp -d -t kill-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# Only git's configuration is isolated (cargo needs the real HOME).
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

repo="$work/repo"
git init -q -b main "$repo"
git -C "$repo" config user.name Bench
git -C "$repo" config user.email bench@example.com
git -C "$repo" config commit.gpgsign false
# The Python program between `python3 - ... <<'EOF'` and `EOF` in
# rebase-bench.sh.
sed -n "/^python3 - .*<<'EOF'/,/^EOF$/p" benches/rebase-bench.sh | sed '1d;$d' >"$work/gen.py"
python3 "$work/gen.py" "$upstream" "$local_commits" | git -C "$repo" fast-import --quiet
git -C "$repo" checkout -q -f main
echo "repository: $(git -C "$repo" rev-list --count upstream) upstream commits, $(git -C "$repo" rev-list --count upstream..main) local commits, $(git -C "$repo" ls-files | wc -l) files"

GITOPS_UPGRADE_KILL_REPO="$repo" GITOPS_UPGRADE_KILLS="$kills" GITOPS_UPGRADE_KILL_SEED="$seed" \
    cargo test --profile "${PROFILE:-release}" --quiet --test crash_sigkill -- --nocapture
