//! `completions` and `man`: generated from the parser's own definitions,
//! so these tests check that what a shell or `man` is given names the real
//! subcommands and flags, and that the scripts are valid where the shell is
//! at hand (bash is on every machine that runs these tests).

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gitops-upgrade"))
}

/// The subcommands as `--help` lists them: the source of truth the
/// generated files must agree with.
fn subcommands_from_help() -> Vec<String> {
    let o = bin().arg("--help").output().unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    let mut in_commands = false;
    let mut names = Vec::new();
    for line in text.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            if !line.starts_with("  ") {
                break;
            }
            // A wrapped description continues on a more indented line.
            if line.starts_with("   ") {
                continue;
            }
            let name = line.split_whitespace().next().unwrap().to_string();
            if name != "help" {
                names.push(name);
            }
        }
    }
    assert!(names.len() >= 12, "too few subcommands parsed: {names:?}");
    names
}

#[test]
fn completion_scripts_name_every_subcommand_and_real_flags() {
    let subs = subcommands_from_help();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = bin().args(["completions", shell]).output().unwrap();
        assert!(
            o.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let script = String::from_utf8(o.stdout).unwrap();
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell} script lacks {sub}");
        }
        // Flags of subcommands, not only the top level.
        for flag in ["upstream", "exit-code", "server-side", "staged"] {
            // fish spells a long flag `-l name`, the others `--name`.
            let spelled = if shell == "fish" {
                format!("-l {flag}")
            } else {
                format!("--{flag}")
            };
            assert!(script.contains(&spelled), "{shell} script lacks {spelled}");
        }
    }
}

#[test]
fn bash_completion_script_is_valid_bash_and_completes_subcommands() {
    let o = bin().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gu.bash");
    fs::write(&path, &o.stdout).unwrap();
    // The function the script registers with `complete -F <function> ...`.
    let script = String::from_utf8(o.stdout).unwrap();
    let function = script
        .lines()
        .find_map(|l| l.trim().strip_prefix("complete -F "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the script registers a completion function")
        .to_string();
    // Source the script and call the function as bash does on <TAB> after
    // `gitops-upgrade re`: $1 the command, $2 the word, $3 the previous word.
    let probe = format!(
        "source '{}'\nCOMP_WORDS=(gitops-upgrade re)\nCOMP_CWORD=1\nCOMP_LINE='gitops-upgrade re'\nCOMP_POINT=${{#COMP_LINE}}\n{function} gitops-upgrade re gitops-upgrade\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display()
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .expect("bash is required for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replies: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        replies,
        ["rebase", "render"].iter().map(|s| s.to_string()).collect(),
        "completion of 're'"
    );
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let o = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bash") && err.contains("zsh"), "{err}");
}

#[test]
fn man_page_lists_every_subcommand() {
    let subs = subcommands_from_help();
    let o = bin().arg("man").output().unwrap();
    assert!(o.status.success());
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH gitops-upgrade 1"));
    assert!(page.contains(".TH gitops-upgrade 1"), "{page}");
    for sub in &subs {
        // roff escapes '-' as '\-'.
        let escaped = sub.replace('-', "\\-");
        assert!(
            page.contains(&format!("gitops\\-upgrade\\-{escaped}(1)")),
            "main page lacks a reference to {sub}"
        );
    }
}

#[test]
fn man_out_dir_writes_one_page_per_command_with_its_flags() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["man", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    for sub in subcommands_from_help() {
        let page = dir.path().join(format!("gitops-upgrade-{sub}.1"));
        assert!(page.is_file(), "no page for {sub}");
        assert!(listed
            .iter()
            .any(|l| l.ends_with(&format!("gitops-upgrade-{sub}.1"))));
    }
    // Nested subcommands get their own page too.
    assert!(dir.path().join("gitops-upgrade-hook-install.1").is_file());
    let rebase = fs::read_to_string(dir.path().join("gitops-upgrade-rebase.1")).unwrap();
    assert!(rebase.contains(".TH gitops-upgrade-rebase 1"));
    assert!(
        rebase.contains("\\-\\-upstream"),
        "rebase page lacks --upstream"
    );
}
