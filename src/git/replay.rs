//! The replay engine: which local commits to replay, in which order, and
//! replaying them one by one onto the new upstream in memory, local changes
//! winning conflicts the way `git rebase -Xtheirs` resolves them.
//!
//! Nothing here moves a ref or touches the working tree: the result is a
//! chain of new commit objects (written to whatever object database the
//! repository has, an in-memory one during a rebase) and a report.

use std::collections::{HashMap, HashSet};

use git2::{
    Commit, FileFavor, Index, IndexConflict, IndexEntry, MergeOptions, Oid, Repository, Signature,
    Tree,
};

use super::error::{Context, GitError};
use super::patchid::{is_binary, patch_id};
use super::renames::{self, file_at, path_of as fs_path, SimilarityCache};
pub use super::yaml_merge::{FileMerge, FileMergeResult, MergeMode};

/// What to do with a file the upstream deleted and a local commit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletePolicy {
    /// Delete it, as the vendor guide's `git rm` does (the default).
    Drop,
    /// Keep the local version.
    Keep,
}

/// Which side's version a resolved conflict took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Local,
    Upstream,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Local => "local",
            Side::Upstream => "upstream",
        }
    }
}

/// The kind of conflict a file had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictKind {
    /// Both sides changed the same lines of a text file: local hunks won.
    Content,
    /// Both sides changed a binary file: the local version won.
    Binary,
    /// Both sides added the file with different content: local won.
    AddAdd,
    /// The upstream deleted the file, the local commit changed it.
    DeletedUpstream,
    /// The local commit deleted the file, the upstream changed it.
    DeletedLocally,
    /// A rename on one or both sides collided with the other side's change;
    /// the paths involved (ancestor, upstream, local) are given.
    Rename {
        ancestor: Option<String>,
        upstream: Option<String>,
        local: Option<String>,
    },
}

impl ConflictKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ConflictKind::Content => "content",
            ConflictKind::Binary => "binary",
            ConflictKind::AddAdd => "add/add",
            ConflictKind::DeletedUpstream => "deleted-upstream",
            ConflictKind::DeletedLocally => "deleted-locally",
            ConflictKind::Rename { .. } => "rename",
        }
    }
}

/// One conflicting file and how it was resolved.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub path: String,
    pub kind: ConflictKind,
    pub winner: Side,
}

/// A local commit replayed onto the new upstream.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub original: Oid,
    pub new: Oid,
    pub summary: String,
    pub conflicts: Vec<Conflict>,
    /// Files the upstream deleted and this commit changed, deleted again
    /// (`--on-upstream-delete drop`).
    pub dropped: Vec<String>,
    /// The same, kept (`--on-upstream-delete keep`).
    pub kept: Vec<String>,
}

/// Why a local commit was not replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A merge commit: like `git rebase`, its changes come through the
    /// linear commits it merged.
    Merge,
    /// The upstream already has the same change (equal patch ids).
    AlreadyUpstream,
    /// The change became empty on the new upstream.
    BecameEmpty,
}

impl SkipReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::Merge => "merge",
            SkipReason::AlreadyUpstream => "already-upstream",
            SkipReason::BecameEmpty => "became-empty",
        }
    }
}

/// A local commit that was not replayed.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub commit: Oid,
    pub summary: String,
    pub reason: SkipReason,
    /// For a commit that became empty: the conflicts met on the way.
    pub conflicts: Vec<Conflict>,
    /// For a commit that became empty: files deleted upstream it changed,
    /// dropped (its change to them was all it had left).
    pub dropped: Vec<String>,
}

/// The local commits to replay, in order, and those left out up front.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub merge_base: Option<Oid>,
    pub to_replay: Vec<Oid>,
    pub skipped: Vec<Skipped>,
}

/// The result of a replay.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub new_tip: Oid,
    pub replayed: Vec<Replayed>,
    pub skipped: Vec<Skipped>,
    /// Files both sides changed that `--merge yaml` merged structurally
    /// or left to the line merge, in replay order.
    pub merges: Vec<FileMerge>,
}

pub(crate) fn summary_of(c: &Commit<'_>) -> String {
    String::from_utf8_lossy(c.summary_bytes().unwrap_or_default()).into_owned()
}

/// Chooses the commits to replay like `git rebase <upstream>`: the commits
/// of `head` not reachable from `upstream`, in git's reverse graph order
/// (`git rev-list --reverse --topo-order`), without merges, without those
/// whose change the upstream already has.
pub fn plan(repo: &Repository, head: Oid, upstream: Oid) -> Result<Plan, GitError> {
    let merge_base = match repo.merge_base(head, upstream) {
        Ok(b) => Some(b),
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(e) => {
            return Err(GitError::Git {
                context: "cannot find the merge base".into(),
                source: e,
            })
        }
    };
    let local = reachable_only(repo, head, upstream)?;
    let order = graph_order(repo, head, &local)?;
    let mut plan = Plan {
        merge_base,
        ..Plan::default()
    };
    let mut candidates = Vec::new();
    for id in order {
        let c = repo
            .find_commit(id)
            .ctx(|| format!("cannot read commit {id}"))?;
        if c.parent_count() > 1 {
            plan.skipped.push(Skipped {
                commit: id,
                summary: summary_of(&c),
                reason: SkipReason::Merge,
                conflicts: Vec::new(),
                dropped: Vec::new(),
            });
        } else {
            candidates.push(id);
        }
    }
    let upstream_side = reachable_only(repo, upstream, head)?;
    let same = cherry_picked(repo, &candidates, &upstream_side)?;
    for id in candidates {
        if same.contains(&id) {
            let c = repo
                .find_commit(id)
                .ctx(|| format!("cannot read commit {id}"))?;
            plan.skipped.push(Skipped {
                commit: id,
                summary: summary_of(&c),
                reason: SkipReason::AlreadyUpstream,
                conflicts: Vec::new(),
                dropped: Vec::new(),
            });
        } else {
            plan.to_replay.push(id);
        }
    }
    Ok(plan)
}

/// Commits reachable from `from` and not from `not`.
fn reachable_only(repo: &Repository, from: Oid, not: Oid) -> Result<Vec<Oid>, GitError> {
    let mut walk = repo.revwalk().ctx(|| "cannot walk history".into())?;
    walk.push(from).ctx(|| format!("cannot walk from {from}"))?;
    walk.hide(not)
        .ctx(|| format!("cannot walk history hiding {not}"))?;
    walk.collect::<Result<Vec<_>, _>>()
        .ctx(|| format!("cannot walk history from {from}"))
}

/// Git's `--topo-order` in graph order, reversed (oldest first): a
/// depth-first walk from the tip with a stack, a commit emitted once all
/// its children in the set have been, parents pushed in order so that the
/// last parent's line is walked first.
fn graph_order(repo: &Repository, tip: Oid, set: &[Oid]) -> Result<Vec<Oid>, GitError> {
    if set.is_empty() {
        return Ok(Vec::new());
    }
    let members: HashSet<Oid> = set.iter().copied().collect();
    let mut parents: HashMap<Oid, Vec<Oid>> = HashMap::new();
    let mut indegree: HashMap<Oid, usize> = set.iter().map(|&id| (id, 1)).collect();
    for &id in set {
        let c = repo
            .find_commit(id)
            .ctx(|| format!("cannot read commit {id}"))?;
        let ps: Vec<Oid> = c.parent_ids().filter(|p| members.contains(p)).collect();
        for p in &ps {
            *indegree.get_mut(p).expect("member") += 1;
        }
        parents.insert(id, ps);
    }
    let mut stack: Vec<Oid> = Vec::new();
    if members.contains(&tip) {
        stack.push(tip);
    }
    // Any other tips (not expected: everything is reachable from the tip).
    for &id in set {
        if indegree[&id] == 1 && id != tip {
            stack.insert(0, id);
        }
    }
    let mut out = Vec::with_capacity(set.len());
    while let Some(id) = stack.pop() {
        for p in &parents[&id] {
            let d = indegree.get_mut(p).expect("member");
            if *d == 0 {
                continue;
            }
            *d -= 1;
            if *d == 1 {
                stack.push(*p);
            }
        }
        *indegree.get_mut(&id).expect("member") = 0;
        out.push(id);
    }
    out.reverse();
    Ok(out)
}

/// The candidates whose change some upstream commit already made. The
/// cheap comparison of changed paths comes first; full patch ids only for
/// commits whose paths match.
fn cherry_picked(
    repo: &Repository,
    candidates: &[Oid],
    upstream_side: &[Oid],
) -> Result<HashSet<Oid>, GitError> {
    let mut found = HashSet::new();
    if candidates.is_empty() || upstream_side.is_empty() {
        return Ok(found);
    }
    let mut local_by_paths: HashMap<Vec<Vec<u8>>, Vec<Oid>> = HashMap::new();
    for &id in candidates {
        let c = repo
            .find_commit(id)
            .ctx(|| format!("cannot read commit {id}"))?;
        let key = changed_paths(repo, &c).ctx(|| format!("cannot diff commit {id}"))?;
        if key.is_empty() {
            continue; // commits that start empty are kept, as git does
        }
        local_by_paths.entry(key).or_default().push(id);
    }
    let mut upstream_ids: HashSet<[u8; 32]> = HashSet::new();
    for &id in upstream_side {
        let c = repo
            .find_commit(id)
            .ctx(|| format!("cannot read commit {id}"))?;
        if c.parent_count() > 1 {
            continue;
        }
        let key = changed_paths(repo, &c).ctx(|| format!("cannot diff commit {id}"))?;
        if local_by_paths.contains_key(&key) {
            if let Some(pid) = patch_id(repo, &c).ctx(|| format!("cannot diff commit {id}"))? {
                upstream_ids.insert(pid);
            }
        }
    }
    if upstream_ids.is_empty() {
        return Ok(found);
    }
    for ids in local_by_paths.values() {
        for &id in ids {
            let c = repo
                .find_commit(id)
                .ctx(|| format!("cannot read commit {id}"))?;
            if let Some(pid) = patch_id(repo, &c).ctx(|| format!("cannot diff commit {id}"))? {
                if upstream_ids.contains(&pid) {
                    found.insert(id);
                }
            }
        }
    }
    Ok(found)
}

fn changed_paths(repo: &Repository, c: &Commit<'_>) -> Result<Vec<Vec<u8>>, git2::Error> {
    let new_tree = c.tree()?;
    let old_tree = match c.parent_count() {
        0 => None,
        _ => Some(c.parent(0)?.tree()?),
    };
    let diff = repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), None)?;
    let mut v: Vec<Vec<u8>> = diff
        .deltas()
        .map(|d| {
            d.new_file()
                .path_bytes()
                .or(d.old_file().path_bytes())
                .unwrap_or_default()
                .to_vec()
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Replays `plan.to_replay` onto `onto`, one commit at a time, merging
/// line by line exactly as `git rebase -Xtheirs` does.
pub fn replay(
    repo: &Repository,
    onto: Oid,
    plan: &Plan,
    policy: DeletePolicy,
    committer: &Signature<'_>,
) -> Result<Outcome, GitError> {
    replay_with(repo, onto, plan, policy, committer, MergeMode::Line)
}

/// [`replay`] with a choice of how files both sides changed are merged.
pub fn replay_with(
    repo: &Repository,
    onto: Oid,
    plan: &Plan,
    policy: DeletePolicy,
    committer: &Signature<'_>,
    mode: MergeMode,
) -> Result<Outcome, GitError> {
    let mut merges = Vec::new();
    let mut tip = repo
        .find_commit(onto)
        .ctx(|| format!("cannot read upstream commit {onto}"))?;
    let mut replayed = Vec::new();
    let mut skipped = plan.skipped.clone();
    let mut cache = SimilarityCache::new();
    for &id in &plan.to_replay {
        let commit = repo
            .find_commit(id)
            .ctx(|| format!("cannot read commit {id}"))?;
        let summary = summary_of(&commit);
        if commit.parent_count() == 1 && commit.parent_id(0).ok() == Some(tip.id()) {
            // Its parent did not change: keep the commit as it is, as git
            // fast-forwards such picks.
            replayed.push(Replayed {
                original: id,
                new: id,
                summary,
                conflicts: Vec::new(),
                dropped: Vec::new(),
                kept: Vec::new(),
            });
            tip = commit;
            continue;
        }
        let fail = {
            let summary = summary.clone();
            move |message: String| GitError::Replay {
                commit: short(id),
                summary: summary.clone(),
                message,
            }
        };
        let step = replay_one(repo, &tip, &commit, policy, &mut cache, mode)
            .map_err(|e| fail(e.message().to_string()))?;
        merges.extend(step.merges.iter().cloned().map(|mut m| {
            m.commit = id;
            m
        }));
        let theirs = commit.tree_id();
        let base_tree = match commit.parent_count() {
            0 => None,
            _ => Some(
                commit
                    .parent(0)
                    .map_err(|e| fail(e.message().to_string()))?
                    .tree_id(),
            ),
        };
        let started_empty = base_tree == Some(theirs);
        if step.tree == tip.tree_id() && !started_empty {
            skipped.push(Skipped {
                commit: id,
                summary,
                reason: SkipReason::BecameEmpty,
                conflicts: step.conflicts,
                dropped: step.dropped,
            });
            continue;
        }
        let tree = repo
            .find_tree(step.tree)
            .map_err(|e| fail(e.message().to_string()))?;
        let message = String::from_utf8_lossy(commit.message_raw_bytes()).into_owned();
        let new = repo
            .commit(None, &commit.author(), committer, &message, &tree, &[&tip])
            .map_err(|e| fail(format!("cannot write the new commit: {}", e.message())))?;
        replayed.push(Replayed {
            original: id,
            new,
            summary,
            conflicts: step.conflicts,
            dropped: step.dropped,
            kept: step.kept,
        });
        tip = repo
            .find_commit(new)
            .map_err(|e| fail(e.message().to_string()))?;
    }
    Ok(Outcome {
        new_tip: tip.id(),
        replayed,
        skipped,
        merges,
    })
}

pub(crate) fn short(id: Oid) -> String {
    let s = id.to_string();
    s[..12.min(s.len())].to_string()
}

struct Step {
    tree: Oid,
    conflicts: Vec<Conflict>,
    dropped: Vec<String>,
    kept: Vec<String>,
    merges: Vec<FileMerge>,
}

/// libgit2's merge without its rename detection: renames are found the
/// way git finds them (see [`renames`]) and applied to the trees first.
fn merge_options(favor: FileFavor) -> MergeOptions {
    let mut o = MergeOptions::new();
    o.find_renames(false).file_favor(favor);
    o
}

/// Where a renamed file came from: its path in the ancestor, upstream
/// and local trees (`None` where that side deleted it).
type Origin = (Option<String>, Option<String>, Option<String>);

/// The three trees of a merge with every rename that matters applied:
/// a file one side renamed is moved to its new path in the ancestor and
/// in the other side's tree, so that a path-by-path merge meets the
/// versions git's merge pairs up.
struct Prepared<'r> {
    base: Tree<'r>,
    ours: Tree<'r>,
    theirs: Tree<'r>,
    /// New path → where it came from.
    moved: HashMap<String, Origin>,
    /// Both sides renamed the same file to different paths: the local
    /// path won (new path → origin).
    rename_rename: Vec<(String, Origin)>,
}

fn lossy(p: &[u8]) -> String {
    String::from_utf8_lossy(p).into_owned()
}

/// Whether `to` can take a file in `tree`: nothing there, and no file at
/// any of its parent directories.
fn free_in(tree: &Tree<'_>, to: &[u8]) -> bool {
    if tree.get_path(fs_path(to)).is_ok() {
        return false;
    }
    to.iter()
        .enumerate()
        .filter(|(_, &b)| b == b'/')
        .all(|(i, _)| file_at(tree, &to[..i]).is_none())
}

/// `tree` with each file of `moves` (old path, new path) moved.
fn with_moves<'r>(
    repo: &'r Repository,
    tree: &Tree<'r>,
    moves: &[(Vec<u8>, Vec<u8>)],
) -> Result<Tree<'r>, git2::Error> {
    if moves.is_empty() {
        return Ok(tree.clone());
    }
    let mut index = Index::new()?;
    index.read_tree(tree)?;
    for (from, to) in moves {
        let Some(mut e) = index.get_path(fs_path(from), 0) else {
            continue;
        };
        index.remove(fs_path(from), 0)?;
        e.path = to.clone();
        e.flags = (e.flags & !0x3fff) | (to.len().min(0xfff) as u16);
        index.add(&e)?;
    }
    let id = index.write_tree_to(repo)?;
    repo.find_tree(id)
}

fn prepare<'r>(
    repo: &'r Repository,
    base: &Tree<'r>,
    ours: &Tree<'r>,
    theirs: &Tree<'r>,
    cache: &mut SimilarityCache,
) -> Result<Prepared<'r>, git2::Error> {
    let mut p = Prepared {
        base: base.clone(),
        ours: ours.clone(),
        theirs: theirs.clone(),
        moved: HashMap::new(),
        rename_rename: Vec::new(),
    };
    // Only renames whose source the other side changed or deleted matter.
    let mut up = renames::detect(repo, base, ours, theirs, cache)?;
    up.retain(|a, _| file_at(theirs, a) != file_at(base, a));
    let mut local = renames::detect(repo, base, theirs, ours, cache)?;
    local.retain(|a, _| file_at(ours, a) != file_at(base, a));
    if up.is_empty() && local.is_empty() {
        return Ok(p);
    }
    let mut sources: Vec<&Vec<u8>> = up.keys().chain(local.keys()).collect();
    sources.sort();
    sources.dedup();
    let (mut base_moves, mut ours_moves, mut theirs_moves) = (Vec::new(), Vec::new(), Vec::new());
    for a in sources {
        match (up.get(a), local.get(a)) {
            (Some(b), Some(c)) if b == c => {
                base_moves.push((a.clone(), b.clone()));
                p.moved
                    .insert(lossy(b), (Some(lossy(a)), Some(lossy(b)), Some(lossy(c))));
            }
            (Some(b), Some(c)) => {
                base_moves.push((a.clone(), c.clone()));
                if free_in(ours, c) {
                    ours_moves.push((b.clone(), c.clone()));
                }
                let origin = (Some(lossy(a)), Some(lossy(b)), Some(lossy(c)));
                p.moved.insert(lossy(c), origin.clone());
                p.rename_rename.push((lossy(c), origin));
            }
            (Some(b), None) => {
                base_moves.push((a.clone(), b.clone()));
                let kept = file_at(theirs, a).is_some();
                if kept && free_in(theirs, b) {
                    theirs_moves.push((a.clone(), b.clone()));
                }
                p.moved.insert(
                    lossy(b),
                    (Some(lossy(a)), Some(lossy(b)), kept.then(|| lossy(a))),
                );
            }
            (None, Some(c)) => {
                base_moves.push((a.clone(), c.clone()));
                let kept = file_at(ours, a).is_some();
                if kept && free_in(ours, c) {
                    ours_moves.push((a.clone(), c.clone()));
                }
                p.moved.insert(
                    lossy(c),
                    (Some(lossy(a)), kept.then(|| lossy(a)), Some(lossy(c))),
                );
            }
            (None, None) => {}
        }
    }
    base_moves.retain(|(_, to)| free_in(base, to));
    p.base = with_moves(repo, base, &base_moves)?;
    p.ours = with_moves(repo, ours, &ours_moves)?;
    p.theirs = with_moves(repo, theirs, &theirs_moves)?;
    Ok(p)
}

/// Cherry-picks `commit` onto `onto` in memory: a three-way merge of the
/// commit's parent (ancestor), the new base (ours) and the commit (theirs).
fn replay_one(
    repo: &Repository,
    onto: &Commit<'_>,
    commit: &Commit<'_>,
    policy: DeletePolicy,
    cache: &mut SimilarityCache,
    mode: MergeMode,
) -> Result<Step, git2::Error> {
    let ours = onto.tree()?;
    let theirs = commit.tree()?;
    let base = match commit.parent_count() {
        0 => empty_tree(repo)?,
        _ => commit.parent(0)?.tree()?,
    };
    let mut step = Step {
        tree: theirs.id(),
        conflicts: Vec::new(),
        dropped: Vec::new(),
        kept: Vec::new(),
        merges: Vec::new(),
    };
    if ours.id() == base.id() {
        return Ok(step); // the commit applies as it is
    }
    let prepared = prepare(repo, &base, &ours, &theirs, cache)?;
    let (base, ours, theirs) = (&prepared.base, &prepared.ours, &prepared.theirs);
    let mut index =
        repo.merge_trees(base, ours, theirs, Some(&merge_options(FileFavor::Normal)))?;
    let mut resolutions = Vec::new();
    if mode == MergeMode::Yaml {
        let (r, m) = super::yaml_merge::resolve(repo, base, ours, theirs, &index)?;
        resolutions = r;
        step.merges = m;
    }
    if !index.has_conflicts() && prepared.rename_rename.is_empty() {
        super::yaml_merge::apply(&mut index, &resolutions)?;
        step.tree = index.write_tree_to(repo)?;
        return Ok(step);
    }
    // Record every conflict as plain merging sees it, then merge again with
    // local hunks winning and settle what that leaves.
    for c in conflicts_of(&index)? {
        if c.our.is_none() && c.their.is_none() {
            continue; // deleted on both sides
        }
        let mut conflict = classify(repo, &c, policy)?;
        if let Some((a, o, t)) = prepared.moved.get(&conflict.path) {
            if matches!(
                conflict.kind,
                ConflictKind::Content | ConflictKind::Binary | ConflictKind::AddAdd
            ) {
                conflict.kind = ConflictKind::Rename {
                    ancestor: a.clone(),
                    upstream: o.clone(),
                    local: t.clone(),
                };
            }
        }
        step.conflicts.push(conflict);
    }
    for (path, (a, o, t)) in &prepared.rename_rename {
        if !step.conflicts.iter().any(|c| &c.path == path) {
            step.conflicts.push(Conflict {
                path: path.clone(),
                kind: ConflictKind::Rename {
                    ancestor: a.clone(),
                    upstream: o.clone(),
                    local: t.clone(),
                },
                winner: Side::Local,
            });
        }
    }
    let mut index =
        repo.merge_trees(base, ours, theirs, Some(&merge_options(FileFavor::Theirs)))?;
    for c in conflicts_of(&index)? {
        settle(&mut index, &c, policy, &mut step)?;
    }
    super::yaml_merge::apply(&mut index, &resolutions)?;
    if index.has_conflicts() {
        let left: Vec<String> = conflicts_of(&index)?.iter().filter_map(any_path).collect();
        return Err(git2::Error::from_str(&format!(
            "unresolved conflicts remain in {}",
            left.join(", ")
        )));
    }
    step.tree = index.write_tree_to(repo)?;
    for c in &mut step.conflicts {
        if c.kind == ConflictKind::DeletedUpstream {
            c.winner = match policy {
                DeletePolicy::Drop => Side::Upstream,
                DeletePolicy::Keep => Side::Local,
            };
        }
    }
    Ok(step)
}

fn empty_tree<'r>(repo: &'r Repository) -> Result<Tree<'r>, git2::Error> {
    let id = repo.treebuilder(None)?.write()?;
    repo.find_tree(id)
}

fn conflicts_of(index: &Index) -> Result<Vec<IndexConflict>, git2::Error> {
    index.conflicts()?.collect()
}

fn path_of(e: &Option<IndexEntry>) -> Option<String> {
    e.as_ref()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
}

fn any_path(c: &IndexConflict) -> Option<String> {
    path_of(&c.their)
        .or_else(|| path_of(&c.our))
        .or_else(|| path_of(&c.ancestor))
}

fn entry_is_binary(repo: &Repository, e: &Option<IndexEntry>) -> Result<bool, git2::Error> {
    match e {
        Some(e) if e.mode & 0o170000 == 0o100000 => Ok(is_binary(repo.find_blob(e.id)?.content())),
        _ => Ok(false),
    }
}

fn classify(
    repo: &Repository,
    c: &IndexConflict,
    policy: DeletePolicy,
) -> Result<Conflict, git2::Error> {
    let (a, o, t) = (path_of(&c.ancestor), path_of(&c.our), path_of(&c.their));
    let path = any_path(c).unwrap_or_default();
    let same_paths = [&a, &o, &t]
        .iter()
        .filter_map(|p| p.as_ref())
        .all(|p| *p == path);
    let (kind, winner) = if !same_paths {
        (
            ConflictKind::Rename {
                ancestor: a,
                upstream: o,
                local: t.clone(),
            },
            Side::Local,
        )
    } else {
        match (&c.ancestor, &c.our, &c.their) {
            (_, None, Some(_)) => (
                ConflictKind::DeletedUpstream,
                match policy {
                    DeletePolicy::Drop => Side::Upstream,
                    DeletePolicy::Keep => Side::Local,
                },
            ),
            (_, Some(_), None) => (ConflictKind::DeletedLocally, Side::Local),
            (None, Some(_), Some(_)) => (ConflictKind::AddAdd, Side::Local),
            _ => {
                if entry_is_binary(repo, &c.our)?
                    || entry_is_binary(repo, &c.their)?
                    || entry_is_binary(repo, &c.ancestor)?
                {
                    (ConflictKind::Binary, Side::Local)
                } else {
                    (ConflictKind::Content, Side::Local)
                }
            }
        }
    };
    Ok(Conflict { path, kind, winner })
}

/// Resolves one conflict left by the merge that favours local hunks:
/// the local version wins, except for a file the upstream deleted and the
/// local commit changed, which follows the policy.
fn settle(
    index: &mut Index,
    c: &IndexConflict,
    policy: DeletePolicy,
    step: &mut Step,
) -> Result<(), git2::Error> {
    let mut paths: Vec<String> = [path_of(&c.ancestor), path_of(&c.our), path_of(&c.their)]
        .into_iter()
        .flatten()
        .collect();
    paths.sort();
    paths.dedup();
    for p in &paths {
        // Already removed with an earlier conflict sharing the path is fine.
        let _ = index.conflict_remove(std::path::Path::new(p));
    }
    let Some(their) = &c.their else {
        return Ok(()); // deleted locally: stays deleted
    };
    let their_path = String::from_utf8_lossy(&their.path).into_owned();
    // libgit2 splits a rename/delete conflict into the ancestor path alone
    // and the renamed path alone; a path only the local side has is never a
    // conflict by itself, so with no upstream entry it was deleted upstream.
    let deleted_upstream = c.our.is_none();
    if deleted_upstream && policy == DeletePolicy::Drop {
        step.dropped.push(their_path);
        return Ok(());
    }
    if deleted_upstream {
        step.kept.push(their_path);
    }
    let e = IndexEntry {
        ctime: their.ctime,
        mtime: their.mtime,
        dev: their.dev,
        ino: their.ino,
        mode: their.mode,
        uid: their.uid,
        gid: their.gid,
        file_size: their.file_size,
        id: their.id,
        flags: their.flags & !0x3000, // stage 0
        flags_extended: their.flags_extended,
        path: their.path.clone(),
    };
    index.add(&e)
}
