//! `migrate-patches`: catalogs of schema changes between vendor releases,
//! applied to the user's overlays as lossless edits.
//!
//! - [`catalog`]: the catalog model, its YAML format and the built-in
//!   catalogs (embedded from `migrations/`), with the apply-time hints.
//! - [`edit`]: the lossless YAML editor (node tree with byte ranges, splices).
//! - [`engine`]: finding targets in kustomizations and planning the edits.
//! - [`journal`]: the journal that makes the multi-file write recoverable.
//! - [`owner`]: which files are the user's (the only ones edited).
//! - [`report`]: a `migrate-patches` run (request, plan, write, render
//!   check) and its report as text and JSON.
//! - [`describe`]: catalogs described (`migrations list` and `show`).

pub mod catalog;
pub mod describe;
pub mod edit;
pub mod engine;
pub mod journal;
pub mod owner;
pub mod report;

pub use catalog::{Catalog, Hints};
pub use engine::{find_kustomizations, plan, Options, Plan, Problem};

/// The apply-time hints (`recreate`, `apply-first`) of the given catalogs,
/// merged in order, for `apply`.
pub fn hints(catalogs: &[Catalog]) -> Hints {
    let mut h = Hints::default();
    for c in catalogs {
        for r in &c.hints.recreate {
            if !h.recreate.contains(r) {
                h.recreate.push(r.clone());
            }
        }
        for a in &c.hints.apply_first {
            if !h.apply_first.contains(a) {
                h.apply_first.push(a.clone());
            }
        }
    }
    h
}
