//! File writes that either complete or leave nothing behind, and the
//! process identity that lets a later run tell its own leftovers (a
//! temporary file, a lock) from those of a process still running.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::failpoint;

/// The marker in the names of our temporary files:
/// `.<name>.gitops-upgrade-<pid>-<n>.tmp`, next to the file they replace.
const TMP_MARK: &str = ".gitops-upgrade-";

/// Writes `data` to `path` through a temporary file in the same directory
/// and a rename, keeping the mode of a file it replaces. A kill at any
/// moment leaves `path` either as it was or fully written; the temporary
/// file a kill leaves is removed by the next write of the same file.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    write_atomic_mode(path, data, None)
}

/// [`write_atomic`] giving the new file `mode` (Unix permission bits)
/// before it appears under its name (a hook is never seen non-executable).
pub fn write_atomic_mode(path: &Path, data: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(path);
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{name}{TMP_MARK}{}-{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        let perms = match mode {
            #[cfg(unix)]
            Some(m) => {
                use std::os::unix::fs::PermissionsExt;
                Some(std::fs::Permissions::from_mode(m))
            }
            #[cfg(not(unix))]
            Some(_) => None,
            None => std::fs::metadata(path).ok().map(|m| m.permissions()),
        };
        if let Some(p) = perms {
            std::fs::set_permissions(&tmp, p)?;
        }
        failpoint::hit("atomic.temp-written");
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir);
    failpoint::hit("atomic.renamed");
    Ok(())
}

/// Makes a rename or removal in `dir` durable (best effort).
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Removes the temporary files that killed processes left while writing
/// `path` (`write_atomic`'s, named after it and a process id that no
/// longer runs). Returns what it removed.
pub fn remove_stale_temps(path: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return removed;
    };
    let prefix = format!(".{name}{TMP_MARK}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for e in entries.flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = f.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id()
            && process_alive(pid, None) == Some(false)
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed.push(e.path());
        }
    }
    removed
}

/// This process: its id and, where the system tells it, its start time
/// (to tell a later process that reuses the id from this one).
pub fn this_process() -> (u32, Option<u64>) {
    let pid = std::process::id();
    (pid, start_time(pid))
}

/// Whether the process `pid` (started at `start`, when known) still runs:
/// `Some(false)` when it certainly does not, `None` when the system cannot
/// tell (then nothing of its is touched).
pub fn process_alive(pid: u32, start: Option<u64>) -> Option<bool> {
    if cfg!(target_os = "linux") {
        let stat = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(false),
            Err(_) => return None,
        };
        // `pid (comm) S ...`: the fields after the last ')'.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if matches!(fields.first(), Some(&"Z") | Some(&"X") | Some(&"x")) {
            return Some(false);
        }
        if let (Some(s), Some(now)) = (start, fields.get(19).and_then(|v| v.parse::<u64>().ok())) {
            return Some(s == now);
        }
        return Some(true);
    }
    None
}

/// A process's start time in clock ticks since boot (Linux).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeps_mode_and_cleans_dead_temps() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("a.yaml");
        write_atomic(&p, b"one").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        // A leftover of a process that no longer runs (pid 0 is never a
        // user process on Linux; elsewhere the leftover stays).
        let stale = t.path().join(".a.yaml.gitops-upgrade-999999999-0.tmp");
        std::fs::write(&stale, "half").unwrap();
        write_atomic_mode(&p, b"two", Some(0o755)).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        if cfg!(target_os = "linux") {
            assert!(!stale.exists());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o755);
            write_atomic(&p, b"three").unwrap();
            let m = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o755);
        }
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn this_process_is_alive() {
        let (pid, start) = this_process();
        if cfg!(target_os = "linux") {
            assert_eq!(process_alive(pid, start), Some(true));
            assert_eq!(process_alive(pid, start.map(|s| s + 1)), Some(false));
        }
    }
}
