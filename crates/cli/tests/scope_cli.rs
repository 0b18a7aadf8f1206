//! `rapport scope check` and `rapport scope eval`, through the real binary.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const BRIEF: &str = r#"{
  "text": "A driver app for Haulr Logistics. Phase 1 is Android only.",
  "items": [
    {"id": "android", "kind": "in", "text": "Android driver app: login, route list, proof of delivery"},
    {"id": "map", "kind": "in", "text": "Web dispatcher view with a live map of vans"},
    {"id": "ios", "kind": "out", "text": "iOS / iPhone version of the driver app"}
  ]
}"#;

fn rapport() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
}

/// A file in a fresh per-test directory that is removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rapport-scope-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn run(args: &[&str]) -> Output {
    rapport().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn cases_file() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/data/scope-eval/cases.jsonl"
    )
    .to_string()
}

#[test]
fn check_json_prints_verdict_confidence_and_evidence() {
    let brief = TempFile::new("brief.json", BRIEF);
    let o = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--title",
        "iPhone drivers",
        "--text",
        "Two drivers only have iPhones, can they get the driver app too?",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "out");
    let c = v["confidence"].as_f64().unwrap();
    assert!(c > 0.0 && c <= 1.0, "{c}");
    let first = &v["evidence"][0];
    assert_eq!(first["item_id"], "ios");
    assert_eq!(first["kind"], "out");
    assert!(first["score"].as_f64().unwrap() > 0.0);
    let terms: Vec<&str> = first["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(terms.contains(&"iphone"), "{terms:?}");
}

#[test]
fn check_plain_prints_verdict_and_top_evidence() {
    let brief = TempFile::new("brief.json", BRIEF);
    let o = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        "The live map of vans does not refresh in the dispatcher view",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    let first = lines.next().unwrap();
    assert!(first.starts_with("verdict: in (confidence 0."), "{out}");
    let second = lines.next().unwrap();
    assert!(second.starts_with("evidence: map (in, score "), "{out}");
    assert!(second.contains("map") && second.contains("vans"), "{out}");
}

#[test]
fn empty_brief_gives_unclear_with_no_evidence() {
    let brief = TempFile::new("brief.json", r#"{"text": "", "items": []}"#);
    let o = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        "build the app",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "unclear");
    assert_eq!(v["confidence"], 0.0);
    assert_eq!(v["evidence"], Value::Array(vec![]));

    let plain = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        "build the app",
    ]);
    assert!(
        stdout(&plain).contains("evidence: none"),
        "{}",
        stdout(&plain)
    );
}

#[test]
fn megabyte_body_from_stdin_is_checked() {
    let brief = TempFile::new("brief.json", BRIEF);
    let mut body = String::from("Please make an iPhone version of the driver app. ");
    while body.len() < 1_100_000 {
        body.push_str("Quoted thread text that goes on and on. ");
    }
    let mut child = rapport()
        .args([
            "scope",
            "check",
            "--brief",
            brief.path(),
            "--text",
            "-",
            "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "out");
}

#[test]
fn bad_brief_files_exit_2_naming_the_problem() {
    let missing = run(&[
        "scope",
        "check",
        "--brief",
        "/nonexistent/brief.json",
        "--text",
        "x",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("--brief /nonexistent/brief.json"),
        "{}",
        stderr(&missing)
    );

    let not_json = TempFile::new("brief.json", "{ this is not json");
    let o = run(&["scope", "check", "--brief", not_json.path(), "--text", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a valid brief"), "{}", stderr(&o));

    let dup = TempFile::new(
        "brief.json",
        r#"{"items": [{"id": "a", "kind": "in", "text": "x"}, {"id": "a", "kind": "out", "text": "y"}]}"#,
    );
    let o = run(&["scope", "check", "--brief", dup.path(), "--text", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("\"a\" is used more than once"),
        "{}",
        stderr(&o)
    );

    let bad_kind = TempFile::new(
        "brief.json",
        r#"{"items": [{"id": "a", "kind": "maybe", "text": "x"}]}"#,
    );
    let o = run(&["scope", "check", "--brief", bad_kind.path(), "--text", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("maybe"), "{}", stderr(&o));

    let unknown_field = TempFile::new("brief.json", r#"{"text": "", "itmes": []}"#);
    let o = run(&[
        "scope",
        "check",
        "--brief",
        unknown_field.path(),
        "--text",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("itmes"), "{}", stderr(&o));

    let empty_text = TempFile::new(
        "brief.json",
        r#"{"items": [{"id": "a", "kind": "in", "text": "  "}]}"#,
    );
    let o = run(&[
        "scope",
        "check",
        "--brief",
        empty_text.path(),
        "--text",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty text"), "{}", stderr(&o));
}

#[test]
fn missing_required_flags_exit_2() {
    let brief = TempFile::new("brief.json", BRIEF);
    assert_eq!(
        run(&["scope", "check", "--brief", brief.path()])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["scope", "check", "--text", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["scope", "eval"]).status.code(), Some(2));
}

#[test]
fn eval_of_the_repository_set_reports_consistent_figures() {
    let o = run(&["scope", "eval", &cases_file(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let cases = v["cases"].as_u64().unwrap();
    assert!(cases >= 150, "{cases}");
    let correct = v["correct"].as_u64().unwrap();
    let conf = &v["confusion"];
    let cell = |e: &str, p: &str| conf[e][p].as_u64().unwrap();
    let total: u64 = ["in", "out", "unclear"]
        .iter()
        .flat_map(|e| ["in", "out", "unclear"].map(|p| cell(e, p)))
        .sum();
    assert_eq!(total, cases);
    assert_eq!(
        correct,
        cell("in", "in") + cell("out", "out") + cell("unclear", "unclear")
    );
    assert_eq!(
        v["misclassified"].as_array().unwrap().len() as u64,
        cases - correct
    );
    let acc = v["accuracy"].as_f64().unwrap();
    assert!((acc - correct as f64 / cases as f64).abs() < 1e-9);
    let predicted_unclear =
        cell("in", "unclear") + cell("out", "unclear") + cell("unclear", "unclear");
    assert!(
        (v["unclear_rate"].as_f64().unwrap() - predicted_unclear as f64 / cases as f64).abs()
            < 1e-9
    );
    assert!(v["out_precision"].as_f64().is_some() && v["out_recall"].as_f64().is_some());
    assert!(v["by_domain"].as_object().unwrap().len() >= 5);

    let tune = run(&["scope", "eval", &cases_file(), "--split", "tune", "--json"]);
    let hold = run(&[
        "scope",
        "eval",
        &cases_file(),
        "--split",
        "holdout",
        "--json",
    ]);
    let t: Value = serde_json::from_str(&stdout(&tune)).unwrap();
    let h: Value = serde_json::from_str(&stdout(&hold)).unwrap();
    assert_eq!(
        t["cases"].as_u64().unwrap() + h["cases"].as_u64().unwrap(),
        cases
    );
    assert_eq!(
        t["correct"].as_u64().unwrap() + h["correct"].as_u64().unwrap(),
        correct
    );
}

#[test]
fn eval_plain_output_lists_the_figures() {
    let o = run(&["scope", "eval", &cases_file()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "cases: ",
        "accuracy: ",
        "out precision: ",
        "out recall: ",
        "unclear rate: ",
        "confusion",
        "misclassified: ",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn bad_eval_files_exit_2_naming_the_line() {
    let missing = run(&["scope", "eval", "/nonexistent/cases.jsonl"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/nonexistent/cases.jsonl"));

    let good = std::fs::read_to_string(cases_file()).unwrap();
    let first = good.lines().next().unwrap();
    let broken = TempFile::new("cases.jsonl", &format!("{first}\n{{\"id\": 1\n"));
    let o = run(&["scope", "eval", broken.path()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));

    let dup = TempFile::new("cases.jsonl", &format!("{first}\n{first}\n"));
    let o = run(&["scope", "eval", dup.path()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("already used on line 1"),
        "{}",
        stderr(&o)
    );

    let empty = TempFile::new("cases.jsonl", "\n");
    let o = run(&["scope", "eval", empty.path()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no cases"), "{}", stderr(&o));
}

#[test]
fn check_json_prints_the_limit_exceeded_and_the_concept_that_matched() {
    let brief = TempFile::new(
        "brief.json",
        r#"{"text": "", "items": [
            {"id": "workshops", "kind": "in", "text": "Three half-day strategy workshops"},
            {"id": "crm", "kind": "out", "text": "Third-party integrations"}]}"#,
    );
    let o = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        "Could we have a fourth workshop on finance?",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "out", "{v}");
    assert_eq!(v["excess"]["item_id"], "workshops");
    assert_eq!(v["excess"]["limit"], "3 half-day strategy workshops");
    assert_eq!(v["excess"]["asked"], "fourth workshop");
    assert_eq!(v["limits"][0]["count"], 3);
    assert!(v["reason"].as_str().unwrap().contains("fourth workshop"));

    let o = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        "Please push our orders into Salesforce",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("verdict: out"), "{out}");
    assert!(out.contains("integrations (salesforce)"), "{out}");
}

#[test]
fn check_cites_a_precedent_given_with_precedents() {
    let brief = TempFile::new("brief.json", BRIEF);
    let body = "Could you make an iPhone version of the driver app for the subcontractors?";
    let alone = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        body,
        "--json",
    ]);
    let v: Value = serde_json::from_str(&stdout(&alone)).unwrap();
    assert_eq!(v["verdict"], "out", "{v}");
    assert!(v.get("precedents").is_none(), "{v}");

    let decided = TempFile::new(
        "decided.jsonl",
        concat!(
            "# one decided request a line\n",
            r#"{"request_id": 412, "title": "iPhone app", "body": "Can you make an iPhone version of the driver app for our subcontractors?", "verdict": "in", "reason": "agreed as goodwill with the Android app", "decided_by": "Ada", "decided_at": "2027-03-03T10:00:00Z"}"#,
            "\n"
        ),
    );
    let args = [
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        body,
        "--precedents",
        decided.path(),
    ];
    let o = run(&[&args[..], &["--json"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verdict"], "in", "{v}");
    assert_eq!(v["precedents"][0]["request_id"], 412);
    assert_eq!(v["precedents"][0]["effect"], "decided");
    assert_eq!(
        v["reason"],
        "decided like #412 on 3 March 2027 by Ada: in (reason: agreed as goodwill with the \
         Android app)"
    );
    let plain = stdout(&run(&args));
    assert!(
        plain.contains("precedent: decided like #412 on 3 March 2027"),
        "{plain}"
    );

    let bad = TempFile::new("bad.jsonl", "{\"request_id\": 1}\n");
    let o = run(&[
        "scope",
        "check",
        "--brief",
        brief.path(),
        "--text",
        body,
        "--precedents",
        bad.path(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 1"), "{}", stderr(&o));
}

#[test]
fn eval_replay_reports_what_the_precedents_did() {
    let o = run(&["scope", "eval", &cases_file(), "--replay", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let r = &v["replay"];
    for key in [
        "decided",
        "swayed",
        "changed",
        "changed_to_right",
        "changed_to_wrong",
    ] {
        assert!(r[key].as_u64().is_some(), "{key}: {r}");
    }
    assert!(
        r["changed"].as_u64()
            <= Some(r["decided"].as_u64().unwrap() + r["swayed"].as_u64().unwrap())
    );
    let plain = stdout(&run(&["scope", "eval", &cases_file(), "--replay"]));
    assert!(plain.contains("replayed with feedback"), "{plain}");
    assert!(plain.contains("precedents: decided "), "{plain}");
    // Without --replay the report carries no replay figures.
    let o = run(&["scope", "eval", &cases_file(), "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v.get("replay").is_none());
}
