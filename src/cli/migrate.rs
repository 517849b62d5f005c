//! `gitops-upgrade migrate-patches` and `gitops-upgrade migrations`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::common::{current_dir, json_text, note, print, show, Output};
use super::Failure;
use gitops_upgrade::migrate::report::{self, Mode, Request};
use gitops_upgrade::migrate::{catalog, describe};

/// Rewrite your overlays for a new release from a migration catalog.
///
/// Finds the documents each rule targets in the kustomizations (plain
/// resources, strategic-merge patch files, inline patches in
/// kustomization.yaml, JSON 6902 patches) and edits them losslessly: only
/// the bytes of the changed nodes differ. All or nothing: on any problem
/// nothing is written and each problem is printed as path:line:col.
///
/// Exit codes: 0 migrated, or nothing to migrate; 1 problems (nothing
/// written), a migration pending with --check, or a migrated kustomization
/// that no longer renders; 2 usage or internal error.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
gitops-upgrade migrate-patches --catalog rok-v0.15 --dry-run\n  \
gitops-upgrade migrate-patches --catalog rok-v0.12 --set volume-group=vg0 rok/rok-csi/overlays/deploy\n  \
gitops-upgrade migrate-patches --check          # catalogs from gitops-upgrade.yaml")]
pub struct MigrateArgs {
    /// Catalog to apply: a built-in name (see `gitops-upgrade migrations list`)
    /// or a YAML file. Repeatable; default: the `migrations:` list of the
    /// repository's gitops-upgrade.yaml.
    #[arg(long = "catalog", value_name = "NAME|FILE")]
    pub catalogs: Vec<String>,

    /// A value for a catalog variable or required field (e.g. volume-group=vg0).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,

    /// Write nothing; exit 1 if a migration is pending.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Write nothing; print the unified diff that would be applied.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// Finish a migration that was interrupted (killed) while writing its
    /// files: the rest get their migrated text.
    #[arg(long = "continue", conflicts_with_all = ["check", "dry_run", "abort"])]
    pub continue_op: bool,

    /// Undo a migration that was interrupted (killed) while writing its
    /// files: every file gets its old text back.
    #[arg(long, conflicts_with_all = ["check", "dry_run"])]
    pub abort: bool,

    /// The revision your own commits are counted from (default: the
    /// branch's upstream). Files your commits on top of it added or
    /// changed are yours; only yours are edited.
    #[arg(long, value_name = "REF")]
    pub upstream: Option<String>,

    /// Edit the vendor's files too (by default a vendor file that still
    /// has an old shape is a warning, "vendor file, not edited").
    #[arg(long)]
    pub include_vendor_files: bool,

    /// Kustomization directories to migrate (default: every kustomization
    /// in the repository), or files to treat as yours. Files below a named
    /// directory and named files are edited even if your commits did not
    /// touch them.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(a: MigrateArgs) -> Result<u8, Failure> {
    let here = current_dir()?;
    if a.continue_op || a.abort {
        return super::interrupted::recover_migration(&report::repo_root(&here), a.abort);
    }
    let mode = match (a.check, a.dry_run) {
        (true, _) => Mode::Check,
        (_, true) => Mode::DryRun,
        _ => Mode::Write,
    };
    let r = report::run(&Request {
        here: &here,
        catalogs: &a.catalogs,
        sets: &a.sets,
        paths: &a.paths,
        upstream: a.upstream.as_deref(),
        include_vendor_files: a.include_vendor_files,
        mode,
    })
    .map_err(|e| Failure::new(e.code, e.message))?;
    let json = a.output == Output::Json;
    if !json {
        for l in r.notes() {
            note(&l);
        }
    }
    if let Some(m) = r.failure(json) {
        return Err(Failure::new(1, m));
    }
    show(&r, a.output)?;
    Ok(r.exit_code())
}

/// List and describe the built-in migration catalogs.
#[derive(Args, Debug)]
pub struct MigrationsArgs {
    #[command(subcommand)]
    pub command: MigrationsCommand,
}

#[derive(Subcommand, Debug)]
pub enum MigrationsCommand {
    /// List the built-in catalogs
    List {
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Describe one catalog (built-in name or file): its rules and hints
    Show {
        /// Catalog name or file
        name: String,
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
}

pub fn run_migrations(a: MigrationsArgs) -> Result<u8, Failure> {
    let text = match a.command {
        MigrationsCommand::List { output } => {
            let cats = describe::builtins().map_err(|m| Failure::new(2, m))?;
            match output {
                Output::Json => json_text(&describe::list_json(&cats)),
                Output::Text => describe::list_text(&cats),
            }
        }
        MigrationsCommand::Show { name, output } => {
            let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            let c = catalog::load(&name, &here).map_err(|m| Failure::new(2, m))?;
            match output {
                Output::Json => json_text(&describe::show_json(&c)),
                Output::Text => describe::show_text(&c),
            }
        }
    };
    print(&text)?;
    Ok(0)
}
