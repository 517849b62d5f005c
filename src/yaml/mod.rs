//! The one YAML layer: parse text to [`Value`]s with positions, and print
//! values exactly as kustomize does.

pub mod emit;
pub mod number;
pub mod parse;
pub mod value;

pub use emit::{emit_document, emit_stream};
pub use parse::{parse_documents, parse_one, parse_one_lenient, Document, PathSeg, YamlError};
pub use value::{Mapping, Value};
