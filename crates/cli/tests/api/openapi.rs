//! The served OpenAPI document: equal to the committed snapshot (docs/openapi.json), so every
//! change to the API shows in review, and shaped so validators and client generators accept it.
//!
//! Regenerate the snapshot after an intended change with
//! `RAPPORT_UPDATE_OPENAPI=1 cargo test -p rapport-cli --test api -- openapi::`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::TestApp;

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

async fn served(app: &TestApp) -> String {
    let res = app
        .http
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.text().await.unwrap()
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn operations(doc: &Value) -> Vec<(String, &'static str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((path.clone(), m, op));
            }
        }
    }
    out
}

/// A response, or the shared one its `$ref` names.
fn resolve<'a>(doc: &'a Value, r: &'a Value) -> &'a Value {
    match r["$ref"].as_str() {
        Some(to) => doc.pointer(to.trim_start_matches('#')).unwrap(),
        None => r,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_document_matches_the_snapshot() {
    let app = TestApp::spawn(rapport_store::Engine::Sqlite).await.unwrap();
    let doc = served(&app).await;
    let path = snapshot_path();
    if std::env::var_os("RAPPORT_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &doc).unwrap();
        return;
    }
    let snapshot = std::fs::read_to_string(&path).unwrap_or_default();
    if snapshot != doc {
        let first = snapshot
            .lines()
            .zip(doc.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(snapshot.lines().count().min(doc.lines().count()));
        panic!(
            "the served OpenAPI document differs from docs/openapi.json (first at line {}: \
             snapshot {:?}, served {:?}). If the API change is intended, regenerate it with \
             RAPPORT_UPDATE_OPENAPI=1 cargo test -p rapport-cli --test api -- openapi:: \
             and commit the file.",
            first + 1,
            snapshot.lines().nth(first).unwrap_or("<end>"),
            doc.lines().nth(first).unwrap_or("<end>"),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_document_is_shaped_for_generators() {
    let app = TestApp::spawn(rapport_store::Engine::Sqlite).await.unwrap();
    let doc: Value = serde_json::from_str(&served(&app).await).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(!doc["servers"].as_array().unwrap().is_empty());
    assert_eq!(
        doc["components"]["securitySchemes"]["csrf"]["name"],
        "X-CSRF-Token"
    );

    let ops = operations(&doc);
    assert!(ops.len() > 100, "{} operations", ops.len());
    let mut ids = BTreeSet::new();
    for (path, method, op) in &ops {
        let at = format!("{} {path}", method.to_uppercase());
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: no id"));
        assert!(
            ids.insert(id.to_string()),
            "{at}: operationId {id} used twice"
        );
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{at}: no summary"
        );

        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            let placeholder = format!("{{{name}}}");
            match p["in"].as_str().unwrap() {
                "path" => assert!(
                    path.contains(&placeholder),
                    "{at}: {name} is not in the path"
                ),
                "query" => assert!(!path.contains(&placeholder), "{at}: {name} in the path"),
                "header" => assert_eq!(name, "Idempotency-Key", "{at}"),
                other => panic!("{at}: parameter {name} in {other}"),
            }
        }

        let responses = op["responses"].as_object().unwrap();
        for (status, r) in responses {
            let r = resolve(&doc, r);
            assert!(
                r["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{at} {status}: no description"
            );
            if let Some(problem) = r["content"].get("application/problem+json") {
                assert_eq!(
                    problem["schema"]["$ref"], "#/components/schemas/Problem",
                    "{at} {status}"
                );
            }
        }
        if let Some(r429) = responses.get("429") {
            assert!(
                resolve(&doc, r429)["headers"]["Retry-After"].is_object(),
                "{at}"
            );
        }
        if op.get("requestBody").is_none() {
            assert!(!responses.contains_key("415"), "{at}: 415 without a body");
        }
        // `[{}]`: open to anyone (sign-in, links by email), so no session to protect.
        let public = op["security"].as_array().is_some_and(|reqs| {
            reqs.iter()
                .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
        });
        if *method != "get" && !public {
            assert!(
                op["security"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|req| req.get("cookie").is_some() && req.get("csrf").is_some()),
                "{at}: the cookie flow does not name the CSRF header"
            );
        }
    }
    for id in [
        "listRequests",
        "createClient",
        "createContact",
        "addRequestMessage",
    ] {
        assert!(ids.contains(id), "{id} missing");
    }

    let schemas = &doc["components"]["schemas"];
    let problem = &schemas["Problem"]["properties"];
    assert_eq!(
        problem["errors"]["items"]["$ref"],
        "#/components/schemas/FieldError"
    );
    assert!(
        problem["findings"]
            .to_string()
            .contains("#/components/schemas/Finding")
    );
    // Shapes that used to be untyped objects.
    for name in [
        "CalendarSpec",
        "ClientEtiquette",
        "ContactEtiquette",
        "Brief",
        "SlaPolicy",
        "Conditions",
        "Action",
    ] {
        assert!(schemas[name].is_object(), "schema {name} missing");
    }
    assert_eq!(
        schemas["Client"]["properties"]["calendar"]["$ref"],
        "#/components/schemas/CalendarSpec"
    );
    assert!(schemas["NewClient"]["example"].is_object());
    // Two types named `Rule` (automation, etiquette lint) must not overwrite each other.
    assert!(schemas["Rule"]["properties"]["actions"].is_object());
    assert_eq!(
        schemas["Finding"]["properties"]["rule"]["$ref"],
        "#/components/schemas/LintRule"
    );
    // Query parameters of the book of work are query parameters.
    let list = &doc["paths"]["/api/v1/requests"]["get"]["parameters"];
    let cursor = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cursor")
        .unwrap();
    assert_eq!(cursor["in"], "query");
    assert_eq!(cursor["required"], false);
}
