//! Differential fuzzer: random but valid kustomization trees rendered by
//! `gitops-upgrade render` and by the real `kubectl kustomize`; a tree on
//! which they differ (exit status, or the bytes printed when both succeed)
//! is shrunk to a small reproduction, printed and written under
//! `target/fuzz-differential/`.
//!
//! The generator is deterministic (xorshift, seeded): the same seed makes
//! the same trees. A tree is a base (Deployments, Services, ConfigMaps,
//! Secrets, a custom resource with `configurations:` for its reference to
//! a ConfigMap, ServiceAccounts, RBAC, Ingress, HPA, StatefulSet, CronJob,
//! PodDisruptionBudget; odd scalars, nulls written three ways, block
//! scalars of every chomping), an optional component, and one or two
//! overlays, each level with random transformations: name prefixes and
//! suffixes, namespaces, commonLabels, labels (with and without selectors
//! and templates), commonAnnotations, images, replicas, ConfigMap and
//! Secret generators (create, merge, replace; literals, files, envs,
//! options, Secret types) and generatorOptions, strategic-merge patches
//! (inline, files, `patchesStrategicMerge`, target selectors by label,
//! annotation, name regex or kind, aimed at original names after renames,
//! with `null` deletions, `$patch` directives, list items without their
//! merge key), JSON 6902 patches (add, replace of present and missing
//! keys, remove), replacements (regular expressions in the target
//! selectors; delimiter, index and create options) and vars; the top
//! kustomization sometimes has `sortOptions`.
//!
//! The CI slice runs `FUZZ_CASES` trees (default 40) from `FUZZ_SEED`
//! (default 1) and must find no difference:
//!
//! ```text
//! cargo test --release --test fuzz_differential            # CI slice
//! FUZZ_CASES=2000 FUZZ_SEED=7 cargo test --release --test fuzz_differential -- --nocapture
//! ```

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{kubectl, run_with_timeout, unified_diff};

const LIMIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------
// Deterministic randomness.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

// ---------------------------------------------------------------------
// The tree model (what shrinking works on).

/// Scalars as YAML text, chosen for how differently YAML 1.1, YAML 1.2 and
/// kustomize's JSON round trip read them.
const ODD_SCALARS: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "true",
    "\"true\"",
    "0x1F",
    "'0x1F'",
    "012",
    "0o17",
    "1e3",
    "\"1e3\"",
    ".5",
    "1_000",
    "+1",
    "-0",
    "1.0",
    "3.14159",
    "12345678901234567890",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "~",
    "null",
    "\"\"",
    "''",
    "\"a: b\"",
    "'#not a comment'",
    "\"x\\ty\"",
    "ünïcødé",
    "\"line1\\nline2\"",
    "'it''s'",
    "plain text with spaces",
    "\"  padded  \"",
    "=",
    "\"@at\"",
    "'*star'",
    "0",
    "-1",
    "Y",
    "NO",
];

/// Strings safe as label values (kustomize requires strings there).
const LABEL_VALUES: &[&str] = &[
    "v1", "\"1\"", "\"true\"", "\"yes\"", "blue", "\"0x1F\"", "a-b_c.d", "\"\"", "\"012\"",
];

#[derive(Clone, Debug)]
enum Null {
    Word,
    Tilde,
    Empty,
}

impl Null {
    fn text(&self) -> &'static str {
        match self {
            Null::Word => " null",
            Null::Tilde => " ~",
            Null::Empty => "",
        }
    }
}

/// An optional part of a resource (the unit shrinking removes).
#[derive(Clone, Debug)]
enum Extra {
    /// `data`/`spec` entry with an odd scalar.
    Scalar(String, String),
    /// A block scalar: key, indicator, lines, blank lines after it.
    Block(String, String, Vec<String>, usize),
    /// A null written one of three ways.
    NullField(String, Null),
    /// `affinity: {nodeAffinity: {a: null, b: null}}` (Deployments).
    NullAffinity(Null),
    /// An env entry (Deployments): name, value.
    Env(String, String),
    /// envFrom configMapRef to a ConfigMap name (Deployments).
    EnvFrom(String),
    /// A configMap volume (Deployments).
    Volume(String),
    /// container args with a var reference (Deployments).
    VarArg(String),
    /// An annotation with an odd (quoted) value.
    Annotation(String, String),
}

#[derive(Clone, Debug)]
struct Res {
    kind: &'static str,
    name: String,
    image: String,
    /// The name of what the resource refers to (a RoleBinding's Role, an
    /// Ingress's Service, a Deployment's ServiceAccount...; "" for none).
    link: String,
    extras: Vec<Extra>,
}

/// How a patch picks its targets besides kind and name.
#[derive(Clone, Debug, Copy, PartialEq)]
enum Sel {
    /// `labelSelector: app=demo`
    Label,
    /// `annotationSelector` on an annotation some resources have
    Annotation,
    /// a regular expression on the name (`web.*`)
    NameRegex,
    /// the kind alone
    KindOnly,
}

/// `sortOptions` of the top kustomization.
#[derive(Clone, Debug)]
enum SortOpt {
    Fifo,
    /// legacy order with `orderFirst`/`orderLast` lists
    Legacy,
}

#[derive(Clone, Debug)]
enum Op {
    NamePrefix(String),
    NameSuffix(String),
    Namespace(String),
    CommonLabel(String, String),
    Labels {
        key: String,
        value: String,
        selectors: bool,
        templates: bool,
    },
    CommonAnnotation(String, String),
    Image {
        name: String,
        new_name: Option<String>,
        new_tag: Option<String>,
        digest: bool,
    },
    Replicas(String, i64),
    ConfigMapGen {
        name: String,
        behavior: &'static str,
        literals: Vec<(String, String)>,
        no_hash: bool,
        /// `files:` entries (key, content), written next to the kustomization
        files: Vec<(String, String)>,
        /// an `envs:` file's lines
        env: Vec<(String, String)>,
        /// `options:` labels, annotations, `immutable`
        opt_labels: bool,
        immutable: bool,
    },
    SecretGen {
        name: String,
        literals: Vec<(String, String)>,
        /// `type:` (None: Opaque by default)
        secret_type: Option<&'static str>,
    },
    /// `generatorOptions` of the level.
    GeneratorOptions {
        labels: bool,
        annotations: bool,
        no_hash: bool,
    },
    /// A replacement with `options` (delimiter, index) from a ConfigMap's
    /// `data.src` into a Deployment container's image tag, or from part of
    /// the source into an annotation.
    ReplacementOpts {
        source_cm: String,
        into_image: bool,
        index: i64,
    },
    /// A strategic-merge patch: target (kind, name), body, how it is given.
    Smp {
        kind: &'static str,
        name: String,
        body: SmpBody,
        how: PatchHow,
    },
    Json {
        kind: &'static str,
        name: String,
        ops: Vec<JsonOp>,
        inline: bool,
        sel: Option<Sel>,
    },
    Replacement {
        source_cm: String,
        key: String,
        target_kind_re: String,
        target_field: String,
        reject_name: Option<String>,
    },
    Var {
        name: String,
        svc: String,
    },
}

#[derive(Clone, Debug, Copy, PartialEq)]
enum PatchHow {
    Inline,
    InlineWithTarget,
    File,
    FileTrailingBlankLines,
    StrategicMergeList,
    /// inline with a target selector (kind plus the selector)
    Selector(Sel),
}

#[derive(Clone, Debug)]
enum SmpBody {
    Replicas(i64),
    Label(String, String),
    AnnotationBlock(String, Vec<String>),
    AddEnv(String, String),
    EnvWithoutName(String),
    DeleteWithNull(String),
    AddContainer(String),
    DeleteContainerDirective,
    ReplaceDataDirective(String, String),
    Data(String, String),
    CustomSpec(String, String),
}

#[derive(Clone, Debug)]
enum JsonOp {
    AddLabel(String, String),
    ReplaceMissingKey(String, String),
    ReplaceReplicas(i64),
    RemoveLabelApp,
    AddEnv(String, String),
    AddAnnotation(String, String),
}

#[derive(Clone, Debug, Default)]
struct Level {
    ops: Vec<Op>,
}

#[derive(Clone, Debug)]
struct Spec {
    resources: Vec<Res>,
    base: Level,
    component: Option<Level>,
    overlays: Vec<Level>,
    sort: Option<SortOpt>,
    /// the base's `configurations:` teach kustomize the Widget's reference
    /// to a ConfigMap (`spec.configRef`)
    widget_conf: bool,
}

// ---------------------------------------------------------------------
// Generation.

fn gen_res(rng: &mut Rng, kind: &'static str, i: usize, cm_names: &[String]) -> Res {
    let name = match kind {
        "Deployment" => format!("web{i}"),
        "Service" => format!("svc{i}"),
        "ConfigMap" => format!("cm{i}"),
        "Secret" => format!("sec{i}"),
        "ServiceAccount" => format!("sa{i}"),
        "Role" => format!("role{i}"),
        "RoleBinding" => format!("rb{i}"),
        "ClusterRole" => format!("cr{i}"),
        "ClusterRoleBinding" => format!("crb{i}"),
        "Ingress" => format!("ing{i}"),
        "HorizontalPodAutoscaler" => format!("hpa{i}"),
        "StatefulSet" => format!("db{i}"),
        "CronJob" => format!("job{i}"),
        "PodDisruptionBudget" => format!("pdb{i}"),
        _ => format!("widget{i}"),
    };
    let image = rng
        .pick(&[
            "nginx",
            "nginx:1.25",
            "registry.example.com/team/app:v1",
            "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ])
        .to_string();
    let mut extras = Vec::new();
    for _ in 0..rng.below(5) {
        let e = match (kind, rng.below(9)) {
            ("Deployment", 0) => Extra::NullAffinity(rand_null(rng)),
            ("Deployment", 1) => Extra::Env(
                format!("E{}", rng.below(4)),
                rng.pick(ODD_SCALARS).to_string(),
            ),
            ("Deployment", 2) if !cm_names.is_empty() => Extra::EnvFrom(rng.pick(cm_names).clone()),
            ("Deployment", 3) if !cm_names.is_empty() => Extra::Volume(rng.pick(cm_names).clone()),
            ("Deployment", 4) => Extra::VarArg(format!("SVC{}", rng.below(2))),
            (_, 5) => Extra::Annotation(
                format!("note{}", rng.below(3)),
                rng.pick(LABEL_VALUES).to_string(),
            ),
            (_, 6) => Extra::NullField(format!("nul{}", rng.below(3)), rand_null(rng)),
            (_, 7) => Extra::Block(
                format!("text{}", rng.below(3)),
                rng.pick(&["|", "|-", "|+", ">", ">-"]).to_string(),
                (0..1 + rng.below(3))
                    .map(|j| format!("line {j}: {}", rng.pick(&["a", "b  c", "#x", "- y"])))
                    .collect(),
                rng.below(3),
            ),
            _ => Extra::Scalar(
                format!("k{}", rng.below(5)),
                rng.pick(ODD_SCALARS).to_string(),
            ),
        };
        extras.push(e);
    }
    Res {
        kind,
        name,
        image,
        link: String::new(),
        extras,
    }
}

fn rand_sel(rng: &mut Rng) -> Sel {
    *rng.pick(&[Sel::Label, Sel::Annotation, Sel::NameRegex, Sel::KindOnly])
}

fn rand_null(rng: &mut Rng) -> Null {
    match rng.below(3) {
        0 => Null::Word,
        1 => Null::Tilde,
        _ => Null::Empty,
    }
}

fn lit(rng: &mut Rng) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let k = format!("key{}", rng.below(4));
        if out.iter().any(|(x, _)| *x == k) {
            continue;
        }
        let v = rng.pick(&["v", "1", "true", "x=y", "a b", "0x1F", "", "ünï"]);
        out.push((k, v.to_string()));
    }
    out
}

fn gen_op(rng: &mut Rng, res: &[Res], level: usize, gens: &mut Vec<String>) -> Op {
    let of_kind = |k: &str| -> Vec<String> {
        res.iter()
            .filter(|r| r.kind == k)
            .map(|r| r.name.clone())
            .collect()
    };
    let deps = of_kind("Deployment");
    let cms = of_kind("ConfigMap");
    let svcs = of_kind("Service");
    loop {
        let op = match rng.below(18) {
            0 => Op::NamePrefix(format!("{}-", rng.pick(&["p", "pre", "a1"]))),
            1 => Op::NameSuffix(format!("-{}", rng.pick(&["s", "suf", "v2"]))),
            2 => Op::Namespace(rng.pick(&["ns1", "team-a", "default"]).to_string()),
            3 => Op::CommonLabel(
                format!("lab{}", rng.below(3)),
                rng.pick(LABEL_VALUES).to_string(),
            ),
            4 => Op::Labels {
                key: format!("l{}", rng.below(3)),
                value: rng.pick(LABEL_VALUES).to_string(),
                selectors: rng.chance(40),
                templates: rng.chance(50),
            },
            5 => Op::CommonAnnotation(
                format!("ann{}", rng.below(3)),
                rng.pick(ODD_SCALARS)
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string(),
            ),
            6 => Op::Image {
                name: rng
                    .pick(&["nginx", "busybox", "registry.example.com/team/app"])
                    .to_string(),
                new_name: rng
                    .chance(50)
                    .then(|| "mirror.example.com/lib/x".to_string()),
                new_tag: rng
                    .chance(60)
                    .then(|| rng.pick(&["\"2.0\"", "\"1\"", "latest"]).to_string()),
                digest: rng.chance(15),
            },
            7 if !deps.is_empty() => Op::Replicas(rng.pick(&deps).clone(), rng.below(5) as i64),
            8 => {
                let existing = !gens.is_empty() && level > 0 && rng.chance(60);
                let (name, behavior) = if existing {
                    (rng.pick(gens).clone(), *rng.pick(&["merge", "replace"]))
                } else {
                    let n = format!("gen{}", rng.below(3));
                    if gens.contains(&n) {
                        continue;
                    }
                    gens.push(n.clone());
                    (n, "create")
                };
                let mut literals = lit(rng);
                let mut files = Vec::new();
                if rng.chance(30) {
                    let k = format!("file{}.conf", rng.below(2));
                    literals.retain(|(x, _)| *x != k);
                    let body = rng.pick(&["a=b\n", "multi\nline\n", "no final newline", "x: 1\n"]);
                    files.push((k, body.to_string()));
                }
                let mut env = Vec::new();
                if rng.chance(25) {
                    for (a, b) in lit(rng) {
                        if !literals.iter().any(|(x, _)| *x == a)
                            && !files.iter().any(|(x, _)| *x == a)
                        {
                            env.push((a, b));
                        }
                    }
                }
                Op::ConfigMapGen {
                    name,
                    behavior,
                    literals,
                    no_hash: rng.chance(20),
                    files,
                    env,
                    opt_labels: rng.chance(20),
                    immutable: rng.chance(10),
                }
            }
            9 => {
                let secret_type = *rng.pick(&[
                    None,
                    None,
                    Some("Opaque"),
                    Some("kubernetes.io/tls"),
                    Some("example.com/custom"),
                ]);
                let literals = if secret_type == Some("kubernetes.io/tls") {
                    vec![
                        ("tls.crt".to_string(), "CERT".to_string()),
                        ("tls.key".to_string(), "KEY".to_string()),
                    ]
                } else {
                    lit(rng)
                };
                Op::SecretGen {
                    name: format!("sgen{}", level),
                    literals,
                    secret_type,
                }
            }
            16 => Op::GeneratorOptions {
                labels: rng.chance(60),
                annotations: rng.chance(40),
                no_hash: rng.chance(25),
            },
            17 if !cms.is_empty() => {
                let into_image = rng.chance(60);
                Op::ReplacementOpts {
                    source_cm: rng.pick(&cms).clone(),
                    into_image,
                    // a source index must fall inside `from-configmap`
                    index: if into_image {
                        *rng.pick(&[0, 1, 3])
                    } else {
                        *rng.pick(&[0, 1])
                    },
                }
            }
            10..=12 if !res.is_empty() => {
                let r = rng.pick(res).clone();
                let body = match (r.kind, rng.below(7)) {
                    ("Deployment", 0) => SmpBody::Replicas(rng.below(4) as i64),
                    ("Deployment", 1) => SmpBody::AddEnv(
                        format!("E{}", rng.below(4)),
                        rng.pick(ODD_SCALARS).to_string(),
                    ),
                    ("Deployment", 2) => SmpBody::EnvWithoutName(rng.pick(ODD_SCALARS).to_string()),
                    ("Deployment", 3) => SmpBody::AddContainer(format!("side{}", rng.below(2))),
                    ("Deployment", 4) if rng.chance(30) => SmpBody::DeleteContainerDirective,
                    ("ConfigMap", 0) => SmpBody::ReplaceDataDirective(
                        format!("k{}", rng.below(3)),
                        rng.pick(ODD_SCALARS).to_string(),
                    ),
                    ("ConfigMap", 1 | 2) => SmpBody::Data(
                        format!("k{}", rng.below(5)),
                        rng.pick(ODD_SCALARS).to_string(),
                    ),
                    ("Widget", 0 | 1) => SmpBody::CustomSpec(
                        format!("k{}", rng.below(5)),
                        rng.pick(ODD_SCALARS).to_string(),
                    ),
                    (_, 5) => SmpBody::DeleteWithNull(format!("k{}", rng.below(5))),
                    (_, 6) => SmpBody::AnnotationBlock(
                        format!("blk{}", rng.below(2)),
                        (0..1 + rng.below(2)).map(|j| format!("row {j}")).collect(),
                    ),
                    _ => SmpBody::Label(
                        format!("pl{}", rng.below(2)),
                        rng.pick(LABEL_VALUES).to_string(),
                    ),
                };
                let sel = rand_sel(rng);
                let how = *rng.pick(&[
                    PatchHow::Inline,
                    PatchHow::InlineWithTarget,
                    PatchHow::File,
                    PatchHow::FileTrailingBlankLines,
                    PatchHow::StrategicMergeList,
                    PatchHow::Selector(sel),
                ]);
                Op::Smp {
                    kind: r.kind,
                    name: r.name,
                    body,
                    how,
                }
            }
            13 if !res.is_empty() => {
                let r = rng.pick(res).clone();
                let mut ops = Vec::new();
                for _ in 0..1 + rng.below(2) {
                    ops.push(match (r.kind, rng.below(5)) {
                        ("Deployment", 0) => JsonOp::ReplaceReplicas(rng.below(4) as i64),
                        ("Deployment", 1) => JsonOp::AddEnv(
                            format!("J{}", rng.below(2)),
                            rng.pick(&["1", "x", "yes"]).to_string(),
                        ),
                        (_, 2) => JsonOp::ReplaceMissingKey(
                            format!("jm{}", rng.below(2)),
                            rng.pick(&["1", "x", "true"]).to_string(),
                        ),
                        (_, 3) => JsonOp::AddAnnotation(
                            format!("ja{}", rng.below(2)),
                            rng.pick(&["\"1\"", "x", "\"true\""]).to_string(),
                        ),
                        (_, 4) if rng.chance(30) => JsonOp::RemoveLabelApp,
                        _ => JsonOp::AddLabel(
                            format!("jl{}", rng.below(2)),
                            rng.pick(&["a", "\"2\""]).to_string(),
                        ),
                    });
                }
                Op::Json {
                    kind: r.kind,
                    name: r.name,
                    ops,
                    inline: rng.chance(50),
                    sel: rng.chance(35).then(|| rand_sel(rng)),
                }
            }
            14 if !cms.is_empty() => Op::Replacement {
                source_cm: rng.pick(&cms).clone(),
                key: "src".into(),
                target_kind_re: rng
                    .pick(&["Deployment", "Deploy.*", "Deployment|Service", ".*"])
                    .to_string(),
                target_field: rng
                    .pick(&["metadata.annotations.copied", "metadata.labels.copied"])
                    .to_string(),
                reject_name: rng.chance(30).then(|| "svc.*".to_string()),
            },
            15 if !svcs.is_empty() && level == 0 => Op::Var {
                name: format!("SVC{}", rng.below(2)),
                svc: rng.pick(&svcs).clone(),
            },
            _ => continue,
        };
        return op;
    }
}

fn gen_spec(rng: &mut Rng) -> Spec {
    let mut resources = Vec::new();
    let n_cm = 1 + rng.below(2);
    let cm_names: Vec<String> = (0..n_cm).map(|i| format!("cm{i}")).collect();
    for i in 0..n_cm {
        resources.push(gen_res(rng, "ConfigMap", i, &cm_names));
    }
    for i in 0..1 + rng.below(2) {
        resources.push(gen_res(rng, "Deployment", i, &cm_names));
    }
    for i in 0..rng.below(2) + 1 {
        resources.push(gen_res(rng, "Service", i, &cm_names));
    }
    if rng.chance(40) {
        resources.push(gen_res(rng, "Secret", 0, &cm_names));
    }
    if rng.chance(40) {
        let mut w = gen_res(rng, "Widget", 0, &cm_names);
        w.link = rng.pick(&cm_names).clone();
        resources.push(w);
    }
    // kinds whose references kustomize follows through renames and
    // namespaces
    let sa = rng.chance(40);
    if sa {
        resources.push(gen_res(rng, "ServiceAccount", 0, &cm_names));
        for r in resources.iter_mut().filter(|r| r.kind == "Deployment") {
            r.link = "sa0".into();
        }
    }
    let linked = |rng: &mut Rng, kind: &'static str, link: &str, resources: &mut Vec<Res>| {
        let mut r = gen_res(rng, kind, 0, &cm_names);
        r.link = link.to_string();
        resources.push(r);
    };
    if rng.chance(25) {
        linked(rng, "Role", &cm_names[0], &mut resources);
        linked(rng, "RoleBinding", "role0", &mut resources);
    }
    if rng.chance(20) {
        linked(rng, "ClusterRole", "", &mut resources);
        linked(rng, "ClusterRoleBinding", "cr0", &mut resources);
    }
    if rng.chance(25) {
        linked(rng, "Ingress", "svc0", &mut resources);
    }
    if rng.chance(20) {
        linked(rng, "HorizontalPodAutoscaler", "web0", &mut resources);
    }
    if rng.chance(20) {
        linked(rng, "StatefulSet", &cm_names[0], &mut resources);
    }
    if rng.chance(20) {
        linked(rng, "CronJob", &cm_names[0], &mut resources);
    }
    if rng.chance(10) {
        linked(rng, "PodDisruptionBudget", "", &mut resources);
    }
    let sort = match rng.below(10) {
        0 => Some(SortOpt::Fifo),
        1 => Some(SortOpt::Legacy),
        _ => None,
    };
    let widget_conf = resources.iter().any(|r| r.kind == "Widget") && rng.chance(50);
    let mut gens = Vec::new();
    let mut level = |rng: &mut Rng, depth: usize, max: usize| Level {
        ops: (0..rng.below(max + 1))
            .map(|_| gen_op(rng, &resources, depth, &mut gens))
            .collect(),
    };
    let base = level(rng, 0, 4);
    let component = rng.chance(30).then(|| level(rng, 1, 3));
    let overlays = (0..rng.below(3)).map(|i| level(rng, i + 1, 5)).collect();
    let mut spec = Spec {
        resources,
        base,
        component,
        overlays,
        sort,
        widget_conf,
    };
    dedupe_unique_ops(&mut spec);
    spec
}

/// Keeps one var of a name and one Secret generator per level (kustomize
/// refuses duplicates; that is not what the fuzzer looks for).
fn dedupe_unique_ops(spec: &mut Spec) {
    let mut vars: Vec<String> = Vec::new();
    let mut levels: Vec<&mut Level> = vec![&mut spec.base];
    if let Some(c) = spec.component.as_mut() {
        levels.push(c);
    }
    levels.extend(spec.overlays.iter_mut());
    for l in levels {
        let mut secret = false;
        let mut gen_opts = false;
        l.ops.retain(|op| match op {
            Op::Var { name, .. } => {
                if vars.contains(name) {
                    false
                } else {
                    vars.push(name.clone());
                    true
                }
            }
            Op::SecretGen { .. } => !std::mem::replace(&mut secret, true),
            Op::GeneratorOptions { .. } => !std::mem::replace(&mut gen_opts, true),
            _ => true,
        });
    }
}

// ---------------------------------------------------------------------
// Writing a spec as files.

fn api_version(kind: &str) -> &'static str {
    match kind {
        "Deployment" | "StatefulSet" => "apps/v1",
        "Widget" => "example.com/v1",
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => {
            "rbac.authorization.k8s.io/v1"
        }
        "Ingress" => "networking.k8s.io/v1",
        "HorizontalPodAutoscaler" => "autoscaling/v2",
        "CronJob" => "batch/v1",
        "PodDisruptionBudget" => "policy/v1",
        _ => "v1",
    }
}

/// The body of the kinds that only carry a reference (their extras are
/// annotations only).
fn linked_body(r: &Res) -> Option<String> {
    let l = &r.link;
    let pod = |indent: &str| {
        format!(
            "{indent}metadata:\n{indent}  labels:\n{indent}    app: demo\n{indent}spec:\n{indent}  containers:\n{indent}  - name: app\n{indent}    image: {}\n{indent}    envFrom:\n{indent}    - configMapRef:\n{indent}        name: {l}\n",
            r.image
        )
    };
    Some(match r.kind {
        "ServiceAccount" => String::new(),
        "Role" => format!("rules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  resourceNames: [{l}]\n  verbs: [get]\n"),
        "ClusterRole" => "rules:\n- apiGroups: [\"\"]\n  resources: [nodes]\n  verbs: [list]\n".to_string(),
        "RoleBinding" => format!("roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {l}\nsubjects:\n- kind: ServiceAccount\n  name: sa0\n"),
        "ClusterRoleBinding" => format!("roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {l}\nsubjects:\n- kind: ServiceAccount\n  name: sa0\n  namespace: default\n"),
        "Ingress" => format!("spec:\n  rules:\n  - host: example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: {l}\n            port:\n              number: 80\n"),
        "HorizontalPodAutoscaler" => format!("spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {l}\n  minReplicas: 1\n  maxReplicas: 3\n"),
        "StatefulSet" => format!(
            "spec:\n  serviceName: svc0\n  selector:\n    matchLabels:\n      app: demo\n  template:\n{}  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi\n",
            pod("    ")
        ),
        "CronJob" => format!(
            "spec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n{}",
            pod("        ")
        ),
        "PodDisruptionBudget" => "spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: demo\n".to_string(),
        _ => return None,
    })
}

fn block(out: &mut String, indent: usize, key: &str, ind: &str, lines: &[String], blanks: usize) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{key}: {ind}");
    for l in lines {
        let _ = writeln!(out, "{pad}  {l}");
    }
    for _ in 0..blanks {
        out.push('\n');
    }
}

fn render_res(r: &Res) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "apiVersion: {}", api_version(r.kind));
    let _ = writeln!(o, "kind: {}", r.kind);
    o.push_str("metadata:\n");
    let _ = writeln!(o, "  name: {}", r.name);
    o.push_str("  labels:\n    app: demo\n");
    let annotations: Vec<_> = r
        .extras
        .iter()
        .filter_map(|e| match e {
            Extra::Annotation(k, v) => Some((k, v)),
            _ => None,
        })
        .collect();
    if !annotations.is_empty() {
        o.push_str("  annotations:\n");
        let mut seen = Vec::new();
        for (k, v) in annotations {
            if !seen.contains(&k) {
                seen.push(k);
                let _ = writeln!(o, "    {k}: {v}");
            }
        }
    }
    // scalar-like extras go under `data` (ConfigMap, Secret via stringData)
    // or `spec` (the others); each key once
    let mut seen: Vec<&str> = Vec::new();
    let mut fields = String::new();
    for e in &r.extras {
        let key = match e {
            Extra::Scalar(k, _) | Extra::Block(k, ..) | Extra::NullField(k, _) => k.as_str(),
            _ => continue,
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        match e {
            Extra::Scalar(k, v) => {
                let _ = writeln!(fields, "  {k}: {v}");
            }
            Extra::Block(k, ind, lines, blanks) => block(&mut fields, 2, k, ind, lines, *blanks),
            Extra::NullField(k, n) => {
                let _ = writeln!(fields, "  {k}:{}", n.text());
            }
            _ => {}
        }
    }
    if let Some(body) = linked_body(r) {
        o.push_str(&body);
        return o;
    }
    match r.kind {
        "ConfigMap" => {
            o.push_str("data:\n  src: from-configmap\n");
            o.push_str(&fields);
        }
        "Secret" => {
            o.push_str("type: Opaque\ndata:\n  token: dG9rZW4=\n");
            if !fields.is_empty() {
                o.push_str("stringData:\n");
                o.push_str(&fields);
            }
        }
        "Service" => {
            o.push_str(
                "spec:\n  selector:\n    app: demo\n  ports:\n  - port: 80\n    targetPort: 8080\n",
            );
        }
        "Widget" => {
            o.push_str("spec:\n  size: 1\n  items:\n  - name: a\n    value: 1\n");
            if !r.link.is_empty() {
                let _ = writeln!(o, "  configRef: {}", r.link);
            }
            o.push_str(&fields);
        }
        _ => {
            o.push_str("spec:\n  selector:\n    matchLabels:\n      app: demo\n  template:\n    metadata:\n      labels:\n        app: demo\n    spec:\n");
            for e in &r.extras {
                if let Extra::NullAffinity(n) = e {
                    let _ = write!(
                        o,
                        "      affinity:\n        nodeAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:{0}\n          requiredDuringSchedulingIgnoredDuringExecution:{0}\n",
                        n.text()
                    );
                    break;
                }
            }
            if !r.link.is_empty() {
                let _ = writeln!(o, "      serviceAccountName: {}", r.link);
            }
            o.push_str("      containers:\n      - name: app\n");
            let _ = writeln!(o, "        image: {}", r.image);
            let mut envs = Vec::new();
            for e in &r.extras {
                if let Extra::Env(k, v) = e {
                    if !envs.iter().any(|(n, _)| n == k) {
                        envs.push((k.clone(), v.clone()));
                    }
                }
            }
            if !envs.is_empty() {
                o.push_str("        env:\n");
                for (k, v) in envs {
                    let _ = writeln!(o, "        - name: {k}\n          value: {v}");
                }
            }
            let refs: Vec<&String> = r
                .extras
                .iter()
                .filter_map(|e| match e {
                    Extra::EnvFrom(c) => Some(c),
                    _ => None,
                })
                .collect();
            if !refs.is_empty() {
                o.push_str("        envFrom:\n");
                for c in refs {
                    let _ = writeln!(o, "        - configMapRef:\n            name: {c}");
                }
            }
            let args: Vec<&String> = r
                .extras
                .iter()
                .filter_map(|e| match e {
                    Extra::VarArg(v) => Some(v),
                    _ => None,
                })
                .collect();
            if !args.is_empty() {
                o.push_str("        args:\n");
                for a in args {
                    let _ = writeln!(o, "        - --peer=$({a})");
                }
            }
            let vols: Vec<&String> = r
                .extras
                .iter()
                .filter_map(|e| match e {
                    Extra::Volume(c) => Some(c),
                    _ => None,
                })
                .collect();
            if !vols.is_empty() {
                o.push_str("      volumes:\n");
                for (i, c) in vols.iter().enumerate() {
                    let _ = writeln!(
                        o,
                        "      - name: vol{i}\n        configMap:\n          name: {c}"
                    );
                }
            }
            if !fields.is_empty() {
                // free-form fields on a Deployment go into an annotation-free
                // place kustomize keeps as is: the pod template's metadata
                o.push_str("  extra:\n");
                for l in fields.lines() {
                    let _ = writeln!(o, "  {l}");
                }
            }
        }
    }
    o
}

fn smp_text(kind: &str, name: &str, body: &SmpBody) -> String {
    let mut o = format!(
        "apiVersion: {}\nkind: {kind}\nmetadata:\n  name: {name}\n",
        api_version(kind)
    );
    match body {
        SmpBody::Replicas(n) => {
            let _ = writeln!(o, "spec:\n  replicas: {n}");
        }
        SmpBody::Label(k, v) => {
            let _ = writeln!(o, "  labels:\n    {k}: {v}");
        }
        SmpBody::AnnotationBlock(k, lines) => {
            o.push_str("  annotations:\n");
            block(&mut o, 4, k, "|", lines, 0);
        }
        SmpBody::AddEnv(k, v) => {
            let _ = writeln!(o, "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n        - name: {k}\n          value: {v}");
        }
        SmpBody::EnvWithoutName(v) => {
            let _ = writeln!(o, "spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n        - value: {v}");
        }
        SmpBody::DeleteWithNull(k) => match kind {
            "ConfigMap" => {
                let _ = writeln!(o, "data:\n  {k}: null");
            }
            "Secret" => {
                let _ = writeln!(o, "stringData:\n  {k}: null");
            }
            "Deployment" => {
                let _ = writeln!(o, "spec:\n  extra:\n    {k}: null");
            }
            "Service" => {
                o.push_str("spec:\n  selector: null\n");
            }
            _ => {
                let _ = writeln!(o, "spec:\n  {k}: null");
            }
        },
        SmpBody::AddContainer(c) => {
            let _ = writeln!(o, "spec:\n  template:\n    spec:\n      containers:\n      - name: {c}\n        image: busybox");
        }
        SmpBody::DeleteContainerDirective => {
            o.push_str("spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        $patch: delete\n");
        }
        SmpBody::ReplaceDataDirective(k, v) => {
            let _ = writeln!(o, "data:\n  $patch: replace\n  {k}: {v}");
        }
        SmpBody::Data(k, v) => {
            let _ = writeln!(o, "data:\n  {k}: {v}");
        }
        SmpBody::CustomSpec(k, v) => {
            let _ = writeln!(o, "spec:\n  {k}: {v}\n  items:\n  - name: b\n    value: 2");
        }
    }
    o
}

fn json_ops_text(ops: &[JsonOp]) -> String {
    let mut o = String::new();
    for op in ops {
        let _ = match op {
            JsonOp::AddLabel(k, v) => writeln!(o, "- op: add\n  path: /metadata/labels/{k}\n  value: {v}"),
            JsonOp::ReplaceMissingKey(k, v) => {
                writeln!(o, "- op: replace\n  path: /metadata/labels/{k}\n  value: \"{v}\"")
            }
            JsonOp::ReplaceReplicas(n) => writeln!(o, "- op: replace\n  path: /spec/replicas\n  value: {n}"),
            JsonOp::RemoveLabelApp => writeln!(o, "- op: remove\n  path: /metadata/labels/app"),
            JsonOp::AddEnv(k, v) => writeln!(
                o,
                "- op: add\n  path: /spec/template/spec/containers/0/env\n  value:\n  - name: {k}\n    value: \"{v}\""
            ),
            JsonOp::AddAnnotation(k, v) => writeln!(
                o,
                "- op: add\n  path: /metadata/annotations\n  value:\n    {k}: {v}"
            ),
        };
    }
    o
}

/// A patch target's fields (indented under `target:`) for a selector.
fn sel_target(kind: &str, name: &str, sel: Sel) -> String {
    match sel {
        Sel::Label => format!("    kind: {kind}\n    labelSelector: app=demo\n"),
        Sel::Annotation => format!("    kind: {kind}\n    annotationSelector: note0\n"),
        Sel::NameRegex => {
            let stem: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            format!("    kind: {kind}\n    name: {stem}.*\n")
        }
        Sel::KindOnly => format!("    kind: {kind}\n"),
    }
}

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("{pad}{l}\n")
            }
        })
        .collect()
}

/// The kustomization text of one level (and the files it needs).
fn render_level(
    l: &Level,
    dir: &str,
    header: &str,
    first_lines: &str,
    files: &mut BTreeMap<String, String>,
) {
    let mut k = String::from(header);
    k.push_str(first_lines);
    let mut prefix = None;
    let mut suffix = None;
    let mut ns = None;
    let mut common_labels = Vec::new();
    let mut labels = String::new();
    let mut annotations = Vec::new();
    let mut images = String::new();
    let mut replicas = String::new();
    let mut cmgen = String::new();
    let mut secgen = String::new();
    let mut patches = String::new();
    let mut psm = String::new();
    let mut replacements = String::new();
    let mut vars = String::new();
    let mut gen_options = String::new();
    for (i, op) in l.ops.iter().enumerate() {
        match op {
            Op::NamePrefix(p) => prefix = Some(p.clone()),
            Op::NameSuffix(s) => suffix = Some(s.clone()),
            Op::Namespace(n) => ns = Some(n.clone()),
            Op::CommonLabel(a, b) => {
                if !common_labels.iter().any(|(x, _): &(String, String)| x == a) {
                    common_labels.push((a.clone(), b.clone()))
                }
            }
            Op::Labels {
                key,
                value,
                selectors,
                templates,
            } => {
                let _ = writeln!(
                    labels,
                    "- pairs:\n    {key}: {value}\n  includeSelectors: {selectors}\n  includeTemplates: {templates}"
                );
            }
            Op::CommonAnnotation(a, b) => {
                if !annotations.iter().any(|(x, _): &(String, String)| x == a) {
                    annotations.push((a.clone(), b.clone()))
                }
            }
            Op::Image {
                name,
                new_name,
                new_tag,
                digest,
            } => {
                let _ = writeln!(images, "- name: {name}");
                if let Some(n) = new_name {
                    let _ = writeln!(images, "  newName: {n}");
                }
                if *digest {
                    images.push_str("  digest: sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n");
                } else if let Some(t) = new_tag {
                    let _ = writeln!(images, "  newTag: {t}");
                }
            }
            Op::Replicas(n, c) => {
                let _ = writeln!(replicas, "- name: {n}\n  count: {c}");
            }
            Op::ConfigMapGen {
                name,
                behavior,
                literals,
                no_hash,
                files: gen_files,
                env,
                opt_labels,
                immutable,
            } => {
                let _ = writeln!(cmgen, "- name: {name}\n  behavior: {behavior}\n  literals:");
                for (a, b) in literals {
                    let _ = writeln!(cmgen, "  - \"{a}={b}\"");
                }
                if !gen_files.is_empty() {
                    cmgen.push_str("  files:\n");
                    for (j, (key, body)) in gen_files.iter().enumerate() {
                        if j % 2 == 0 {
                            // the file's name is the key
                            files.insert(format!("{dir}/{name}-{i}/{key}"), body.clone());
                            let _ = writeln!(cmgen, "  - {name}-{i}/{key}");
                        } else {
                            files.insert(format!("{dir}/{name}-{i}-{key}"), body.clone());
                            let _ = writeln!(cmgen, "  - {key}={name}-{i}-{key}");
                        }
                    }
                }
                if !env.is_empty() {
                    let f = format!("{name}-{i}.env");
                    let text: String = env.iter().map(|(a, b)| format!("{a}={b}\n")).collect();
                    files.insert(format!("{dir}/{f}"), format!("# generated\n{text}"));
                    let _ = writeln!(cmgen, "  envs:\n  - {f}");
                }
                if *no_hash || *opt_labels || *immutable {
                    cmgen.push_str("  options:\n");
                    if *no_hash {
                        cmgen.push_str("    disableNameSuffixHash: true\n");
                    }
                    if *opt_labels {
                        cmgen.push_str("    labels:\n      generated: \"yes\"\n    annotations:\n      note: \"1\"\n");
                    }
                    if *immutable {
                        cmgen.push_str("    immutable: true\n");
                    }
                }
            }
            Op::SecretGen {
                name,
                literals,
                secret_type,
            } => {
                let _ = writeln!(secgen, "- name: {name}\n  literals:");
                for (a, b) in literals {
                    let _ = writeln!(secgen, "  - \"{a}={b}\"");
                }
                if let Some(t) = secret_type {
                    let _ = writeln!(secgen, "  type: {t}");
                }
            }
            Op::GeneratorOptions {
                labels: l,
                annotations: a,
                no_hash,
            } => {
                gen_options.clear();
                if *l {
                    gen_options.push_str("  labels:\n    gen-level: x\n");
                }
                if *a {
                    gen_options.push_str("  annotations:\n    gen-note: \"on\"\n");
                }
                if *no_hash {
                    gen_options.push_str("  disableNameSuffixHash: true\n");
                }
                if gen_options.is_empty() {
                    gen_options.push_str("  labels: {}\n");
                }
            }
            Op::ReplacementOpts {
                source_cm,
                into_image,
                index,
            } => {
                if *into_image {
                    let _ = write!(
                        replacements,
                        "- source:\n    kind: ConfigMap\n    name: {source_cm}\n    fieldPath: data.src\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - spec.template.spec.containers.[name=app].image\n    options:\n      delimiter: ':'\n      index: {index}\n"
                    );
                } else {
                    let _ = write!(
                        replacements,
                        "- source:\n    kind: ConfigMap\n    name: {source_cm}\n    fieldPath: data.src\n    options:\n      delimiter: '-'\n      index: {index}\n  targets:\n  - select:\n      kind: Service\n    fieldPaths:\n    - metadata.annotations.part\n    options:\n      create: true\n"
                    );
                }
            }
            Op::Smp {
                kind,
                name,
                body,
                how,
            } => {
                let text = smp_text(kind, name, body);
                match how {
                    PatchHow::Inline => {
                        let _ = write!(patches, "- patch: |-\n{}", indent(&text, 4));
                    }
                    PatchHow::InlineWithTarget => {
                        let _ = write!(
                            patches,
                            "- target:\n    kind: {kind}\n    name: {name}\n  patch: |-\n{}",
                            indent(&text, 4)
                        );
                    }
                    PatchHow::File | PatchHow::FileTrailingBlankLines => {
                        let f = format!("patch{i}.yaml");
                        let mut t = text.clone();
                        if *how == PatchHow::FileTrailingBlankLines {
                            t.push_str("\n\n");
                        }
                        files.insert(format!("{dir}/{f}"), t);
                        let _ = writeln!(patches, "- path: {f}");
                    }
                    PatchHow::StrategicMergeList => {
                        let f = format!("psm{i}.yaml");
                        files.insert(format!("{dir}/{f}"), text);
                        let _ = writeln!(psm, "- {f}");
                    }
                    PatchHow::Selector(sel) => {
                        let _ = write!(
                            patches,
                            "- target:\n{}  patch: |-\n{}",
                            sel_target(kind, name, *sel),
                            indent(&text, 4)
                        );
                    }
                }
            }
            Op::Json {
                kind,
                name,
                ops,
                inline,
                sel,
            } => {
                let text = json_ops_text(ops);
                let target = match sel {
                    None => format!("  target:\n    kind: {kind}\n    name: {name}\n"),
                    Some(sel) => format!("  target:\n{}", sel_target(kind, name, *sel)),
                };
                if *inline {
                    let _ = write!(patches, "- patch: |-\n{}{target}", indent(&text, 4));
                } else {
                    let f = format!("json{i}.yaml");
                    files.insert(format!("{dir}/{f}"), text);
                    let _ = write!(patches, "- path: {f}\n{target}");
                }
            }
            Op::Replacement {
                source_cm,
                key,
                target_kind_re,
                target_field,
                reject_name,
            } => {
                let _ = write!(
                    replacements,
                    "- source:\n    kind: ConfigMap\n    name: {source_cm}\n    fieldPath: data.{key}\n  targets:\n  - select:\n      kind: {target_kind_re}\n"
                );
                if let Some(r) = reject_name {
                    let _ = write!(replacements, "    reject:\n    - name: {r}\n");
                }
                let _ = write!(
                    replacements,
                    "    fieldPaths:\n    - {target_field}\n    options:\n      create: true\n"
                );
            }
            Op::Var { name, svc } => {
                let _ = write!(
                    vars,
                    "- name: {name}\n  objref:\n    kind: Service\n    name: {svc}\n    apiVersion: v1\n  fieldref:\n    fieldpath: metadata.name\n"
                );
            }
        }
    }
    if let Some(p) = prefix {
        let _ = writeln!(k, "namePrefix: {p}");
    }
    if let Some(s) = suffix {
        let _ = writeln!(k, "nameSuffix: {s}");
    }
    if let Some(n) = ns {
        let _ = writeln!(k, "namespace: {n}");
    }
    let mut section = |name: &str, body: &str| {
        if !body.is_empty() {
            let _ = write!(k, "{name}:\n{body}");
        }
    };
    let map_body = |pairs: &[(String, String)], quote: bool| -> String {
        pairs
            .iter()
            .map(|(a, b)| {
                if quote {
                    format!(
                        "  {a}: \"{}\"\n",
                        b.replace('\\', "\\\\").replace('"', "\\\"")
                    )
                } else {
                    format!("  {a}: {b}\n")
                }
            })
            .collect()
    };
    section("commonLabels", &map_body(&common_labels, false));
    section("labels", &labels);
    section("commonAnnotations", &map_body(&annotations, true));
    section("images", &images);
    section("replicas", &replicas);
    section("generatorOptions", &gen_options);
    section("configMapGenerator", &cmgen);
    section("secretGenerator", &secgen);
    section("patches", &patches);
    section("patchesStrategicMerge", &psm);
    section("replacements", &replacements);
    section("vars", &vars);
    if !k
        .lines()
        .any(|l| !l.starts_with("apiVersion:") && !l.starts_with("kind:"))
    {
        // kubectl refuses an empty kustomization
        k.push_str("resources: []\n");
    }
    files.insert(format!("{dir}/kustomization.yaml"), k);
}

/// The files of a spec and the directory to render.
fn render_spec(spec: &Spec) -> (BTreeMap<String, String>, String) {
    let mut files = BTreeMap::new();
    let mut res_list = String::from("resources:\n");
    for (i, r) in spec.resources.iter().enumerate() {
        // two resources share a file now and then (multi-document files)
        let f = if i % 3 == 2 {
            format!("res{}.yaml", i - 1)
        } else {
            format!("res{i}.yaml")
        };
        let text = render_res(r);
        match files.get_mut(&format!("base/{f}")) {
            Some(existing) => {
                let e: &mut String = existing;
                e.push_str("---\n");
                e.push_str(&text);
            }
            None => {
                files.insert(format!("base/{f}"), text);
                let _ = writeln!(res_list, "- {f}");
            }
        }
    }
    if spec.widget_conf {
        res_list.push_str("configurations:\n- conf.yaml\n");
        files.insert(
            "base/conf.yaml".into(),
            "nameReference:\n- kind: ConfigMap\n  fieldSpecs:\n  - kind: Widget\n    path: spec/configRef\ncommonLabels:\n- kind: Widget\n  path: spec/selector\n  create: true\n".into(),
        );
    }
    render_level(&spec.base, "base", "", &res_list, &mut files);
    if let Some(c) = &spec.component {
        render_level(
            c,
            "comp",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
            "",
            &mut files,
        );
    }
    let mut below = "base".to_string();
    for (i, o) in spec.overlays.iter().enumerate() {
        let dir = format!("overlay{i}");
        let mut first = format!("resources:\n- ../{below}\n");
        if i == 0 && spec.component.is_some() {
            first.push_str("components:\n- ../comp\n");
        }
        render_level(o, &dir, "", &first, &mut files);
        below = dir;
    }
    if spec.overlays.is_empty() && spec.component.is_some() {
        // a component needs a kustomization that lists it
        files.insert(
            "top/kustomization.yaml".into(),
            "resources:\n- ../base\ncomponents:\n- ../comp\n".into(),
        );
        below = "top".into();
    }
    if let Some(sort) = &spec.sort {
        let text = match sort {
            SortOpt::Fifo => "sortOptions:\n  order: fifo\n",
            SortOpt::Legacy => "sortOptions:\n  order: legacy\n  legacySortOptions:\n    orderFirst:\n    - Service\n    - Widget\n    orderLast:\n    - ConfigMap\n",
        };
        if let Some(k) = files.get_mut(&format!("{below}/kustomization.yaml")) {
            k.push_str(text);
        }
    }
    (files, below)
}

// ---------------------------------------------------------------------
// Running both tools.

#[derive(Debug)]
enum Verdict {
    Same,
    BothFailed,
    /// Whether each tool succeeded (kubectl, ours), and what differs.
    Differ((bool, bool), String),
}

fn write_tree(dir: &Path, files: &BTreeMap<String, String>) {
    let _ = fs::remove_dir_all(dir);
    for (p, text) in files {
        let path = dir.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
    }
}

fn compare(work: &Path, spec: &Spec) -> Verdict {
    let (files, root) = render_spec(spec);
    write_tree(work, &files);
    let reference = run_with_timeout(
        Command::new(kubectl())
            .arg("kustomize")
            .arg(&root)
            .current_dir(work),
        LIMIT,
    );
    let ours = run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
            .arg("render")
            .arg(&root)
            .current_dir(work),
        LIMIT,
    );
    match (reference.success(), ours.success()) {
        (false, false) => {
            if std::env::var_os("FUZZ_VERBOSE").is_some() {
                eprintln!(
                    "both refused: {}",
                    reference.stderr_str().trim().lines().last().unwrap_or("")
                );
            }
            Verdict::BothFailed
        }
        (true, true) if reference.stdout == ours.stdout => Verdict::Same,
        (true, true) => Verdict::Differ(
            (true, true),
            unified_diff(
                &String::from_utf8_lossy(&reference.stdout),
                &String::from_utf8_lossy(&ours.stdout),
                "kubectl kustomize",
                "gitops-upgrade render",
            ),
        ),
        (r, o) => Verdict::Differ(
            (r, o),
            format!(
            "exit status differs: kubectl {} / ours {}\n  kubectl stderr: {}\n  ours stderr: {}",
            if r { "success" } else { "failure" },
            if r { "failure" } else { "success" },
            reference.stderr_str().trim(),
            ours.stderr_str().trim()
            ),
        ),
    }
}

// ---------------------------------------------------------------------
// Shrinking: remove one part at a time while the tools still differ.

fn candidates(s: &Spec) -> Vec<Spec> {
    let mut out = Vec::new();
    if !s.overlays.is_empty() {
        let mut c = s.clone();
        c.overlays.pop();
        out.push(c);
    }
    if s.component.is_some() {
        let mut c = s.clone();
        c.component = None;
        out.push(c);
    }
    if s.sort.is_some() {
        let mut c = s.clone();
        c.sort = None;
        out.push(c);
    }
    if s.widget_conf {
        let mut c = s.clone();
        c.widget_conf = false;
        out.push(c);
    }
    let level_count = 1 + s.overlays.len() + usize::from(s.component.is_some());
    for li in 0..level_count {
        let len = level_ref(s, li).ops.len();
        for oi in 0..len {
            let mut c = s.clone();
            level_mut(&mut c, li).ops.remove(oi);
            out.push(c);
        }
    }
    for ri in 0..s.resources.len() {
        let mut c = s.clone();
        c.resources.remove(ri);
        out.push(c);
    }
    for ri in 0..s.resources.len() {
        for ei in 0..s.resources[ri].extras.len() {
            let mut c = s.clone();
            c.resources[ri].extras.remove(ei);
            out.push(c);
        }
    }
    out
}

fn level_ref(s: &Spec, i: usize) -> &Level {
    match i {
        0 => &s.base,
        _ if s.component.is_some() && i == 1 => s.component.as_ref().unwrap(),
        _ => &s.overlays[i - 1 - usize::from(s.component.is_some())],
    }
}

fn level_mut(s: &mut Spec, i: usize) -> &mut Level {
    let has_c = s.component.is_some();
    match i {
        0 => &mut s.base,
        1 if has_c => s.component.as_mut().unwrap(),
        _ => &mut s.overlays[i - 1 - usize::from(has_c)],
    }
}

fn shrink(work: &Path, mut spec: Spec) -> (Spec, String) {
    let (class, mut last) = match compare(work, &spec) {
        Verdict::Differ(class, d) => (class, d),
        _ => return (spec, "the difference did not reproduce".into()),
    };
    // a smaller tree must differ the same way (both render, or the same
    // one fails), or shrinking wanders off to another difference
    'outer: loop {
        for c in candidates(&spec) {
            match compare(work, &c) {
                Verdict::Differ(k, d) if k == class => {
                    spec = c;
                    last = d;
                    continue 'outer;
                }
                _ => {}
            }
        }
        return (spec, last);
    }
}

// ---------------------------------------------------------------------

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[test]
fn generated_trees_render_like_kubectl() {
    let cases = env_num("FUZZ_CASES", 40);
    let seed = env_num("FUZZ_SEED", 1);
    let out_dir = common::crate_dir().join("target").join("fuzz-differential");
    let work: PathBuf =
        std::env::temp_dir().join(format!("gitops-upgrade-fuzz-{}-{seed}", std::process::id()));
    let mut same = 0;
    let mut both_failed = 0;
    let mut failures = Vec::new();
    for case in 0..cases {
        let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(case));
        let spec = gen_spec(&mut rng);
        match compare(&work, &spec) {
            Verdict::Same => same += 1,
            Verdict::BothFailed => both_failed += 1,
            Verdict::Differ(..) => {
                let (small, diff) = shrink(&work, spec);
                let (files, root) = render_spec(&small);
                let dir = out_dir.join(format!("seed{seed}-case{case}"));
                write_tree(&dir, &files);
                let _ = fs::write(dir.join("ROOT"), format!("{root}\n"));
                let mut listing = String::new();
                for (p, t) in &files {
                    let _ = write!(listing, "--- {p}\n{t}");
                }
                failures.push(format!(
                    "case {case} (seed {seed}), shrunk to {} files, written to {}; root {root}\n{listing}\n{diff}",
                    files.len(),
                    dir.display()
                ));
            }
        }
    }
    let _ = fs::remove_dir_all(&work);
    let compared = cases as usize;
    eprintln!(
        "fuzz_differential: seed {seed}: {compared} trees compared, {same} identical, {both_failed} refused by both, {} differed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} generated trees render differently:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // the generator must make trees kubectl renders, or it tests nothing
    assert!(
        same * 10 >= compared * 7,
        "only {same} of {compared} generated trees rendered identically ({both_failed} refused by both): the generator makes too many invalid trees"
    );
}
