//! `rapport import --csv KIND FILE --org SLUG --as EMAIL [--dry-run]`: CSV rows into an existing
//! organisation, checked first, all or nothing.

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
fn csv_import_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("rapport-import-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let (code, _, err) = rapport(&["demo", "--db", &db]);
    assert_eq!(code, 0, "{err}");

    let file = dir.join("clients.csv");
    std::fs::write(
        &file,
        "name,tz,notes\n\"Fjord Fisk, AS\",Europe/Oslo,new\nBroken,Not/AZone,\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let base = [
        "import",
        "--csv",
        "clients",
        f,
        "--org",
        "northwind",
        "--db",
        &db,
    ];

    // A dry run lists each rejected row and fails (for scripts), writing nothing.
    let mut args = base.to_vec();
    args.extend(["--as", "ada@northwind.example", "--dry-run"]);
    let (code, out, err) = rapport(&args);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("line 3: tz:"), "{out}");
    assert!(
        out.contains("2 clients rows: 1 accepted, 1 rejected (dry run"),
        "{out}"
    );

    // Applying with a bad row imports nothing.
    let mut args = base.to_vec();
    args.extend(["--as", "ada@northwind.example"]);
    let (code, out, err) = rapport(&args);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("nothing was imported") && err.contains("line 3: tz"),
        "{err}"
    );

    // Agents may not import; unknown members and kinds are usage errors.
    let mut args = base.to_vec();
    args.extend(["--as", "lucia@northwind.example"]);
    let (code, _, err) = rapport(&args);
    assert_eq!(code, 2);
    assert!(err.contains("lucia@northwind.example"), "{err}");
    let (code, _, err) = rapport(&[
        "import",
        "--csv",
        "tickets",
        f,
        "--org",
        "northwind",
        "--as",
        "ada@northwind.example",
        "--db",
        &db,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("clients, contacts, requests"), "{err}");
    let (code, _, err) = rapport(&["import", "--csv", "clients", f, "--db", &db]);
    assert_ne!(code, 0);
    assert!(err.contains("--org"), "{err}");

    // The good row alone goes in.
    std::fs::write(&file, "name,tz,notes\n\"Fjord Fisk, AS\",Europe/Oslo,new\n").unwrap();
    let mut args = base.to_vec();
    args.extend(["--as", "ada@northwind.example", "--json"]);
    let (code, out, err) = rapport(&args);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["accepted"], 1);
    assert_eq!(v["applied"], true);
    // Again: now a duplicate.
    let (code, out, _) = rapport(&args);
    assert_eq!(code, 2, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
