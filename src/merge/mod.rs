//! The structural three-way merge of YAML files that `rebase` uses for a
//! file both the vendor (upstream) and the user (local commits) changed.
//!
//! - Documents of a stream are matched by identity (apiVersion, kind,
//!   namespace, name), documents without one by position.
//! - Mappings are merged key by key, recursively.
//! - Lists of mappings are merged item by item on their merge key: the
//!   strategic-merge keys of the built-in kinds (the renderer's table,
//!   [`crate::kustomize::patch_smp::list_merge_keys`]), else `name` when every
//!   item has one. In a kustomization, `resources`, `components`, `patches`
//!   and the like are ordered sets. Every other list is one value.
//! - The user wins only where both sides changed the same value (a scalar,
//!   a list merged as one value, a key one side deleted and the other
//!   changed); each such place is an [`Override`].
//!
//! The output is the user's text with the vendor's changes spliced in
//! (the lossless editor of `migrate-patches`, [`crate::migrate::edit`]):
//! every byte the merge keeps from the user's side is the user's, every
//! value taken from the vendor is the vendor's text, re-indented to fit.
//! The merged text is parsed again and compared with the merged values; a
//! file that cannot be merged or written this way is refused with a
//! reason ([`NotMerged`]) and the caller falls back to a line merge.

mod text;
mod tree;

use std::fmt;

use crate::diff::fields::{PathDisplay, Segment};
use crate::migrate::edit::{apply_splices, Kind, Node, Source};
use crate::yaml::Value;

pub use tree::node_value;

/// Which version of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The common ancestor.
    Base,
    /// The vendor's new version (the upstream side of a rebase).
    Vendor,
    /// The user's version (the local commit).
    User,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Base => "ancestor",
            Side::Vendor => "upstream",
            Side::User => "local",
        })
    }
}

/// One place where both sides changed the same value and the user's
/// version was kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The document, in a file of several: its identity
    /// (`apps/v1 Deployment ns/name`) or `document N`; `None` in a file of
    /// one document.
    pub document: Option<String>,
    /// Where in the document (`spec.nodeCount`).
    pub path: Vec<Segment>,
    /// The vendor's value (`None`: the vendor deleted it).
    pub vendor: Option<Value>,
    /// The value kept (`None`: the user deleted it).
    pub kept: Option<Value>,
    /// The values are a Secret's and were replaced by a mask.
    pub masked: bool,
}

impl Override {
    /// The dotted path, `spec.template.spec.containers[name=main].image`.
    pub fn path_text(&self) -> String {
        if self.path.is_empty() {
            "(whole document)".into()
        } else {
            PathDisplay(&self.path).to_string()
        }
    }
}

/// A successful structural merge.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged file.
    pub text: String,
    /// Where the user's value won over a vendor change.
    pub overrides: Vec<Override>,
    /// Vendor changes taken into the user's file (values replaced, keys,
    /// list items and documents added or removed).
    pub vendor_changes: usize,
    /// Documents without an identity, in a file of several, were paired by
    /// their position (weaker evidence than an identity).
    pub paired_by_position: bool,
}

/// Why a file was not merged structurally.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotMerged {
    #[error("the {side} version does not parse as YAML ({line}:{col}: {msg})")]
    Parse {
        side: Side,
        line: usize,
        col: usize,
        msg: String,
    },
    #[error("the {side} version uses {what}")]
    Unsupported { side: Side, what: &'static str },
    #[error("the {side} version has two documents {identity}")]
    AmbiguousIdentity { side: Side, identity: String },
    #[error(
        "documents without apiVersion/kind/name differ in number ({base}, {vendor}, {user}); cannot pair them"
    )]
    Positional {
        base: usize,
        vendor: usize,
        user: usize,
    },
    #[error("both sides changed {0} as a whole")]
    WholeDocument(String),
    #[error("the merge cannot be written losslessly ({0})")]
    Unwritable(String),
}

/// A document's identity: apiVersion, kind, namespace, name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.api_version, self.kind)?;
        if !self.namespace.is_empty() {
            write!(f, "{}/", self.namespace)?;
        }
        f.write_str(&self.name)
    }
}

fn identity_of(root: &Node) -> Option<Identity> {
    let kind = root.str_at(&["kind"])?;
    let name = root.str_at(&["metadata", "name"])?;
    Some(Identity {
        api_version: root.str_at(&["apiVersion"]).unwrap_or_default().to_string(),
        kind: kind.to_string(),
        namespace: root
            .str_at(&["metadata", "namespace"])
            .unwrap_or_default()
            .to_string(),
        name: name.to_string(),
    })
}

/// Whether a file is a kustomization, by name or by kind.
fn is_kustomization(path: &str, roots: &[&Node]) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    matches!(
        base,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    ) || roots.iter().any(|r| {
        matches!(r.str_at(&["kind"]), Some("Kustomization" | "Component"))
            && r.str_at(&["apiVersion"])
                .is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"))
    })
}

/// Anchors, aliases or tags anywhere in the text (the merge works on the
/// written tree, where an alias and its anchor would part ways).
fn uses_anchors_or_tags(text: &str) -> Option<&'static str> {
    use saphyr_parser::{Event, Parser};
    let mut p = Parser::new_from_str(text);
    while let Some(Ok((ev, _))) = p.next_event() {
        match ev {
            Event::Alias(_) => return Some("aliases (*name)"),
            Event::Scalar(_, _, a, t) | Event::MappingStart(a, t) | Event::SequenceStart(a, t) => {
                if a != 0 {
                    return Some("anchors (&name)");
                }
                if t.is_some() {
                    return Some("tags (!tag)");
                }
            }
            _ => {}
        }
    }
    None
}

/// One side, parsed, with its documents' roots.
struct Parsed {
    src: Source,
}

fn parse_side(text: &str, side: Side) -> Result<Parsed, NotMerged> {
    if let Some(what) = uses_anchors_or_tags(text) {
        return Err(NotMerged::Unsupported { side, what });
    }
    // The value parser finds what the lossless tree does not: duplicate
    // keys, merge keys.
    crate::yaml::parse_documents(text).map_err(|e| NotMerged::Parse {
        side,
        line: e.line,
        col: e.col,
        msg: e.msg,
    })?;
    let src = Source::parse(text).map_err(|e| NotMerged::Parse {
        side,
        line: e.line,
        col: e.col,
        msg: e.msg,
    })?;
    Ok(Parsed { src })
}

/// The non-empty documents of a side, with identities; an identity given
/// twice is ambiguous.
fn documents(p: &Parsed, side: Side) -> Result<Vec<(Option<Identity>, &Node)>, NotMerged> {
    let mut out: Vec<(Option<Identity>, &Node)> = Vec::new();
    for n in p.src.docs.iter().flatten() {
        if matches!(&n.kind, Kind::Scalar { value, .. } if value.is_empty() || value == "~" || value == "null")
        {
            continue;
        }
        let id = identity_of(n);
        if let Some(i) = &id {
            if out.iter().any(|(o, _)| o.as_ref() == Some(i)) {
                return Err(NotMerged::AmbiguousIdentity {
                    side,
                    identity: format!("named {i}"),
                });
            }
        }
        out.push((id, n));
    }
    Ok(out)
}

/// Merges one file three ways. `path` (repository-relative) tells a
/// kustomization by its name.
pub fn merge(path: &str, base: &str, vendor: &str, user: &str) -> Result<Merged, NotMerged> {
    let b = parse_side(base, Side::Base)?;
    let v = parse_side(vendor, Side::Vendor)?;
    let u = parse_side(user, Side::User)?;
    let bd = documents(&b, Side::Base)?;
    let vd = documents(&v, Side::Vendor)?;
    let ud = documents(&u, Side::User)?;
    let anon = |d: &[(Option<Identity>, &Node)]| d.iter().filter(|(i, _)| i.is_none()).count();
    let (ba, va, ua) = (anon(&bd), anon(&vd), anon(&ud));
    if !(ba == va && va == ua) && (ba + va + ua) > 0 {
        return Err(NotMerged::Positional {
            base: ba,
            vendor: va,
            user: ua,
        });
    }
    let roots: Vec<&Node> = bd.iter().chain(&vd).chain(&ud).map(|(_, n)| *n).collect();
    let kustomization = is_kustomization(path, &roots);
    let several = bd.len().max(vd.len()).max(ud.len()) > 1;
    let mut cx = tree::Cx::new(&b.src, &v.src, &u.src, kustomization);
    let merged_values = cx.merge_stream(&bd, &vd, &ud, several)?;
    if let Some(why) = cx.failed.take() {
        return Err(NotMerged::Unwritable(why));
    }
    let out = apply_splices(&u.src.text, &cx.splices).map_err(NotMerged::Unwritable)?;
    verify(&out, &merged_values)?;
    Ok(Merged {
        text: out,
        overrides: cx.overrides,
        vendor_changes: cx.vendor_changes,
        paired_by_position: several && ba + va + ua > 0,
    })
}

/// The merged text must parse and hold exactly the merged values.
fn verify(out: &str, expected: &[Value]) -> Result<(), NotMerged> {
    let p = parse_side(out, Side::User)
        .map_err(|e| NotMerged::Unwritable(format!("the merged text does not parse: {e}")))?;
    let got: Vec<Value> = documents(&p, Side::User)
        .map_err(|e| NotMerged::Unwritable(e.to_string()))?
        .iter()
        .map(|(_, n)| node_value(n))
        .collect();
    if got != expected {
        return Err(NotMerged::Unwritable(
            "the spliced text does not read back as the merged values".into(),
        ));
    }
    Ok(())
}

/// The values of every non-empty document of a YAML text, as the merge
/// compares them (for tests and tools).
pub fn document_values(text: &str) -> Result<Vec<Value>, NotMerged> {
    let p = parse_side(text, Side::User)?;
    Ok(documents(&p, Side::User)?
        .iter()
        .map(|(_, n)| node_value(n))
        .collect())
}

#[cfg(test)]
mod tests;
