//! Merging requests and splitting a message off.

use rapport_core::access::Role;
use serde_json::json;

use crate::both;
use crate::support::TestApp;

both!(
    merge_moves_the_work_and_the_old_id_redirects,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let other = app.client("Nordlys AS").await;
        let a = app.request(client, "Invoice question").await["id"]
            .as_i64()
            .unwrap();
        let b = app.request(client, "Invoice question (again)").await["id"]
            .as_i64()
            .unwrap();
        let elsewhere = app.request(other, "Logo").await["id"].as_i64().unwrap();
        app.patch(
            &format!("/api/v1/requests/{a}"),
            &app.owner,
            json!({"tags": ["billing"]}),
        )
        .await
        .ok(200);
        app.post(
            &format!("/api/v1/requests/{a}/messages"),
            &app.owner,
            json!({"body": "Called them about the invoice"}),
        )
        .await
        .ok(201);
        app.post(
            "/api/v1/time-entries",
            &app.owner,
            json!({"request_id": a, "minutes": 30, "note": "call"}),
        )
        .await
        .ok(201);
        app.post(
            "/api/v1/promises",
            &app.owner,
            json!({"request_id": a, "kind": "reply", "due_at": "2030-03-04T14:00:00Z"}),
        )
        .await
        .ok(201);

        // Refused, and nothing written: itself, another client's, an unknown request.
        let before = app.snapshot().await;
        let res = app
            .post(
                &format!("/api/v1/requests/{a}/merge"),
                &app.owner,
                json!({"into": a}),
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["into"]);
        let res = app
            .post(
                &format!("/api/v1/requests/{a}/merge"),
                &app.owner,
                json!({"into": elsewhere}),
            )
            .await
            .problem(422);
        assert!(
            res.body["detail"]
                .as_str()
                .unwrap()
                .contains("another client")
        );
        app.post(
            &format!("/api/v1/requests/{a}/merge"),
            &app.owner,
            json!({"into": 999_999}),
        )
        .await
        .problem(422);
        assert_eq!(app.snapshot().await, before);

        let merged = app
            .post(
                &format!("/api/v1/requests/{a}/merge"),
                &app.owner,
                json!({"into": b}),
            )
            .await
            .ok(200);
        assert_eq!(merged["request"]["id"], b);
        assert_eq!(merged["request"]["spent_minutes"], 30);
        assert_eq!(merged["request"]["tags"], json!(["billing"]));
        assert_eq!(
            (
                merged["moved_messages"].as_i64(),
                merged["moved_promises"].as_i64(),
                merged["moved_time_entries"].as_i64()
            ),
            (Some(1), Some(1), Some(1))
        );
        let thread = app
            .get(&format!("/api/v1/requests/{b}/messages"), &app.owner)
            .await
            .ok(200);
        assert_eq!(thread["items"][0]["body"], "Called them about the invoice");

        // The old id redirects; the old request is closed.
        let no_follow = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = no_follow
            .get(format!("{}/api/v1/requests/{a}", app.base))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 308);
        assert_eq!(
            res.headers()["location"],
            format!("/api/v1/requests/{b}").as_str()
        );
        let audit = app
            .get(
                &format!("/api/v1/audit?target_kind=request&target_id={a}"),
                &app.owner,
            )
            .await
            .ok(200);
        let acts: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(&acts[..2], ["request.merge", "request.status"]);
        assert_eq!(audit["items"][1]["details"]["to"], "closed");

        // Twice, or into a merged request: 409.
        app.post(
            &format!("/api/v1/requests/{a}/merge"),
            &app.owner,
            json!({"into": b}),
        )
        .await
        .problem(409);
        let c = app.request(client, "Third").await["id"].as_i64().unwrap();
        let res = app
            .post(
                &format!("/api/v1/requests/{c}/merge"),
                &app.owner,
                json!({"into": a}),
            )
            .await
            .problem(409);
        assert!(
            res.body["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("merge into {b}"))
        );

        // Split a message off into a new request of the same client.
        let m = app
            .post(
                &format!("/api/v1/requests/{b}/messages"),
                &app.owner,
                json!({"body": "\nAlso: the logo is blurry\nOn the invoice header."}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let new = app
            .post(
                &format!("/api/v1/messages/{m}/split"),
                &app.owner,
                json!({}),
            )
            .await
            .ok(201);
        assert_eq!(new["title"], "Also: the logo is blurry");
        assert_eq!(new["client_id"], client);
        let nid = new["id"].as_i64().unwrap();
        let moved = app
            .get(&format!("/api/v1/requests/{nid}/messages"), &app.owner)
            .await
            .ok(200);
        assert_eq!(moved["items"].as_array().unwrap().len(), 1);
        assert_eq!(moved["items"][0]["id"], m);
        let left = app
            .get(&format!("/api/v1/requests/{b}/messages"), &app.owner)
            .await
            .ok(200);
        assert!(
            left["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x["id"] != m)
        );
        app.post("/api/v1/messages/999999/split", &app.owner, json!({}))
            .await
            .problem(404);
    }
);

both!(
    calendar_feeds_serve_promises_until_revoked,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let r = app.request(client, "Price list").await["id"]
            .as_i64()
            .unwrap();
        app.post(
        "/api/v1/promises",
        &app.owner,
        json!({"request_id": r, "kind": "delivery", "description": "New price list, with VAT", "due_at": "2030-03-04T14:00:00Z"}),
    )
    .await
    .ok(201);
        let mine = app
            .post("/api/v1/calendar-feeds", &app.owner, json!({}))
            .await
            .ok(201);
        assert_eq!(mine["subject_kind"], "member");
        let url = mine["url"].as_str().unwrap();
        let path = &url[url.find("/api/v1/feeds/").unwrap()..];
        assert!(path.ends_with(".ics"));
        let fetch = |path: String| {
            let http = app.http.clone();
            let base = app.base.clone();
            async move {
                let res = http.get(format!("{base}{path}")).send().await.unwrap();
                let status = res.status().as_u16();
                let ct = res
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default();
                (status, ct, res.text().await.unwrap())
            }
        };
        // No sign-in: the URL is the credential.
        let (status, ct, ics) = fetch(path.to_string()).await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("text/calendar"), "{ct}");
        assert!(
            ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
            "{ics}"
        );
        assert!(ics.contains("DTSTART:20300304T140000Z\r\n"), "{ics}");
        assert!(
            ics.contains("SUMMARY:Promised delivery due: Kaveri Foods\r\n"),
            "{ics}"
        );
        assert!(
            ics.contains("DESCRIPTION:New price list\\, with VAT\r\n"),
            "{ics}"
        );

        // A client's feed, by a manager; agents make only their own.
        let cf = app
            .post(
                "/api/v1/calendar-feeds",
                &app.owner,
                json!({"client_id": client}),
            )
            .await
            .ok(201);
        let cpath = cf["url"].as_str().unwrap();
        let cpath = cpath[cpath.find("/api/v1/feeds/").unwrap()..].to_string();
        assert!(
            fetch(cpath.clone())
                .await
                .2
                .contains("Promised delivery due")
        );
        // An open request under an SLA puts its next deadline in the client's feed.
        let engagement = app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Pricing desk", "currency": "INR",
                       "sla_policy": {"targets": {"normal": {"first_response_minutes": 120,
                           "next_response_minutes": 240, "resolution_minutes": 960}}}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let timed = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "engagement_id": engagement, "title": "Rate card"}),
            )
            .await
            .ok(201);
        app.run_jobs().await;
        let timed = app
            .get(&format!("/api/v1/requests/{}", timed["id"]), &app.owner)
            .await
            .ok(200);
        let due = timed["sla_due_at"]
            .as_str()
            .unwrap_or_else(|| panic!("an SLA deadline: {timed}"))
            .to_string();
        // iCalendar's UTC form to the second: 2026-11-27T10:00:30.529Z -> 20261127T100030Z.
        let stamp: String = due[..19]
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .chain(['Z'])
            .collect();
        let ics = fetch(cpath).await.2;
        assert!(
            ics.contains(&format!(
                "SUMMARY:SLA due: #{} Rate card (Kaveri Foods)\r\n",
                timed["id"]
            )),
            "{ics}"
        );
        assert!(ics.contains(&format!("DTSTART:{stamp}\r\n")), "{due} {ics}");
        let agent = app.member_token("ana@acme.example", Role::Agent).await;
        app.post(
            "/api/v1/calendar-feeds",
            &agent,
            json!({"client_id": client}),
        )
        .await
        .problem(403);
        let own = app
            .post("/api/v1/calendar-feeds", &agent, json!({}))
            .await
            .ok(201);
        let (_, _, empty) = fetch({
            let u = own["url"].as_str().unwrap();
            u[u.find("/api/v1/feeds/").unwrap()..].to_string()
        })
        .await;
        assert_eq!(
            empty.matches("BEGIN:VEVENT").count(),
            0,
            "the agent made no promise"
        );
        let listed = app.get("/api/v1/calendar-feeds", &agent).await.ok(200);
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        let all = app.get("/api/v1/calendar-feeds", &app.owner).await.ok(200);
        assert_eq!(all["items"].as_array().unwrap().len(), 3);

        // Revoked: gone at once; wrong tokens are not found.
        let id = mine["id"].as_i64().unwrap();
        app.post(
            &format!("/api/v1/calendar-feeds/{id}/revoke"),
            &agent,
            json!({}),
        )
        .await
        .problem(404);
        let revoked = app
            .post(
                &format!("/api/v1/calendar-feeds/{id}/revoke"),
                &app.owner,
                json!({}),
            )
            .await
            .ok(200);
        assert!(revoked["revoked_at"].is_string());
        assert_eq!(fetch(path.to_string()).await.0, 404);
        app.post(
            &format!("/api/v1/calendar-feeds/{id}/revoke"),
            &app.owner,
            json!({}),
        )
        .await
        .problem(409);
        let forged = format!("/api/v1/feeds/{}-{}.ics", app.org.0, "0".repeat(48));
        assert_eq!(fetch(forged).await.0, 404);
        assert_eq!(fetch("/api/v1/feeds/nonsense.ics".to_string()).await.0, 404);
    }
);
