//! Readiness of applied objects: the built-in rules (CRDs, workloads, Jobs)
//! and the plan's custom rules.
