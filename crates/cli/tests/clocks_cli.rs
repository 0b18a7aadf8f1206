//! The clock verbs run as real processes: `rapport promises stats` over a database seeded
//! through the app, and the clock settings of `rapport serve`.

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;
use rapport_app::{App, Settings};
use rapport_core::access::Role;
use rapport_core::ids::{ClientId, MemberId, PromiseId};
use rapport_core::member::NewMember;
use rapport_store::Engine;
use rapport_store::testing::TestDb;
use serde_json::{Value, json};

fn rapport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(args)
        .output()
        .expect("run rapport")
}

fn at(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap().as_millisecond()
}

fn new_member(email: &str, name: &str, role: Role) -> NewMember {
    NewMember {
        email: email.into(),
        name: name.into(),
        role,
        tz: "Europe/London".into(),
        working_hours: None,
        weekly_capacity_minutes: None,
        password: None,
    }
}

/// Two members, two London clients, three promises: kept 120 and 60 business minutes early,
/// and one broken.
async fn seed(db: &TestDb) {
    let clock = Arc::new(AtomicI64::new(at("2027-03-01T09:00:00Z")));
    let read = Arc::clone(&clock);
    let app = App::new(db.store().await.unwrap(), Settings::default())
        .with_clock(move || Timestamp::from_millisecond(read.load(Ordering::SeqCst)).unwrap());
    let org = app.create_org("acme", "Acme Consulting").await.unwrap();
    let owner = app
        .add_member_as_operator(
            org.id,
            new_member("olu@acme.example", "Olu Owner", Role::Owner),
        )
        .await
        .unwrap();
    let ada = app
        .add_member_as_operator(
            org.id,
            new_member("ada@acme.example", "Ada Agent", Role::Agent),
        )
        .await
        .unwrap();
    let ctx = app.ctx_for_member(org.id, owner.id).await.unwrap();
    let client = |name: &str| {
        let (app, ctx) = (&app, &ctx);
        let input =
            serde_json::from_value(json!({"name": name, "calendar": {"tz": "Europe/London"}}));
        async move { app.create_client(ctx, input.unwrap()).await.unwrap().id }
    };
    let (fjord, vega): (ClientId, ClientId) =
        (client("Fjord Freight").await, client("Vega Outdoor").await);
    let promise = |client: ClientId, by: MemberId, due: &str| {
        let (app, ctx) = (&app, &ctx);
        let input = serde_json::from_value(
            json!({"client_id": client, "kind": "call", "due_at": due, "made_by": by}),
        );
        async move {
            app.make_promise(ctx, input.unwrap())
                .await
                .unwrap()
                .promise
                .id
        }
    };
    let a = promise(fjord, owner.id, "2027-03-01T12:00:00Z").await;
    let b = promise(fjord, owner.id, "2027-03-01T11:00:00Z").await;
    let c = promise(vega, ada.id, "2027-03-02T09:00:00Z").await;
    clock.store(at("2027-03-02T12:00:00Z"), Ordering::SeqCst);
    let settle = |id: PromiseId, keep: bool, when: &str| {
        let (app, ctx) = (&app, &ctx);
        let input = serde_json::from_value(json!({"at": when}));
        async move {
            app.settle_promise(ctx, id, keep, input.unwrap())
                .await
                .unwrap()
        }
    };
    assert_eq!(
        settle(a, true, "2027-03-01T10:00:00Z").await.margin_minutes,
        Some(120)
    );
    settle(b, false, "2027-03-01T11:30:00Z").await;
    // Monday 16:00 for Tuesday 09:00: only the hour before Monday's close is business time.
    assert_eq!(
        settle(c, true, "2027-03-01T16:00:00Z").await.margin_minutes,
        Some(60)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_per_member_as_json_and_text() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    seed(&db).await;
    let url = db.standalone_url();

    let out = rapport(&[
        "promises",
        "stats",
        "--org",
        "acme",
        "--group-by",
        "member",
        "--json",
        "--db",
        &url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["group_by"], "member");
    assert_eq!(v["overall"]["made"], 3);
    assert_eq!(v["overall"]["kept"], 2);
    assert_eq!(v["overall"]["broken"], 1);
    assert_eq!(v["overall"]["median_margin_minutes"], 90);
    let percent = v["overall"]["kept_percent"].as_f64().unwrap();
    assert!((percent - 200.0 / 3.0).abs() < 1e-9, "{percent}");
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["name"], "Olu Owner");
    assert_eq!(groups[0]["kept"], 1);
    assert_eq!(groups[0]["broken"], 1);
    assert_eq!(groups[0]["median_margin_minutes"], 120);
    assert_eq!(groups[1]["name"], "Ada Agent");
    assert_eq!(groups[1]["kept_percent"], 100.0);
    assert_eq!(groups[1]["median_margin_minutes"], 60);

    let out = rapport(&[
        "promises",
        "stats",
        "--org",
        "acme",
        "--group-by",
        "client",
        "--db",
        &url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("client") && lines[0].contains("kept %"),
        "{text}"
    );
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        words(lines[1]),
        ["(all)", "3", "2", "1", "0", "0", "66.7", "90"]
    );
    assert_eq!(words(lines[2])[..2], ["Fjord", "Freight"]);
    assert_eq!(
        words(lines[2])[3..],
        ["2", "1", "1", "0", "0", "50.0", "120"]
    );
    assert_eq!(
        words(lines[3])[3..],
        ["1", "1", "0", "0", "0", "100.0", "60"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_exit_2_naming_them() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    seed(&db).await;
    let url = db.standalone_url();
    let out = rapport(&[
        "promises",
        "stats",
        "--org",
        "acme",
        "--group-by",
        "team",
        "--db",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--group-by") && err.contains("team"), "{err}");
    let out = rapport(&["promises", "stats", "--org", "nope", "--db", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--org"));
}

#[test]
fn serve_refuses_clock_settings_out_of_range() {
    for (flag, value) in [
        ("--silence-check-minutes", "0"),
        ("--silence-check-minutes", "5000"),
        ("--promise-due-soon-minutes", "-1"),
        ("--safety-margin-percent", "900"),
    ] {
        let arg = format!("{flag}={value}");
        let out = rapport(&[
            "serve",
            &arg,
            "--db",
            "sqlite:///nonexistent/never-opened.db",
        ]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{flag} {value}: {err}");
    }
}

/// `rapport aggregates rebuild` puts back kept values that were lost, and a second run writes
/// the same; the ledger reads right again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_rebuild_restores_the_ledger_and_runs_twice_alike() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    seed(&db).await;
    let url = db.standalone_url();
    let stats = || {
        let out = rapport(&["promises", "stats", "--org", "acme", "--json", "--db", &url]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["overall"].clone()
    };
    let before = stats();
    assert_eq!(before["kept"], 2);
    assert_eq!(before["median_margin_minutes"], 90);
    db.store()
        .await
        .unwrap()
        .write(|db| db.batch("DELETE FROM promise_tallies; DELETE FROM promise_margins;"))
        .await
        .unwrap();
    assert_eq!(stats()["kept"], 0, "the ledger reads the kept values");
    let rebuild = |org: &str| {
        let out = rapport(&["aggregates", "rebuild", "--org", org, "--db", &url]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = rebuild("acme");
    // The org, two members and two clients; four levels of margin buckets for each of the
    // five with a kept promise (120 and 60 fall in different buckets only at level 0 and 1).
    assert_eq!(first["promise_tallies"], 5, "{first}");
    assert!(
        first["promise_margins"].as_u64().unwrap() >= 4 * 5,
        "{first}"
    );
    assert_eq!(stats(), before);
    // By id as well as by slug; the same rows again.
    let id = first["org_id"].as_i64().unwrap().to_string();
    assert_eq!(rebuild(&id), first);
    assert_eq!(stats(), before);
    let out = rapport(&["aggregates", "rebuild", "--org", "nope", "--db", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--org"));
}
