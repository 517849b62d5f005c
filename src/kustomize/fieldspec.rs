//! Field specs: where in which kinds each transformer looks (kustomize's
//! built-in transformer configuration), and walking a path in an object.
//!
//! The defaults are kustomize v5.8's built-in field specs, kept as a compact
//! line table (`DEFAULTS`) parsed once. Line format:
//!
//! - `== section` starts a section (`namePrefix`, `commonLabels`, ...);
//! - `-> Kind [g=group] [v=version]` starts a name-reference target;
//! - `path Kind|* [g=group] [v=version] [c]` is one field spec (`*`: any kind,
//!   `c`: create the field when missing).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::yaml::Value;

/// One place a transformer acts on: kinds it applies to and a path
/// (`spec/template/metadata/labels`, `[]` marks a list).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSpec {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub path: String,
    pub create: bool,
}

/// A kind that others refer to by name, and the fields that refer to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameBackRef {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub referrers: Vec<FieldSpec>,
}

/// The field specs of every built-in transformer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransformerConfig {
    pub name_prefix: Vec<FieldSpec>,
    pub name_suffix: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub common_labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub name_reference: Vec<NameBackRef>,
    pub var_reference: Vec<FieldSpec>,
    /// `labels:` of a configurations file (extra places for `labels` entries).
    pub labels: Vec<FieldSpec>,
    /// `volumeClaimTemplateLabels` (for `labels` entries with
    /// `includeVolumeClaimTemplates`).
    pub volume_claim_template_labels: Vec<FieldSpec>,
}

const DEFAULTS: &str = r"
== namePrefix
metadata/name *
== nameSuffix
metadata/name *
== commonLabels
spec/selector Service v=v1 c
spec/selector ReplicationController v=v1 c
spec/selector/matchLabels Deployment c
spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels Deployment g=apps
spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels Deployment g=apps
spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels Deployment g=apps
spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels Deployment g=apps
spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels Deployment g=apps
spec/selector/matchLabels ReplicaSet c
spec/selector/matchLabels DaemonSet c
spec/selector/matchLabels StatefulSet g=apps c
spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels StatefulSet g=apps
spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels StatefulSet g=apps
spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels StatefulSet g=apps
spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels StatefulSet g=apps
spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels StatefulSet g=apps
spec/selector/matchLabels Job g=batch
spec/jobTemplate/spec/selector/matchLabels CronJob g=batch
spec/selector/matchLabels PodDisruptionBudget g=policy
spec/podSelector/matchLabels NetworkPolicy g=networking.k8s.io
spec/ingress/from/podSelector/matchLabels NetworkPolicy g=networking.k8s.io
spec/egress/to/podSelector/matchLabels NetworkPolicy g=networking.k8s.io
metadata/labels * c
spec/template/metadata/labels ReplicationController v=v1 c
spec/template/metadata/labels Deployment c
spec/template/metadata/labels ReplicaSet c
spec/template/metadata/labels DaemonSet c
spec/template/metadata/labels StatefulSet g=apps c
spec/volumeClaimTemplates[]/metadata/labels StatefulSet g=apps c
spec/template/metadata/labels Job g=batch c
spec/jobTemplate/metadata/labels CronJob g=batch c
spec/jobTemplate/spec/template/metadata/labels CronJob g=batch c
== templateLabels
metadata/labels * c
spec/template/metadata/labels ReplicationController v=v1 c
spec/template/metadata/labels Deployment c
spec/template/metadata/labels ReplicaSet c
spec/template/metadata/labels DaemonSet c
spec/template/metadata/labels StatefulSet g=apps c
spec/volumeClaimTemplates[]/metadata/labels StatefulSet g=apps c
spec/template/metadata/labels Job g=batch c
spec/jobTemplate/metadata/labels CronJob g=batch c
spec/jobTemplate/spec/template/metadata/labels CronJob g=batch c
== volumeClaimTemplateLabels
spec/volumeClaimTemplates[]/metadata/labels StatefulSet g=apps c
== commonAnnotations
metadata/annotations * c
spec/template/metadata/annotations ReplicationController v=v1 c
spec/template/metadata/annotations Deployment c
spec/template/metadata/annotations ReplicaSet c
spec/template/metadata/annotations DaemonSet c
spec/template/metadata/annotations StatefulSet c
spec/template/metadata/annotations Job g=batch c
spec/jobTemplate/metadata/annotations CronJob g=batch c
spec/jobTemplate/spec/template/metadata/annotations CronJob g=batch c
== namespace
metadata/name Namespace c
spec/service/namespace APIService g=apiregistration.k8s.io c
spec/conversion/webhook/clientConfig/service/namespace CustomResourceDefinition g=apiextensions.k8s.io
== varReference
spec/jobTemplate/spec/template/spec/containers/args CronJob
spec/jobTemplate/spec/template/spec/containers/command CronJob
spec/jobTemplate/spec/template/spec/containers/env/value CronJob
spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath CronJob
spec/jobTemplate/spec/template/spec/initContainers/args CronJob
spec/jobTemplate/spec/template/spec/initContainers/command CronJob
spec/jobTemplate/spec/template/spec/initContainers/env/value CronJob
spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath CronJob
spec/jobTemplate/spec/template/volumes/nfs/server CronJob
spec/template/spec/containers/args DaemonSet
spec/template/spec/containers/command DaemonSet
spec/template/spec/containers/env/value DaemonSet
spec/template/spec/containers/volumeMounts/mountPath DaemonSet
spec/template/spec/initContainers/args DaemonSet
spec/template/spec/initContainers/command DaemonSet
spec/template/spec/initContainers/env/value DaemonSet
spec/template/spec/initContainers/volumeMounts/mountPath DaemonSet
spec/template/spec/volumes/nfs/server DaemonSet
spec/template/spec/containers/args Deployment
spec/template/spec/containers/command Deployment
spec/template/spec/containers/env/value Deployment
spec/template/spec/containers/volumeMounts/mountPath Deployment
spec/template/spec/initContainers/args Deployment
spec/template/spec/initContainers/command Deployment
spec/template/spec/initContainers/env/value Deployment
spec/template/spec/initContainers/volumeMounts/mountPath Deployment
spec/template/spec/volumes/nfs/server Deployment
spec/template/metadata/annotations Deployment
spec/rules/host Ingress
spec/tls/hosts Ingress
spec/tls/secretName Ingress
spec/template/spec/containers/args Job
spec/template/spec/containers/command Job
spec/template/spec/containers/env/value Job
spec/template/spec/containers/volumeMounts/mountPath Job
spec/template/spec/initContainers/args Job
spec/template/spec/initContainers/command Job
spec/template/spec/initContainers/env/value Job
spec/template/spec/initContainers/volumeMounts/mountPath Job
spec/template/spec/volumes/nfs/server Job
spec/containers/args Pod
spec/containers/command Pod
spec/containers/env/value Pod
spec/containers/volumeMounts/mountPath Pod
spec/initContainers/args Pod
spec/initContainers/command Pod
spec/initContainers/env/value Pod
spec/initContainers/volumeMounts/mountPath Pod
spec/volumes/nfs/server Pod
spec/template/spec/containers/args ReplicaSet
spec/template/spec/containers/command ReplicaSet
spec/template/spec/containers/env/value ReplicaSet
spec/template/spec/containers/volumeMounts/mountPath ReplicaSet
spec/template/spec/initContainers/args ReplicaSet
spec/template/spec/initContainers/command ReplicaSet
spec/template/spec/initContainers/env/value ReplicaSet
spec/template/spec/initContainers/volumeMounts/mountPath ReplicaSet
spec/template/spec/volumes/nfs/server ReplicaSet
spec/ports/port Service
spec/ports/targetPort Service
spec/template/spec/containers/args StatefulSet
spec/template/spec/containers/command StatefulSet
spec/template/spec/containers/env/value StatefulSet
spec/template/spec/containers/volumeMounts/mountPath StatefulSet
spec/template/spec/initContainers/args StatefulSet
spec/template/spec/initContainers/command StatefulSet
spec/template/spec/initContainers/env/value StatefulSet
spec/template/spec/initContainers/volumeMounts/mountPath StatefulSet
spec/volumeClaimTemplates/spec/nfs/server StatefulSet
spec/nfs/server PersistentVolume
metadata/labels *
metadata/annotations *
== nameReference
-> Deployment
spec/scaleTargetRef/name HorizontalPodAutoscaler
-> ReplicationController
spec/scaleTargetRef/name HorizontalPodAutoscaler
-> ReplicaSet
spec/scaleTargetRef/name HorizontalPodAutoscaler
-> StatefulSet
spec/scaleTargetRef/name HorizontalPodAutoscaler
-> ConfigMap v=v1
spec/volumes/configMap/name Pod v=v1
spec/containers/env/valueFrom/configMapKeyRef/name Pod v=v1
spec/initContainers/env/valueFrom/configMapKeyRef/name Pod v=v1
spec/containers/envFrom/configMapRef/name Pod v=v1
spec/initContainers/envFrom/configMapRef/name Pod v=v1
spec/volumes/projected/sources/configMap/name Pod v=v1
template/spec/volumes/configMap/name PodTemplate
template/spec/containers/env/valueFrom/configMapKeyRef/name PodTemplate
template/spec/initContainers/env/valueFrom/configMapKeyRef/name PodTemplate
template/spec/containers/envFrom/configMapRef/name PodTemplate
template/spec/initContainers/envFrom/configMapRef/name PodTemplate
template/spec/volumes/projected/sources/configMap/name PodTemplate
spec/template/spec/volumes/configMap/name Deployment
spec/template/spec/containers/env/valueFrom/configMapKeyRef/name Deployment
spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name Deployment
spec/template/spec/containers/envFrom/configMapRef/name Deployment
spec/template/spec/initContainers/envFrom/configMapRef/name Deployment
spec/template/spec/volumes/projected/sources/configMap/name Deployment
spec/template/spec/volumes/configMap/name ReplicaSet
spec/template/spec/containers/env/valueFrom/configMapKeyRef/name ReplicaSet
spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name ReplicaSet
spec/template/spec/containers/envFrom/configMapRef/name ReplicaSet
spec/template/spec/initContainers/envFrom/configMapRef/name ReplicaSet
spec/template/spec/volumes/projected/sources/configMap/name ReplicaSet
spec/template/spec/volumes/configMap/name DaemonSet
spec/template/spec/containers/env/valueFrom/configMapKeyRef/name DaemonSet
spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name DaemonSet
spec/template/spec/containers/envFrom/configMapRef/name DaemonSet
spec/template/spec/initContainers/envFrom/configMapRef/name DaemonSet
spec/template/spec/volumes/projected/sources/configMap/name DaemonSet
spec/template/spec/volumes/configMap/name StatefulSet
spec/template/spec/containers/env/valueFrom/configMapKeyRef/name StatefulSet
spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name StatefulSet
spec/template/spec/containers/envFrom/configMapRef/name StatefulSet
spec/template/spec/initContainers/envFrom/configMapRef/name StatefulSet
spec/template/spec/volumes/projected/sources/configMap/name StatefulSet
spec/template/spec/volumes/configMap/name Job
spec/template/spec/containers/env/valueFrom/configMapKeyRef/name Job
spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name Job
spec/template/spec/containers/envFrom/configMapRef/name Job
spec/template/spec/initContainers/envFrom/configMapRef/name Job
spec/template/spec/volumes/projected/sources/configMap/name Job
spec/jobTemplate/spec/template/spec/volumes/configMap/name CronJob
spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name CronJob
spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name CronJob
spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name CronJob
spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name CronJob
spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name CronJob
spec/configSource/configMap Node
rules/resourceNames Role
rules/resourceNames ClusterRole
metadata/annotations/nginx.ingress.kubernetes.io\/fastcgi-params-configmap Ingress
-> Secret v=v1
spec/volumes/secret/secretName Pod v=v1
spec/containers/env/valueFrom/secretKeyRef/name Pod v=v1
spec/initContainers/env/valueFrom/secretKeyRef/name Pod v=v1
spec/containers/envFrom/secretRef/name Pod v=v1
spec/initContainers/envFrom/secretRef/name Pod v=v1
spec/imagePullSecrets/name Pod v=v1
spec/volumes/projected/sources/secret/name Pod v=v1
template/spec/volumes/secret/secretName PodTemplate
template/spec/containers/env/valueFrom/secretKeyRef/name PodTemplate
template/spec/initContainers/env/valueFrom/secretKeyRef/name PodTemplate
template/spec/containers/envFrom/secretRef/name PodTemplate
template/spec/initContainers/envFrom/secretRef/name PodTemplate
template/spec/imagePullSecrets/name PodTemplate
template/spec/volumes/projected/sources/secret/name PodTemplate
spec/template/spec/volumes/secret/secretName Deployment
spec/template/spec/containers/env/valueFrom/secretKeyRef/name Deployment
spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name Deployment
spec/template/spec/containers/envFrom/secretRef/name Deployment
spec/template/spec/initContainers/envFrom/secretRef/name Deployment
spec/template/spec/imagePullSecrets/name Deployment
spec/template/spec/volumes/projected/sources/secret/name Deployment
spec/template/spec/volumes/secret/secretName ReplicaSet
spec/template/spec/containers/env/valueFrom/secretKeyRef/name ReplicaSet
spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name ReplicaSet
spec/template/spec/containers/envFrom/secretRef/name ReplicaSet
spec/template/spec/initContainers/envFrom/secretRef/name ReplicaSet
spec/template/spec/imagePullSecrets/name ReplicaSet
spec/template/spec/volumes/projected/sources/secret/name ReplicaSet
spec/template/spec/volumes/secret/secretName DaemonSet
spec/template/spec/containers/env/valueFrom/secretKeyRef/name DaemonSet
spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name DaemonSet
spec/template/spec/containers/envFrom/secretRef/name DaemonSet
spec/template/spec/initContainers/envFrom/secretRef/name DaemonSet
spec/template/spec/imagePullSecrets/name DaemonSet
spec/template/spec/volumes/projected/sources/secret/name DaemonSet
spec/template/spec/volumes/secret/secretName StatefulSet
spec/template/spec/containers/env/valueFrom/secretKeyRef/name StatefulSet
spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name StatefulSet
spec/template/spec/containers/envFrom/secretRef/name StatefulSet
spec/template/spec/initContainers/envFrom/secretRef/name StatefulSet
spec/template/spec/imagePullSecrets/name StatefulSet
spec/template/spec/volumes/projected/sources/secret/name StatefulSet
spec/template/spec/volumes/secret/secretName Job
spec/template/spec/containers/env/valueFrom/secretKeyRef/name Job
spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name Job
spec/template/spec/containers/envFrom/secretRef/name Job
spec/template/spec/initContainers/envFrom/secretRef/name Job
spec/template/spec/imagePullSecrets/name Job
spec/template/spec/volumes/projected/sources/secret/name Job
spec/jobTemplate/spec/template/spec/volumes/secret/secretName CronJob
spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name CronJob
spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name CronJob
spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name CronJob
spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name CronJob
spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name CronJob
spec/jobTemplate/spec/template/spec/imagePullSecrets/name CronJob
spec/tls/secretName Ingress
metadata/annotations/ingress.kubernetes.io\/auth-secret Ingress
metadata/annotations/nginx.ingress.kubernetes.io\/auth-secret Ingress
metadata/annotations/nginx.ingress.kubernetes.io\/auth-tls-secret Ingress
spec/tls/secretName Ingress
imagePullSecrets/name ServiceAccount
parameters/secretName StorageClass
parameters/adminSecretName StorageClass
parameters/userSecretName StorageClass
parameters/secretRef StorageClass
rules/resourceNames Role
rules/resourceNames ClusterRole
spec/template/spec/containers/env/valueFrom/secretKeyRef/name Service g=serving.knative.dev v=v1
spec/azureFile/secretName PersistentVolume
-> Service v=v1
spec/serviceName StatefulSet g=apps
spec/rules/http/paths/backend/serviceName Ingress
spec/backend/serviceName Ingress
spec/rules/http/paths/backend/service/name Ingress
spec/defaultBackend/service/name Ingress
spec/service/name APIService g=apiregistration.k8s.io
webhooks/clientConfig/service ValidatingWebhookConfiguration g=admissionregistration.k8s.io
webhooks/clientConfig/service MutatingWebhookConfiguration g=admissionregistration.k8s.io
-> Role g=rbac.authorization.k8s.io
roleRef/name RoleBinding g=rbac.authorization.k8s.io
-> ClusterRole g=rbac.authorization.k8s.io
roleRef/name RoleBinding g=rbac.authorization.k8s.io
roleRef/name ClusterRoleBinding g=rbac.authorization.k8s.io
-> ServiceAccount v=v1
subjects RoleBinding g=rbac.authorization.k8s.io
subjects ClusterRoleBinding g=rbac.authorization.k8s.io
spec/serviceAccountName Pod
spec/template/spec/serviceAccountName StatefulSet
spec/template/spec/serviceAccountName Deployment
spec/template/spec/serviceAccountName ReplicationController
spec/jobTemplate/spec/template/spec/serviceAccountName CronJob
spec/template/spec/serviceAccountName Job
spec/template/spec/serviceAccountName DaemonSet
-> PersistentVolumeClaim v=v1
spec/volumes/persistentVolumeClaim/claimName Pod
spec/template/spec/volumes/persistentVolumeClaim/claimName StatefulSet
spec/template/spec/volumes/persistentVolumeClaim/claimName Deployment
spec/template/spec/volumes/persistentVolumeClaim/claimName ReplicationController
spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName CronJob
spec/template/spec/volumes/persistentVolumeClaim/claimName Job
spec/template/spec/volumes/persistentVolumeClaim/claimName DaemonSet
-> PersistentVolume v=v1
spec/volumeName PersistentVolumeClaim
rules/resourceNames ClusterRole
-> StorageClass g=storage.k8s.io v=v1
spec/storageClassName PersistentVolume
spec/storageClassName PersistentVolumeClaim
spec/volumeClaimTemplates/spec/storageClassName StatefulSet
-> PriorityClass g=scheduling.k8s.io v=v1
spec/priorityClassName Pod
spec/template/spec/priorityClassName StatefulSet
spec/template/spec/priorityClassName Deployment
spec/template/spec/priorityClassName ReplicationController
spec/jobTemplate/spec/template/spec/priorityClassName CronJob
spec/template/spec/priorityClassName Job
spec/template/spec/priorityClassName DaemonSet
-> IngressClass g=networking.k8s.io/v1 v=v1
spec/ingressClassName Ingress
-> ValidatingAdmissionPolicy g=admissionregistration.k8s.io
spec/policyName ValidatingAdmissionPolicyBinding
== images
spec/containers[]/image * c
spec/initContainers[]/image * c
spec/template/spec/containers[]/image * c
spec/template/spec/initContainers[]/image * c
== replicas
spec/replicas Deployment c
spec/replicas ReplicationController c
spec/replicas ReplicaSet c
spec/replicas StatefulSet c
";

impl FieldSpec {
    /// A spec for `path` on every kind.
    pub fn new(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            path: path.to_string(),
            create,
            ..Default::default()
        }
    }

    /// Reads one field spec (`{group, version, kind, path, create}`).
    pub fn from_value(v: &Value) -> Result<FieldSpec, String> {
        let m = v
            .as_map()
            .ok_or_else(|| format!("a field spec must be a mapping, found a {}", v.type_name()))?;
        let mut fs = FieldSpec::default();
        for (k, val) in m {
            match k.as_str() {
                "group" => fs.group = opt_text(val, k)?,
                "version" => fs.version = opt_text(val, k)?,
                "kind" => fs.kind = opt_text(val, k)?,
                "path" => fs.path = opt_text(val, k)?.unwrap_or_default(),
                "create" => {
                    fs.create = match val {
                        Value::Bool(b) => *b,
                        Value::Null => false,
                        _ => return Err("field spec 'create' must be true or false".into()),
                    }
                }
                _ => {}
            }
        }
        Ok(fs)
    }

    fn g(&self) -> &str {
        self.group.as_deref().unwrap_or("")
    }
    fn v(&self) -> &str {
        self.version.as_deref().unwrap_or("")
    }
    fn k(&self) -> &str {
        self.kind.as_deref().unwrap_or("")
    }

    /// Whether the spec's group/version/kind select the given ones (empty
    /// parts of the spec match anything).
    pub fn selects(&self, group: &str, version: &str, kind: &str) -> bool {
        gvk_selects(self.g(), self.v(), self.k(), group, version, kind)
    }

    /// Whether the spec applies to an object, judged by its `apiVersion`
    /// and `kind` (the group is what precedes the first `/`).
    pub fn matches_object(&self, obj: &Value) -> bool {
        let kind = obj.str_at(&["kind"]).unwrap_or("");
        let (g, v) = parse_group_version(obj.str_at(&["apiVersion"]).unwrap_or(""));
        self.selects(g, v, kind)
    }

    /// Same primary key (kustomize: the existing spec's GVK is selected by
    /// the other's, and the paths are equal).
    fn effectively_equals(&self, other: &FieldSpec) -> bool {
        self.path == other.path && other.selects(self.g(), self.v(), self.k())
    }
}

fn opt_text(v: &Value, key: &str) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Seq(_) | Value::Map(_) => Err(format!("field spec '{key}' must be a string")),
        other => Ok(other.scalar_string().filter(|s| !s.is_empty())),
    }
}

/// `true` when a selector (empty parts are wildcards) selects the GVK.
pub fn gvk_selects(sg: &str, sv: &str, sk: &str, group: &str, version: &str, kind: &str) -> bool {
    (sg.is_empty() || sg == group)
        && (sv.is_empty() || sv == version)
        && (sk.is_empty() || sk == kind)
}

/// Splits an `apiVersion` as kustomize does: group before the first `/`.
pub fn parse_group_version(api_version: &str) -> (&str, &str) {
    match api_version.find('/') {
        Some(i) => (&api_version[..i], &api_version[i + 1..]),
        None => ("", api_version),
    }
}

use super::sort::{ORDER_FIRST, ORDER_LAST};

/// kustomize's GVK ordering key (kind rank, then `group_version_kind` with
/// `~G`/`~V`/`~K` for empty parts), used to sort merged configurations.
fn gvk_sort_key(g: &str, v: &str, k: &str) -> (i64, String) {
    let rank = if let Some(i) = ORDER_FIRST.iter().position(|x| *x == k) {
        i as i64 - ORDER_FIRST.len() as i64
    } else if let Some(i) = ORDER_LAST.iter().position(|x| *x == k) {
        1 + i as i64
    } else {
        0
    };
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    (
        rank,
        format!("{}_{}_{}", or(g, "~G"), or(v, "~V"), or(k, "~K")),
    )
}

/// Splits a field-spec path at `/`; `\/` is a literal slash inside a name.
/// [`split_path`], memoized: the same few hundred field-spec paths are
/// walked for every resource.
fn split_path_cached(path: &str) -> std::rc::Rc<Vec<String>> {
    thread_local! {
        static CACHE: std::cell::RefCell<HashMap<String, std::rc::Rc<Vec<String>>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        if let Some(v) = c.borrow().get(path) {
            return v.clone();
        }
        let v = std::rc::Rc::new(split_path(path));
        c.borrow_mut().insert(path.to_string(), v.clone());
        v
    })
}

pub fn split_path(path: &str) -> Vec<String> {
    split_escaped(path, '/')
}

/// Splits at `sep`, where `\<sep>` keeps the separator inside a part.
pub fn split_escaped(path: &str, sep: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, part) in path.split(sep).enumerate() {
        if i > 0 {
            if let Some(last) = out.last_mut() {
                if last.ends_with('\\') {
                    last.pop();
                    last.push(sep);
                    last.push_str(part);
                    continue;
                }
            }
        }
        out.push(part.to_string());
    }
    out
}

/// What to create where a path's field is missing (only for specs with
/// `create: true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// Never create (images, name references).
    Nothing,
    /// The last field is a mapping (labels, annotations).
    Map,
    /// The last field is a scalar (names, namespaces, replicas).
    Scalar,
}

/// The callback a walk calls on each value found at the end of a path.
pub type Visit<'a> = dyn FnMut(&mut Value) -> Result<(), String> + 'a;

/// Calls `f` on every value at the spec's path in `obj`, if the spec's GVK
/// matches the object. Lists along the way are visited element by element
/// (with or without `[]` in the path). Missing fields end the walk, unless
/// the spec says `create` and `create` is not `Nothing`: then mappings are
/// created along the path and the last field as `create` says (never
/// through a `[]` segment). A null field found where the path hints at a
/// list (`[]`) or a created mapping becomes an empty one, as in kustomize.
pub fn walk_spec(
    obj: &mut Value,
    fs: &FieldSpec,
    create: CreateKind,
    f: &mut Visit,
) -> Result<(), String> {
    if !fs.matches_object(obj) {
        return Ok(());
    }
    let segs = split_path_cached(&fs.path);
    let create_on = fs.create && create != CreateKind::Nothing;
    let res = walk(obj, &segs, create_on, create, f);
    res.map_err(|e| {
        format!(
            "considering field '{}' of object {}: {}",
            fs.path,
            object_id(obj),
            e
        )
    })
}

/// Walks pre-split path segments (see [`walk_spec`]); no GVK check.
pub fn walk(
    node: &mut Value,
    segs: &[String],
    create_on: bool,
    create: CreateKind,
    f: &mut Visit,
) -> Result<(), String> {
    let Some(first) = segs.first() else {
        return f(node);
    };
    match node {
        Value::Null => Ok(()),
        Value::Seq(items) => {
            for it in items.iter_mut() {
                walk(it, segs, create_on, create, f)?;
            }
            Ok(())
        }
        Value::Map(m) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (first.as_str(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            let last = segs.len() == 1;
            // What a null field turns into (kustomize's "create kind").
            let hint: Option<Value>;
            let field = if !create_on || is_seq {
                hint = if is_seq {
                    Some(Value::Seq(Vec::new()))
                } else {
                    None
                };
                match m.get_mut(name) {
                    Some(v) => v,
                    None => return Ok(()),
                }
            } else {
                let made = if last && create == CreateKind::Scalar {
                    Value::Str(String::new())
                } else {
                    Value::new_map()
                };
                hint = Some(made.clone());
                m.entry(name.to_string()).or_insert(made)
            };
            if field.is_null() {
                if let Some(h) = hint {
                    *field = h;
                }
            }
            walk(field, &segs[1..], create_on, create, f)
        }
        _ => Err("expected sequence or mapping node".into()),
    }
}

/// `group_version_kind|namespace|name` of an object, for messages.
pub fn object_id(obj: &Value) -> String {
    let av = obj.str_at(&["apiVersion"]).unwrap_or("");
    let (g, v) = parse_group_version(av);
    let kind = obj.str_at(&["kind"]).unwrap_or("");
    let ns = obj.str_at(&["metadata", "namespace"]).unwrap_or("");
    let name = obj.str_at(&["metadata", "name"]).unwrap_or("");
    let g = if g.is_empty() { "~G" } else { g };
    let v = if v.is_empty() { "~V" } else { v };
    let ns = if ns.is_empty() { "~X" } else { ns };
    format!("{g}_{v}_{kind}|{ns}|{name}")
}

/// Adds a spec unless one with the same key is there (kustomize's
/// `MergeOne`); a same-key spec with a different `create` is an error.
pub fn merge_one(list: &mut Vec<FieldSpec>, fs: FieldSpec) -> Result<(), String> {
    if let Some(x) = list.iter().find(|x| x.effectively_equals(&fs)) {
        if x.create != fs.create {
            return Err("conflicting fieldspecs".into());
        }
        return Ok(());
    }
    list.push(fs);
    Ok(())
}

/// [`merge_one`] for each incoming spec, in order.
pub fn merge_all(list: &mut Vec<FieldSpec>, incoming: &[FieldSpec]) -> Result<(), String> {
    for fs in incoming {
        merge_one(list, fs.clone())?;
    }
    Ok(())
}

fn merge_backrefs(list: &mut Vec<NameBackRef>, incoming: &[NameBackRef]) -> Result<(), String> {
    for nb in incoming {
        let found = list
            .iter_mut()
            .find(|x| x.group == nb.group && x.version == nb.version && x.kind == nb.kind);
        match found {
            Some(x) => merge_all(&mut x.referrers, &nb.referrers)?,
            None => list.push(nb.clone()),
        }
    }
    Ok(())
}

fn sort_backrefs(list: &mut [NameBackRef]) {
    list.sort_by_cached_key(|b| gvk_sort_key(&b.group, &b.version, &b.kind));
}

fn sort_specs(list: &mut [FieldSpec]) {
    list.sort_by_cached_key(|f| gvk_sort_key(f.g(), f.v(), f.k()));
}

impl TransformerConfig {
    /// Sorts every list as kustomize sorts a merged configuration (by kind
    /// rank, then `group_version_kind`); it shows in error messages and in
    /// which name-reference target is tried first.
    fn sort_all(&mut self) {
        for key in LIST_KEYS {
            if let Some(l) = self.list_mut(key) {
                sort_specs(l);
            }
        }
        sort_backrefs(&mut self.name_reference);
    }
}

const LIST_KEYS: &[&str] = &[
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "templateLabels",
    "commonAnnotations",
    "images",
    "replicas",
    "varReference",
    "labels",
    "volumeClaimTemplateLabels",
];

/// A spec's GVK as kustomize prints it in messages:
/// `Kind.version.group`, `[noVer]` / `[noGrp]` for empty parts.
pub fn gvk_display(fs: &FieldSpec) -> String {
    crate::resource::gvk_message(fs.k(), fs.v(), fs.g())
}

fn parse_table(text: &str) -> Result<TransformerConfig, String> {
    let mut cfg = TransformerConfig::default();
    let mut section = String::new();
    for (ln, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut toks = line.split_whitespace();
        let head = toks.next().unwrap_or("");
        if head == "==" {
            section = toks.next().unwrap_or("").to_string();
            continue;
        }
        let (kind_tok, is_target) = if head == "->" {
            (toks.next().unwrap_or(""), true)
        } else {
            (toks.next().unwrap_or(""), false)
        };
        let mut fs = FieldSpec::default();
        if !is_target {
            fs.path = head.to_string();
        }
        if kind_tok != "*" && !kind_tok.is_empty() {
            fs.kind = Some(kind_tok.to_string());
        }
        for t in toks {
            if let Some(g) = t.strip_prefix("g=") {
                fs.group = Some(g.to_string());
            } else if let Some(v) = t.strip_prefix("v=") {
                fs.version = Some(v.to_string());
            } else if t == "c" {
                fs.create = true;
            } else {
                return Err(format!("field spec table line {}: bad token '{t}'", ln + 1));
            }
        }
        if is_target {
            cfg.name_reference.push(NameBackRef {
                group: fs.group.unwrap_or_default(),
                version: fs.version.unwrap_or_default(),
                kind: fs.kind.unwrap_or_default(),
                referrers: Vec::new(),
            });
            continue;
        }
        let list = match section.as_str() {
            "nameReference" => match cfg.name_reference.last_mut() {
                Some(b) => &mut b.referrers,
                None => return Err(format!("field spec table line {}: no target", ln + 1)),
            },
            s => cfg.list_mut(s).ok_or_else(|| {
                format!("field spec table line {}: unknown section '{s}'", ln + 1)
            })?,
        };
        list.push(fs);
    }
    cfg.sort_all();
    Ok(cfg)
}

impl TransformerConfig {
    /// kustomize's defaults (parsed once, cloned on each call).
    pub fn defaults() -> TransformerConfig {
        TransformerConfig::shared_defaults().as_ref().clone()
    }

    /// kustomize's defaults, shared: cloned only when a kustomization's
    /// `configurations` or `crds` change them.
    pub fn shared_defaults() -> std::sync::Arc<TransformerConfig> {
        static DEFAULT: OnceLock<std::sync::Arc<TransformerConfig>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| std::sync::Arc::new(parse_table(DEFAULTS).unwrap_or_default()))
            .clone()
    }

    /// Merges another configuration into this one, as kustomize merges a
    /// sub-kustomization's configuration into its parent's.
    pub fn merge_config(&mut self, other: &TransformerConfig) -> Result<(), String> {
        if self == other {
            return Ok(());
        }
        let mut other = other.clone();
        for key in LIST_KEYS {
            if let (Some(mine), Some(theirs)) = (self.list_mut(key), other.list_mut(key)) {
                merge_all(mine, theirs)?;
            }
        }
        merge_backrefs(&mut self.name_reference, &other.name_reference)?;
        self.sort_all();
        Ok(())
    }

    /// The field-spec list a configuration key names.
    fn list_mut(&mut self, key: &str) -> Option<&mut Vec<FieldSpec>> {
        Some(match key {
            "namePrefix" => &mut self.name_prefix,
            "nameSuffix" => &mut self.name_suffix,
            "namespace" => &mut self.namespace,
            "commonLabels" => &mut self.common_labels,
            "templateLabels" => &mut self.template_labels,
            "commonAnnotations" => &mut self.common_annotations,
            "images" => &mut self.images,
            "replicas" => &mut self.replicas,
            "varReference" => &mut self.var_reference,
            "labels" => &mut self.labels,
            "volumeClaimTemplateLabels" => &mut self.volume_claim_template_labels,
            _ => return None,
        })
    }

    /// Adds the specs of a `configurations:` file (kustomize's transformer
    /// config shape: `namePrefix: [fieldSpec]`, ..., `nameReference:
    /// [{group, version, kind, fieldSpecs: [fieldSpec]}]`). Specs already
    /// present are skipped; a same-key spec with another `create` is an
    /// error. Unknown keys are ignored, as kustomize does.
    /// Merges a `configurations:` file into this configuration, the file's
    /// specs first: a spec already here that a file's spec of the same path
    /// selects is dropped (kustomize merges the defaults into the file's
    /// configuration; see `Renderer::accumulate_inner`).
    pub fn merge_value(&mut self, v: &Value) -> Result<(), String> {
        let mut file = TransformerConfig::default();
        file.merge_value_into(v)?;
        for key in LIST_KEYS {
            if let (Some(mine), Some(theirs)) = (self.list_mut(key), file.list_mut(key)) {
                let mut merged = Vec::new();
                merge_all(&mut merged, theirs)
                    .and_then(|_| merge_all(&mut merged, mine))
                    .map_err(|e| format!("failed to merge {key} fieldSpec: {e}"))?;
                *mine = merged;
            }
        }
        // name references: the file's back references after these
        merge_backrefs(&mut self.name_reference, &file.name_reference)
            .map_err(|e| format!("failed to merge NameReference fieldSpec: {e}"))?;
        self.sort_all();
        Ok(())
    }

    fn merge_value_into(&mut self, v: &Value) -> Result<(), String> {
        let m = match v {
            Value::Null => return Ok(()),
            Value::Map(m) => m,
            other => {
                return Err(format!(
                    "a transformer configuration must be a mapping, found a {}",
                    other.type_name()
                ))
            }
        };
        for (key, val) in m {
            if val.is_null() {
                continue;
            }
            if key == "nameReference" {
                let items = val
                    .as_seq()
                    .ok_or_else(|| "nameReference must be a list".to_string())?;
                let mut incoming = Vec::new();
                for it in items {
                    let im = it
                        .as_map()
                        .ok_or_else(|| "nameReference entries must be mappings".to_string())?;
                    let text = |k: &str| -> Result<String, String> {
                        Ok(im
                            .get(k)
                            .map(|x| opt_text(x, k))
                            .transpose()?
                            .flatten()
                            .unwrap_or_default())
                    };
                    let mut nb = NameBackRef {
                        group: text("group")?,
                        version: text("version")?,
                        kind: text("kind")?,
                        referrers: Vec::new(),
                    };
                    if let Some(fss) = im.get("fieldSpecs").filter(|x| !x.is_null()) {
                        let seq = fss
                            .as_seq()
                            .ok_or_else(|| "nameReference fieldSpecs must be a list".to_string())?;
                        for f in seq {
                            nb.referrers.push(FieldSpec::from_value(f)?);
                        }
                    }
                    incoming.push(nb);
                }
                merge_backrefs(&mut self.name_reference, &incoming)
                    .map_err(|e| format!("failed to merge NameReference fieldSpec: {e}"))?;
                continue;
            }
            let Some(list) = self.list_mut(key) else {
                continue;
            };
            let items = val
                .as_seq()
                .ok_or_else(|| format!("transformer configuration '{key}' must be a list"))?;
            let mut incoming = Vec::new();
            for it in items {
                incoming.push(FieldSpec::from_value(it)?);
            }
            merge_all(list, &incoming)
                .map_err(|e| format!("failed to merge {key} fieldSpec: {e}"))?;
        }
        self.sort_all();
        Ok(())
    }
}

impl TransformerConfig {
    /// Adds the field specs a `crds:` file implies (kustomize's
    /// LoadConfigFromCRDs). The file maps type names
    /// (`github.com/x/pkg/apis/v1.Kind`) to `{Schema: {properties}}`; a type
    /// whose properties include `kind`, `apiVersion` and `metadata` is a
    /// kind (the text after the type name's last `.`), and its properties,
    /// followed through `$ref`s, carry:
    /// `x-kubernetes-annotation` (a commonAnnotations spec),
    /// `x-kubernetes-label-selector` (commonLabels), `x-kubernetes-identity`
    /// (namePrefix), and `x-kubernetes-object-ref-api-version` with
    /// `x-kubernetes-object-ref-kind` (a name reference at
    /// `<path>/<x-kubernetes-object-ref-name-key or name>`).
    pub fn merge_crd_schema(&mut self, v: &Value) -> Result<(), String> {
        let Some(types) = v.as_map() else {
            return Err(
                "unable to parse open API definition: expected a mapping of type names".into(),
            );
        };
        let mut add = TransformerConfig::default();
        for (name, def) in types {
            let Some(props) = def
                .get_path(&["Schema", "properties"])
                .and_then(Value::as_map)
            else {
                continue;
            };
            if !(props.contains_key("kind")
                && props.contains_key("apiVersion")
                && props.contains_key("metadata"))
            {
                continue;
            }
            let kind = name.rsplit('.').next().unwrap_or(name).to_string();
            let mut path = Vec::new();
            crd_props(&mut add, &kind, types, name, &mut path, 0)?;
        }
        let merge = |list: &mut Vec<FieldSpec>, more: &[FieldSpec]| merge_all(list, more);
        merge(&mut self.common_annotations, &add.common_annotations)?;
        merge(&mut self.common_labels, &add.common_labels)?;
        merge(&mut self.name_prefix, &add.name_prefix)?;
        merge_backrefs(&mut self.name_reference, &add.name_reference)?;
        self.sort_all();
        Ok(())
    }
}

fn crd_props(
    cfg: &mut TransformerConfig,
    kind: &str,
    types: &crate::yaml::Mapping,
    type_name: &str,
    path: &mut Vec<String>,
    depth: usize,
) -> Result<(), String> {
    // Schemas may refer to themselves; kustomize would recurse forever.
    if depth > 64 {
        return Ok(());
    }
    let Some(props) = types
        .get(type_name)
        .and_then(|d| d.get_path(&["Schema", "properties"]))
        .and_then(Value::as_map)
    else {
        return Ok(());
    };
    for (prop, schema) in props {
        let ext = |k: &str| schema.get(k).and_then(Value::as_str);
        path.push(prop.clone());
        let fs = || FieldSpec {
            kind: Some(kind.to_string()),
            ..FieldSpec::new(&path.join("/"), false)
        };
        if ext("x-kubernetes-annotation").is_some() {
            merge_one(&mut cfg.common_annotations, fs())?;
        }
        if ext("x-kubernetes-label-selector").is_some() {
            merge_one(&mut cfg.common_labels, fs())?;
        }
        if ext("x-kubernetes-identity").is_some() {
            merge_one(&mut cfg.name_prefix, fs())?;
        }
        if let (Some(version), Some(target)) = (
            ext("x-kubernetes-object-ref-api-version"),
            ext("x-kubernetes-object-ref-kind"),
        ) {
            let key = ext("x-kubernetes-object-ref-name-key").unwrap_or("name");
            let referrer = FieldSpec {
                kind: Some(kind.to_string()),
                ..FieldSpec::new(&format!("{}/{}", path.join("/"), key), false)
            };
            merge_backrefs(
                &mut cfg.name_reference,
                &[NameBackRef {
                    group: String::new(),
                    version: version.to_string(),
                    kind: target.to_string(),
                    referrers: vec![referrer],
                }],
            )?;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            crd_props(cfg, kind, types, r, path, depth + 1)?;
        }
        path.pop();
    }
    Ok(())
}

/// Memo of [`backref_pairs_for`] by referrer (group, version, kind).
pub type BackrefCache = HashMap<(String, String, String), Vec<(usize, usize)>>;

/// Name-reference specs grouped for fast lookup by the referrer's GVK:
/// `(target index, referrer spec)` pairs in configuration order.
pub fn backref_pairs_for(
    cfg: &TransformerConfig,
    cache: &mut BackrefCache,
    group: &str,
    version: &str,
    kind: &str,
) -> Vec<(usize, usize)> {
    let key = (group.to_string(), version.to_string(), kind.to_string());
    if let Some(v) = cache.get(&key) {
        return v.clone();
    }
    let mut out = Vec::new();
    for (bi, b) in cfg.name_reference.iter().enumerate() {
        for (si, s) in b.referrers.iter().enumerate() {
            if s.selects(group, version, kind) {
                out.push((bi, si));
            }
        }
    }
    cache.insert(key, out.clone());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Mapping;

    fn map(pairs: &[(&str, Value)]) -> Value {
        let mut m = Mapping::new();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Map(m)
    }

    #[test]
    fn defaults_parse() {
        let c = TransformerConfig::defaults();
        assert_eq!(c.name_prefix, vec![FieldSpec::new("metadata/name", false)]);
        assert_eq!(c.common_labels.len(), 32);
        assert_eq!(c.template_labels.len(), 10);
        assert_eq!(c.common_annotations.len(), 9);
        assert_eq!(c.namespace.len(), 3);
        assert_eq!(c.images.len(), 4);
        assert!(c.images.iter().all(|f| f.create && f.kind.is_none()));
        assert_eq!(c.replicas.len(), 4);
        assert_eq!(c.var_reference.len(), 72);
        let kinds: Vec<&str> = c.name_reference.iter().map(|b| b.kind.as_str()).collect();
        // Sorted as kustomize sorts a merged configuration.
        assert_eq!(
            kinds,
            vec![
                "StorageClass",
                "ServiceAccount",
                "Role",
                "ClusterRole",
                "ConfigMap",
                "Secret",
                "Service",
                "PriorityClass",
                "PersistentVolume",
                "PersistentVolumeClaim",
                "Deployment",
                "StatefulSet",
                "ValidatingAdmissionPolicy",
                "IngressClass",
                "ReplicaSet",
                "ReplicationController"
            ]
        );
        let cm = c
            .name_reference
            .iter()
            .find(|b| b.kind == "ConfigMap")
            .unwrap();
        assert_eq!(cm.version, "v1");
        assert_eq!(cm.referrers.len(), 52);
        let secret = c
            .name_reference
            .iter()
            .find(|b| b.kind == "Secret")
            .unwrap();
        assert_eq!(secret.referrers.len(), 70);
        assert!(cm.referrers.iter().any(|f| f.path
            == "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"));
    }

    #[test]
    fn split_escaped() {
        assert_eq!(
            split_path("metadata/annotations/a.io\\/b"),
            vec!["metadata", "annotations", "a.io/b"]
        );
        assert_eq!(
            split_path("spec/containers[]/image"),
            vec!["spec", "containers[]", "image"]
        );
    }

    #[test]
    fn walk_lists_and_create() {
        let mut obj = map(&[
            ("apiVersion", "apps/v1".into()),
            ("kind", "Deployment".into()),
            (
                "spec",
                map(&[(
                    "template",
                    map(&[(
                        "spec",
                        map(&[(
                            "containers",
                            Value::Seq(vec![
                                map(&[("image", "a".into())]),
                                map(&[("name", "x".into())]),
                            ]),
                        )]),
                    )]),
                )]),
            ),
        ]);
        let mut seen = Vec::new();
        let fs = FieldSpec::new("spec/template/spec/containers[]/image", true);
        walk_spec(&mut obj, &fs, CreateKind::Nothing, &mut |v| {
            seen.push(v.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![Value::from("a")]);

        // create: mappings along the way, the leaf as asked
        let fs = FieldSpec {
            kind: Some("Deployment".into()),
            ..FieldSpec::new("spec/selector/matchLabels", true)
        };
        walk_spec(&mut obj, &fs, CreateKind::Map, &mut |v| {
            v.as_map_mut().unwrap().insert("k".into(), "v".into());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            obj.str_at(&["spec", "selector", "matchLabels", "k"]),
            Some("v")
        );

        // a non-matching kind is left alone
        let fs = FieldSpec {
            kind: Some("Service".into()),
            ..FieldSpec::new("spec/selector", true)
        };
        let before = obj.clone();
        walk_spec(
            &mut obj,
            &fs,
            CreateKind::Map,
            &mut |_| Err("called".into()),
        )
        .unwrap();
        assert_eq!(obj, before);

        // a scalar in the middle of the path is an error
        let mut bad = map(&[("kind", "X".into()), ("spec", "oops".into())]);
        let fs = FieldSpec::new("spec/a", true);
        assert!(walk_spec(&mut bad, &fs, CreateKind::Scalar, &mut |_| Ok(())).is_err());
    }

    #[test]
    fn null_becomes_list_with_hint() {
        let mut obj = map(&[
            ("kind", "Pod".into()),
            ("spec", map(&[("containers", Value::Null)])),
        ]);
        let fs = FieldSpec::new("spec/containers[]/image", true);
        walk_spec(&mut obj, &fs, CreateKind::Nothing, &mut |_| Ok(())).unwrap();
        assert_eq!(
            obj.get_path(&["spec", "containers"]),
            Some(&Value::Seq(vec![]))
        );
    }

    #[test]
    fn merge_configuration() {
        let mut c = TransformerConfig::defaults();
        let v = map(&[
            (
                "commonLabels",
                Value::Seq(vec![map(&[
                    ("path", "spec/foo/labels".into()),
                    ("kind", "Foo".into()),
                    ("create", Value::Bool(true)),
                ])]),
            ),
            (
                "nameReference",
                Value::Seq(vec![
                    map(&[
                        ("kind", "ConfigMap".into()),
                        ("version", "v1".into()),
                        (
                            "fieldSpecs",
                            Value::Seq(vec![map(&[
                                ("path", "spec/cm".into()),
                                ("kind", "Foo".into()),
                            ])]),
                        ),
                    ]),
                    map(&[
                        ("kind", "Bar".into()),
                        (
                            "fieldSpecs",
                            Value::Seq(vec![map(&[("path", "spec/bar".into())])]),
                        ),
                    ]),
                ]),
            ),
        ]);
        c.merge_value(&v).unwrap();
        assert!(c
            .common_labels
            .iter()
            .any(|f| f.path == "spec/foo/labels" && f.create));
        let cm = c
            .name_reference
            .iter()
            .find(|b| b.kind == "ConfigMap")
            .unwrap();
        assert_eq!(cm.referrers.last().unwrap().path, "spec/cm");
        assert!(c.name_reference.iter().any(|b| b.kind == "Bar"));
        // a duplicate is ignored; a conflicting create is an error
        let dup = map(&[(
            "commonLabels",
            Value::Seq(vec![map(&[
                ("path", "metadata/labels".into()),
                ("create", Value::Bool(true)),
            ])]),
        )]);
        let n = c.common_labels.len();
        c.merge_value(&dup).unwrap();
        assert_eq!(c.common_labels.len(), n);
        let conflict = map(&[(
            "commonLabels",
            Value::Seq(vec![map(&[("path", "metadata/labels".into())])]),
        )]);
        assert!(c.merge_value(&conflict).is_err());
    }
}
