//! `gitops-upgrade render`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Failure;
use gitops_upgrade::fsutil::write_atomic;
use gitops_upgrade::kustomize::render_dir;

/// Print the manifests a kustomization builds.
#[derive(Args, Debug)]
#[command(
    long_about = "Print the manifests a kustomization builds: byte for byte what \
`kubectl kustomize <DIR>` prints (kubectl 1.37, kustomize v5.8), without \
kustomize or kubectl installed. Files outside the kustomization root and \
remote resources are refused, as kustomize's default load restrictor does.",
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

    /// Write to FILE (atomically: it is either fully written or untouched)
    /// instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(a: RenderArgs) -> Result<u8, Failure> {
    let text = render_dir(&a.dir).map_err(|e| Failure::new(1, e.to_string()))?;
    match &a.output {
        Some(path) => write_atomic(path, text.as_bytes())
            .map_err(|e| Failure::new(1, format!("{}: cannot write: {e}", path.display())))?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(Failure::new(
                        2,
                        format!("cannot write to standard output: {e}"),
                    ));
                }
            }
        }
    }
    Ok(0)
}
