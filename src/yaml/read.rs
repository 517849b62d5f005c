//! The entry points for reading YAML: the fast reader of the plain
//! block-style subset (`fast`) first, the general reader (`parse`, over
//! saphyr-parser) for every text the fast one declines. Both give the same
//! documents where both answer (`yaml::fast` tests).

use super::parse::{one_document, parse_stream_general, parse_stream_v2, Document, YamlError};
use super::value::Value;

/// Parses every document of a stream. Empty documents (only comments, or
/// `---` alone) are returned as `Value::Null`.
pub fn parse_documents(text: &str) -> Result<Vec<Document>, YamlError> {
    read(text, false)
}

/// Parses a stream that must hold exactly one document (or none).
pub fn parse_one(text: &str) -> Result<Value, YamlError> {
    one_document(read(text, false)?)
}

/// Like [`parse_one`], but a key repeated in a mapping is not an error: the
/// last value wins, in the place of the first. kustomize reads a
/// kustomization file this way (sigs.k8s.io/yaml over go-yaml v2, not
/// strict), while resource files, read with go-yaml v3, refuse duplicates.
/// Plain scalars resolve as go-yaml v2 does (YAML 1.1 booleans), so this
/// takes the general reader only.
pub fn parse_one_lenient(text: &str) -> Result<Value, YamlError> {
    one_document(parse_stream_v2(text, true)?)
}

/// One document read as go-yaml v2 reads it (YAML 1.1 booleans), a
/// repeated key being an error: kustomize's `configurations:` files
/// (checked against kubectl 1.37).
pub fn parse_one_v2(text: &str) -> Result<Value, YamlError> {
    one_document(parse_stream_v2(text, false)?)
}

fn read(text: &str, duplicate_keys: bool) -> Result<Vec<Document>, YamlError> {
    match super::fast::parse_fast(text, duplicate_keys) {
        Some(docs) => Ok(docs),
        None => parse_stream_general(text, duplicate_keys),
    }
}
