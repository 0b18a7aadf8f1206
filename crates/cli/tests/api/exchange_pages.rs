//! Import, billing export and calendar feed pages over HTTP (issue 18, item 1): an admin
//! uploads a CSV, sees the dry run as a table (each row, what would happen, the reason in
//! words) and applies that very file, held on the server between the two (so a file too large
//! to send back is applied too, once); downloads the billing CSV (bad dates told in the labels'
//! words); makes a feed whose URL works until it is revoked. A member is refused these pages.

use rapport_core::access::Role;

use crate::both;
use crate::support::{PASSWORD, TestApp};
use crate::ui::{get, multipart, post, post_multipart, sign_in};

const GOOD: &str = "name,tz\r\nKaveri Foods,Asia/Kolkata\r\nBrightwater Legal,Europe/London\r\n";
const BAD: &str = "name,tz\nKaveri Foods,Asia/Kolkata\nBrightwater Legal,Mars/Olympus\n";

/// Apply the checked file the hold `held` names, as the Apply form does.
async fn apply(app: &TestApp, session: &str, csrf: &str, held: &str) -> crate::ui::Page {
    post(
        app,
        "/app/admin/import/apply",
        &[session],
        &[("csrf", csrf), ("held", held)],
    )
    .await
}

/// The value of the hidden input named `name` on the page.
fn hidden(body: &str, name: &str) -> String {
    let start = format!("name=\"{name}\" value=\"");
    let at = body
        .find(&start)
        .unwrap_or_else(|| panic!("no {name} field in {body}"))
        + start.len();
    body[at..at + body[at..].find('"').unwrap()].to_string()
}

both!(
    an_admin_checks_an_import_then_applies_that_file,
    |app: TestApp| async move {
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app/admin/import", &[&session]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("href=\"/app/admin/import\""));
        let csrf = page.csrf();
        let before = app.count("clients").await;

        // No file: said in the label's words.
        let (ct, body) = multipart(&[("csrf", &csrf), ("kind", "clients")], &[]);
        let res = post_multipart(&app, "/app/admin/import", &session, &ct, body).await;
        res.says(422, "File: choose a file");

        // A bad row: the table says what would happen to each row, and no Apply is offered.
        let (ct, body) = multipart(
            &[("csrf", &csrf), ("kind", "clients")],
            &[("clients.csv", BAD.as_bytes())],
        );
        let res = post_multipart(&app, "/app/admin/import", &session, &ct, body).await;
        res.says(200, "2 rows read; 1 would be imported; 1 rejected.");
        assert!(res.body.contains("would be added"), "{}", res.body);
        assert!(res.body.contains("Mars/Olympus"), "{}", res.body);
        assert!(
            res.body.contains("not a known IANA zone name"),
            "{}",
            res.body
        );
        assert!(!res.body.contains("apply-form"));
        assert_eq!(app.count("clients").await, before);

        // A good file: checked, then applied from the Apply form without choosing it again.
        let (ct, body) = multipart(
            &[("csrf", &csrf), ("kind", "clients")],
            &[("clients.csv", GOOD.as_bytes())],
        );
        let res = post_multipart(&app, "/app/admin/import", &session, &ct, body).await;
        res.says(200, "Dry run: nothing written yet");
        assert!(res.body.contains("Apply: import 2 clients"), "{}", res.body);
        assert_eq!(app.count("clients").await, before);
        let held = hidden(&res.body, "held");
        assert!(
            !res.body.contains("Kaveri Foods,Asia/Kolkata"),
            "the file stays on the server, not in the form"
        );

        let without_token = [("held", held.as_str())];
        let res = post(&app, "/app/admin/import/apply", &[&session], &without_token).await;
        assert_eq!(res.status, 403, "without the form's token: {}", res.body);
        assert_eq!(app.count("clients").await, before);
        let res = apply(&app, &session, &csrf, &held).await;
        res.says(200, "2 rows read; 2 imported");
        assert_eq!(app.count("clients").await, before + 2);
        // Applied twice (a double click, the back button): the hold was taken, nothing doubled.
        let res = apply(&app, &session, &csrf, &held).await;
        res.says(422, "File: the checked file is no longer held");
        assert_eq!(app.count("clients").await, before + 2);
    }
);

both!(
    a_file_too_large_to_send_back_is_applied_from_its_hold,
    |app: TestApp| async move {
        // 440 clients with 9,900-character notes: 4.2 MiB, under the 5 MiB a request may carry,
        // but 5.6 MiB once base64 in a form, which is how Apply used to send the file back.
        let mut csv = String::from("name,tz,notes\r\n");
        let notes = "n".repeat(9_900);
        for i in 0..440 {
            csv.push_str(&format!("Client {i:03},UTC,{notes}\r\n"));
        }
        assert!(csv.len() > 4 * 1024 * 1024 && csv.len() * 4 / 3 > 5 * 1024 * 1024);
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let csrf = get(&app, "/app/admin/import", &[&session]).await.csrf();
        let before = app.count("clients").await;
        let (ct, body) = multipart(
            &[("csrf", &csrf), ("kind", "clients")],
            &[("clients.csv", csv.as_bytes())],
        );
        let res = post_multipart(&app, "/app/admin/import", &session, &ct, body).await;
        res.says(200, "440 rows read; 440 would be imported; 0 rejected.");
        let held = hidden(&res.body, "held");

        // Another admin cannot apply this admin's check.
        app.member_token("grace@acme.example", Role::Admin).await;
        let other = sign_in(&app, "app", "grace@acme.example", PASSWORD).await;
        let other_csrf = get(&app, "/app/admin/import", &[&other]).await.csrf();
        let res = apply(&app, &other, &other_csrf, &held).await;
        res.says(422, "no longer held");
        assert_eq!(app.count("clients").await, before);

        let res = apply(&app, &session, &csrf, &held).await;
        res.says(200, "440 rows read; 440 imported");
        assert_eq!(app.count("clients").await, before + 440);
        assert_eq!(app.count("import_holds").await, 0, "taken when applied");
    }
);

both!(
    a_check_not_applied_within_a_day_is_forgotten,
    |app: TestApp| async move {
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let csrf = get(&app, "/app/admin/import", &[&session]).await.csrf();
        let (ct, body) = multipart(
            &[("csrf", &csrf), ("kind", "clients")],
            &[("clients.csv", GOOD.as_bytes())],
        );
        let res = post_multipart(&app, "/app/admin/import", &session, &ct, body).await;
        let held = hidden(&res.body, "held");
        app.advance(jiff::SignedDuration::from_hours(23));
        app.app.housekeep().await.unwrap();
        assert_eq!(app.count("import_holds").await, 1, "kept for a day");
        app.advance(jiff::SignedDuration::from_hours(2));
        app.app.housekeep().await.unwrap();
        assert_eq!(app.count("import_holds").await, 0);
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let csrf = get(&app, "/app/admin/import", &[&session]).await.csrf();
        let before = app.count("clients").await;
        let res = apply(&app, &session, &csrf, &held).await;
        res.says(422, "checked over a day ago");
        assert_eq!(app.count("clients").await, before);
    }
);

both!(
    a_member_is_refused_the_import_page,
    |app: TestApp| async move {
        app.member_token("ada@acme.example", Role::Agent).await;
        let session = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let res = get(&app, "/app/admin/import", &[&session]).await;
        res.says(403, "Only the firm's admins and owners");
        let csrf = get(&app, "/app", &[&session]).await.csrf();
        let before = app.count("clients").await;
        let res = apply(&app, &session, &csrf, "1").await;
        assert_eq!(res.status, 403, "{}", res.body);
        assert_eq!(app.count("clients").await, before);
    }
);

both!(
    an_admin_downloads_the_billing_export,
    |app: TestApp| async move {
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app/admin/billing", &[&session]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let res = get(
            &app,
            "/app/admin/billing.csv?from=2030-01-10&to=2030-01-01&client_id=",
            &[&session],
        )
        .await;
        res.says(422, "Last day: 2030-01-01 is before");
        assert!(
            res.body.contains("value=\"2030-01-10\""),
            "what was typed is kept"
        );
        let res = get(&app, "/app/admin/billing.csv?from=soon&to=", &[&session]).await;
        res.says(422, "First day: &quot;soon&quot; is not a date");

        let res = app
            .http
            .get(format!(
                "{}/app/admin/billing.csv?from=2030-01-01&to=2030-01-31&client_id=",
                app.base
            ))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("billing.csv")
        );
        let csv = res.text().await.unwrap();
        let api = app
            .http
            .get(format!(
                "{}/api/v1/exports/billing.csv?from=2030-01-01&to=2030-01-31",
                app.base
            ))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(csv, api, "the page downloads what the API answers");
        assert!(!csv.is_empty());

        app.member_token("ada@acme.example", Role::Agent).await;
        let member = sign_in(&app, "app", "ada@acme.example", PASSWORD).await;
        let res = get(&app, "/app/admin/billing.csv", &[&member]).await;
        assert_eq!(res.status, 403, "{}", res.body);
    }
);

both!(
    an_admin_makes_and_revokes_a_calendar_feed,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app/admin/feeds", &[&session]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("No calendar feeds yet."));
        let csrf = page.csrf();
        let subject = format!("client:{client}");
        let res = post(
            &app,
            "/app/admin/feeds",
            &[&session],
            &[("csrf", &csrf), ("subject", &subject)],
        )
        .await;
        res.says(200, "it will not be shown again");
        assert!(
            res.body.contains("Feed made for client Kaveri Foods"),
            "{}",
            res.body
        );
        let start = "id=\"feed-url\">";
        let at = res.body.find(start).unwrap() + start.len();
        let url = &res.body[at..at + res.body[at..].find('<').unwrap()];
        let path = &url[url.find("/api/v1/feeds/").expect("a feed URL")..];
        let ics = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(ics.status(), 200);
        assert!(ics.text().await.unwrap().contains("BEGIN:VCALENDAR"));

        // Listed without its secret, and revoked from the list.
        let page = get(&app, "/app/admin/feeds", &[&session]).await;
        assert!(page.body.contains("client Kaveri Foods"), "{}", page.body);
        assert!(!page.body.contains(path));
        let start = "action=\"/app/admin/feeds/";
        let at = page.body.find(start).unwrap() + start.len();
        let id = &page.body[at..at + page.body[at..].find('/').unwrap()];
        let res = post(
            &app,
            &format!("/app/admin/feeds/{id}/revoke"),
            &[&session],
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let ics = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(ics.status(), 404);
        let page = get(&app, &res.location, &[&session]).await;
        assert!(page.body.contains("Feed revoked"), "{}", page.body);

        // A subject that is not in the list: refused in words.
        let res = post(
            &app,
            "/app/admin/feeds",
            &[&session],
            &[("csrf", &csrf), ("subject", "client:999999")],
        )
        .await;
        res.says(422, "For: no client 999999");
    }
);

both!(
    a_zendesk_export_is_checked_then_applied_from_the_page,
    |app: TestApp| async move {
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../samples/zendesk-export.json"
        ))
        .unwrap();
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let csrf = get(&app, "/app/admin/import", &[&session]).await.csrf();
        let before = app.count("requests").await;
        // A time zone that does not exist: said in the label's words.
        let (ct, body) = multipart(
            &[("csrf", &csrf), ("kind", "zendesk"), ("tz", "Mars/Base")],
            &[("export.json", &sample)],
        );
        let res = post_multipart(&app, "/app/admin/import", &session, &ct, body).await;
        res.says(422, "Time zone of new clients:");

        let (ct, body) = multipart(
            &[
                ("csrf", &csrf),
                ("kind", "zendesk"),
                ("tz", "Europe/London"),
            ],
            &[("export.json", &sample)],
        );
        let res = post_multipart(&app, "/app/admin/import", &session, &ct, body).await;
        res.says(
            200,
            "Would import: 2 clients, 2 contacts, 3 requests with 3 messages",
        );
        assert_eq!(app.count("requests").await, before);
        let held = hidden(&res.body, "held");
        let res = apply(&app, &session, &csrf, &held).await;
        res.says(200, "Imported: 2 clients");
        assert_eq!(app.count("requests").await, before + 3);
        // The zone chosen at the check was held with the file.
        let zones: serde_json::Value = app
            .get("/api/v1/clients?limit=100", &app.owner)
            .await
            .ok(200);
        assert!(
            zones["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["calendar"]["tz"] == "Europe/London"),
            "{zones}"
        );
    }
);
