//! Output order: kustomize's "legacy" order (kinds ranked first and last,
//! then by group/version/kind string, namespace and name) or `fifo`.

use std::collections::HashMap;

use super::types::SortOptions;
use crate::resource::Resource;

/// kustomize's default first kinds, in order.
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// kustomize's default last kinds, in order.
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Sorts the list for output as the top kustomization's `sortOptions` say.
pub fn sort_for_output(res: &mut [Resource], opts: Option<&SortOptions>) {
    let (first, last): (Vec<&str>, Vec<&str>) = match opts {
        Some(o) if o.order == "fifo" => return,
        Some(o) if !o.legacy_order_first.is_empty() || !o.legacy_order_last.is_empty() => (
            o.legacy_order_first.iter().map(String::as_str).collect(),
            o.legacy_order_last.iter().map(String::as_str).collect(),
        ),
        _ => (ORDER_FIRST.to_vec(), ORDER_LAST.to_vec()),
    };
    let mut rank: HashMap<&str, i64> = HashMap::new();
    let n = first.len() as i64;
    for (i, k) in first.iter().enumerate() {
        rank.insert(k, i as i64 - n);
    }
    for (i, k) in last.iter().enumerate() {
        rank.insert(k, i as i64 + 1);
    }
    // the keys are sorted with each resource's position, then the
    // resources are put in that order in place (a render of 50,000
    // resources is tens of MiB: it is not moved into a second list)
    let mut keyed: Vec<(i64, bool, String, String, usize)> = Vec::with_capacity(res.len());
    for (i, r) in res.iter().enumerate() {
        let g = if r.group().is_empty() {
            "~G"
        } else {
            r.group()
        };
        let v = if r.version().is_empty() {
            "~V"
        } else {
            r.version()
        };
        let k = if r.kind().is_empty() { "~K" } else { r.kind() };
        let gvk = format!("{g}_{v}_{k}");
        let ns = if r.namespace().is_empty() {
            "~X"
        } else {
            r.namespace()
        };
        let nm = if r.name().is_empty() { "~N" } else { r.name() };
        let id = format!("{gvk}|{ns}|{nm}");
        // among kinds of equal rank, the core Namespace comes before a
        // custom `Namespace` kind of any group (kubectl 1.37)
        let core_ns = r.kind() == "Namespace" && r.group().is_empty();
        keyed.push((*rank.get(r.kind()).unwrap_or(&0), !core_ns, gvk, id, i));
    }
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
            .then_with(|| a.3.cmp(&b.3))
    });
    let order: Vec<usize> = keyed.into_iter().map(|(.., i)| i).collect();
    permute(res, order);
}

/// Puts `res` in the order `order` gives (`order[k]` is the position of
/// the resource that goes to `k`), in place, following each cycle of
/// the permutation.
fn permute<T>(res: &mut [T], mut order: Vec<usize>) {
    for start in 0..res.len() {
        if order[start] == start {
            continue;
        }
        let mut k = start;
        loop {
            let from = order[k];
            order[k] = k;
            if from == start {
                break;
            }
            res.swap(k, from);
            k = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_puts_every_element_where_order_says() {
        let orders: [&[usize]; 5] = [&[], &[0], &[1, 0], &[2, 0, 1], &[3, 4, 0, 2, 1, 5]];
        for order in orders {
            let mut v: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
            permute(&mut v, order.to_vec());
            let want: Vec<usize> = order.iter().map(|i| i * 10).collect();
            assert_eq!(v, want);
        }
    }
}
