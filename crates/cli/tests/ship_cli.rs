//! What packaging relies on: `rapport version` names the commit it was built from (build.rs),
//! and `rapport healthcheck` is the container image's health check.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use common::{BIN, Server};

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("run rapport")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `rapport 0.1.0 (commit 0123456789ab[, modified])` split into (commit, modified).
fn parse_version(line: &str) -> (String, bool) {
    let inner = line
        .strip_prefix(&format!("rapport {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected version line {line:?}"));
    match inner.strip_suffix(", modified") {
        Some(commit) => (commit.to_string(), true),
        None => (inner.to_string(), false),
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn modified_at(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn version_names_the_commit_of_the_checkout_it_was_built_from() {
    let out = run(BIN, &["version"]);
    assert!(out.status.success());
    let line = stdout(&out);
    let (commit, _) = parse_version(&line);
    // `--version` says the same.
    assert_eq!(stdout(&run(BIN, &["--version"])), line);

    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(head) = git(crate_dir, &["rev-parse", "HEAD"]) else {
        // A tarball build: no git here, so there is no commit to compare with.
        eprintln!(
            "skipped the comparison: {} is not in a git checkout",
            crate_dir.display()
        );
        return;
    };
    assert_ne!(commit, "unknown", "built in a git checkout, yet: {line}");
    // The binary names the commit HEAD pointed to when it was built. Compare with HEAD now only
    // if HEAD has not moved since (a test binary run by hand after a commit, without cargo
    // rebuilding, holds an older binary; under `cargo test` a moved HEAD rebuilds it first).
    let built = modified_at(Path::new(BIN));
    let head_file = PathBuf::from(git(crate_dir, &["rev-parse", "--git-path", "HEAD"]).unwrap());
    let mut moved_at = vec![modified_at(&crate_dir.join(head_file))];
    if let Some(branch) = git(crate_dir, &["symbolic-ref", "-q", "HEAD"]) {
        let ref_file =
            crate_dir.join(git(crate_dir, &["rev-parse", "--git-path", &branch]).unwrap());
        if ref_file.exists() {
            moved_at.push(modified_at(&ref_file));
        }
    }
    if moved_at.iter().any(|t| *t > built) {
        eprintln!("skipped the comparison: HEAD moved after {BIN} was built");
        return;
    }
    assert_eq!(commit.len(), 12, "{line}");
    assert!(
        head.starts_with(&commit),
        "the binary says {line}, HEAD is {head}"
    );
}

/// A crate of its own that uses build.rs as rapport-cli does, built in a temporary directory:
/// outside any git checkout, then inside a fresh one, then after a commit and a staged edit.
struct Probe {
    dir: PathBuf,
}

impl Probe {
    fn new() -> Probe {
        let dir = std::env::temp_dir().join(format!("rapport-build-probe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"probe\"\nversion = \"9.8.7\"\nedition = \"2024\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs"),
            dir.join("build.rs"),
        )
        .unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            "fn main() { println!(\"{}\", env!(\"RAPPORT_BUILD_VERSION\")); }\n",
        )
        .unwrap();
        Probe { dir }
    }

    /// Build and run it; (what it printed, whether cargo ran the build script).
    fn run(&self, commit_var: Option<&str>) -> (String, bool) {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        real_clock(&mut cmd);
        cmd.args(["run", "--offline", "-vv"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env_remove("RAPPORT_COMMIT")
            // Whatever checkout the tests run in must not be found above the probe.
            .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir());
        if let Some(c) = commit_var {
            cmd.env("RAPPORT_COMMIT", c);
        }
        let out = cmd.output().expect("run cargo");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cargo run: {stderr}");
        let ran_script = stderr.contains("build-script-build`");
        // `-vv` also echoes the build script's own lines on stdout; the program's line is last.
        let printed = stdout(&out).lines().last().unwrap_or("").to_string();
        (printed, ran_script)
    }

    fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        real_clock(&mut cmd);
        let out = cmd
            .args([
                "-c",
                "user.name=Probe",
                "-c",
                "user.email=probe@example.invalid",
            ])
            .args(args)
            .current_dir(&self.dir)
            .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    }
}

/// Under scripts/test-at-hostile-hour.sh the tests run with libfaketime preloaded. Cargo
/// compares file times it sets from its own clock with times the kernel gives files (and rustdoc
/// hangs under it): the probe's builds keep the real clock, which the build script never reads.
fn real_clock(cmd: &mut Command) {
    for var in [
        "LD_PRELOAD",
        "FAKETIME",
        "FAKETIME_DONT_RESET",
        "FAKETIME_DONT_FAKE_MONOTONIC",
        "FAKETIME_SHARED",
    ] {
        cmd.env_remove(var);
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn build_script_takes_the_commit_from_git_else_rapport_commit_else_unknown() {
    let probe = Probe::new();

    // A tarball: no git.
    assert_eq!(probe.run(None).0, "9.8.7 (commit unknown)");
    assert_eq!(
        probe.run(Some("v1.2.3-abcdef")).0,
        "9.8.7 (commit v1.2.3-abcdef)"
    );

    // A checkout: git wins over the variable.
    probe.git(&["init", "-q"]);
    std::fs::write(probe.dir.join(".gitignore"), "/target\n").unwrap();
    probe.git(&["add", "-A"]);
    probe.git(&["commit", "-q", "-m", "first"]);
    let first = probe.git(&["rev-parse", "HEAD"]);
    let (line, _) = probe.run(Some("from-the-variable"));
    assert_eq!(line, format!("9.8.7 (commit {})", &first[..12]));

    // Nothing changed: cargo does not run the script again (nor rebuild the crate for it).
    let (_, ran) = probe.run(Some("from-the-variable"));
    assert!(!ran, "the build script ran again with nothing changed");

    // Editing code recompiles the crate as ever, but does not run git again.
    let main_rs = probe.dir.join("src/main.rs");
    let code = std::fs::read_to_string(&main_rs).unwrap();
    std::fs::write(&main_rs, format!("{code}// edited\n")).unwrap();
    let (_, ran) = probe.run(Some("from-the-variable"));
    assert!(!ran, "the build script ran again for an edit of the code");

    // Staged edits are a modified tree; their commit is the next commit.
    std::fs::write(probe.dir.join("README"), "probe\n").unwrap();
    probe.git(&["add", "-A"]);
    assert_eq!(
        probe.run(Some("from-the-variable")).0,
        format!("9.8.7 (commit {}, modified)", &first[..12])
    );
    probe.git(&["commit", "-q", "-m", "second"]);
    let second = probe.git(&["rev-parse", "HEAD"]);
    assert_ne!(first, second);
    assert_eq!(
        probe.run(Some("from-the-variable")).0,
        format!("9.8.7 (commit {})", &second[..12])
    );
}

#[test]
fn healthcheck_exits_zero_only_for_a_2xx_answer() {
    let dir = std::env::temp_dir().join(format!("rapport-healthcheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("rapport.db").display());
    let mut server = Server::start(&db, &[]);

    let ready = run(
        BIN,
        &["healthcheck", "--url", &format!("{}/readyz", server.base)],
    );
    assert!(
        ready.status.success(),
        "{}",
        String::from_utf8_lossy(&ready.stderr)
    );
    assert!(stdout(&ready).ends_with("200 OK"), "{}", stdout(&ready));

    let missing = run(
        BIN,
        &[
            "healthcheck",
            "--url",
            &format!("{}/no-such-page", server.base),
        ],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404 Not Found"));

    let https = run(BIN, &["healthcheck", "--url", "https://127.0.0.1:1/readyz"]);
    assert_eq!(https.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&https.stderr).contains("only http://"));

    // Nobody listening any more: unhealthy, not hanging.
    let base = server.base.clone();
    server.kill();
    let gone = run(
        BIN,
        &[
            "healthcheck",
            "--url",
            &format!("{base}/readyz"),
            "--timeout-secs",
            "2",
        ],
    );
    assert_eq!(gone.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `rapport migrate --dry-run` says what would be applied and whether the running release keeps
/// working on it, and changes nothing; after a real migrate it has nothing to say.
#[test]
fn migrate_dry_run_lists_what_would_change_and_changes_nothing() {
    let dir = std::env::temp_dir().join(format!("rapport-dry-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("dry.db").display());
    let latest = rapport_store::migrate::SQLITE.last().unwrap();

    let out = run(BIN, &["migrate", "--db", &db, "--dry-run"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "would apply {} migration(s)",
            rapport_store::migrate::SQLITE.len()
        )),
        "{text}"
    );
    // Each migration with its kind and its statements, first lines only.
    assert!(
        text.contains("0001_init (version 1) — contract") && text.contains("  CREATE TABLE orgs"),
        "{text}"
    );
    assert!(text.contains(&format!("{} (version {})", latest.name, latest.version)));

    let json = run(BIN, &["migrate", "--db", &db, "--dry-run", "--json"]);
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        plan["pending"].as_array().unwrap().len(),
        rapport_store::migrate::SQLITE.len()
    );
    for m in plan["pending"].as_array().unwrap() {
        let expected = if m["version"].as_i64().unwrap() <= rapport_store::migrate::BASELINE {
            "contract"
        } else {
            "expand"
        };
        assert_eq!(m["compat"], expected, "{m}");
    }

    // Nothing was applied by the dry runs.
    let applied = run(BIN, &["migrate", "--db", &db, "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&applied.stdout).unwrap();
    assert_eq!(
        report["applied"].as_array().unwrap().len(),
        rapport_store::migrate::SQLITE.len()
    );
    let after = stdout(&run(BIN, &["migrate", "--db", &db, "--dry-run"]));
    assert_eq!(after, "schema is current: nothing to apply");
    let _ = std::fs::remove_dir_all(&dir);
}
