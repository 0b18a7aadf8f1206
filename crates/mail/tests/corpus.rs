//! Every `corpus/NAME.eml` parses to exactly `corpus/NAME.json`.
//!
//! `UPDATE_CORPUS=1 cargo test -p rapport-mail --test corpus` rewrites the expectations. Read
//! every changed .json before committing it: an expectation is a claim about what is right, not
//! a record of what the code happened to print.

use std::fs;
use std::path::{Path, PathBuf};

use rapport_mail::{ParseLimits, parse};
use serde_json::{Value, json};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The JSON the CLI prints, or `{"error": ...}` for input that is refused.
fn actual(raw: &[u8]) -> Value {
    match parse(raw, &ParseLimits::default()) {
        Ok(message) => serde_json::to_value(&message).expect("serialisable"),
        Err(err) => json!({ "error": err.to_string() }),
    }
}

#[test]
fn corpus_matches_expectations() {
    let update = std::env::var_os("UPDATE_CORPUS").is_some();
    let mut emls: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    emls.sort();
    assert!(emls.len() >= 20, "corpus has only {} messages", emls.len());

    let mut failures = Vec::new();
    for eml in &emls {
        let raw = fs::read(eml).expect("read eml");
        let got = actual(&raw);
        let json_path = eml.with_extension("json");
        if update {
            let text = serde_json::to_string_pretty(&got).expect("json") + "\n";
            fs::write(&json_path, text).expect("write json");
            continue;
        }
        let expected: Value = match fs::read_to_string(&json_path) {
            Ok(text) => serde_json::from_str(&text).expect("valid expected json"),
            Err(_) => {
                failures.push(format!("{}: no expectation file", eml.display()));
                continue;
            }
        };
        if got != expected {
            failures.push(format!(
                "{}:\nexpected {}\n     got {}",
                eml.display(),
                serde_json::to_string_pretty(&expected).unwrap_or_default(),
                serde_json::to_string_pretty(&got).unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_expectation_has_a_message() {
    for entry in fs::read_dir(corpus_dir()).expect("corpus dir") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|x| x == "json") {
            assert!(
                path.with_extension("eml").exists(),
                "{} has no .eml",
                path.display()
            );
        }
    }
}
