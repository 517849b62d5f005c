//! Readiness of applied objects: the built-in rules (CRDs, workloads, Jobs)
//! and the plan's custom rules.
//!
//! The workload rules are those of `kubectl rollout status` (its status
//! viewers for Deployments, StatefulSets and DaemonSets), so that an object
//! is ready here exactly when `kubectl rollout status` would say it has
//! rolled out. kubectl has no answer for the `OnDelete` update strategy;
//! there the pods must be ready (available) as for a rolling update, but
//! nothing waits for them to be replaced. Messages name the object first
//! (`Deployment rok/x: 1 of 3 updated replicas are available`).

use serde_json::Value as Json;

use crate::plan::{ReadyCheck, ReadyRule};

/// Whether an object (or a rule's objects) is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet: what is missing.
    Waiting(String),
    /// It will not become ready by waiting (a Deployment past its progress
    /// deadline, a failed Job): why.
    Failed(String),
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        matches!(self, Readiness::Ready)
    }

    /// The message of `Waiting` and `Failed`.
    pub fn message(&self) -> Option<&str> {
        match self {
            Readiness::Ready => None,
            Readiness::Waiting(m) | Readiness::Failed(m) => Some(m),
        }
    }
}

fn at<'a>(obj: &'a Json, path: &[&str]) -> Option<&'a Json> {
    path.iter().try_fold(obj, |v, k| v.get(*k))
}

/// An integer field; 0 when absent (as the API's omitted zero values).
fn int(obj: &Json, path: &[&str]) -> i64 {
    at(obj, path).and_then(Json::as_i64).unwrap_or(0)
}

fn text<'a>(obj: &'a Json, path: &[&str]) -> Option<&'a str> {
    at(obj, path).and_then(Json::as_str)
}

/// `Deployment rok/x`, `StorageClass rok`, from the object itself.
pub fn object_name(obj: &Json) -> String {
    let kind = text(obj, &["kind"]).unwrap_or("object");
    let name = text(obj, &["metadata", "name"]).unwrap_or("?");
    match text(obj, &["metadata", "namespace"]).filter(|n| !n.is_empty()) {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// The `status.conditions[]` entry of this type.
fn condition<'a>(obj: &'a Json, type_: &str) -> Option<&'a Json> {
    at(obj, &["status", "conditions"])?
        .as_array()?
        .iter()
        .find(|c| text(c, &["type"]) == Some(type_))
}

fn condition_is(obj: &Json, type_: &str, status: &str) -> bool {
    condition(obj, type_).and_then(|c| text(c, &["status"])) == Some(status)
}

/// ` (reason: message)` of a condition, or nothing.
fn condition_detail(c: Option<&Json>) -> String {
    let Some(c) = c else {
        return String::new();
    };
    let reason = text(c, &["reason"]).unwrap_or("");
    let message = text(c, &["message"]).unwrap_or("");
    match (reason.is_empty(), message.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(" ({reason})"),
        (true, false) => format!(" ({message})"),
        (false, false) => format!(" ({reason}: {message})"),
    }
}

/// The group of the object's apiVersion (`apps`; empty for the core group).
fn group(obj: &Json) -> &str {
    text(obj, &["apiVersion"])
        .and_then(|v| v.split_once('/'))
        .map_or("", |(g, _)| g)
}

/// The built-in rule for one live object (as `kubectl get -o json` prints
/// it): workloads as `kubectl rollout status` judges them, CRDs once
/// established, Jobs once complete; every other object is ready once it
/// exists.
pub fn builtin(obj: &Json) -> Readiness {
    let kind = text(obj, &["kind"]).unwrap_or("");
    match (group(obj), kind) {
        ("apps" | "extensions", "Deployment") => deployment(obj),
        ("apps", "StatefulSet") => statefulset(obj),
        ("apps" | "extensions", "DaemonSet") => daemonset(obj),
        ("batch", "Job") => job(obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj),
        _ => Readiness::Ready,
    }
}

fn waiting(obj: &Json, what: impl std::fmt::Display) -> Readiness {
    Readiness::Waiting(format!("{}: {what}", object_name(obj)))
}

/// `metadata.generation` is not yet observed by the controller.
fn unobserved(obj: &Json) -> bool {
    int(obj, &["metadata", "generation"]) > int(obj, &["status", "observedGeneration"])
}

/// `spec.replicas`, which the API server defaults to 1.
fn spec_replicas(obj: &Json) -> i64 {
    at(obj, &["spec", "replicas"])
        .and_then(Json::as_i64)
        .unwrap_or(1)
}

fn deployment(obj: &Json) -> Readiness {
    if unobserved(obj) {
        return waiting(obj, "waiting for the spec update to be observed");
    }
    let progressing = condition(obj, "Progressing");
    if progressing.and_then(|c| text(c, &["reason"])) == Some("ProgressDeadlineExceeded") {
        return Readiness::Failed(format!(
            "{}: exceeded its progress deadline{}",
            object_name(obj),
            condition_detail(progressing)
        ));
    }
    let want = spec_replicas(obj);
    let updated = int(obj, &["status", "updatedReplicas"]);
    let replicas = int(obj, &["status", "replicas"]);
    let available = int(obj, &["status", "availableReplicas"]);
    if updated < want {
        return waiting(
            obj,
            format!("{updated} out of {want} new replicas have been updated"),
        );
    }
    if replicas > updated {
        return waiting(
            obj,
            format!(
                "{} old replicas are pending termination",
                replicas - updated
            ),
        );
    }
    if available < updated {
        return waiting(
            obj,
            format!("{available} of {updated} updated replicas are available"),
        );
    }
    Readiness::Ready
}

/// `spec.updateStrategy.type`, which the API server defaults to
/// `RollingUpdate`.
fn rolling(obj: &Json) -> bool {
    text(obj, &["spec", "updateStrategy", "type"]).unwrap_or("RollingUpdate") == "RollingUpdate"
}

fn statefulset(obj: &Json) -> Readiness {
    if int(obj, &["status", "observedGeneration"]) == 0 || unobserved(obj) {
        return waiting(obj, "waiting for the spec update to be observed");
    }
    let want = spec_replicas(obj);
    let ready = int(obj, &["status", "readyReplicas"]);
    if ready < want {
        return waiting(
            obj,
            format!("waiting for {} pods to be ready", want - ready),
        );
    }
    // kubectl has no rollout status for OnDelete (the pods change only when
    // someone deletes them): ready pods are all there is to wait for.
    if !rolling(obj) {
        return Readiness::Ready;
    }
    let updated = int(obj, &["status", "updatedReplicas"]);
    // As kubectl: with a rollingUpdate section (the API server writes one
    // with partition 0), the pods at or above the partition must be
    // updated; without one, the update revision must be current.
    if let Some(ru) = at(obj, &["spec", "updateStrategy", "rollingUpdate"]).filter(|v| !v.is_null())
    {
        if let Some(partition) = ru.get("partition").and_then(Json::as_i64) {
            let due = want - partition;
            if updated < due {
                return waiting(
                    obj,
                    format!(
                        "partitioned roll out: {updated} out of {due} new pods have been updated"
                    ),
                );
            }
        }
        return Readiness::Ready;
    }
    let update = text(obj, &["status", "updateRevision"]).unwrap_or("");
    let current = text(obj, &["status", "currentRevision"]).unwrap_or("");
    if update != current {
        return waiting(
            obj,
            format!(
                "rolling update: {updated} pods at revision {update}, waiting for the rest \
                 (current revision {current})"
            ),
        );
    }
    Readiness::Ready
}

fn daemonset(obj: &Json) -> Readiness {
    if unobserved(obj) {
        return waiting(obj, "waiting for the spec update to be observed");
    }
    let desired = int(obj, &["status", "desiredNumberScheduled"]);
    let updated = int(obj, &["status", "updatedNumberScheduled"]);
    let available = int(obj, &["status", "numberAvailable"]);
    // kubectl has no rollout status for OnDelete (the pods change only when
    // someone deletes them): available pods are all there is to wait for.
    if !rolling(obj) {
        return if available < desired {
            waiting(obj, format!("{available} of {desired} pods are available"))
        } else {
            Readiness::Ready
        };
    }
    if updated < desired {
        return waiting(
            obj,
            format!("{updated} out of {desired} new pods have been updated"),
        );
    }
    if available < desired {
        return waiting(
            obj,
            format!("{available} of {desired} updated pods are available"),
        );
    }
    Readiness::Ready
}

fn job(obj: &Json) -> Readiness {
    if condition_is(obj, "Complete", "True") {
        return Readiness::Ready;
    }
    if condition_is(obj, "Failed", "True") {
        return Readiness::Failed(format!(
            "{}: failed{}",
            object_name(obj),
            condition_detail(condition(obj, "Failed"))
        ));
    }
    waiting(
        obj,
        format!(
            "not complete yet ({} active, {} succeeded, {} failed pods)",
            int(obj, &["status", "active"]),
            int(obj, &["status", "succeeded"]),
            int(obj, &["status", "failed"])
        ),
    )
}

fn crd(obj: &Json) -> Readiness {
    if condition_is(obj, "Established", "True") {
        return Readiness::Ready;
    }
    // Names that clash with another definition stay refused until the
    // manifest changes.
    if condition_is(obj, "NamesAccepted", "False") {
        return Readiness::Failed(format!(
            "{}: names not accepted{}",
            object_name(obj),
            condition_detail(condition(obj, "NamesAccepted"))
        ));
    }
    waiting(
        obj,
        format!(
            "not established yet{}",
            condition_detail(condition(obj, "Established"))
        ),
    )
}

/// What the rule selects, for messages: `RokCluster rok/rok`,
/// `Pod in rok-system with app=x`.
fn selection(rule: &ReadyRule) -> String {
    match (&rule.name, &rule.selector, &rule.namespace) {
        (Some(n), _, Some(ns)) => format!("{} {ns}/{n}", rule.kind),
        (Some(n), _, None) => format!("{} {n}", rule.kind),
        (None, Some(s), Some(ns)) => format!("{} in {ns} with {s}", rule.kind),
        (None, Some(s), None) => format!("{} with {s}", rule.kind),
        (None, None, Some(ns)) => format!("{} in {ns}", rule.kind),
        (None, None, None) => rule.kind.clone(),
    }
}

/// The value at a dotted path (`status.health`; `status.nodes[0].state`
/// indexes a list).
pub fn field<'a>(obj: &'a Json, path: &str) -> Option<&'a Json> {
    let mut v = obj;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            v = v.get(key)?;
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            v = v.get(r[..end].trim().parse::<usize>().ok()?)?;
            rest = &r[end + 1..];
        }
    }
    Some(v)
}

/// A value as the text a rule compares: strings as they are, numbers and
/// booleans as JSON prints them; `None` for null or absent.
fn scalar_text(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn check_one(check: &ReadyCheck, obj: &Json) -> Result<(), String> {
    match check {
        ReadyCheck::Field { path, equals } => match scalar_text(field(obj, path)) {
            Some(t) if t == *equals => Ok(()),
            Some(t) => Err(format!(
                "{}: {path} is {t:?}, waiting for {equals:?}",
                object_name(obj)
            )),
            None => Err(format!(
                "{}: {path} is not set, waiting for {equals:?}",
                object_name(obj)
            )),
        },
        ReadyCheck::Condition { type_, status } => {
            let c = condition(obj, type_);
            match c.and_then(|c| text(c, &["status"])) {
                Some(s) if s == status => Ok(()),
                Some(s) => Err(format!(
                    "{}: condition {type_} is {s:?}{}, waiting for {status:?}",
                    object_name(obj),
                    condition_detail(c)
                )),
                None => Err(format!(
                    "{}: condition {type_} is not set, waiting for {status:?}",
                    object_name(obj)
                )),
            }
        }
    }
}

/// A plan rule over the objects it selected (by name or selector): at least
/// one must exist, and all must pass the check.
pub fn rule(rule: &ReadyRule, objs: &[Json]) -> Readiness {
    if objs.is_empty() {
        return Readiness::Waiting(format!("no {} yet", selection(rule)));
    }
    let failing: Vec<String> = objs
        .iter()
        .filter_map(|o| check_one(&rule.check, o).err())
        .collect();
    match failing.len() {
        0 => Readiness::Ready,
        1 => Readiness::Waiting(failing[0].clone()),
        n => Readiness::Waiting(format!("{} (and {} more)", failing[0], n - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn waiting_msg(r: Readiness) -> String {
        match r {
            Readiness::Waiting(m) => m,
            other => panic!("expected Waiting, got {other:?}"),
        }
    }

    fn failed_msg(r: Readiness) -> String {
        match r {
            Readiness::Failed(m) => m,
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    fn deploy(generation: i64, status: Json) -> Json {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x", "namespace": "rok", "generation": generation},
            "spec": {"replicas": 3},
            "status": status
        })
    }

    #[test]
    fn deployment_follows_rollout_status() {
        let d = deploy(
            2,
            json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}),
        );
        assert_eq!(
            waiting_msg(builtin(&d)),
            "Deployment rok/x: waiting for the spec update to be observed"
        );
        let d = deploy(
            2,
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1, "availableReplicas": 1}),
        );
        assert_eq!(
            waiting_msg(builtin(&d)),
            "Deployment rok/x: 1 out of 3 new replicas have been updated"
        );
        let d = deploy(
            2,
            json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3, "availableReplicas": 3}),
        );
        assert_eq!(
            waiting_msg(builtin(&d)),
            "Deployment rok/x: 1 old replicas are pending termination"
        );
        let d = deploy(
            2,
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}),
        );
        assert_eq!(
            waiting_msg(builtin(&d)),
            "Deployment rok/x: 1 of 3 updated replicas are available"
        );
        let d = deploy(
            2,
            json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}),
        );
        assert_eq!(builtin(&d), Readiness::Ready);
    }

    #[test]
    fn deployment_past_its_deadline_fails_and_replicas_default_to_one() {
        let d = deploy(
            1,
            json!({"observedGeneration": 1, "updatedReplicas": 1, "conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                 "message": "ReplicaSet \"x-1\" has timed out progressing."}]}),
        );
        assert_eq!(
            failed_msg(builtin(&d)),
            "Deployment rok/x: exceeded its progress deadline (ProgressDeadlineExceeded: ReplicaSet \"x-1\" has timed out progressing.)"
        );
        let mut d = deploy(
            1,
            json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 0}),
        );
        d["spec"].as_object_mut().unwrap().remove("replicas");
        assert_eq!(
            waiting_msg(builtin(&d)),
            "Deployment rok/x: 0 out of 1 new replicas have been updated"
        );
        // Scaled to zero: nothing to wait for.
        let mut d = deploy(1, json!({"observedGeneration": 1}));
        d["spec"]["replicas"] = json!(0);
        assert_eq!(builtin(&d), Readiness::Ready);
    }

    fn sts(strategy: Json, status: Json) -> Json {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "db", "generation": 3},
            "spec": {"replicas": 3, "updateStrategy": strategy},
            "status": status
        })
    }

    #[test]
    fn statefulset_follows_rollout_status() {
        let rolling = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
        let s = sts(rolling.clone(), json!({"readyReplicas": 3}));
        assert_eq!(
            waiting_msg(builtin(&s)),
            "StatefulSet db/web: waiting for the spec update to be observed"
        );
        let s = sts(
            rolling.clone(),
            json!({"observedGeneration": 2, "readyReplicas": 3}),
        );
        assert!(waiting_msg(builtin(&s)).contains("spec update to be observed"));
        let s = sts(
            rolling.clone(),
            json!({"observedGeneration": 3, "readyReplicas": 1}),
        );
        assert_eq!(
            waiting_msg(builtin(&s)),
            "StatefulSet db/web: waiting for 2 pods to be ready"
        );
        let s = sts(
            rolling.clone(),
            json!({"observedGeneration": 3, "readyReplicas": 3, "updatedReplicas": 2}),
        );
        assert_eq!(
            waiting_msg(builtin(&s)),
            "StatefulSet db/web: partitioned roll out: 2 out of 3 new pods have been updated"
        );
        let s = sts(
            rolling,
            json!({"observedGeneration": 3, "readyReplicas": 3, "updatedReplicas": 3}),
        );
        assert_eq!(builtin(&s), Readiness::Ready);
        // A partition of 2 leaves two pods on the old revision on purpose.
        let s = sts(
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}),
            json!({"observedGeneration": 3, "readyReplicas": 3, "updatedReplicas": 1}),
        );
        assert_eq!(builtin(&s), Readiness::Ready);
    }

    #[test]
    fn statefulset_without_rolling_update_section_compares_revisions() {
        let s = sts(
            json!({"type": "RollingUpdate"}),
            json!({"observedGeneration": 3, "readyReplicas": 3, "updatedReplicas": 1,
                   "currentRevision": "web-1", "updateRevision": "web-2"}),
        );
        assert_eq!(
            waiting_msg(builtin(&s)),
            "StatefulSet db/web: rolling update: 1 pods at revision web-2, waiting for the rest (current revision web-1)"
        );
        let s = sts(
            json!({}),
            json!({"observedGeneration": 3, "readyReplicas": 3, "updatedReplicas": 3,
                   "currentRevision": "web-2", "updateRevision": "web-2"}),
        );
        assert_eq!(builtin(&s), Readiness::Ready);
        // OnDelete: the pods must be ready, not replaced.
        let s = sts(
            json!({"type": "OnDelete"}),
            json!({"observedGeneration": 3, "readyReplicas": 3, "updatedReplicas": 0,
                   "currentRevision": "web-1", "updateRevision": "web-2"}),
        );
        assert_eq!(builtin(&s), Readiness::Ready);
        let s = sts(
            json!({"type": "OnDelete"}),
            json!({"observedGeneration": 3, "readyReplicas": 2}),
        );
        assert_eq!(
            waiting_msg(builtin(&s)),
            "StatefulSet db/web: waiting for 1 pods to be ready"
        );
    }

    #[test]
    fn daemonset_follows_rollout_status() {
        let ds = |generation: i64, status: Json, strategy: Json| {
            json!({
                "apiVersion": "apps/v1", "kind": "DaemonSet",
                "metadata": {"name": "node", "namespace": "rok", "generation": generation},
                "spec": {"updateStrategy": strategy},
                "status": status
            })
        };
        let ru = json!({"type": "RollingUpdate"});
        assert_eq!(
            waiting_msg(builtin(&ds(
                2,
                json!({"observedGeneration": 1}),
                ru.clone()
            ))),
            "DaemonSet rok/node: waiting for the spec update to be observed"
        );
        assert_eq!(
            waiting_msg(builtin(&ds(
                1,
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 2, "numberAvailable": 3}),
                ru.clone()
            ))),
            "DaemonSet rok/node: 2 out of 3 new pods have been updated"
        );
        assert_eq!(
            waiting_msg(builtin(&ds(
                1,
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 0}),
                ru.clone()
            ))),
            "DaemonSet rok/node: 0 of 3 updated pods are available"
        );
        assert_eq!(
            builtin(&ds(
                1,
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}),
                ru
            )),
            Readiness::Ready
        );
        // OnDelete: the pods must be available, not replaced.
        let on_delete = json!({"type": "OnDelete"});
        assert_eq!(
            builtin(&ds(
                1,
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 0, "numberAvailable": 3}),
                on_delete.clone()
            )),
            Readiness::Ready
        );
        assert_eq!(
            waiting_msg(builtin(&ds(
                1,
                json!({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 1}),
                on_delete.clone()
            ))),
            "DaemonSet rok/node: 1 of 3 pods are available"
        );
        assert!(
            waiting_msg(builtin(&ds(5, json!({"observedGeneration": 1}), on_delete)))
                .contains("spec update to be observed")
        );
    }

    #[test]
    fn crds_jobs_and_everything_else() {
        let crd = |conds: Json| {
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                   "metadata": {"name": "rokclusters.rok.arrikto.com"}, "status": {"conditions": conds}})
        };
        assert_eq!(
            builtin(&crd(
                json!([{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "True"}])
            )),
            Readiness::Ready
        );
        assert_eq!(
            waiting_msg(builtin(&crd(json!([{"type": "Established", "status": "False", "reason": "Installing"}])))),
            "CustomResourceDefinition rokclusters.rok.arrikto.com: not established yet (Installing)"
        );
        assert!(failed_msg(builtin(&crd(json!([
            {"type": "NamesAccepted", "status": "False", "reason": "MultipleConflicts"}
        ]))))
        .contains("names not accepted (MultipleConflicts)"));

        let job = |conds: Json| {
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": "rok"},
                   "status": {"active": 1, "conditions": conds}})
        };
        assert_eq!(
            builtin(&job(json!([{"type": "Complete", "status": "True"}]))),
            Readiness::Ready
        );
        assert_eq!(
            failed_msg(builtin(&job(json!([
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}
            ])))),
            "Job rok/migrate: failed (BackoffLimitExceeded: Job has reached the specified backoff limit)"
        );
        assert_eq!(
            waiting_msg(builtin(&job(json!([])))),
            "Job rok/migrate: not complete yet (1 active, 0 succeeded, 0 failed pods)"
        );

        assert_eq!(
            builtin(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})),
            Readiness::Ready
        );
        // A custom kind that happens to be called Deployment is not judged
        // by the apps rules.
        assert_eq!(
            builtin(
                &json!({"apiVersion": "example.com/v1", "kind": "Deployment",
                            "metadata": {"name": "d", "generation": 9}, "status": {}})
            ),
            Readiness::Ready
        );
    }

    fn rule_of(name: Option<&str>, selector: Option<&str>, check: ReadyCheck) -> ReadyRule {
        ReadyRule {
            api_version: None,
            kind: "RokCluster".into(),
            namespace: Some("rok".into()),
            name: name.map(String::from),
            selector: selector.map(String::from),
            name_prefix: None,
            check,
            line: 1,
        }
    }

    fn health(value: Option<Json>) -> Json {
        let mut o = json!({"kind": "RokCluster", "metadata": {"name": "rok", "namespace": "rok"}, "status": {}});
        if let Some(v) = value {
            o["status"]["health"] = v;
        }
        o
    }

    #[test]
    fn field_rules() {
        let r = rule_of(
            Some("rok"),
            None,
            ReadyCheck::Field {
                path: "status.health".into(),
                equals: "OK".into(),
            },
        );
        assert_eq!(waiting_msg(rule(&r, &[])), "no RokCluster rok/rok yet");
        assert_eq!(
            waiting_msg(rule(&r, &[health(Some(json!("Degraded")))])),
            "RokCluster rok/rok: status.health is \"Degraded\", waiting for \"OK\""
        );
        assert_eq!(
            waiting_msg(rule(&r, &[health(None)])),
            "RokCluster rok/rok: status.health is not set, waiting for \"OK\""
        );
        assert_eq!(
            waiting_msg(rule(&r, &[health(Some(Json::Null))])),
            "RokCluster rok/rok: status.health is not set, waiting for \"OK\""
        );
        assert_eq!(rule(&r, &[health(Some(json!("OK")))]), Readiness::Ready);

        // Numbers and booleans compare as JSON prints them.
        let n = rule_of(
            Some("rok"),
            None,
            ReadyCheck::Field {
                path: "status.health".into(),
                equals: "3".into(),
            },
        );
        assert_eq!(rule(&n, &[health(Some(json!(3)))]), Readiness::Ready);
        let b = rule_of(
            Some("rok"),
            None,
            ReadyCheck::Field {
                path: "status.health".into(),
                equals: "true".into(),
            },
        );
        assert_eq!(rule(&b, &[health(Some(json!(true)))]), Readiness::Ready);
        assert_eq!(
            waiting_msg(rule(&b, &[health(Some(json!(false)))])),
            "RokCluster rok/rok: status.health is \"false\", waiting for \"true\""
        );
    }

    #[test]
    fn field_paths_index_lists() {
        let o = json!({"status": {"nodes": [{"state": "up"}, {"state": "down"}]}});
        assert_eq!(field(&o, "status.nodes[1].state"), Some(&json!("down")));
        assert_eq!(field(&o, "status.nodes[2].state"), None);
        assert_eq!(field(&o, "status.missing"), None);
    }

    fn pod(name: &str, ready: Option<&str>) -> Json {
        let conds = match ready {
            Some(s) => json!([{"type": "Ready", "status": s, "reason": "ContainersNotReady"}]),
            None => json!([]),
        };
        json!({"kind": "Pod", "metadata": {"name": name, "namespace": "rok-system"},
               "status": {"conditions": conds}})
    }

    #[test]
    fn condition_rules_need_every_object() {
        let r = ReadyRule {
            api_version: None,
            kind: "Pod".into(),
            namespace: Some("rok-system".into()),
            name: None,
            selector: Some("app=rok-operator".into()),
            name_prefix: None,
            check: ReadyCheck::Condition {
                type_: "Ready".into(),
                status: "True".into(),
            },
            line: 3,
        };
        assert_eq!(
            waiting_msg(rule(&r, &[])),
            "no Pod in rok-system with app=rok-operator yet"
        );
        assert_eq!(
            rule(&r, &[pod("a", Some("True")), pod("b", Some("True"))]),
            Readiness::Ready
        );
        assert_eq!(
            waiting_msg(rule(&r, &[pod("a", Some("True")), pod("b", Some("False"))])),
            "Pod rok-system/b: condition Ready is \"False\" (ContainersNotReady), waiting for \"True\""
        );
        assert_eq!(
            waiting_msg(rule(&r, &[pod("a", None), pod("b", Some("False"))])),
            "Pod rok-system/a: condition Ready is not set, waiting for \"True\" (and 1 more)"
        );
        let cluster_wide = ReadyRule {
            namespace: None,
            ..r
        };
        assert_eq!(
            waiting_msg(rule(&cluster_wide, &[])),
            "no Pod with app=rok-operator yet"
        );
    }

    #[test]
    fn readiness_helpers() {
        assert!(Readiness::Ready.is_ready());
        assert_eq!(Readiness::Ready.message(), None);
        assert_eq!(Readiness::Waiting("w".into()).message(), Some("w"));
        assert!(!Readiness::Failed("f".into()).is_ready());
        assert_eq!(
            object_name(&json!({"kind": "StorageClass", "metadata": {"name": "rok"}})),
            "StorageClass rok"
        );
    }
}
