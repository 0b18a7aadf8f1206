//! Names the commit the binary is built from, for `rapport version` and `--version`.
//!
//! Sets `RAPPORT_BUILD_VERSION` for the crate: `0.1.0 (commit 0123456789ab)`, with
//! `, modified` when tracked files differed from that commit, or `(commit unknown)`.
//!
//! The commit comes from git when the crate sits in a checkout that tracks this package, else from
//! the `RAPPORT_COMMIT` environment variable (a tarball build has no git: the packager says which
//! commit it is), else it is unknown. The script runs again only when HEAD, the branch it points
//! to, the index or `RAPPORT_COMMIT` change, so a commit recompiles this crate alone and editing
//! code costs nothing more than before. A file edited but never staged or committed since the
//! script last ran is therefore not seen as a modification: `modified` is a hint for builds on a
//! developer's machine; release builds come from clean checkouts.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Hex digits of the commit shown: unambiguous in any repository of sane size, short to read.
const COMMIT_DIGITS: usize = 12;

fn main() {
    println!("cargo:rerun-if-env-changed=RAPPORT_COMMIT");
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));

    let commit = match from_git(&manifest_dir) {
        Some(found) => {
            for path in found.watch {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            let state = if found.modified { ", modified" } else { "" };
            format!("commit {}{state}", found.commit)
        }
        None => {
            // Without git, only the variable can change the answer; without this line cargo
            // would run the script again after any change in the package.
            println!("cargo:rerun-if-changed=build.rs");
            match std::env::var("RAPPORT_COMMIT") {
                Ok(c) if !c.trim().is_empty() => format!("commit {}", c.trim()),
                _ => "commit unknown".to_string(),
            }
        }
    };
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets it");
    println!("cargo:rustc-env=RAPPORT_BUILD_VERSION={version} ({commit})");
}

struct FromGit {
    commit: String,
    modified: bool,
    /// Files whose change means another commit (or another index) is checked out.
    watch: Vec<PathBuf>,
}

fn from_git(dir: &Path) -> Option<FromGit> {
    // A tarball unpacked inside some unrelated repository (a home directory kept in git) would
    // otherwise report that repository's commit: only trust a checkout that tracks this package.
    git(dir, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let full = git(dir, &["rev-parse", "--verify", "HEAD"])?;
    let commit: String = full.chars().take(COMMIT_DIGITS).collect();
    // Tracked files only: a stray untracked file does not make the build another program.
    // `git diff` compares contents where only a file's timestamps changed (a fresh copy of the
    // tree); without optional locks it never writes the index while looking.
    let modified = Command::new("git")
        .args(["diff", "--no-ext-diff", "--quiet", "HEAD", "--"])
        .env("GIT_OPTIONAL_LOCKS", "0")
        .current_dir(dir)
        .status()
        .map(|s| !s.success())
        .unwrap_or(false);

    let mut watch = Vec::new();
    // `--git-path` resolves each name in a linked worktree too (HEAD and the index are the
    // worktree's, refs are shared).
    for name in ["HEAD", "index", "packed-refs"] {
        if let Some(p) = git(dir, &["rev-parse", "--git-path", name]) {
            watch.push(absolute(dir, &p));
        }
    }
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(dir, &["rev-parse", "--git-path", &branch])
    {
        watch.push(absolute(dir, &p));
    }
    // A path that does not exist would make cargo run the script on every build.
    watch.retain(|p| p.exists());
    Some(FromGit {
        commit,
        modified,
        watch,
    })
}

fn absolute(dir: &Path, p: &str) -> PathBuf {
    let p = PathBuf::from(p);
    if p.is_absolute() { p } else { dir.join(p) }
}

/// Run git in `dir`; its trimmed output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}
