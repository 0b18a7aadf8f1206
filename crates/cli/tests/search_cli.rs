//! `rapport search`: the operator's view of an org's search, as text and JSON.

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rapport");

fn rapport(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn search_the_demo_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("rapport-search-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let (code, _, err) = rapport(&["demo", "--db", &db]);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = rapport(&[
        "search",
        "dashboard",
        "--org",
        "northwind",
        "--json",
        "--limit",
        "5",
        "--db",
        &db,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "{v}");
    assert!(v["next_offset"].as_u64() == Some(5), "{v}");
    for h in items {
        let snippet = h["snippet"].as_str().unwrap().to_lowercase();
        assert!(snippet.contains("<mark>dashboard"), "{h}");
    }

    // Filters narrow; notes are searched too (the operator sees everything).
    let (code, out, err) = rapport(&[
        "search",
        "dashboard",
        "--org",
        "northwind",
        "--json",
        "--status",
        "closed,delivered",
        "--kind",
        "bug",
        "--db",
        &db,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for h in v["items"].as_array().unwrap() {
        assert!(
            ["closed", "delivered"].contains(&h["status"].as_str().unwrap()),
            "{h}"
        );
        assert_eq!(h["kind"], "bug");
    }
    let (code, out, _) = rapport(&[
        "search",
        "\"ERP export\"",
        "--org",
        "northwind",
        "--json",
        "--db",
        &db,
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["matched_in"] == "message"),
        "the ERP note matches: {v}"
    );

    // Text output: matches in brackets, no markup.
    let (code, out, _) = rapport(&["search", "dashb*", "--org", "northwind", "--db", &db]);
    assert_eq!(code, 0);
    assert!(
        out.contains("[Dashboard]") || out.contains("[dashboard]"),
        "{out}"
    );
    assert!(!out.contains("<mark>"), "{out}");

    // Bad input names the argument.
    let (code, _, err) = rapport(&["search", ":-()", "--org", "northwind", "--db", &db]);
    assert_eq!(code, 2);
    assert!(err.contains("QUERY"), "{err}");
    let (code, _, err) = rapport(&["search", "okra", "--org", "nope", "--db", &db]);
    assert_eq!(code, 2);
    assert!(err.contains("--org"), "{err}");
    let (code, _, err) = rapport(&[
        "search",
        "okra",
        "--org",
        "northwind",
        "--from",
        "someday",
        "--db",
        &db,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--from"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
