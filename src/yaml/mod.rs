//! The one YAML layer: parse text to [`Value`]s with positions, and print
//! values exactly as kustomize does.

pub mod emit;
mod fast;
pub mod number;
pub mod parse;
mod read;
pub mod value;

pub use emit::{emit_document, emit_stream};
pub use parse::{Document, PathSeg, YamlError};
pub use read::{parse_documents, parse_one, parse_one_lenient, parse_one_v2};
pub use value::{Mapping, Value};
