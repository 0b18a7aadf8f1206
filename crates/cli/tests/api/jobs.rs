//! A job's database effects commit together with its completion, under its lease. An error in
//! the effects themselves (a unique key, say) is the job failing: retried and shown with its
//! cause, never taken for a lease another worker holds.

use rapport_store::params;

use crate::both;
use crate::support::TestApp;

async fn job(app: &TestApp, id: i64) -> serde_json::Value {
    app.get(&format!("/api/v1/jobs/{id}"), &app.owner)
        .await
        .ok(200)
}

async fn probe_records(app: &TestApp) -> i64 {
    let org = app.org;
    app.app
        .store()
        .read(move |db| {
            db.scalar::<i64>(
                "SELECT COUNT(*) FROM audit_events WHERE org_id = $1 AND action = 'job.probe'",
                params![org],
            )
        })
        .await
        .unwrap()
}

both!(
    a_unique_key_broken_by_a_jobs_effects_fails_the_job,
    |app: TestApp| async move {
        app.set_now("2026-03-02T10:00:00Z");
        // A probe's effect is one audit row; with this key a second probe's row breaks it.
        app.app
            .store()
            .write(|db| {
                db.batch(
                    "CREATE UNIQUE INDEX test_one_probe ON audit_events (org_id, action)
                     WHERE action = 'job.probe'",
                )
            })
            .await
            .unwrap();
        let first = app.app.probe_jobs_as_operator(app.org, 1, 0).await.unwrap()[0];
        app.run_jobs().await;
        assert_eq!(job(&app, first).await["status"], "done");

        let second = app.app.probe_jobs_as_operator(app.org, 1, 0).await.unwrap()[0];
        app.run_jobs().await;
        let j = job(&app, second).await;
        // Failed and queued again for a retry, with the conflict as its error: not left
        // `running` as a job whose lease was lost would be, and not `done`.
        assert_eq!(j["status"], "queued", "{j}");
        assert_eq!(j["attempts"], 1, "{j}");
        assert!(
            j["last_error"]
                .as_str()
                .is_some_and(|e| e.starts_with("duplicate value")),
            "{j}"
        );
        assert_eq!(
            probe_records(&app).await,
            1,
            "the failed effects rolled back"
        );

        // Once the key is gone, the retry succeeds.
        app.app
            .store()
            .write(|db| db.batch("DROP INDEX test_one_probe"))
            .await
            .unwrap();
        app.advance_minutes(60);
        app.run_jobs().await;
        let j = job(&app, second).await;
        assert_eq!(j["status"], "done", "{j}");
        assert_eq!(j["attempts"], 2, "{j}");
        assert_eq!(probe_records(&app).await, 2);
    }
);
