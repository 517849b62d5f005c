//! The `kustomization.yaml` model, with the legacy field names folded into
//! the current ones (`bases` into `resources`, `patchesStrategicMerge` and
//! `patchesJson6902` kept apart because they run at their own steps).

use indexmap::IndexMap;

use crate::resource::Behavior;
use crate::yaml::{Mapping, Value};

/// A field of the kustomization that is not what it should be.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FieldError(pub String);

type R<T> = Result<T, FieldError>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kustomization {
    /// `Kustomization` or `Component`.
    pub kind: String,
    pub resources: Vec<String>,
    pub components: Vec<String>,
    pub crds: Vec<String>,
    pub configurations: Vec<String>,
    pub namespace: Option<String>,
    pub name_prefix: String,
    pub name_suffix: String,
    pub common_labels: IndexMap<String, String>,
    pub labels: Vec<LabelSpec>,
    pub common_annotations: IndexMap<String, String>,
    pub images: Vec<ImageSpec>,
    pub replicas: Vec<ReplicaSpec>,
    pub patches_strategic_merge: Vec<String>,
    pub patches_json6902: Vec<Patch>,
    pub patches: Vec<Patch>,
    pub config_map_generator: Vec<GeneratorArgs>,
    pub secret_generator: Vec<GeneratorArgs>,
    pub generator_options: GeneratorOptions,
    /// Raw replacement entries (inline, or `{path: file}`).
    pub replacements: Vec<Value>,
    /// Raw `vars` entries.
    pub vars: Vec<Value>,
    pub sort_options: Option<SortOptions>,
    /// `generators:` entries: built-in plugin configurations, inline or
    /// files (see `plugins`).
    pub generators: Vec<String>,
    /// `transformers:` entries, likewise.
    pub transformers: Vec<String>,
    /// `buildMetadata` options (only the root's count).
    pub build_metadata: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSpec {
    pub pairs: IndexMap<String, String>,
    pub include_selectors: bool,
    pub include_templates: bool,
    /// Extra field specs (`fields:`), raw.
    pub fields: Vec<Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageSpec {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub tag_suffix: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplicaSpec {
    pub name: String,
    pub count: i64,
}

/// Which resources a patch (or replacement) applies to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patch {
    /// A file relative to the kustomization directory.
    pub path: Option<String>,
    /// Inline patch text.
    pub patch: Option<String>,
    pub target: Option<Selector>,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneratorOptions {
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
    pub disable_name_suffix_hash: Option<bool>,
    pub immutable: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneratorArgs {
    pub name: String,
    pub namespace: Option<String>,
    pub behavior: Behavior,
    pub literals: Vec<String>,
    pub files: Vec<String>,
    pub envs: Vec<String>,
    pub options: GeneratorOptions,
    /// Secret `type` (empty: Opaque).
    pub secret_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortOptions {
    /// `legacy` or `fifo`.
    pub order: String,
    pub legacy_order_first: Vec<String>,
    pub legacy_order_last: Vec<String>,
}

/// Fields kustomize knows but gitops-upgrade does not run (plugins need
/// executables or containers).
const UNSUPPORTED: &[&str] = &[
    "validators",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
];

const KNOWN: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "crds",
    "configurations",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "replacements",
    "vars",
    "sortOptions",
    "openapi",
    "buildMetadata",
    "generators",
    "transformers",
];

impl Kustomization {
    /// Reads a parsed kustomization file.
    pub fn from_value(v: &Value) -> R<Kustomization> {
        if is_empty_kustomization(v) {
            return Err(FieldError("kustomization.yaml is empty".into()));
        }
        let m = match v {
            Value::Map(m) => m,
            other => {
                return Err(FieldError(format!(
                    "a kustomization must be a mapping, found {}",
                    other.type_phrase()
                )))
            }
        };
        if let Some(k) = m
            .keys()
            .find(|k| UNSUPPORTED.iter().any(|u| u.eq_ignore_ascii_case(k)))
        {
            return Err(FieldError(format!(
                "field '{k}' (kustomize plugins) is not supported by gitops-upgrade"
            )));
        }
        let m = &canonical_fields(m, "json: ", KNOWN)?;
        let mut k = Kustomization {
            kind: opt_str(m, "kind")?
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "Kustomization".into()),
            ..Default::default()
        };
        // kubectl's checks of the header: an empty kind is a Kustomization;
        // a non-empty apiVersion must be v1beta1 for a Kustomization and
        // v1alpha1 for a Component (an empty one is accepted for both).
        let api_version = opt_str(m, "apiVersion")?.unwrap_or_default();
        let want = match k.kind.as_str() {
            "Kustomization" => "kustomize.config.k8s.io/v1beta1",
            "Component" => "kustomize.config.k8s.io/v1alpha1",
            _ => {
                return Err(FieldError(
                    "kind should be Kustomization or Component".into(),
                ))
            }
        };
        if !api_version.is_empty() && api_version != want {
            return Err(FieldError(format!(
                "apiVersion for {} should be {want}, found '{api_version}'",
                k.kind
            )));
        }
        k.resources = str_list(m, "resources")?;
        k.resources.extend(str_list(m, "bases")?);
        k.components = str_list(m, "components")?;
        k.crds = str_list(m, "crds")?;
        k.configurations = str_list(m, "configurations")?;
        k.namespace = opt_str(m, "namespace")?;
        k.name_prefix = opt_str(m, "namePrefix")?.unwrap_or_default();
        k.name_suffix = opt_str(m, "nameSuffix")?.unwrap_or_default();
        k.common_labels = str_map(m.get("commonLabels"), "commonLabels")?;
        k.common_annotations = str_map(m.get("commonAnnotations"), "commonAnnotations")?;
        for (i, l) in seq(m, "labels")?.iter().enumerate() {
            let lm = &struct_map(
                l,
                &format!("labels[{i}]: "),
                &["pairs", "includeSelectors", "includeTemplates", "fields"],
            )?;
            k.labels.push(LabelSpec {
                pairs: str_map(lm.get("pairs"), "labels.pairs")?,
                include_selectors: opt_bool(lm, "includeSelectors")?.unwrap_or(false),
                include_templates: opt_bool(lm, "includeTemplates")?.unwrap_or(false),
                fields: lm
                    .get("fields")
                    .and_then(Value::as_seq)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
        for (i, im) in seq(m, "images")?.iter().enumerate() {
            let imm = &struct_map(
                im,
                &format!("images[{i}]: "),
                &["name", "newName", "newTag", "digest", "tagSuffix"],
            )?;
            k.images.push(ImageSpec {
                name: opt_str(imm, "name")?.unwrap_or_default(),
                new_name: opt_str(imm, "newName")?,
                new_tag: opt_str(imm, "newTag")?,
                digest: opt_str(imm, "digest")?,
                tag_suffix: opt_str(imm, "tagSuffix")?,
            });
        }
        for (i, r) in seq(m, "replicas")?.iter().enumerate() {
            let rm = &struct_map(r, &format!("replicas[{i}]: "), &["name", "count"])?;
            let count = match rm.get("count") {
                Some(v) if !v.is_null() => v
                    .as_i64()
                    .ok_or_else(|| FieldError(format!("replicas[{i}].count must be an integer")))?,
                // JSON decoding leaves a null count at zero (kubectl 1.37)
                _ => 0,
            };
            k.replicas.push(ReplicaSpec {
                name: opt_str(rm, "name")?.unwrap_or_default(),
                count,
            });
        }
        for (i, p) in seq(m, "patchesStrategicMerge")?.iter().enumerate() {
            match p {
                Value::Str(s) => k.patches_strategic_merge.push(s.clone()),
                _ => {
                    return Err(FieldError(format!(
                        "patchesStrategicMerge[{i}] must be a string (a file or an inline patch)"
                    )))
                }
            }
        }
        for (i, p) in seq(m, "patchesJson6902")?.iter().enumerate() {
            k.patches_json6902
                .push(patch(p, &format!("patchesJson6902[{i}]"))?);
        }
        for (i, p) in seq(m, "patches")?.iter().enumerate() {
            k.patches.push(patch(p, &format!("patches[{i}]"))?);
        }
        k.generator_options = match m.get("generatorOptions") {
            Some(v) => gen_options(v, "generatorOptions")?,
            None => GeneratorOptions::default(),
        };
        for (i, g) in seq(m, "configMapGenerator")?.iter().enumerate() {
            k.config_map_generator
                .push(generator(g, &format!("configMapGenerator[{i}]"))?);
        }
        for (i, g) in seq(m, "secretGenerator")?.iter().enumerate() {
            k.secret_generator
                .push(generator(g, &format!("secretGenerator[{i}]"))?);
        }
        k.build_metadata = str_list(m, "buildMetadata")?;
        k.generators = str_list(m, "generators")?;
        k.transformers = str_list(m, "transformers")?;
        k.replacements = seq(m, "replacements")?.clone();
        k.vars = seq(m, "vars")?.clone();
        // kubectl: `sortOptions` and `legacySortOptions` set to null are
        // absent; `order` is required (one of legacy, fifo, case as is), and
        // `legacySortOptions` only goes with `legacy`.
        if let Some(so) = m.get("sortOptions").filter(|v| !v.is_null()) {
            let som = &struct_map(so, "sortOptions: ", &["order", "legacySortOptions"])?;
            let order = opt_str(som, "order")?.unwrap_or_default();
            if order != "legacy" && order != "fifo" {
                return Err(FieldError(format!(
                    "the field 'sortOptions.order' must be one of [fifo, legacy], found '{order}'"
                )));
            }
            if order == "fifo" && som.get("legacySortOptions").is_some_and(|v| !v.is_null()) {
                return Err(FieldError(
                    "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'".into(),
                ));
            }
            let mut s = SortOptions {
                order,
                ..Default::default()
            };
            if let Some(lso) = som.get("legacySortOptions").filter(|v| !v.is_null()) {
                let lm = &struct_map(
                    lso,
                    "sortOptions.legacySortOptions: ",
                    &["orderFirst", "orderLast"],
                )?;
                s.legacy_order_first = str_list(lm, "orderFirst")?;
                s.legacy_order_last = str_list(lm, "orderLast")?;
            }
            k.sort_options = Some(s);
        }
        Ok(k)
    }
}

/// kubectl refuses a kustomization that decodes to nothing at all
/// (`kustomization.yaml is empty`): no field set but `apiVersion`/`kind`,
/// where null, "", false and 0 count as not set, but an empty list or map
/// does not (`resources: []` and `metadata: {}` are fine). Checked
/// against kubectl 1.37.
fn is_empty_kustomization(v: &Value) -> bool {
    fn zero(v: &Value) -> bool {
        match v {
            Value::Null | Value::Bool(false) | Value::Int(0) => true,
            Value::Str(s) => s.is_empty(),
            Value::Float(f) => *f == 0.0,
            _ => false,
        }
    }
    match v {
        Value::Null => true,
        Value::Map(m) => m.iter().all(|(k, v)| match k.as_str() {
            "apiVersion" | "kind" => true,
            _ => zero(v),
        }),
        _ => false,
    }
}

static EMPTY: Vec<Value> = Vec::new();

fn seq<'a>(m: &'a Mapping, key: &str) -> R<&'a Vec<Value>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(&EMPTY),
        Some(Value::Seq(s)) => Ok(s),
        Some(other) => Err(FieldError(format!(
            "the field '{key}' must be a list, found {}",
            other.type_phrase()
        ))),
    }
}

fn as_map<'a>(v: &'a Value, what: &str) -> R<&'a Mapping> {
    v.as_map().ok_or_else(|| {
        FieldError(format!(
            "{what} must be a mapping, found {}",
            v.type_phrase()
        ))
    })
}

/// Strings only: kustomize decodes the kustomization strictly, so `1.2`
/// where a string is expected is an error, not "1.2".
fn scalar_text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// Reads a nested entry as kustomize's JSON decoding does: field names
/// match case-insensitively (an exact match first), and a field the entry
/// does not have is an error.
fn struct_map(v: &Value, what: &str, fields: &[&str]) -> R<Mapping> {
    let m = as_map(v, what)?;
    canonical_fields(m, what, fields)
}

fn canonical_fields(m: &Mapping, what: &str, fields: &[&str]) -> R<Mapping> {
    let mut out = Mapping::new();
    for (k, v) in m {
        let canon = if fields.contains(&k.as_str()) {
            k.as_str()
        } else {
            match fields.iter().find(|f| f.eq_ignore_ascii_case(k)) {
                Some(f) => f,
                None => {
                    return Err(FieldError(format!(
                        "invalid Kustomization: {what}unknown field \"{k}\""
                    )))
                }
            }
        };
        out.insert(canon.to_string(), v.clone());
    }
    Ok(out)
}

fn opt_str(m: &Mapping, key: &str) -> R<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => scalar_text(v).map(Some).ok_or_else(|| {
            FieldError(format!(
                "invalid Kustomization: the field '{key}' must be a string, found {}",
                v.type_phrase()
            ))
        }),
    }
}

fn opt_bool(m: &Mapping, key: &str) -> R<Option<bool>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(FieldError(format!(
            "the field '{key}' must be true or false"
        ))),
    }
}

fn str_list(m: &Mapping, key: &str) -> R<Vec<String>> {
    seq(m, key)?
        .iter()
        .map(|v| {
            scalar_text(v)
                .ok_or_else(|| FieldError(format!("the field '{key}' must be a list of strings")))
        })
        .collect()
}

fn str_map(v: Option<&Value>, what: &str) -> R<IndexMap<String, String>> {
    match v {
        None | Some(Value::Null) => Ok(IndexMap::new()),
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::Null => String::new(),
                    other => scalar_text(other).ok_or_else(|| {
                        FieldError(format!(
                            "invalid Kustomization: {what}.{k} must be a string, found {} (quote it)",
                            other.type_phrase()
                        ))
                    })?,
                };
                Ok((k.clone(), s))
            })
            .collect(),
        Some(other) => Err(FieldError(format!(
            "{what} must be a mapping, found {}",
            other.type_phrase()
        ))),
    }
}

fn selector(v: &Value, what: &str) -> R<Selector> {
    let m = &struct_map(
        v,
        &format!("{what}: "),
        &[
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ],
    )?;
    Ok(Selector {
        group: opt_str(m, "group")?,
        version: opt_str(m, "version")?,
        kind: opt_str(m, "kind")?,
        name: opt_str(m, "name")?,
        namespace: opt_str(m, "namespace")?,
        label_selector: opt_str(m, "labelSelector")?,
        annotation_selector: opt_str(m, "annotationSelector")?,
    })
}

fn patch(v: &Value, what: &str) -> R<Patch> {
    let m = &struct_map(
        v,
        &format!("{what}: "),
        &["path", "patch", "target", "options"],
    )?;
    let mut p = Patch {
        path: opt_str(m, "path")?,
        patch: opt_str(m, "patch")?,
        target: match m.get("target") {
            Some(t) if !t.is_null() => Some(selector(t, &format!("{what}.target"))?),
            _ => None,
        },
        ..Default::default()
    };
    if let Some(o) = m.get("options") {
        let om = &struct_map(
            o,
            &format!("{what}.options: "),
            &["allowNameChange", "allowKindChange"],
        )?;
        p.allow_name_change = opt_bool(om, "allowNameChange")?.unwrap_or(false);
        p.allow_kind_change = opt_bool(om, "allowKindChange")?.unwrap_or(false);
    }
    Ok(p)
}

fn gen_options(v: &Value, what: &str) -> R<GeneratorOptions> {
    let m = &struct_map(
        v,
        &format!("{what}: "),
        &[
            "labels",
            "annotations",
            "disableNameSuffixHash",
            "immutable",
        ],
    )?;
    Ok(GeneratorOptions {
        labels: str_map(m.get("labels"), &format!("{what}.labels"))?,
        annotations: str_map(m.get("annotations"), &format!("{what}.annotations"))?,
        disable_name_suffix_hash: opt_bool(m, "disableNameSuffixHash")?,
        immutable: opt_bool(m, "immutable")?,
    })
}

fn generator(v: &Value, what: &str) -> R<GeneratorArgs> {
    let m = &struct_map(
        v,
        &format!("{what}: "),
        &[
            "name",
            "namespace",
            "behavior",
            "literals",
            "files",
            "envs",
            "env",
            "options",
            "type",
            "kvSources",
        ],
    )?;
    let behavior = match opt_str(m, "behavior")?.as_deref() {
        None | Some("") | Some("create") => Behavior::Create,
        Some("merge") => Behavior::Merge,
        Some("replace") => Behavior::Replace,
        // kustomize reads any other value (`Merge`, `bogus`) as
        // "unspecified", which generates like `create` (and fails like it
        // when the name already exists): checked against kubectl.
        Some(_) => Behavior::Create,
    };
    let mut envs = str_list(m, "envs")?;
    if let Some(e) = opt_str(m, "env")? {
        envs.insert(0, e);
    }
    Ok(GeneratorArgs {
        name: opt_str(m, "name")?.unwrap_or_default(),
        namespace: opt_str(m, "namespace")?,
        behavior,
        literals: str_list(m, "literals")?,
        files: str_list(m, "files")?,
        envs,
        options: match m.get("options") {
            Some(o) if !o.is_null() => gen_options(o, &format!("{what}.options"))?,
            _ => GeneratorOptions::default(),
        },
        secret_type: opt_str(m, "type")?,
    })
}
