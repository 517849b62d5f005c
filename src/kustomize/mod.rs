//! The kustomize renderer: load a kustomization tree, run kustomize's
//! generators and transformers in its order, print what `kubectl kustomize`
//! prints.

pub mod build;
pub mod fieldspec;
pub mod generators;
pub mod graph;
pub mod hash;
pub mod json6902;
pub mod layout;
pub mod nameref;
pub mod patch_smp;
pub mod patch_text;
pub mod patches;
pub mod plugins;
pub mod remote;
pub mod replacements;
pub mod sort;
pub mod transformers;
pub mod types;
pub mod vars;

pub use build::{build_dir, render_dir, render_dir_with, BuildError, Remote, Renderer};
