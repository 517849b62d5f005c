//! `gitops-upgrade render`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{common, Failure};
use gitops_upgrade::fsutil::write_atomic;
use gitops_upgrade::kustomize::{build_dir, render_dir_with, Remote};
use gitops_upgrade::yaml::emit::write_stream;

/// Print the manifests a kustomization builds.
#[derive(Args, Debug)]
#[command(
    long_about = "Print the manifests a kustomization builds: byte for byte what \
`kubectl kustomize <DIR>` prints (kubectl 1.37, kustomize v5.8), without \
kustomize or kubectl installed. Remote bases are fetched: `resources` entries naming a git repository \
(github.com/org/repo//path?ref=v1.2.0, https://...git, git@..., ssh://..., \
file://...) are cloned with your git, once per repository and ref, into \
$XDG_CACHE_HOME/gitops-upgrade/remote (or ~/.cache/...), and rendered like \
local bases; a repository URL's timeout= limits each git command (27 s by default). An \
http:// or https:// entry is first read as one resource file by a GET, as kustomize \
does, and kept in the same cache. With --offline, and in every other command, only the cache is \
read. Files outside the kustomization root are refused, as kustomize's \
default load restrictor does.",
    after_help = "Examples:\n  \
gitops-upgrade render overlays-examples/rok/deploy\n  \
gitops-upgrade -C my-gitops-repo render rok-cluster/overlays/deploy -o /tmp/rendered.yaml\n\n\
Built-in plugin configurations under `generators:` and `transformers:` (apiVersion: builtin) \
are run; exec and container plugins are refused. See docs/rendering.md.\n\n\
Exit codes: 0 rendered, 1 the tree does not render (one line says why), 2 usage error."
)]
pub struct RenderArgs {
    /// The kustomization directory (default: the current directory).
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Refuse remote bases and file URLs the cache lacks instead of
    /// fetching them (the cache is under $XDG_CACHE_HOME/gitops-upgrade, or
    /// ~/.cache/gitops-upgrade).
    #[arg(long)]
    pub offline: bool,

    /// Write to FILE (atomically: it is either fully written or untouched)
    /// instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(a: RenderArgs) -> Result<u8, Failure> {
    let remote = if a.offline {
        Remote::CacheOnly
    } else {
        Remote::Fetch
    };
    match &a.output {
        Some(path) => {
            let text =
                render_dir_with(&a.dir, remote).map_err(|e| Failure::new(1, e.to_string()))?;
            write_atomic(path, text.as_bytes())
                .map_err(|e| Failure::new(1, format!("{}: cannot write: {e}", path.display())))?
        }
        None => {
            // Everything that can fail is done before the first byte is
            // written; the documents are then printed one at a time.
            let res = build_dir(&a.dir, remote).map_err(|e| Failure::new(1, e.to_string()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written =
                write_stream(res.iter().map(|r| &r.obj), &mut out).and_then(|_| out.flush());
            // The process ends now: freeing every node of a large tree one
            // by one costs a few per cent of a render, for nothing.
            std::mem::forget(res);
            written.map_err(common::stdout_failed)?;
        }
    }
    Ok(0)
}
