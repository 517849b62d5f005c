//! Git operations: fetch with credentials, backup refs, the in-memory
//! replay of local commits onto a new upstream with a conflict policy, and
//! the rebase report.
//! OWNER: the rebase helper (issue 3). Stub until filled in.
