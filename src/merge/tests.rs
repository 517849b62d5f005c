use super::*;

fn ok(path: &str, b: &str, v: &str, u: &str) -> Merged {
    match merge(path, b, v, u) {
        Ok(m) => m,
        Err(e) => panic!("not merged: {e}"),
    }
}

fn paths(m: &Merged) -> Vec<String> {
    m.overrides.iter().map(|o| o.path_text()).collect()
}

#[test]
fn the_issue_example() {
    let b = "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: c\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 3\n";
    let u = "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: c\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 7 # we need more\n";
    let v = "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: c\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 5\n  redis:\n    endpoint: redis:6379\n";
    let m = ok("overlays/deploy/cluster.yaml", b, v, u);
    assert_eq!(
        m.text,
        "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: c\nspec:\n  configVars: \"a=1;\"\n  nodeCount: 7 # we need more\n  redis:\n    endpoint: redis:6379\n"
    );
    assert_eq!(paths(&m), ["spec.nodeCount"]);
    assert_eq!(m.overrides[0].vendor, Some(Value::Int(5)));
    assert_eq!(m.overrides[0].kept, Some(Value::Int(7)));
    assert_eq!(m.overrides[0].document, None);
    assert_eq!(m.vendor_changes, 1);
}

#[test]
fn containers_by_name_on_adjacent_lines() {
    let b = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        image: app:1\n        resources:\n          limits:\n            cpu: 1\n      - name: side\n        image: side:1\n";
    let v = b.replace("app:1", "app:2").replace("side:1", "side:2");
    let u = b.replace("cpu: 1", "cpu: 2");
    let m = ok("d.yaml", b, &v, &u);
    assert_eq!(
        m.text,
        b.replace("app:1", "app:2")
            .replace("side:1", "side:2")
            .replace("cpu: 1", "cpu: 2")
    );
    assert!(m.overrides.is_empty());
    assert_eq!(m.vendor_changes, 2);
    // the same image changed by both: the user's wins, named by path
    let u2 = u.replace("app:1", "app:mine");
    let m = ok("d.yaml", b, &v, &u2);
    assert_eq!(
        paths(&m),
        ["spec.template.spec.containers[name=main].image"]
    );
    assert!(m.text.contains("image: app:mine") && m.text.contains("image: side:2"));
}

#[test]
fn added_items_and_keys_go_after_their_neighbours() {
    let b = "kind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: a\n";
    let v = "kind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: a\n  labels:\n    x: y\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: a\n      - name: v\n        image: v\n";
    let u = "kind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: a # mine\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: a\n        - name: u\n          image: u\n";
    let m = ok("d.yaml", b, v, u);
    assert_eq!(
        m.text,
        "kind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: a # mine\n  labels:\n    x: y\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: a\n        - name: v\n          image: v\n        - name: u\n          image: u\n"
    );
}

#[test]
fn a_key_the_user_deleted_next_to_a_vendor_change() {
    let b = "spec:\n  a: 1\n  b: 2\n  c: 3\n";
    let v = "spec:\n  a: 1\n  b: 2\n  c: 4\n";
    let u = "spec:\n  a: 1\n  c: 3\n";
    let m = ok("x.yaml", b, v, u);
    assert_eq!(m.text, "spec:\n  a: 1\n  c: 4\n");
    assert!(m.overrides.is_empty());
    // deleted by the user, changed by the vendor: the deletion wins, reported
    let u = "spec:\n  a: 1\n  b: 2\n";
    let m = ok("x.yaml", b, v, u);
    assert_eq!(m.text, "spec:\n  a: 1\n  b: 2\n");
    assert_eq!(paths(&m), ["spec.c"]);
    assert_eq!(m.overrides[0].vendor, Some(Value::Int(4)));
    assert_eq!(m.overrides[0].kept, None);
    // deleted by the vendor, untouched by the user: deleted
    let v = "spec:\n  a: 1\n  c: 3\n";
    let u = "spec:\n  a: 5\n  b: 2\n  c: 3\n";
    let m = ok("x.yaml", b, v, u);
    assert_eq!(m.text, "spec:\n  a: 5\n  c: 3\n");
}

#[test]
fn multi_document_files() {
    let d = |n: &str, r: u32| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\ndata:\n  k: \"{r}\"\n  j: x\n")
    };
    let b = format!("{}---\n{}", d("a", 1), d("b", 1));
    // vendor: reorders, changes a, removes nothing, adds c
    let v = format!("{}---\n{}---\n{}", d("b", 1), d("a", 2), d("c", 1));
    // user: changes b's other key, comments
    let u = format!(
        "# mine\n{}---\n{}",
        d("a", 1),
        d("b", 1).replace("j: x", "j: y")
    );
    let m = ok("cms.yaml", &b, &v, &u);
    assert_eq!(
        m.text,
        format!(
            "# mine\n{}---\n{}---\n{}",
            d("a", 2),
            d("b", 1).replace("j: x", "j: y"),
            d("c", 1)
        )
    );
    // a document the vendor removed and the user did not touch goes
    let v = d("b", 1);
    let m = ok("cms.yaml", &b, &v, &u);
    assert_eq!(
        m.text,
        format!("# mine\n{}", d("b", 1).replace("j: x", "j: y"))
    );
}

#[test]
fn kustomization_lists_are_ordered_sets() {
    let b = "resources:\n- a.yaml\n- b.yaml\n- c.yaml\n";
    let v = "resources:\n- a.yaml\n- c.yaml\n- v.yaml\n";
    let u = "resources:\n- a.yaml\n- b.yaml\n- c.yaml\n- u.yaml # mine\n";
    let m = ok("overlays/kustomization.yaml", b, v, u);
    assert_eq!(
        m.text,
        "resources:\n- a.yaml\n- c.yaml\n- v.yaml\n- u.yaml # mine\n"
    );
    assert!(m.overrides.is_empty());
    // elsewhere a list of strings is one value: the user's wins
    let m = ok("other.yaml", b, v, u);
    assert_eq!(m.text, u);
    assert_eq!(paths(&m), ["resources"]);
}

#[test]
fn crlf_comments_and_quoting_are_kept() {
    let b = "a: 'x'\r\nspec:\r\n  n: 1\r\n  m: 1\r\n";
    let v = "a: 'x'\nspec:\n  n: 1\n  m: 2\n  new:\n  - 1\n";
    let u = "# top\r\na: 'y' # quoted\r\nspec:\r\n    n: 1\r\n    m: 1\r\n";
    let m = ok("x.yaml", b, v, u);
    assert_eq!(
        m.text,
        "# top\r\na: 'y' # quoted\r\nspec:\r\n    n: 1\r\n    m: 2\r\n    new:\r\n    - 1\r\n"
    );
}

#[test]
fn refusals() {
    let e = merge("x.yaml", "a: 1\n", "a: [\n", "a: 2\n").unwrap_err();
    assert!(
        matches!(
            e,
            NotMerged::Parse {
                side: Side::Vendor,
                ..
            }
        ),
        "{e}"
    );
    let e = merge("x.yaml", "a: &x 1\nb: *x\n", "a: 1\n", "a: 2\n").unwrap_err();
    assert!(
        matches!(
            e,
            NotMerged::Unsupported {
                side: Side::Base,
                ..
            }
        ),
        "{e}"
    );
    let e = merge("x.yaml", "a: 1\n", "a: !!str 1\n", "a: 2\n").unwrap_err();
    assert!(matches!(e, NotMerged::Unsupported { .. }), "{e}");
    let two = "kind: A\nmetadata:\n  name: x\n---\nkind: A\nmetadata:\n  name: x\n";
    let e = merge("x.yaml", two, two, "a: 1\n").unwrap_err();
    assert!(matches!(e, NotMerged::AmbiguousIdentity { .. }), "{e}");
    let m = ok("x.yaml", "a: 1\n", "a: 2\n", "a: 3\n");
    assert_eq!(
        (m.text.as_str(), paths(&m)),
        ("a: 3\n", vec!["a".to_string()])
    );
    let e = merge("x.yaml", "just text\n", "vendor text\n", "user text\n").unwrap_err();
    assert!(matches!(e, NotMerged::WholeDocument(_)), "{e}");
    let e = merge("x.yaml", "a: 1\n", "a: 1\n---\nb: 1\n", "a: 2\n").unwrap_err();
    assert!(matches!(e, NotMerged::Positional { .. }), "{e}");
}

#[test]
fn secrets_are_masked() {
    let b = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: a\n";
    let v = b.replace("password: a", "password: vendor");
    let u = b.replace("password: a", "password: mine");
    let m = ok("s.yaml", b, &v, &u);
    assert_eq!(paths(&m), ["stringData.password"]);
    assert!(m.overrides[0].masked);
    assert_eq!(
        m.overrides[0].vendor,
        Some(Value::Str(crate::diff::MASK.into()))
    );
}

#[test]
fn scalars_become_blocks_and_back() {
    let b = "spec:\n  x: 1\n  y: 1\n";
    let v = "spec:\n  x:\n    deep: true\n  y: 1\n";
    let u = "spec:\n  x: 1\n  y: 2\n";
    let m = ok("x.yaml", b, v, u);
    assert_eq!(m.text, "spec:\n  x:\n    deep: true\n  y: 2\n");
    let m = ok("x.yaml", v, b, "spec:\n  x:\n    deep: true\n  y: 2\n");
    assert_eq!(m.text, "spec:\n  x: 1\n  y: 2\n");
    // an empty value
    let m = ok("x.yaml", "a:\nb: 1\n", "a: 3\nb: 1\n", "a:\nb: 2\n");
    assert_eq!(m.text, "a: 3\nb: 2\n");
}

#[test]
fn json6902_operations_merge_by_path() {
    let b = "# tuning\n- op: replace\n  path: /spec/configVars\n  value: 'a=1;'\n- op: replace\n  path: /spec/nodeCount\n  value: 3\n";
    let v = "# tuning\n- op: replace\n  path: /spec/configVars\n  value: 'a=1; b=2;'\n- op: replace\n  path: /spec/nodeCount\n  value: 5\n- op: add\n  path: /spec/redis\n  value:\n    endpoint: r:6379\n";
    let u = "# tuning\n- op: replace\n  path: /spec/configVars\n  value: 'a=1;'\n- op: replace\n  path: /spec/nodeCount\n  value: 7 # ours\n";
    let m = ok("overlays/deploy/patches/tuning.json6902.yaml", b, v, u);
    assert_eq!(
        m.text,
        "# tuning\n- op: replace\n  path: /spec/configVars\n  value: 'a=1; b=2;'\n- op: replace\n  path: /spec/nodeCount\n  value: 7 # ours\n- op: add\n  path: /spec/redis\n  value:\n    endpoint: r:6379\n"
    );
    assert_eq!(paths(&m), ["[path=/spec/nodeCount].value"]);
}

#[test]
fn a_whole_secret_in_an_override_is_masked() {
    let sec = |v: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {v}\n"
        )
    };
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let b = format!("{cm}---\n{}", sec("a"));
    let v = format!("{cm}---\n{}", sec("vendor-pw"));
    let m = ok("x.yaml", &b, &v, cm);
    assert_eq!(m.overrides.len(), 1);
    let o = &m.overrides[0];
    assert!(o.masked && o.kept.is_none());
    let shown = format!("{:?}", o.vendor);
    assert!(
        !shown.contains("vendor-pw") && shown.contains("password"),
        "{shown}"
    );
}
