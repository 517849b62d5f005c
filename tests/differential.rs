//! Differential tests: `gitops-upgrade render DIR` must print exactly the
//! bytes `kubectl kustomize DIR` prints, and fail exactly when it fails.
//!
//! Fixture layout (fixtures/kustomize/<case>/):
//! - the root kustomization is `<case>/` itself, unless a file `<case>/ROOT`
//!   names a subdirectory (e.g. `overlay`) to render instead;
//! - `<case>/EXPECT_ERROR` marks a case where both tools must fail; each
//!   non-empty line is a substring, one of which our one-line stderr must
//!   contain (the offending file's name);
//! - `<case>/OURS_ONLY` (with EXPECT_ERROR) marks a case where the reference
//!   cannot be run (kubectl expands a YAML alias bomb for minutes and
//!   gigabytes instead of failing); only our failure is checked, and it must
//!   come within `OURS_ONLY_LIMIT`;
//! - `<case>/SYMLINKS` lists `link -> target` lines (paths relative to the
//!   case dir); missing links are created before the case runs.
//!
//! One test per case (see `cases!` below); `fixture_inventory` checks that
//! every fixture directory is listed and that there are at least 70.

mod common;

use common::{kubectl, run_with_timeout, unified_diff};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIME_LIMIT: Duration = Duration::from_secs(120);
const OURS_ONLY_LIMIT: Duration = Duration::from_secs(20);
const MIN_CASES: usize = 70;

fn ours() -> &'static str {
    env!("CARGO_BIN_EXE_gitops-upgrade")
}

fn case_dir(case: &str) -> PathBuf {
    common::fixtures_dir().join(case)
}

/// The directory to render for `case`, relative to the crate root.
fn render_target(case: &str) -> PathBuf {
    let dir = case_dir(case);
    assert!(dir.is_dir(), "fixture {} is missing", dir.display());
    let rel = PathBuf::from("fixtures").join("kustomize").join(case);
    match fs::read_to_string(dir.join("ROOT")) {
        Ok(root) if !root.trim().is_empty() => rel.join(root.trim()),
        _ => rel,
    }
}

fn ensure_symlinks(case: &str) {
    let dir = case_dir(case);
    let Ok(spec) = fs::read_to_string(dir.join("SYMLINKS")) else {
        return;
    };
    for line in spec.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (link, target) = line
            .split_once("->")
            .unwrap_or_else(|| panic!("{case}/SYMLINKS: bad line {line:?}"));
        let link = dir.join(link.trim());
        let target = Path::new(target.trim());
        match fs::read_link(&link) {
            Ok(t) if t == target => continue,
            Ok(_) => fs::remove_file(&link).unwrap(),
            Err(_) if fs::symlink_metadata(&link).is_ok() => fs::remove_file(&link).unwrap(),
            Err(_) => {}
        }
        std::os::unix::fs::symlink(target, &link)
            .unwrap_or_else(|e| panic!("{case}: cannot create symlink {}: {e}", link.display()));
    }
}

fn expected_error(case: &str) -> Option<Vec<String>> {
    fs::read_to_string(case_dir(case).join("EXPECT_ERROR"))
        .ok()
        .map(|s| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
}

fn run_case(case: &str) {
    ensure_symlinks(case);
    if case_dir(case).join("OURS_ONLY").exists() {
        return run_ours_only(case);
    }
    let target = render_target(case);
    let root = common::crate_dir();
    let reference = run_with_timeout(
        Command::new(kubectl())
            .arg("kustomize")
            .arg(&target)
            .current_dir(&root)
            .env("GIT_TERMINAL_PROMPT", "0"),
        TIME_LIMIT,
    );
    // remote bases are cloned into a cache of the test's own
    let cache = tempfile::tempdir().unwrap();
    let mine = run_with_timeout(
        Command::new(ours())
            .arg("render")
            .arg(&target)
            .current_dir(&root)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("XDG_CACHE_HOME", cache.path()),
        TIME_LIMIT,
    );
    let expect_err = expected_error(case);
    let mut problems = Vec::new();

    // The fixture must say honestly whether the reference fails.
    match (&expect_err, reference.success()) {
        (Some(_), true) => {
            problems.push("fixture has EXPECT_ERROR but kubectl kustomize succeeded".to_string())
        }
        (None, false) => problems.push(format!(
            "kubectl kustomize failed ({}) but fixture has no EXPECT_ERROR: {}",
            reference.describe(),
            reference.stderr_str().trim()
        )),
        _ => {}
    }

    if mine.timed_out {
        problems.push(format!("ours timed out after {TIME_LIMIT:?}"));
    }
    if reference.success() != mine.success() {
        problems.push(format!(
            "exit status differs: kubectl {} / ours {}\n  kubectl stderr: {}\n  ours stderr: {}",
            reference.describe(),
            mine.describe(),
            reference.stderr_str().trim(),
            mine.stderr_str().trim()
        ));
    }
    if reference.stdout != mine.stdout {
        let d = unified_diff(
            &String::from_utf8_lossy(&reference.stdout),
            &String::from_utf8_lossy(&mine.stdout),
            "kubectl kustomize",
            "gitops-upgrade render",
        );
        problems.push(format!("stdout differs:\n{d}"));
    }
    if let Some(needles) = &expect_err {
        if !mine.success() {
            check_error_line(&mine, needles, &mut problems);
        }
    }
    report(case, &target, problems);
}

fn check_error_line(mine: &common::Output, needles: &[String], problems: &mut Vec<String>) {
    let err = mine.stderr_str();
    let trimmed = err.trim();
    if trimmed.is_empty() || trimmed.contains('\n') {
        problems.push(format!("our stderr must be exactly one line, got:\n{err}"));
    }
    if !needles.iter().any(|n| trimmed.contains(n.as_str())) {
        problems.push(format!(
            "our stderr must name the offending file (one of {needles:?}), got: {trimmed}"
        ));
    }
}

/// A case the reference cannot run (see OURS_ONLY): we must fail, quickly,
/// with one line naming the file.
fn run_ours_only(case: &str) {
    let target = render_target(case);
    let needles = expected_error(case)
        .unwrap_or_else(|| panic!("{case}: OURS_ONLY requires an EXPECT_ERROR file"));
    let mine = run_with_timeout(
        Command::new(ours())
            .arg("render")
            .arg(&target)
            .current_dir(common::crate_dir()),
        OURS_ONLY_LIMIT,
    );
    let mut problems = Vec::new();
    if mine.success() || mine.timed_out {
        problems.push(format!(
            "ours must fail within {OURS_ONLY_LIMIT:?}, got {} (stdout {} bytes)",
            mine.describe(),
            mine.stdout.len()
        ));
    } else {
        if !mine.stdout.is_empty() {
            problems.push(format!(
                "ours printed {} bytes on stdout",
                mine.stdout.len()
            ));
        }
        check_error_line(&mine, &needles, &mut problems);
    }
    report(case, &target, problems);
}

fn report(case: &str, target: &Path, problems: Vec<String>) {
    if !problems.is_empty() {
        panic!(
            "case {case} ({}): {} problem(s)\n{}",
            target.display(),
            problems.len(),
            problems.join("\n")
        );
    }
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                run_case(stringify!($name));
            }
        )*
    };
}

#[test]
fn fixture_inventory() {
    let mut on_disk: Vec<String> = fs::read_dir(common::fixtures_dir())
        .expect("fixtures/kustomize exists")
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    let missing: Vec<_> = listed.iter().filter(|c| !on_disk.contains(c)).collect();
    let unlisted: Vec<_> = on_disk.iter().filter(|c| !listed.contains(c)).collect();
    assert!(
        missing.is_empty() && unlisted.is_empty(),
        "cases! list and fixtures/kustomize disagree: listed but missing {missing:?}; \
         on disk but not listed {unlisted:?}"
    );
    assert!(
        CASES.len() >= MIN_CASES,
        "only {} differential cases; at least {MIN_CASES} required",
        CASES.len()
    );
}

#[test]
fn reference_kubectl_is_available() {
    let out = run_with_timeout(
        Command::new(kubectl()).args(["version", "--client"]),
        TIME_LIMIT,
    );
    assert!(
        out.success(),
        "kubectl version failed: {}",
        out.stderr_str()
    );
    // the oracle must be the version the renderer reproduces
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("Client Version: v1.37.") && text.contains("Kustomize Version: v5.8."),
        "reference kubectl must be 1.37 with kustomize 5.8, found:\n{text}"
    );
}

// CASES-BEGIN (one fixture directory per name)
cases! {
    annotations_more_1,
    annotations_more_2,
    annotations_more_3,
    annotations_values_as_strings,
    bases_legacy,
    build_metadata_all,
    build_metadata_plugins_replacements,
    commonannotations,
    commonlabels_selectors,
    component_built_directly,
    component_order_and_patches,
    components_basic,
    components_run_after_generators,
    configmapgen_behavior,
    configmapgen_envs,
    configmapgen_files,
    configmapgen_immutable,
    configmapgen_literals,
    configurations_commonlabels_narrowed,
    configurations_fieldspecs,
    configurations_nameprefix_kinds,
    configurations_scope_siblings,
    configurations_sibling_merge_order,
    configurations_yaml11_bools,
    crds_legacy_field,
    custom_resource_with_crd,
    err_alias_bomb,
    err_component_as_resource,
    err_component_v1beta1,
    err_cycle,
    err_duplicate_id,
    err_generator_duplicate_key,
    err_generator_merge_without_base,
    err_json6902_bad_path,
    err_kustomization_empty,
    err_kustomization_yaml11_bool_string,
    err_malformed_kustomization,
    err_malformed_yaml,
    err_missing_kustomization_dir,
    err_missing_patch_file,
    err_missing_resource,
    err_no_kind,
    err_no_name,
    err_patch_blank_inline,
    err_path_outside_root,
    err_plugin_exec,
    err_plugin_helm,
    err_remote_url,
    err_replicas_no_target,
    err_rolebinding_blank_subject_namespace,
    err_smp_no_match,
    err_sortoptions_fifo_with_legacy,
    err_sortoptions_without_order,
    err_symlink_outside,
    err_unknown_anchor,
    err_yaml_del_char,
    err_yaml_infinity,
    fields_case_insensitive,
    generator_behavior_unspecified,
    generator_disable_hash_global,
    generator_envs_more_2,
    generator_envs_more_3,
    generator_envs_more_5,
    generator_in_component,
    generator_merge_1,
    generator_merge_2,
    generator_merge_3,
    generator_merge_4,
    generator_more_1,
    generator_more_x1,
    generator_more_x2,
    generator_name_refs,
    generator_options,
    images_more_0,
    images_more_1,
    images_new_tag_date,
    images_overlay_chain,
    images_tag_suffix,
    images_transform,
    json6902_big_integers,
    json6902_beyond_64_bits,
    numbers_beyond_64_bits,
    json6902_go_yaml_v2_scalars,
    json6902_legacy,
    json6902_replace_missing_key,
    kustomization_duplicate_keys,
    kustomization_filename_variants,
    kustomization_yaml11_bools,
    labels_include_selectors,
    labels_more_1,
    labels_more_2,
    labels_shared_value_overlay,
    labels_shared_value_selectors,
    labels_templates_only,
    nameprefix_cronjob_pod,
    nameprefix_deployment_refs,
    nameprefix_ingress,
    nameprefix_nested_layers,
    nameprefix_rbac,
    nameprefix_statefulset_refs,
    nameref_more_1,
    nameref_sibling_overlays_prefixes,
    nameref_validating_admission_policy_binding,
    namespace_basic,
    namespace_custom_kind_named_namespace,
    namespace_more_1,
    namespace_more_2,
    namespace_overlay_override,
    namesuffix_hpa_pdb,
    patches_delete_and_options,
    patches_empty_and_comment_only,
    patches_file_smp_target,
    patches_inline_json6902,
    patches_target_gvk_namespace,
    patches_target_regex,
    patches_target_selectors,
    plugins_builtin_files,
    plugins_builtin_inline,
    replacements_basic,
    replacements_file_go_yaml_v2,
    replacements_into_annotation,
    replacements_more_13,
    replacements_more_14,
    replacements_more_3,
    replacements_more_5,
    replacements_more_6,
    replacements_more_8,
    replacements_prefix_interplay,
    replacements_target_regex,
    replicas_basic,
    replicas_null_count,
    resources_directory,
    resources_list_kind,
    resources_multidoc,
    resources_nested,
    same_name_different_kinds_namespaces,
    secretgen_base64_lines,
    secretgen_basic,
    smp_delete_directive,
    smp_delete_resource,
    smp_drops_empty_values,
    smp_file,
    smp_inline,
    smp_keeps_nulls_after_json_patch,
    smp_keyless_list_items,
    smp_lists_by_key,
    smp_more_t1,
    smp_more_t2,
    smp_more_t3,
    smp_more_t4,
    smp_more_t5,
    smp_more_t6,
    smp_more_t7,
    smp_more_t8,
    smp_original_name_after_json_rename,
    smp_original_name_after_rename,
    smp_scalar_over_quoted_string,
    smp_replace_directive,
    smp_replace_map,
    smp_set_element_order,
    smp_updates_shared_label,
    sort_core_namespace_first,
    sort_fifo,
    sort_fifo_overlay_over_legacy,
    sort_legacy_custom,
    sort_legacy_default,
    sort_null_legacy_options,
    vars_basic,
    vars_more_1,
    vars_more_2,
    vars_more_3,
    vars_more_4,
    vars_more_6,
    vars_sibling_bases,
    vendor_operator,
    vendor_storage,
    yaml_alias_expansion,
    yaml_block_in_patch,
    yaml_block_scalar_patch_trailing_lines,
    yaml_comments_anchors_flow,
    yaml_control_char,
    yaml_empty_and_null,
    yaml_json_input,
    yaml_keep_block_scalar_last,
    yaml_key_order,
    yaml_long_strings,
    yaml_multiline,
    yaml_numbers,
    yaml_quoting,
    yaml_unicode,
}
// CASES-END
