//! Property test of the structural YAML merge (`gitops_upgrade::merge`):
//! generated YAML trees (a seeded xorshift generator, the same cases on
//! every run), random edits on the vendor's side and on the user's side,
//! each side written in its own style (indentation, indented or
//! indentless lists, quoting, comments). For every case:
//!
//! - the merge succeeds and its text parses;
//! - every user edit holds in the result;
//! - every vendor edit holds in the result unless the user edited an
//!   overlapping place, and then either it holds or an override names it;
//! - an edit that overlaps nothing of the other side is never reported as
//!   an override;
//! - merging the result again (same ancestor and vendor) gives it back.
//!
//! The second test makes real histories from such edits (a vendor release
//! of one or two commits, one to three local commits, one file written in
//! one style so that hunks meet) and runs `gitops-upgrade rebase`: no file
//! may fall back to the line merge, every user edit holds, and every
//! vendor edit holds unless the user edited an overlapping place and the
//! JSON report names the override.

mod rebase_common;

use gitops_upgrade::merge::{self, Override};
use gitops_upgrade::yaml::{Mapping, Value};
use rebase_common::Rng;

#[derive(Clone, Debug, PartialEq)]
enum P {
    Key(String),
    Name(String),
}

type Path = Vec<P>;

fn get<'v>(v: &'v Value, path: &[P]) -> Option<&'v Value> {
    let mut cur = v;
    for p in path {
        cur = match p {
            P::Key(k) => cur.as_map()?.get(k)?,
            P::Name(n) => cur
                .as_seq()?
                .iter()
                .find(|i| i.get("name").and_then(Value::as_str) == Some(n))?,
        };
    }
    Some(cur)
}

fn get_mut<'v>(v: &'v mut Value, path: &[P]) -> Option<&'v mut Value> {
    let mut cur = v;
    for p in path {
        cur = match p {
            P::Key(k) => cur.as_map_mut()?.get_mut(k)?,
            P::Name(n) => cur
                .as_seq_mut()?
                .iter_mut()
                .find(|i| i.get("name").and_then(Value::as_str) == Some(n))?,
        };
    }
    Some(cur)
}

fn named_list(v: &Value) -> bool {
    matches!(v, Value::Seq(items) if !items.is_empty() && items.iter().all(|i| i.get("name").is_some()))
}

/// Every place in a tree: (path, is a mapping, is a named list).
fn places(v: &Value, path: &mut Path, out: &mut Vec<(Path, &'static str)>) {
    match v {
        Value::Map(m) => {
            out.push((path.clone(), "map"));
            for (k, x) in m {
                path.push(P::Key(k.clone()));
                places(x, path, out);
                path.pop();
            }
        }
        Value::Seq(items) if named_list(v) => {
            out.push((path.clone(), "named"));
            for i in items {
                let n = i.get("name").and_then(Value::as_str).unwrap().to_string();
                path.push(P::Name(n));
                places(i, path, out);
                path.pop();
            }
        }
        Value::Seq(_) => out.push((path.clone(), "list")),
        _ => out.push((path.clone(), "scalar")),
    }
}

fn scalar(rng: &mut Rng, tag: &str) -> Value {
    match rng.below(4) {
        0 => Value::Int(rng.below(1000) as i64),
        _ => Value::Str(format!("{tag}{}", rng.below(1000))),
    }
}

fn gen_map(rng: &mut Rng, depth: usize, tag: &str) -> Mapping {
    let mut m = Mapping::new();
    let n = 1 + rng.below(4);
    for i in 0..n {
        let k = format!("k{i}");
        let v = match rng.below(if depth >= 3 { 2 } else { 6 }) {
            0 | 1 => scalar(rng, tag),
            2 | 3 => Value::Map(gen_map(rng, depth + 1, tag)),
            4 => Value::Seq((0..1 + rng.below(3)).map(|_| scalar(rng, tag)).collect()),
            _ => Value::Seq(
                (0..1 + rng.below(3))
                    .map(|j| {
                        let mut item = Mapping::new();
                        item.insert("name".into(), Value::Str(format!("n{j}")));
                        for (k, v) in gen_map(rng, depth + 2, tag) {
                            item.insert(k, v);
                        }
                        Value::Map(item)
                    })
                    .collect(),
            ),
        };
        m.insert(k, v);
    }
    m
}

/// One random edit of `t` by `side`; returns the place it changed.
fn edit(rng: &mut Rng, t: &mut Value, side: &str, serial: &mut usize) -> Option<Path> {
    *serial += 1;
    let s = *serial;
    let mut all = Vec::new();
    places(t, &mut Vec::new(), &mut all);
    let (path, what) = all[rng.below(all.len())].clone();
    let last_is_name = matches!(path.last(), Some(P::Key(k)) if k == "name");
    match what {
        "scalar" if !last_is_name => {
            *get_mut(t, &path)? = Value::Str(format!("{side}{s}"));
            Some(path)
        }
        "list" => {
            *get_mut(t, &path)? = Value::Seq(vec![Value::Str(format!("{side}{s}"))]);
            Some(path)
        }
        "map" => {
            let m = get_mut(t, &path)?.as_map_mut()?;
            let in_item = matches!(path.last(), Some(P::Name(_)));
            match rng.below(3) {
                0 if m.len() > 1 => {
                    let keys: Vec<String> = m
                        .keys()
                        .filter(|k| !(in_item && *k == "name"))
                        .cloned()
                        .collect();
                    if keys.is_empty() {
                        return None;
                    }
                    let k = keys[rng.below(keys.len())].clone();
                    m.shift_remove(&k);
                    let mut p = path;
                    p.push(P::Key(k));
                    Some(p)
                }
                1 => {
                    // sometimes both sides add the same key
                    let k = if rng.below(4) == 0 {
                        "added".to_string()
                    } else {
                        format!("{side}_k{s}")
                    };
                    let v = if rng.below(3) == 0 {
                        Value::Map(gen_map(rng, 3, side))
                    } else {
                        Value::Str(format!("{side}{s}"))
                    };
                    m.insert(k.clone(), v);
                    let mut p = path;
                    p.push(P::Key(k));
                    Some(p)
                }
                _ => {
                    let keys: Vec<String> = m.keys().cloned().collect();
                    let k = keys[rng.below(keys.len())].clone();
                    if in_item && k == "name" {
                        return None;
                    }
                    m.insert(k.clone(), Value::Int(s as i64));
                    let mut p = path;
                    p.push(P::Key(k));
                    Some(p)
                }
            }
        }
        "named" => {
            let items = get_mut(t, &path)?.as_seq_mut()?;
            if rng.below(2) == 0 && items.len() > 1 {
                let i = rng.below(items.len());
                let n = items[i].get("name")?.as_str()?.to_string();
                items.remove(i);
                let mut p = path;
                p.push(P::Name(n));
                Some(p)
            } else {
                let n = format!("{side}-item{s}");
                let mut item = Mapping::new();
                item.insert("name".into(), Value::Str(n.clone()));
                item.insert("v".into(), Value::Int(s as i64));
                let at = rng.below(items.len() + 1);
                items.insert(at, Value::Map(item));
                let mut p = path;
                p.push(P::Name(n));
                Some(p)
            }
        }
        _ => None,
    }
}

/// Writing style of one side.
struct Style {
    step: usize,
    indentless: bool,
    quote: bool,
    comments: bool,
}

fn scalar_text(v: &Value, st: &Style, rng: &mut Rng) -> String {
    let s = match v {
        Value::Str(s) if st.quote && rng.below(2) == 0 => format!("'{s}'"),
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        _ => unreachable!(),
    };
    if st.comments && rng.below(4) == 0 {
        format!("{s} # c{}", rng.below(100))
    } else {
        s
    }
}

fn write_value_after_key(out: &mut String, v: &Value, col: usize, st: &Style, rng: &mut Rng) {
    match v {
        Value::Map(m) if m.is_empty() => out.push_str(" {}\n"),
        Value::Seq(s) if s.is_empty() => out.push_str(" []\n"),
        Value::Map(m) => {
            out.push('\n');
            write_map(out, m, col + st.step, false, st, rng);
        }
        Value::Seq(items) => {
            out.push('\n');
            let c = if st.indentless { col } else { col + st.step };
            for i in items {
                out.push_str(&" ".repeat(c));
                out.push_str("- ");
                match i {
                    Value::Map(m) if !m.is_empty() => write_map(out, m, c + 2, true, st, rng),
                    other => {
                        out.push_str(&scalar_text(other, st, rng));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push(' ');
            out.push_str(&scalar_text(other, st, rng));
            out.push('\n');
        }
    }
}

fn write_map(
    out: &mut String,
    m: &Mapping,
    col: usize,
    inline_first: bool,
    st: &Style,
    rng: &mut Rng,
) {
    for (i, (k, v)) in m.iter().enumerate() {
        if st.comments && rng.below(8) == 0 && !(i == 0 && inline_first) {
            out.push_str(&format!("{}# about {k}\n", " ".repeat(col)));
        }
        if !(i == 0 && inline_first) {
            out.push_str(&" ".repeat(col));
        }
        out.push_str(k);
        out.push(':');
        write_value_after_key(out, v, col, st, rng);
    }
}

fn render(v: &Value, rng: &mut Rng, plain: bool) -> String {
    let st = if plain {
        Style {
            step: 2,
            indentless: false,
            quote: false,
            comments: false,
        }
    } else {
        Style {
            step: [2, 4][rng.below(2)],
            indentless: rng.below(2) == 0,
            quote: rng.below(2) == 0,
            comments: rng.below(2) == 0,
        }
    };
    let mut out = String::new();
    if st.comments {
        out.push_str("# header\n");
    }
    write_map(&mut out, v.as_map().unwrap(), 0, false, &st, rng);
    out
}

/// `got` holds everything of `want` (mappings may hold more keys).
fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Map(g), Value::Map(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv))),
        _ => got == want,
    }
}

fn overlaps(a: &[P], b: &[P]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// An override's path in this test's terms.
fn override_path(o: &Override) -> Path {
    use gitops_upgrade::diff::Segment;
    o.path
        .iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(P::Key(k.clone())),
            Segment::Item(kv) => Some(P::Name(kv[0].1.clone())),
            Segment::Index(_) => None,
        })
        .collect()
}

fn check(seed: u64) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let base = Value::Map(gen_map(&mut rng, 0, "b"));
    let (mut vendor, mut user) = (base.clone(), base.clone());
    let mut serial = 0;
    let mut vedits = Vec::new();
    let mut uedits = Vec::new();
    for _ in 0..1 + rng.below(4) {
        vedits.extend(edit(&mut rng, &mut vendor, "v", &mut serial));
    }
    for _ in 0..1 + rng.below(4) {
        uedits.extend(edit(&mut rng, &mut user, "u", &mut serial));
    }
    let bt = render(&base, &mut rng, true);
    let plain = rng.below(3) == 0;
    let vt = render(&vendor, &mut rng, plain);
    let ut = render(&user, &mut rng, false);
    let ctx = || format!("--- base\n{bt}--- vendor\n{vt}--- user\n{ut}");
    let m =
        merge::merge("x.yaml", &bt, &vt, &ut).map_err(|e| format!("not merged: {e}\n{}", ctx()))?;
    let got = merge::document_values(&m.text)
        .map_err(|e| format!("result does not parse: {e}\n{}\n{}", m.text, ctx()))?;
    let got = got.first().cloned().unwrap_or(Value::Null);
    let ovs: Vec<Path> = m.overrides.iter().map(override_path).collect();
    let vedits: Vec<Path> = vedits
        .into_iter()
        .filter(|p| get(&vendor, p) != get(&base, p))
        .collect();
    let uedits: Vec<Path> = uedits
        .into_iter()
        .filter(|p| get(&user, p) != get(&base, p))
        .collect();
    for p in &uedits {
        let touched = vedits.iter().any(|q| overlaps(p, q));
        let holds = match (get(&got, p), get(&user, p)) {
            // Where both sides added or changed a mapping, the user's keys
            // win and the vendor's other keys join them.
            (Some(g), Some(w)) if touched => contains(g, w),
            (g, w) => g == w,
        };
        if !holds {
            return Err(format!(
                "user edit at {p:?} lost\n--- result\n{}{}",
                m.text,
                ctx()
            ));
        }
    }
    // A place is touched by the other side when an edit there overlaps it,
    // or overlaps an edit of an enclosing place (an item deleted later).
    let prefix = |a: &[P], p: &[P]| a.len() <= p.len() && a == &p[..a.len()];
    for p in &vedits {
        let touched = uedits
            .iter()
            .any(|q| overlaps(p, q) || vedits.iter().any(|a| prefix(a, p) && overlaps(a, q)));
        let holds = get(&got, p) == get(&vendor, p);
        let named = ovs.iter().any(|o| overlaps(o, p));
        if !touched && !holds {
            return Err(format!(
                "vendor edit at {p:?} lost\n--- result\n{}{}",
                m.text,
                ctx()
            ));
        }
        if touched && !holds && !named {
            return Err(format!(
                "vendor edit at {p:?} overridden without a report\n--- result\n{}{}",
                m.text,
                ctx()
            ));
        }
    }
    for o in &ovs {
        let v = vedits.iter().any(|p| overlaps(o, p));
        let u = uedits.iter().any(|p| overlaps(o, p));
        if !(v && u) {
            return Err(format!(
                "override {o:?} where only one side changed\n{}",
                ctx()
            ));
        }
    }
    let again = merge::merge("x.yaml", &bt, &vt, &m.text)
        .map_err(|e| format!("re-merge refused: {e}\n{}{}", m.text, ctx()))?;
    if again.text != m.text {
        return Err(format!(
            "re-merge not stable:\n{}\n---\n{}\n{}",
            m.text,
            again.text,
            ctx()
        ));
    }
    Ok(())
}

#[test]
fn structural_merge_properties_on_generated_trees() {
    let cases: u64 = std::env::var("MERGE_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let only: Option<u64> = std::env::var("MERGE_PROP_SEED")
        .ok()
        .and_then(|v| v.parse().ok());
    let seeds: Vec<u64> = match only {
        Some(s) => vec![s],
        None => (1..=cases).collect(),
    };
    let mut failures = Vec::new();
    for s in &seeds {
        if let Err(e) = check(*s) {
            failures.push((*s, e));
        }
    }
    for (s, e) in failures.iter().take(3) {
        eprintln!("seed {s}: {e}\n");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed: seeds {:?}",
        failures.len(),
        seeds.len(),
        failures
            .iter()
            .map(|(s, _)| *s)
            .take(20)
            .collect::<Vec<_>>()
    );
}

// ---- the same properties through `gitops-upgrade rebase` on real git ----

fn display(p: &[P]) -> String {
    let mut s = String::new();
    for (i, x) in p.iter().enumerate() {
        match x {
            P::Key(k) => {
                if i > 0 {
                    s.push('.');
                }
                s.push_str(k);
            }
            P::Name(n) => s.push_str(&format!("[name={n}]")),
        }
    }
    s
}

/// One path is the other or lies under it.
fn nested(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.starts_with(short)
        && matches!(
            long[short.len()..].chars().next(),
            None | Some('.') | Some('[')
        )
}

fn commit_text(dir: &std::path::Path, text: &str, msg: &str) {
    std::fs::write(dir.join("values.yaml"), text).unwrap();
    rebase_common::git_ok(dir, &["add", "-A"]);
    rebase_common::git_ok(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
}

/// Ok: whether the structural merge took part.
fn check_rebase(seed: u64) -> Result<bool, String> {
    use rebase_common::{git_ok, init_repo};
    let mut rng = Rng::new(seed ^ 0x5eed);
    let base = Value::Map(gen_map(&mut rng, 0, "b"));
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    init_repo(&d);
    commit_text(&d, &render(&base, &mut rng, true), "base");
    let mut serial = 0;
    // The vendor's release: one or two commits.
    git_ok(&d, &["checkout", "-q", "-b", "upstream"]);
    let mut vendor = base.clone();
    let mut vedits = Vec::new();
    for c in 0..1 + rng.below(2) {
        for _ in 0..1 + rng.below(3) {
            vedits.extend(edit(&mut rng, &mut vendor, "v", &mut serial));
        }
        commit_text(&d, &render(&vendor, &mut rng, true), &format!("vendor {c}"));
    }
    // The user's commits on main, in the same style (so hunks meet).
    git_ok(&d, &["checkout", "-q", "main"]);
    let mut user = base.clone();
    let mut uedits = Vec::new();
    for c in 0..1 + rng.below(3) {
        for _ in 0..1 + rng.below(2) {
            uedits.extend(edit(&mut rng, &mut user, "u", &mut serial));
        }
        commit_text(&d, &render(&user, &mut rng, true), &format!("local {c}"));
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
        .current_dir(&d)
        .args([
            "rebase",
            "--no-fetch",
            "--upstream",
            "upstream",
            "--output",
            "json",
        ])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    if !o.status.success() {
        return Err(format!(
            "rebase failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files = report["yaml_merge"]["files"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(f) = files.iter().find(|f| f["mode"] == "line") {
        return Err(format!("fell back to the line merge: {f}"));
    }
    let overrides: Vec<String> = files
        .iter()
        .flat_map(|f| f["overrides"].as_array().cloned().unwrap_or_default())
        .map(|o| o["path"].as_str().unwrap_or_default().to_string())
        .collect();
    let text = std::fs::read_to_string(d.join("values.yaml")).unwrap();
    let got = merge::document_values(&text)
        .map_err(|e| format!("result does not parse: {e}\n{text}"))?
        .first()
        .cloned()
        .unwrap_or(Value::Null);
    let vedits: Vec<Path> = vedits
        .into_iter()
        .filter(|p| get(&vendor, p) != get(&base, p))
        .collect();
    let uedits: Vec<Path> = uedits
        .into_iter()
        .filter(|p| get(&user, p) != get(&base, p))
        .collect();
    let ctx = || format!("--- result\n{text}--- report\n{report:#}");
    for p in &uedits {
        let touched = vedits.iter().any(|q| overlaps(p, q));
        let holds = match (get(&got, p), get(&user, p)) {
            (Some(g), Some(w)) if touched => contains(g, w),
            (g, w) => g == w,
        };
        if !holds {
            return Err(format!("user edit at {p:?} lost\n{}", ctx()));
        }
    }
    let prefix = |a: &[P], p: &[P]| a.len() <= p.len() && a == &p[..a.len()];
    for p in &vedits {
        let touched = uedits
            .iter()
            .any(|q| overlaps(p, q) || vedits.iter().any(|a| prefix(a, p) && overlaps(a, q)));
        if get(&got, p) == get(&vendor, p) {
            continue;
        }
        if !touched {
            return Err(format!("vendor edit at {p:?} lost\n{}", ctx()));
        }
        let shown = display(p);
        let named = overrides.iter().any(|o| nested(o, &shown))
            || vedits
                .iter()
                .filter(|a| prefix(a, p))
                .any(|a| overrides.iter().any(|o| nested(o, &display(a))));
        if !named {
            return Err(format!(
                "vendor edit at {shown} overridden without a report\n{}",
                ctx()
            ));
        }
    }
    Ok(!files.is_empty())
}

#[test]
fn rebase_keeps_every_vendor_change_the_user_did_not_make() {
    let cases: u64 = std::env::var("MERGE_REBASE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut failures = Vec::new();
    let mut structural = 0;
    for seed in 1..=cases {
        match check_rebase(seed) {
            Ok(true) => structural += 1,
            Ok(false) => {}
            Err(e) => failures.push((seed, e)),
        }
    }
    eprintln!("{cases} histories, {structural} merged structurally");
    for (s, e) in failures.iter().take(2) {
        eprintln!("seed {s}: {e}\n");
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} histories failed: {:?}",
        failures.len(),
        failures.iter().map(|(s, _)| *s).collect::<Vec<_>>()
    );
    // Not vacuous: most histories meet conflicting hunks.
    assert!(
        structural * 3 >= cases as usize,
        "only {structural} of {cases}"
    );
}
