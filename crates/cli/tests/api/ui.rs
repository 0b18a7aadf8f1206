//! The browser pages over HTTP: sign-in, CSRF on every form, a contact never seeing another
//! client's work, and readable errors for bad input (the Chromium suite is tests/browser/).

use reqwest::redirect::Policy;
use serde_json::json;

use crate::both;
use crate::support::{PASSWORD, TestApp};

/// A browser-like client: keeps no cookies itself (the test passes them), follows no redirect.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: String,
    pub(crate) set_cookie: Vec<String>,
    pub(crate) body: String,
}

impl Page {
    /// The value of the first hidden `csrf` field on the page.
    pub(crate) fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no csrf field on the page: {}", self.body));
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    /// Assert the answer's status and that the page says `words` (a form's refusal told in its
    /// labels' words, a notice); the page is printed when either fails.
    #[track_caller]
    pub(crate) fn says(&self, status: u16, words: &str) -> &Self {
        assert_eq!(self.status, status, "{}", self.body);
        assert!(
            self.body.contains(words),
            "expected {words:?} on: {}",
            self.body
        );
        self
    }

    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookie
            .iter()
            .map(|c| c.split(';').next().unwrap().to_string())
            .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
    }
}

/// One request as a browser makes it: the cookies given (empty ones left out), a form, and any
/// other headers (an `origin`, an `accept`).
pub(crate) async fn fetch(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    cookies: &[&str],
    form: Option<&[(&str, &str)]>,
    headers: &[(&str, &str)],
) -> Page {
    let mut req = browser().request(method, format!("{}{path}", app.base));
    let cookies: Vec<&str> = cookies.iter().copied().filter(|c| !c.is_empty()).collect();
    if !cookies.is_empty() {
        req = req.header("cookie", cookies.join("; "));
    }
    if let Some(f) = form {
        req = req.form(f);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let set_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let body = res.text().await.unwrap_or_default();
    Page {
        status,
        location,
        set_cookie,
        body,
    }
}

pub(crate) async fn get(app: &TestApp, path: &str, cookies: &[&str]) -> Page {
    fetch(app, reqwest::Method::GET, path, cookies, None, &[]).await
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    cookies: &[&str],
    form: &[(&str, &str)],
) -> Page {
    fetch(app, reqwest::Method::POST, path, cookies, Some(form), &[]).await
}

/// A GET as a browser sends it, asking for HTML.
pub(crate) async fn fetch_html(app: &TestApp, path: &str) -> Page {
    let accept = ("accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
    fetch(app, reqwest::Method::GET, path, &[], None, &[accept]).await
}

/// Sign in through the HTML form; returns the session cookie.
pub(crate) async fn sign_in(app: &TestApp, side: &str, email: &str, password: &str) -> String {
    let login = get(app, &format!("/{side}/login"), &[]).await;
    assert_eq!(login.status, 200);
    let token = login.csrf();
    let lc = login.cookie("rapport_login_csrf").expect("login cookie");
    let res = post(
        app,
        &format!("/{side}/login"),
        &[&lc],
        &[("csrf", &token), ("email", email), ("password", password)],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location, format!("/{side}"));
    res.cookie("rapport_session").expect("a session cookie")
}

both!(
    workspace_pages_need_a_member_session,
    |app: TestApp| async move {
        let res = get(&app, "/app?view=open", &[]).await;
        assert_eq!(res.status, 303);
        assert_eq!(res.location, "/app/login?next=%2Fapp%3Fview%3Dopen");
        let res = get(&app, "/portal", &[]).await;
        assert_eq!(res.status, 303);
        assert!(
            res.location.starts_with("/portal/login"),
            "{}",
            res.location
        );
        let res = get(&app, "/", &[]).await;
        assert_eq!((res.status, res.location.as_str()), (303, "/app"));

        // A wrong password: the form again, with a readable message, and no session.
        let login = get(&app, "/app/login", &[]).await;
        let lc = login.cookie("rapport_login_csrf").unwrap();
        let res = post(
            &app,
            "/app/login",
            &[&lc],
            &[
                ("csrf", &login.csrf()),
                ("email", "owner@acme.example"),
                ("password", "wrong password"),
            ],
        )
        .await;
        res.says(401, "role=\"alert\"");
        assert!(res.cookie("rapport_session").is_none());

        // A sign-in form posted without its cookie's token (login CSRF) is refused.
        let res = post(
            &app,
            "/app/login",
            &[&lc],
            &[
                ("csrf", "forged"),
                ("email", "owner@acme.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(res.status, 403, "{}", res.body);
        assert!(res.cookie("rapport_session").is_none());

        // The right token from another site (a login-CSRF attempt): refused before any check.
        let res = fetch(
            &app,
            reqwest::Method::POST,
            "/app/login",
            &[&lc],
            Some(&[
                ("csrf", &login.csrf()),
                ("email", "owner@acme.example"),
                ("password", PASSWORD),
            ]),
            &[("origin", "https://evil.example")],
        )
        .await;
        assert_eq!(res.status, 403, "{}", res.body);
        assert!(res.cookie("rapport_session").is_none());

        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app?view=open", &[&session]).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("<h1>All open</h1>"), "{}", page.body);
        // The page carries the security headers, with no inline script allowed.
        for path in ["/app/dashboard", "/app/login"] {
            let res = browser()
                .get(format!("{}{path}", app.base))
                .header("cookie", &session)
                .send()
                .await
                .unwrap();
            let csp = res.headers()["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
                "{csp}"
            );
            assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        }
        // htmx is served from our own origin.
        let js = get(&app, "/assets/htmx.min.js", &[]).await;
        assert_eq!(js.status, 200);
        assert!(js.body.contains("htmx"), "not htmx");
    }
);

both!(
    an_unknown_page_is_a_page_and_an_unknown_endpoint_a_problem,
    |app: TestApp| async move {
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        for path in [
            "/app/no-such-page",
            "/app/clients/7/nothing",
            "/portal/nowhere",
            "/rate/",
        ] {
            let res = browser()
                .get(format!("{}{path}", app.base))
                .header("cookie", &session)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{path}");
            let ct = res.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ct.starts_with("text/html"), "{path}: {ct}");
            let body = res.text().await.unwrap();
            assert!(body.contains("There is no such page."), "{path}: {body}");
            assert!(body.contains("href=\"/app\""), "{path}: a way back");
        }
        // Programs still get a problem document, whatever they accept.
        let res = browser()
            .get(format!("{}/api/v1/no-such-endpoint", app.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        // A path that only begins like the workspace is not taken for it.
        let res = get(&app, "/application.json", &[]).await;
        assert_eq!(res.status, 404);
        assert!(res.body.contains("no such endpoint"), "{}", res.body);
    }
);

both!(
    the_status_control_offers_the_next_step_first,
    |app: TestApp| async move {
        app.set_now("2026-03-02T10:00:00Z");
        let client = app.client("Kaveri Foods").await;
        let id = app.request(client, "Weekly dashboard numbers").await["id"]
            .as_i64()
            .unwrap();
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let path = format!("/app/requests/{id}");
        // Each status's preselected move, and the one move back that must never be preselected.
        for (status, next, back) in [
            (None, "triaged", None),
            (Some("in_progress"), "delivered", Some("triaged")),
            (Some("delivered"), "closed", Some("in_progress")),
        ] {
            if let Some(st) = status {
                app.post(
                    &format!("/api/v1/requests/{id}/transition"),
                    &app.owner,
                    json!({"status": st}),
                )
                .await
                .ok(200);
            }
            let page = get(&app, &path, &[&session]).await;
            assert!(
                page.body
                    .contains(&format!("<option value=\"{next}\" selected>")),
                "{status:?}: {}",
                page.body
            );
            if let Some(back) = back {
                assert!(page.body.contains(&format!("<option value=\"{back}\">")));
            }
        }
        // Dates read as the member would say them, beside the instant.
        app.set_now("2026-03-05T10:00:00Z");
        let page = get(&app, &path, &[&session]).await;
        assert!(
            page.body
                .contains("<span class=\"rel\">(3 days ago)</span>"),
            "{}",
            page.body
        );
        // Closed: reopening is the only move, and it is chosen on purpose, never by default.
        app.post(
            &format!("/api/v1/requests/{id}/transition"),
            &app.owner,
            json!({"status": "closed"}),
        )
        .await
        .ok(200);
        let page = get(&app, &path, &[&session]).await;
        assert!(
            page.body.contains("<option value=\"\" disabled selected>"),
            "{}",
            page.body
        );
        assert!(page.body.contains("<option value=\"triaged\">"));
    }
);

both!(
    every_workspace_form_checks_the_csrf_token,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let req = app.request(client, "Weekly dashboard numbers").await;
        let id = req["id"].as_i64().unwrap();
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, &format!("/app/requests/{id}"), &[&session]).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Weekly dashboard numbers"));
        let token = page.csrf();
        let before = app.count("messages").await;

        // A stale token, no token, a cross-site origin: refused, nothing written.
        for (csrf, origin) in [
            ("stale", None),
            ("", None),
            (token.as_str(), Some("https://evil.example")),
        ] {
            let res = fetch(
                &app,
                reqwest::Method::POST,
                &format!("/app/requests/{id}/reply"),
                &[&session],
                Some(&[
                    ("csrf", csrf),
                    ("direction", "note"),
                    ("body", "forged note"),
                ]),
                &origin
                    .map(|o| ("origin", o))
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
            .await;
            assert_eq!(res.status, 403, "{csrf:?} {origin:?}: {}", res.body);
            assert!(res.body.contains("role=\"alert\""), "{}", res.body);
        }
        for path in ["status", "assign", "promises", "scope", "time", "rating"] {
            let res = post(
                &app,
                &format!("/app/requests/{id}/{path}"),
                &[&session],
                &[("csrf", "stale"), ("status", "triaged"), ("assignee", "me")],
            )
            .await;
            assert_eq!(res.status, 403, "{path}: {}", res.body);
        }
        let res = post(
            &app,
            "/app/quick",
            &[&session],
            &[
                ("csrf", "stale"),
                ("client", &client.to_string()),
                ("title", "x"),
                ("minutes", "5"),
            ],
        )
        .await;
        assert_eq!(res.status, 403);
        assert_eq!(app.count("messages").await, before);
        // Each refusal of a signed-in form is in the audit trail.
        let audit = app
            .get("/api/v1/audit?action=auth.denied", &app.owner)
            .await
            .ok(200);
        let denied = audit["items"].as_array().map(Vec::len).unwrap_or(0);
        assert!(denied >= 7, "denials audited: {audit}");
        let status = app
            .get(&format!("/api/v1/requests/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(status["status"], "new");
        assert_eq!(status["assignee_id"], serde_json::Value::Null);

        // The right token: the note is added, the browser is sent back to the thread.
        let res = post(
            &app,
            &format!("/app/requests/{id}/reply"),
            &[&session],
            &[
                ("csrf", &token),
                ("direction", "note"),
                ("body", "Checked the ERP export"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(app.count("messages").await, before + 1);
        let page = get(&app, &format!("/app/requests/{id}"), &[&session]).await;
        assert!(page.body.contains("Checked the ERP export"));

        // An empty message is a readable error on the page, not a half-write.
        let res = post(
            &app,
            &format!("/app/requests/{id}/reply"),
            &[&session],
            &[("csrf", &token), ("direction", "note"), ("body", "   ")],
        )
        .await;
        res.says(422, "notice error");
        assert_eq!(app.count("messages").await, before + 1);

        // The status form moves the request.
        let res = post(
            &app,
            &format!("/app/requests/{id}/status"),
            &[&session],
            &[("csrf", &token), ("status", "in_progress")],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let r = app
            .get(&format!("/api/v1/requests/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(r["status"], "in_progress");

        // Time logged from the request page.
        let before_time = app.count("time_entries").await;
        let res = post(
            &app,
            &format!("/app/requests/{id}/time"),
            &[&session],
            &[
                ("csrf", &token),
                ("minutes", "25"),
                ("note", "ERP check"),
                ("billable", "yes"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(app.count("time_entries").await, before_time + 1);
        let res = post(
            &app,
            &format!("/app/requests/{id}/time"),
            &[&session],
            &[("csrf", &token), ("minutes", "0")],
        )
        .await;
        assert_eq!(res.status, 422, "{}", res.body);
        assert_eq!(app.count("time_entries").await, before_time + 1);
        let page = get(&app, &format!("/app/requests/{id}"), &[&session]).await;
        assert!(page.body.contains("25 minutes spent"), "{}", page.body);

        // Signing out ends the session: the old cookie no longer opens a page.
        let res = post(&app, "/app/logout", &[&session], &[("csrf", &token)]).await;
        assert_eq!(res.status, 303);
        let res = get(&app, "/app", &[&session]).await;
        assert_eq!(res.status, 303);
        assert!(res.location.starts_with("/app/login"));
    }
);

both!(
    a_contact_sees_only_their_own_clients_work,
    |app: TestApp| async move {
        let mine = app.client("Kaveri Foods").await;
        let theirs = app.client("Brightwater Legal").await;
        app.contact(mine, "priya@kaveri.example", Some(PASSWORD))
            .await;
        let own = app.request(mine, "Our weekly dashboard").await["id"]
            .as_i64()
            .unwrap();
        let other = app.request(theirs, "Brightwater merger memo").await["id"]
            .as_i64()
            .unwrap();
        // An internal note on the contact's own request.
        app.post(
            &format!("/api/v1/requests/{own}/messages"),
            &app.owner,
            json!({"direction": "note", "body": "Internal: client is price-sensitive"}),
        )
        .await
        .ok(201);

        let session = sign_in(&app, "portal", "priya@kaveri.example", PASSWORD).await;
        let home = get(&app, "/portal", &[&session]).await;
        assert_eq!(home.status, 200);
        assert!(home.body.contains("Our weekly dashboard"));
        assert!(!home.body.contains("Brightwater"), "{}", home.body);

        // Another client's request: 404 (its existence is not confirmed), no title shown.
        let res = get(&app, &format!("/portal/requests/{other}"), &[&session]).await;
        assert_eq!(res.status, 404);
        assert!(!res.body.contains("merger"), "{}", res.body);
        let res = get(&app, "/portal/requests/999999", &[&session]).await;
        assert_eq!(res.status, 404);
        // Nor can they write to it.
        let token = home.csrf();
        let before = app.count("messages").await;
        let res = post(
            &app,
            &format!("/portal/requests/{other}/reply"),
            &[&session],
            &[("csrf", &token), ("body", "hello?")],
        )
        .await;
        assert_eq!(res.status, 404);
        assert_eq!(app.count("messages").await, before);

        // Their own request: the thread without the internal note.
        let page = get(&app, &format!("/portal/requests/{own}"), &[&session]).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Our weekly dashboard"));
        assert!(!page.body.contains("price-sensitive"), "{}", page.body);
        // Dates in their client's zone (the test clients keep Europe/London).
        assert!(
            page.body.contains("GMT") || page.body.contains("BST"),
            "{}",
            page.body
        );

        // The workspace is not for contacts: they are sent to the portal.
        let res = get(&app, "/app", &[&session]).await;
        assert_eq!(res.status, 303);
        assert_eq!(res.location, "/portal");
        let res = get(&app, &format!("/app/requests/{other}"), &[&session]).await;
        assert_eq!(res.status, 303);
        assert_eq!(res.location, "/portal");
    }
);

both!(
    portal_forms_validate_and_never_half_write,
    |app: TestApp| async move {
        let mine = app.client("Kaveri Foods").await;
        app.contact(mine, "priya@kaveri.example", Some(PASSWORD))
            .await;
        let session = sign_in(&app, "portal", "priya@kaveri.example", PASSWORD).await;
        let form = get(&app, "/portal/requests/new", &[&session]).await;
        let token = form.csrf();
        let before = app.count("requests").await;

        let long = "x".repeat(301);
        for (title, csrf, status) in [
            ("", token.as_str(), 422),
            (long.as_str(), token.as_str(), 422),
            ("Fine title", "stale", 403),
        ] {
            let res = post(
                &app,
                "/portal/requests",
                &[&session],
                &[("csrf", csrf), ("title", title), ("kind", "question")],
            )
            .await;
            assert_eq!(res.status, status, "{title:?}: {}", res.body);
            assert!(res.body.contains("role=\"alert\""), "{}", res.body);
        }
        assert_eq!(app.count("requests").await, before);

        let res = post(
            &app,
            "/portal/requests",
            &[&session],
            &[
                ("csrf", &token),
                ("title", "New cold-chain report"),
                ("kind", "feature"),
                ("body", "For the Pune warehouse"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(app.count("requests").await, before + 1);
        let page = get(&app, &res.location, &[&session]).await;
        assert!(page.body.contains("New cold-chain report"));
        let r = app
            .get(
                &format!("/api/v1{}", res.location.trim_start_matches("/portal")),
                &app.owner,
            )
            .await
            .ok(200);
        assert_eq!(r["channel"], "portal");
        assert_eq!(r["client_id"], mine);

        // A rating is offered only for delivered work; out-of-range scores are refused.
        let id = r["id"].as_i64().unwrap();
        app.post(
            &format!("/api/v1/requests/{id}/transition"),
            &app.owner,
            json!({"status": "delivered"}),
        )
        .await
        .ok(200);
        let page = get(&app, &format!("/portal/requests/{id}"), &[&session]).await;
        assert!(page.body.contains("How did we do?"), "{}", page.body);
        let res = post(
            &app,
            &format!("/portal/requests/{id}/rate"),
            &[&session],
            &[("csrf", &token), ("score", "9")],
        )
        .await;
        assert_eq!(res.status, 422, "{}", res.body);
        assert_eq!(app.count("ratings").await, 0);
        let res = post(
            &app,
            &format!("/portal/requests/{id}/rate"),
            &[&session],
            &[("csrf", &token), ("score", "5"), ("comment", "Spot on")],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(app.count("ratings").await, 1);
    }
);

/// A multipart/form-data body as a browser sends it: (content type, bytes).
pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let b = "rapport-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, data) in files {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

pub(crate) async fn post_multipart(
    app: &TestApp,
    path: &str,
    cookie: &str,
    ct: &str,
    body: Vec<u8>,
) -> Page {
    let res = browser()
        .post(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    Page {
        status,
        location,
        set_cookie: vec![],
        body: res.text().await.unwrap_or_default(),
    }
}

both!(
    portal_uploads_are_checked_and_stored_with_the_request,
    |app: TestApp| async move {
        let mine = app.client("Kaveri Foods").await;
        let theirs = app.client("Brightwater Legal").await;
        app.contact(mine, "priya@kaveri.example", Some(PASSWORD))
            .await;
        app.contact(theirs, "sam@brightwater.example", Some(PASSWORD))
            .await;
        let session = sign_in(&app, "portal", "priya@kaveri.example", PASSWORD).await;
        let token = get(&app, "/portal/requests/new", &[&session]).await.csrf();
        let before = counts(&app).await;
        let fields = [
            ("csrf", token.as_str()),
            ("title", "Wastage figures"),
            ("kind", "data"),
        ];

        // A file that is not what its name says: a readable refusal, nothing saved.
        let (ct, body) = multipart(&fields, &[("report.pdf", b"MZ\x90\x00 an executable")]);
        let res = post_multipart(&app, "/portal/requests", &session, &ct, body).await;
        res.says(422, "does not contain what its name says");
        assert_eq!(counts(&app).await, before);

        // A file larger than the server takes: refused with a page saying so.
        let huge = vec![b'a'; 6 * 1024 * 1024];
        let (ct, body) = multipart(&fields, &[("huge.txt", &huge)]);
        let res = post_multipart(&app, "/portal/requests", &session, &ct, body).await;
        res.says(413, "larger than the server accepts");
        assert_eq!(counts(&app).await, before);

        // A stale token with a good file: refused.
        let csv: &[u8] = b"week,kg\n14,120\n";
        let (ct, body) = multipart(
            &[("csrf", "stale"), ("title", "x")],
            &[("figures.csv", csv)],
        );
        let res = post_multipart(&app, "/portal/requests", &session, &ct, body).await;
        assert_eq!(res.status, 403);
        assert_eq!(counts(&app).await, before);

        // A good file: the request, a message carrying it, and the file, together.
        let (ct, body) = multipart(&fields, &[("figures.csv", csv)]);
        let res = post_multipart(&app, "/portal/requests", &session, &ct, body).await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(
            counts(&app).await,
            (before.0 + 1, before.1 + 1, before.2 + 1)
        );
        let page = get(&app, &res.location, &[&session]).await;
        let at = page
            .body
            .find("/portal/attachments/")
            .expect("a link to the file");
        let id: String = page.body[at + "/portal/attachments/".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let file = browser()
            .get(format!("{}/portal/attachments/{id}", app.base))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.headers()["content-type"], "text/csv");
        assert!(
            file.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(file.bytes().await.unwrap().as_ref(), csv);

        // Another client's contact cannot fetch it; the team can.
        let other = sign_in(&app, "portal", "sam@brightwater.example", PASSWORD).await;
        let res = get(&app, &format!("/portal/attachments/{id}"), &[&other]).await;
        assert_eq!(res.status, 404);
        assert!(!res.body.contains("week,kg"));
        let member = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let res = get(&app, &format!("/app/attachments/{id}"), &[&member]).await;
        assert_eq!(res.status, 200);
        assert_eq!(res.body, "week,kg\n14,120\n");
    }
);

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("requests").await,
        app.count("messages").await,
        app.count("attachments").await,
    )
}

both!(
    portal_sign_in_by_emailed_link_in_the_browser,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app.contact(client, "priya@kaveri.example", None).await;
        // Links are for contacts with portal access: an invitation gives it.
        app.invite(priya, &app.owner).await;
        let login = get(&app, "/portal/login", &[]).await;
        let lc = login.cookie("rapport_login_csrf").unwrap();
        // The same answer for a known and an unknown address.
        for email in ["priya@kaveri.example", "nobody@kaveri.example"] {
            let res = post(
                &app,
                "/portal/link/request",
                &[&lc],
                &[("csrf", &login.csrf()), ("email", email)],
            )
            .await;
            res.says(200, "a sign-in link is on its way");
        }
        let (org, to) = (app.org, "priya@kaveri.example".to_string());
        let mails = app
            .app
            .store()
            .read(move |db| rapport_store::repo::accounts::mails_to(db, org, &to))
            .await
            .unwrap();
        let body = &mails.first().expect("a link was mailed").body;
        let at =
            body.find("/portal/link?token=").expect("a portal link") + "/portal/link?token=".len();
        let token = body[at..].split_whitespace().next().unwrap().to_string();

        // Opening the link does not sign in (mail scanners follow links); the button does.
        let page = get(&app, &format!("/portal/link?token={token}"), &[]).await;
        assert_eq!(page.status, 200);
        assert!(page.cookie("rapport_session").is_none());
        let lc = page.cookie("rapport_login_csrf").unwrap();
        let res = post(
            &app,
            "/portal/link",
            &[&lc],
            &[("csrf", &page.csrf()), ("token", &token)],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(res.location, "/portal");
        let session = res.cookie("rapport_session").expect("signed in");
        let home = get(&app, "/portal", &[&session]).await;
        assert!(home.body.contains("Waiting on you</h1>"), "{}", home.body);

        // The link works once.
        let res = post(
            &app,
            "/portal/link",
            &[&lc],
            &[("csrf", &page.csrf()), ("token", &token)],
        )
        .await;
        assert!(res.status >= 400, "{}", res.status);
        assert!(res.cookie("rapport_session").is_none());
        assert!(res.body.contains("role=\"alert\""));
    }
);

both!(
    the_dashboard_charts_breaches_and_out_of_scope_hours,
    |app: TestApp| async move {
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let empty = get(&app, "/app/dashboard", &[&session]).await;
        assert_eq!(empty.status, 200);
        assert!(
            empty.body.contains("SLA breaches per week"),
            "{}",
            empty.body
        );
        assert!(!empty.body.contains("breaches 1 breaches"));

        // Two breaches this week and one a fortnight ago; one alert of another kind.
        let (org, now) = (app.org, app.app.now());
        app.app
            .store()
            .write(move |db| -> rapport_app::AppResult<()> {
                let alert = |kind: &str, key: &str| rapport_core::alert::NewAlert {
                    kind: kind.into(),
                    severity: rapport_core::alert::Severity::Warning,
                    subject_kind: None,
                    subject_id: None,
                    message: "probe".into(),
                    details: json!({}),
                    recipient_id: None,
                    dedupe_key: key.into(),
                };
                let earlier = now - jiff::SignedDuration::from_hours(24 * 14);
                rapport_app::alerts::raise(db, org, &alert("sla.breached", "a"), now)?;
                rapport_app::alerts::raise(db, org, &alert("sla.breached", "b"), now)?;
                rapport_app::alerts::raise(db, org, &alert("sla.breached", "c"), earlier)?;
                rapport_app::alerts::raise(db, org, &alert("silence", "d"), now)?;
                Ok(())
            })
            .await
            .unwrap();
        let page = get(&app, "/app/dashboard", &[&session]).await;
        let chart = page
            .body
            .split("<svg")
            .find(|c| c.contains("SLA breaches per week"))
            .expect("the breaches chart");
        let desc = chart
            .split("<desc>")
            .nth(1)
            .and_then(|d| d.split("</desc>").next())
            .expect("a description for screen readers");
        let weeks: Vec<&str> = desc.split("; ").collect();
        assert_eq!(weeks.len(), 8, "{desc}");
        assert!(weeks[7].ends_with("breaches 2 breaches"), "{desc}");
        assert!(weeks[5].ends_with("breaches 1 breaches"), "{desc}");
        assert_eq!(
            weeks
                .iter()
                .filter(|w| w.ends_with("breaches 0 breaches"))
                .count(),
            6,
            "{desc}"
        );
        assert!(page.body.contains("Out-of-scope hours, last 12 months"));

        // Promises kept and broken this week land in this week's bars.
        let client = app.client("Fjord Freight").await;
        let due = (app.app.now() + jiff::SignedDuration::from_hours(48)).to_string();
        for (action, body) in [
            ("keep", json!({})),
            ("break", json!({"reason": "Unreachable"})),
        ] {
            let p = app
                .post(
                    "/api/v1/promises",
                    &app.owner,
                    json!({"client_id": client, "kind": "call", "due_at": due}),
                )
                .await
                .ok(201);
            app.post(
                &format!("/api/v1/promises/{}/{action}", p["id"]),
                &app.owner,
                body,
            )
            .await
            .ok(200);
        }
        let page = get(&app, "/app/dashboard", &[&session]).await;
        let chart = page
            .body
            .split("<svg")
            .find(|c| c.contains("Promises kept and broken, per week"))
            .expect("the weekly promises chart");
        let desc = chart
            .split("<desc>")
            .nth(1)
            .and_then(|d| d.split("</desc>").next())
            .unwrap();
        let weeks: Vec<&str> = desc.split("; ").collect();
        assert_eq!(weeks.len(), 8, "{desc}");
        assert!(
            weeks[7].ends_with("kept 1 promises, broken 1 promises"),
            "{desc}"
        );
        assert!(
            weeks[..7]
                .iter()
                .all(|w| w.ends_with("kept 0 promises, broken 0 promises")),
            "{desc}"
        );
    }
);

both!(
    the_team_rates_a_delivery_beside_the_client,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let id = app.request(client, "Cold-chain report").await["id"]
            .as_i64()
            .unwrap();
        let session = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, &format!("/app/requests/{id}"), &[&session]).await;
        assert!(
            !page.body.contains("Rate our work"),
            "only delivered work is rated"
        );
        for status in ["in_progress", "delivered"] {
            app.post(
                &format!("/api/v1/requests/{id}/transition"),
                &app.owner,
                json!({"status": status}),
            )
            .await
            .ok(200);
        }
        let page = get(&app, &format!("/app/requests/{id}"), &[&session]).await;
        assert!(page.body.contains("Rate our work"), "{}", page.body);
        assert!(page.body.contains("not rated yet"));
        let token = page.csrf();
        let path = format!("/app/requests/{id}/rating");

        // Out of range: a readable message, nothing written.
        let bad = post(
            &app,
            &path,
            &[&session],
            &[("csrf", &token), ("score", "9")],
        )
        .await;
        bad.says(422, "role=\"alert\"");
        assert_eq!(app.count("ratings").await, 0);

        let ok = post(
            &app,
            &path,
            &[&session],
            &[
                ("csrf", &token),
                ("score", "4"),
                ("comment", "Solid, a day late"),
            ],
        )
        .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = get(&app, &ok.location, &[&session]).await;
        assert!(
            page.body
                .contains("The team: <strong>4 / 5</strong> — Solid, a day late"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Rate our work"));
        let ratings = app
            .get(&format!("/api/v1/requests/{id}/ratings"), &app.owner)
            .await
            .ok(200);
        assert_eq!(ratings["items"][0]["source"], "team", "{ratings}");
        assert_eq!(ratings["items"][0]["score"], 4);
    }
);

both!(
    a_contact_accepts_an_invitation_in_the_browser,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app.contact(client, "priya@kaveri.example", None).await;
        let token = app.invite(priya, &app.owner).await;
        // Opening the link shows the form; it signs nobody in.
        let page = get(&app, &format!("/portal/invite?token={token}"), &[]).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Choose your portal password"),
            "{}",
            page.body
        );
        assert!(page.cookie("rapport_session").is_none());
        let lc = page.cookie("rapport_login_csrf").unwrap();
        // Too short: the form again, with the reason, and the invitation still good.
        let res = post(
            &app,
            "/portal/invite",
            &[&lc],
            &[
                ("csrf", &page.csrf()),
                ("token", &token),
                ("password", "short"),
            ],
        )
        .await;
        res.says(422, "role=\"alert\"");
        assert!(res.cookie("rapport_session").is_none());
        let lc = res.cookie("rapport_login_csrf").unwrap();
        let res = post(
            &app,
            "/portal/invite",
            &[&lc],
            &[
                ("csrf", &res.csrf()),
                ("token", &token),
                ("password", "chosen by priya 7"),
            ],
        )
        .await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(res.location, "/portal");
        let session = res.cookie("rapport_session").expect("signed in");
        let home = get(&app, "/portal", &[&session]).await;
        assert!(home.body.contains("Waiting on you</h1>"), "{}", home.body);
        // And the password she chose works on the sign-in page.
        let again = sign_in(&app, "portal", "priya@kaveri.example", "chosen by priya 7").await;
        assert!(!again.is_empty());
    }
);

both!(
    staff_log_a_request_with_files_for_a_client,
    |app: TestApp| async move {
        let mine = app.client("Kaveri Foods").await;
        let priya = app.contact(mine, "priya@kaveri.example", None).await;
        let member = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let form = get(
            &app,
            &format!("/app/requests/new?client={mine}"),
            &[&member],
        )
        .await;
        assert_eq!(form.status, 200);
        assert!(
            form.body.contains("Log a request for Kaveri Foods"),
            "{}",
            form.body
        );
        let token = form.csrf();
        let (client, contact) = (mine.to_string(), priya.to_string());
        let fields = [
            ("csrf", token.as_str()),
            ("client", client.as_str()),
            ("contact", contact.as_str()),
            ("engagement", ""),
            ("kind", "data"),
            ("priority", "high"),
            ("title", "Wastage figures"),
            ("body", "Priya called about the wastage figures."),
            ("estimate_hours", ""),
        ];
        let before = counts(&app).await;

        // The portal's checks: a file that is not what its name says is refused in the form's
        // words, with what was typed kept, and nothing saved.
        let (ct, body) = multipart(&fields, &[("report.pdf", b"MZ\x90\x00 an executable")]);
        let res = post_multipart(&app, "/app/requests/new", &member, &ct, body).await;
        res.says(422, "Files: ");
        assert!(
            res.body.contains("value=\"Wastage figures\""),
            "{}",
            res.body
        );
        assert!(res.body.contains("Priya called about the wastage figures."));
        assert_eq!(counts(&app).await, before);

        // A stale token: refused.
        let csv: &[u8] = b"week,kg\n14,120\n";
        let (ct, body) = multipart(&[("csrf", "stale"), ("title", "x")], &[("w.csv", csv)]);
        let res = post_multipart(&app, "/app/requests/new", &member, &ct, body).await;
        assert_eq!(res.status, 403);
        assert_eq!(counts(&app).await, before);

        // Good: the request on the client's behalf, for the contact, with the file.
        let (ct, body) = multipart(&fields, &[("figures.csv", csv)]);
        let res = post_multipart(&app, "/app/requests/new", &member, &ct, body).await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert_eq!(
            counts(&app).await,
            (before.0 + 1, before.1 + 1, before.2 + 1)
        );
        let id: i64 = res
            .location
            .strip_prefix("/app/requests/")
            .unwrap()
            .parse()
            .unwrap();
        let r = app
            .get(&format!("/api/v1/requests/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(r["contact_id"], priya);
        assert_eq!(r["priority"], "high");
        assert_eq!(r["channel"], "web");
        let trail: Vec<String> = app
            .get(
                &format!("/api/v1/audit?target_kind=request&target_id={id}"),
                &app.owner,
            )
            .await
            .ok(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect();
        assert!(
            trail.contains(&"request.attachments".to_string()),
            "{trail:?}"
        );
        let page = get(&app, &res.location, &[&member]).await;
        assert!(page.body.contains("Attached: figures.csv"), "{}", page.body);
        // The file itself is linked under its message (the thread's files are read at once).
        assert!(
            page.body.contains("download>figures.csv</a>")
                && page.body.contains("href=\"/app/attachments/"),
            "{}",
            page.body
        );

        // A contact of another client is refused in the form's words.
        let theirs = app.client("Brightwater Legal").await;
        let sam = app.contact(theirs, "sam@brightwater.example", None).await;
        let sam = sam.to_string();
        let mut wrong = fields.to_vec();
        wrong[2] = ("contact", sam.as_str());
        let res = post(&app, "/app/requests/new", &[&member], &wrong).await;
        res.says(422, "Contact: ");
    }
);

both!(
    canned_replies_are_previewed_and_inserted_in_the_composer,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let r = app.request(client, "Okra figures").await["id"]
            .as_i64()
            .unwrap();
        let canned = app
            .post(
                "/api/v1/canned-replies",
                &app.owner,
                serde_json::json!({"name": "Looking into it", "body": "We are looking into {{request.title}}."}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let member = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, &format!("/app/requests/{r}"), &[&member]).await;
        assert!(
            page.body.contains("Looking into it"),
            "the composer offers it"
        );
        let token = page.csrf();
        let path = format!("/app/requests/{r}/canned");
        let form = |action: &'static str| {
            vec![
                ("csrf", token.clone()),
                ("direction", "outbound".to_string()),
                ("body", "Thanks for the numbers.".to_string()),
                ("canned", canned.clone()),
                ("canned_do", action.to_string()),
            ]
        };
        let owned = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
        let pairs = owned(&form("preview"));
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = post(&app, &path, &[&member], &refs).await;
        res.says(200, "We are looking into Okra figures.");
        assert!(
            res.body.contains(">Thanks for the numbers.</textarea>"),
            "the draft is kept"
        );

        let pairs = owned(&form("insert"));
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = post(&app, &path, &[&member], &refs).await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert!(
            res.body.contains(
                "Thanks for the numbers.\n\nWe are looking into Okra figures.</textarea>"
            ),
            "{}",
            res.body
        );
        // Nothing is sent by inserting.
        let thread = app
            .get(&format!("/api/v1/requests/{r}/messages"), &app.owner)
            .await
            .ok(200);
        assert_eq!(thread["items"], serde_json::json!([]));

        // The htmx preview fragment.
        let frag = get(
            &app,
            &format!("/app/requests/{r}/canned-preview?canned={canned}"),
            &[&member],
        )
        .await;
        assert_eq!(frag.status, 200);
        assert!(frag.body.contains("We are looking into Okra figures."));
        assert!(!frag.body.contains("<html"), "a fragment, not a page");
    }
);

both!(
    the_promises_page_sorts_open_promises_per_member,
    |app: TestApp| async move {
        app.set_now("2026-12-09T10:00:00Z");
        let client = app.client("Kaveri Foods").await;
        let r = app.request(client, "Okra figures").await["id"]
            .as_i64()
            .unwrap();
        for (what, due) in [
            ("Send the figures", "2026-12-09T16:00:00Z"),
            ("Call about the audit", "2026-12-11T09:00:00Z"),
            ("Deliver the dashboard", "2026-12-21T09:00:00Z"),
            ("Reply about the okra", "2026-12-09T11:00:00Z"),
        ] {
            app.post(
                "/api/v1/promises",
                &app.owner,
                serde_json::json!({"request_id": r, "kind": "other", "description": what, "due_at": due}),
            )
            .await
            .ok(201);
        }
        // An hour and a half later the reply is overdue.
        app.set_now("2026-12-09T11:30:00Z");
        let member = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let page = get(&app, "/app/promises", &[&member]).await;
        assert_eq!(page.status, 200);
        let body = &page.body;
        let at = |s: &str| {
            body.find(s)
                .unwrap_or_else(|| panic!("{s} missing: {body}"))
        };
        assert!(at("Overdue (1)") < at("Reply about the okra"));
        assert!(at("Reply about the okra") < at("Due today (1)"));
        assert!(at("Due today (1)") < at("Send the figures"));
        assert!(at("Send the figures") < at("Due this week (1)"));
        assert!(at("Due this week (1)") < at("Call about the audit"));
        assert!(at("Call about the audit") < at("Later (1)"));
        assert!(at("Later (1)") < at("Deliver the dashboard"));
        assert!(body.contains("Olu Owner"));
    }
);

both!(
    the_lint_offers_their_next_business_hour_as_you_type_and_without_javascript,
    |app: TestApp| async move {
        // Wednesday 22:00 in London: after the London client's hours (mon-fri 09:00-17:00).
        app.set_now("2026-12-09T22:00:00Z");
        let client = app.client("Kaveri Foods").await;
        let priya = app.contact(client, "priya@kaveri.example", None).await;
        let r = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "contact_id": priya, "title": "Okra figures"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let member = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let path = format!("/app/requests/{r}");
        let page = get(&app, &path, &[&member]).await;
        assert!(
            !page.body.contains("id=\"send-client-hours\""),
            "no offer before anything is written"
        );
        let csrf = page.csrf();
        let draft = "The figures are attached.";
        let thread = || async {
            app.get(&format!("/api/v1/requests/{r}/messages"), &app.owner)
                .await
                .ok(200)["items"]
                .as_array()
                .unwrap()
                .clone()
        };

        // As you type (htmx): the finding and the button, in the fragment.
        let frag = post(
            &app,
            &format!("{path}/lint"),
            &[&member],
            &[("csrf", &csrf), ("direction", "outbound"), ("body", draft)],
        )
        .await;
        assert_eq!(frag.status, 200, "{}", frag.body);
        assert!(!frag.body.contains("<html"), "a fragment, not a page");
        assert!(frag.body.contains("quiet hours"), "{}", frag.body);
        assert!(
            frag.body.contains("id=\"send-client-hours\""),
            "{}",
            frag.body
        );

        // Without JavaScript: "Check the message" shows the same on the page, sends nothing.
        let checked = post(
            &app,
            &format!("{path}/reply"),
            &[&member],
            &[
                ("csrf", &csrf),
                ("direction", "outbound"),
                ("body", draft),
                ("intent", "check"),
            ],
        )
        .await;
        checked.says(200, "quiet hours");
        assert!(checked.body.contains("id=\"send-client-hours\""));
        assert!(
            checked.body.contains(&format!(">{draft}</textarea>")),
            "the draft is kept"
        );
        assert!(thread().await.is_empty(), "checking sends nothing");

        // The button holds the reply for their next business hour: Thursday 09:00 London.
        let held = post(
            &app,
            &format!("{path}/reply"),
            &[&member],
            &[
                ("csrf", &csrf),
                ("direction", "outbound"),
                ("body", draft),
                ("when", "client_hours"),
            ],
        )
        .await;
        assert_eq!(held.status, 303, "{}", held.body);
        let messages = thread().await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0]["send_status"], "scheduled", "{messages:?}");
        assert_eq!(messages[0]["scheduled_for"], "2026-12-10T09:00:00Z");

        // Inside their hours nothing is offered.
        app.set_now("2026-12-10T10:00:00Z");
        let frag = post(
            &app,
            &format!("{path}/lint"),
            &[&member],
            &[("csrf", &csrf), ("direction", "outbound"), ("body", draft)],
        )
        .await;
        assert_eq!(frag.status, 200);
        assert!(!frag.body.contains("quiet hours"), "{}", frag.body);
        assert!(!frag.body.contains("send-client-hours"), "{}", frag.body);
    }
);

both!(
    the_quick_lane_lints_for_the_contact_picked_and_says_who_was_told,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let priya = app
            .post(
                "/api/v1/contacts",
                &app.owner,
                json!({"client_id": client, "name": "Priya Mehta", "email": "priya@kaveri.example",
                       "etiquette": {"preferred_name": "Dr Mehta", "avoid": ["Priya"]}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let client = client.to_string();
        let member = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let form = get(&app, "/app/quick", &[&member]).await;
        assert!(
            form.body.contains(&format!(
                "<option value=\"{priya}\">Priya Mehta (Kaveri Foods)</option>"
            )),
            "the contact can be picked: {}",
            form.body
        );
        let csrf = form.csrf();
        let quick = |contact: &str, reply: &str| {
            vec![
                ("csrf", csrf.clone()),
                ("client", client.clone()),
                ("contact", contact.to_string()),
                ("title", "Fixed the okra column".to_string()),
                ("minutes", "15".to_string()),
                ("reply", reply.to_string()),
            ]
        };
        let send = |pairs: Vec<(&'static str, String)>| {
            let member = member.clone();
            let app = &app;
            async move {
                let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post(app, "/app/quick", &[&member], &refs).await
            }
        };

        // Priya asked not to be called by her first name: with her picked, the lint says so,
        // nothing is logged, and the form keeps her and the words.
        let refused = send(quick(&priya, "Hi Priya, the okra column is fixed.")).await;
        refused.says(409, "avoided form");
        // Said in the form's words, never the API's field name.
        assert!(
            refused.body.contains("tick &quot;Send anyway&quot;"),
            "{}",
            refused.body
        );
        assert!(
            !refused.body.contains("confirm_findings"),
            "{}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains(&format!("<option value=\"{priya}\" selected>")),
            "{}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains("Hi Priya, the okra column is fixed.</textarea>")
        );
        assert_eq!(app.count("requests").await, 0);

        // Written as she asked: logged, the reply queued to her, and the page says so.
        let told = send(quick(&priya, "Dear Dr Mehta, the okra column is fixed.")).await;
        assert_eq!(told.status, 303, "{}", told.body);
        assert!(
            told.location.ends_with("done=logged+and+told"),
            "{}",
            told.location
        );
        let page = get(&app, &told.location, &[&member]).await;
        assert!(
            page.body.contains("the reply is queued to the client"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("nobody was told"));
        let id = told.location["/app/requests/".len()..]
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let r = app
            .get(&format!("/api/v1/requests/{id}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(r["contact_id"].to_string(), priya);
        let thread = app
            .get(&format!("/api/v1/requests/{id}/messages"), &app.owner)
            .await
            .ok(200);
        assert_eq!(thread["items"].as_array().unwrap().len(), 1);

        // No reply written: logged, and the page says nobody was told.
        let quiet = send(quick(&priya, "")).await;
        assert_eq!(quiet.status, 303, "{}", quiet.body);
        assert!(
            quiet.location.ends_with("done=logged"),
            "{}",
            quiet.location
        );
        let page = get(&app, &quiet.location, &[&member]).await;
        assert!(page.body.contains("nobody was told"), "{}", page.body);
        assert!(!page.body.contains("the reply is queued"));
        let id = quiet.location["/app/requests/".len()..]
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let thread = app
            .get(&format!("/api/v1/requests/{id}/messages"), &app.owner)
            .await
            .ok(200);
        assert_eq!(thread["items"], json!([]));
    }
);
