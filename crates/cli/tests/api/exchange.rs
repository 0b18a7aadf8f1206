//! CSV imports (dry run, all or nothing, malformed files) and the billing export.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::support::{Res, TestApp};

async fn import(app: &TestApp, kind: &str, dry_run: bool, csv: &str) -> Res {
    app.raw(
        Method::POST,
        &format!("/api/v1/imports/csv?kind={kind}&dry_run={dry_run}"),
        &app.owner,
        "text/csv",
        csv.as_bytes().to_vec(),
    )
    .await
}

both!(
    csv_imports_check_every_row_then_apply_all_or_nothing,
    |app: TestApp| async move {
        app.client("Existing Co").await;
        // A BOM, CRLF, quoted commas and quotes, blank lines; three bad rows.
        let clients = "\u{feff}name,tz,hours,notes\r\n\
        \"Kaveri Foods, Ltd\",Asia/Kolkata,mon-fri 09:30-18:00,\"Says \"\"okra\"\"\"\r\n\
        Nordlys AS,Europe/Oslo,,\r\n\
        \r\n\
        Existing Co,Europe/London,,\r\n\
        Nordlys AS,Europe/Oslo,,\r\n\
        Mars Base,Mars/Olympus,,\r\n";
        let before = app.snapshot().await;
        let dry = import(&app, "clients", true, clients).await.ok(200);
        assert_eq!(dry["rows"], 5);
        assert_eq!(dry["accepted"], 2);
        assert_eq!(dry["applied"], false);
        let rejected: Vec<(i64, String)> = dry["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_i64().unwrap(),
                    e["column"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            rejected,
            [
                (5, "name".to_string()),
                (6, "name".to_string()),
                (7, "tz".to_string())
            ]
        );
        assert!(
            dry["rejected"][0]["message"]
                .as_str()
                .unwrap()
                .contains("already exists")
        );
        assert!(
            dry["rejected"][1]["message"]
                .as_str()
                .unwrap()
                .contains("earlier line")
        );
        assert_eq!(app.snapshot().await, before, "a dry run writes nothing");

        // Applying with any bad row writes nothing and names every one.
        let res = import(&app, "clients", false, clients).await.problem(422);
        assert_eq!(res.fields(), ["line 5: name", "line 6: name", "line 7: tz"]);
        assert_eq!(app.snapshot().await, before, "nothing half-imported");

        // The good rows alone go in, in one step.
        let good = "name,tz,hours,notes\n\"Kaveri Foods, Ltd\",Asia/Kolkata,mon-fri 09:30-18:00,\"Says \"\"okra\"\"\"\nNordlys AS,Europe/Oslo,,\n";
        let done = import(&app, "clients", false, good).await.ok(201);
        assert_eq!(
            (done["accepted"].as_i64(), done["applied"].as_bool()),
            (Some(2), Some(true))
        );
        let list = app.get("/api/v1/clients", &app.owner).await.ok(200);
        let kaveri = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Kaveri Foods, Ltd")
            .unwrap()
            .clone();
        assert_eq!(kaveri["notes"], "Says \"okra\"");
        assert_eq!(kaveri["calendar"]["tz"], "Asia/Kolkata");
        let kaveri_id = kaveri["id"].as_i64().unwrap();

        // Contacts name their client; requests name client and contact.
        let contacts = "client,name,email,phone\nKaveri Foods, Ltd,Priya,priya@kaveri.example,\n";
        let res = import(&app, "contacts", true, contacts).await.ok(200);
        assert_eq!(
            res["rejected"][0]["message"],
            "5 cells where the header has 4"
        );
        let contacts = "client,name,email,phone\n\"Kaveri Foods, Ltd\",Priya Mehta,Priya@Kaveri.example,+91 22 1234\nNobody Inc,X,x@nobody.example,\nNordlys AS,Bad,not-an-email,\n";
        let res = import(&app, "contacts", true, contacts).await.ok(200);
        let cols: Vec<&str> = res["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["column"].as_str().unwrap())
            .collect();
        assert_eq!(cols, ["client", "email"]);
        let contacts = "client,name,email,phone\n\"Kaveri Foods, Ltd\",Priya Mehta,Priya@Kaveri.example,+91 22 1234\n";
        import(&app, "contacts", false, contacts).await.ok(201);

        let requests = "client,title,body,contact_email,kind,priority,tags\n\
        \"Kaveri Foods, Ltd\",March price list,\"Please send\nthe list\",priya@kaveri.example,question,high,prices;march\n\
        Nordlys AS,Logo,,,feature,,\n\
        Nordlys AS,Bad words,,,wish,asap,\n\
        Nordlys AS,Wrong contact,,priya@kaveri.example,,,\n";
        let res = import(&app, "requests", false, requests).await.problem(422);
        assert_eq!(
            res.fields(),
            ["line 5: kind", "line 5: priority", "line 6: contact_email"]
        );
        let requests: String = requests.lines().take(4).collect::<Vec<_>>().join("\n");
        let done = import(&app, "requests", false, &requests).await.ok(201);
        assert_eq!(done["accepted"], 2);
        let list = app
            .get(
                &format!("/api/v1/requests?client_id={kaveri_id}"),
                &app.owner,
            )
            .await
            .ok(200);
        let r = &list["items"][0];
        assert_eq!(r["title"], "March price list");
        assert_eq!(r["body"], "Please send\nthe list");
        assert_eq!(r["priority"], "high");
        assert_eq!(r["tags"], json!(["march", "prices"]));
        assert!(r["contact_id"].as_i64().is_some());

        // Malformed files: clear errors, nothing written.
        let agent = app.member_token("ana@acme.example", Role::Agent).await;
        let before = app.snapshot().await;
        for (csv, needle) in [
            ("name;tz\nA;Europe/Oslo\n", "semicolons"),
            ("name\nA\n", "missing column tz"),
            ("name,tz\n\"A,Europe/Oslo\n", "never closed"),
            (
                "name,tz\nA\"b,Europe/Oslo\n",
                "quote inside an unquoted field",
            ),
            ("", "empty"),
        ] {
            let res = import(&app, "clients", false, csv).await.problem(422);
            assert_eq!(res.fields(), ["file"], "{csv}");
            assert!(
                res.body["detail"].as_str().unwrap().contains(needle),
                "{}",
                res.body
            );
        }
        let res = app
            .raw(
                Method::POST,
                "/api/v1/imports/csv?kind=clients",
                &app.owner,
                "application/json",
                b"{}".to_vec(),
            )
            .await;
        assert_eq!(res.status, 415);
        let res = import(&app, "tickets", true, "a\n1\n").await;
        assert_eq!(res.status, 400, "{}", res.body);
        // Agents do not import.
        let res = app
            .raw(
                Method::POST,
                "/api/v1/imports/csv?kind=clients",
                &agent,
                "text/csv",
                good.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, 403);
        assert_eq!(app.snapshot().await, before);
    }
);

both!(
    csv_import_of_many_rows_and_too_many,
    |app: TestApp| async move {
        let mut big = String::from("name,tz\n");
        for i in 0..20_000 {
            big.push_str(&format!("Client {i:05},Europe/London\n"));
        }
        let audited = app.count("audit_events").await;
        let res = import(&app, "clients", false, &big).await.ok(201);
        assert_eq!(res["accepted"], 20_000);
        assert_eq!(app.count("clients").await, 20_000);
        // One audit row per client (written in batches) and one for the import.
        assert_eq!(app.count("audit_events").await, audited + 20_001);
        // Over the row limit (1.2 MB, under the body limit): refused as a whole.
        let mut huge = String::from("name,tz\n");
        for i in 0..100_001 {
            huge.push_str(&format!("C{i},UTC\n"));
        }
        let res = import(&app, "clients", true, &huge).await.problem(422);
        assert!(
            res.body["detail"]
                .as_str()
                .unwrap()
                .contains("more than 100000 rows"),
            "{}",
            res.body
        );
        assert_eq!(app.count("clients").await, 20_000);
    }
);

fn lines(csv: &str) -> Vec<Vec<String>> {
    csv.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

both!(
    billing_export_of_time_and_approved_change_orders,
    |app: TestApp| async move {
        let client = app.client("Kaveri Bakeries").await;
        app.contact(client, "priya@kaveri.example", Some("portal password a"))
            .await;
        let eng = app
        .post(
            "/api/v1/engagements",
            &app.owner,
            json!({"client_id": client, "name": "Driver app", "currency": "EUR", "hourly_rate_minor": 12_000}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
        let req = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "engagement_id": eng, "title": "iPhone build"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        let android = app
            .post(
                "/api/v1/requests",
                &app.owner,
                json!({"client_id": client, "engagement_id": eng, "title": "Android fixes"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        for (request, minutes, billable, at, note) in [
            (android, 50, true, "2026-03-02T10:00:00Z", "Android fixes"),
            (
                android,
                30,
                false,
                "2026-03-03T10:00:00Z",
                "Internal review",
            ),
            (req, 60, true, "2026-03-04T10:00:00Z", "iOS build"),
            (android, 45, true, "2026-04-01T10:00:00Z", "April work"),
        ] {
            app.post(
            "/api/v1/time-entries",
            &app.owner,
            json!({"engagement_id": eng, "request_id": request, "minutes": minutes, "billable": billable,
                   "started_at": at, "note": note}),
        )
        .await
        .ok(201);
        }
        // An approved change order: out of scope, priced, sent and approved in the portal.
        app.post(
            &format!("/api/v1/requests/{req}/scope"),
            &app.owner,
            json!({"verdict": "out", "reason": "iOS is not in the brief"}),
        )
        .await
        .ok(200);
        let co = app
            .post(
                "/api/v1/change-orders",
                &app.owner,
                json!({"engagement_id": eng, "request_ids": [req], "title": "iPhone app",
                   "description": "Native iOS build", "estimate_minutes": 90}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        app.post(
            &format!("/api/v1/change-orders/{co}/send"),
            &app.owner,
            json!({}),
        )
        .await
        .ok(200);
        let (cookie, csrf) = app
            .portal_session("priya@kaveri.example", "portal password a")
            .await;
        let res = app
            .with_cookie(
                Method::POST,
                &format!("/api/v1/change-orders/{co}/approve"),
                &cookie,
                Some(&csrf),
                Some(json!({})),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();

        let res = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/exports/billing.csv?client_id={client}&from=2026-03-01&to=2026-03-31"
                ),
                Some(&app.owner),
                None,
            )
            .await;
        assert_eq!(res.status, 200);
        assert!(
            res.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = app
            .http
            .get(format!(
                "{}/api/v1/exports/billing.csv?client_id={client}&from=2026-03-01&to=2026-03-31",
                app.base
            ))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let l = lines(&text);
        assert_eq!(
            l[0].join(","),
            "type,date,client_id,client,engagement_id,engagement,request_id,member,description,minutes,billable,currency,rate_minor,amount_minor,amount"
        );
        assert_eq!(l.len(), 4, "{text}");
        // 50 minutes at 120.00 EUR/h = 100.00; non-billable time is listed at 0.
        assert_eq!(
            l[1].join(","),
            format!(
                "time,2026-03-02,{client},Kaveri Bakeries,{eng},Driver app,{android},Olu Owner,Android fixes,50,true,EUR,12000,10000,100.00"
            )
        );
        assert_eq!(&l[2][9..], ["30", "false", "EUR", "12000", "0", "0.00"]);
        // The approved change order pays for the iOS work: its time is listed, not billed.
        assert_eq!(
            l[3].join(","),
            format!(
                "change_order_time,2026-03-04,{client},Kaveri Bakeries,{eng},Driver app,{req},Olu Owner,iOS build,60,false,EUR,12000,0,0.00"
            )
        );

        // Without a period: April's time and the change order approved today (90 min at 120.00).
        let text = app
            .http
            .get(format!(
                "{}/api/v1/exports/billing.csv?engagement_id={eng}",
                app.base
            ))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let l = lines(&text);
        assert_eq!(l.len(), 6, "{text}");
        assert_eq!(l.iter().filter(|x| x[0] == "change_order").count(), 1);
        let co_line = l.iter().find(|x| x[0] == "change_order").unwrap();
        assert_eq!(co_line[1], today);
        assert_eq!(co_line[8], "iPhone app");
        assert_eq!(
            &co_line[9..],
            ["90", "true", "EUR", "12000", "18000", "180.00"]
        );

        // Bad periods and callers.
        let res = app
            .get(
                "/api/v1/exports/billing.csv?from=2026-03-31&to=2026-03-01",
                &app.owner,
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["to"]);
        let res = app
            .get("/api/v1/exports/billing.csv?from=March", &app.owner)
            .await;
        assert_eq!(res.status, 400);
        let agent = app.member_token("ana@acme.example", Role::Agent).await;
        app.get("/api/v1/exports/billing.csv", &agent)
            .await
            .problem(403);
    }
);

both!(
    zendesk_export_imports_whole_or_not_at_all,
    |app: TestApp| async move {
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../samples/zendesk-export.json"
        ))
        .unwrap();
        let post = |dry: bool, body: Vec<u8>| {
            let app = &app;
            async move {
                app.raw(
                    Method::POST,
                    &format!("/api/v1/imports/zendesk?tz=Europe/London&dry_run={dry}"),
                    &app.owner,
                    "application/json",
                    body,
                )
                .await
            }
        };
        let before = app.snapshot().await;
        let dry = post(true, sample.clone()).await.ok(200);
        assert_eq!(
            (
                dry["clients"].as_i64(),
                dry["contacts"].as_i64(),
                dry["requests"].as_i64(),
                dry["messages"].as_i64()
            ),
            (Some(2), Some(2), Some(3), Some(3))
        );
        assert_eq!(dry["applied"], false);
        assert_eq!(app.snapshot().await, before);

        let jobs_before = app.count("jobs").await;
        let done = post(false, sample.clone()).await.ok(201);
        assert_eq!(done["applied"], true);
        let clients = app.get("/api/v1/clients", &app.owner).await.ok(200);
        let kaveri = clients["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Kaveri Foods")
            .unwrap()
            .clone();
        assert_eq!(kaveri["calendar"]["tz"], "Europe/London");
        let kid = kaveri["id"].as_i64().unwrap();
        let reqs = app
            .get(&format!("/api/v1/requests?client_id={kid}"), &app.owner)
            .await
            .ok(200);
        let r = &reqs["items"][0];
        assert_eq!(r["title"], "Price list for March");
        assert_eq!(r["status"], "delivered");
        assert_eq!(r["kind"], "question");
        assert_eq!(r["created_at"], "2024-03-01T10:00:00Z");
        let rid = r["id"].as_i64().unwrap();
        let thread = app
            .get(&format!("/api/v1/requests/{rid}/messages"), &app.owner)
            .await
            .ok(200);
        let items = thread["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        let reply = items.iter().find(|m| m["direction"] == "outbound").unwrap();
        assert_eq!(reply["body"], "Here it is, attached.");
        assert_eq!(reply["send_status"], "sent", "history is never sent again");
        assert_eq!(
            reply["author"]["kind"], "member",
            "the owner's email matches a member"
        );
        assert!(items.iter().any(|m| m["direction"] == "note"));
        // Nothing was queued to send.
        app.run_jobs().await;
        assert_eq!(app.count("jobs").await, jobs_before);

        // Again: the clients exist now; the whole file is refused and nothing written.
        let snap = app.snapshot().await;
        let res = post(false, sample.clone()).await.problem(422);
        assert!(
            res.fields().contains(&"organizations[0].name".to_string()),
            "{:?}",
            res.fields()
        );
        assert_eq!(app.snapshot().await, snap);
        // Not JSON, or a bad time zone: clear errors.
        let res = post(true, b"{\"tickets\": [{\"id\": 1}]}".to_vec())
            .await
            .problem(422);
        assert_eq!(res.fields(), ["file"]);
        assert!(
            res.body["detail"].as_str().unwrap().contains("created_at"),
            "{}",
            res.body
        );
        let res = app
            .raw(
                Method::POST,
                "/api/v1/imports/zendesk?tz=Mars/Base",
                &app.owner,
                "application/json",
                sample,
            )
            .await
            .problem(422);
        assert_eq!(res.fields(), ["tz"]);
    }
);

// Issue 15, item 11: a cell starting with a tab or a carriage return is defused like `=`, `+`,
// `-` and `@` (spreadsheets skip the whitespace and run what follows). The API trims such text,
// but imports and older rows can hold it, so the data is planted in the database.
both!(
    csv_export_defuses_leading_tabs_and_carriage_returns,
    |app: TestApp| async move {
        let client = app.client("Kaveri Bakeries").await;
        let req = app.request(client, "Nightly export").await["id"]
            .as_i64()
            .unwrap();
        app.post(
            "/api/v1/time-entries",
            &app.owner,
            json!({"request_id": req, "minutes": 30, "billable": true,
                   "started_at": "2026-03-02T10:00:00Z", "note": "placeholder"}),
        )
        .await
        .ok(201);
        let org = app.org;
        app.app
            .store()
            .write(move |db| {
                db.execute(
                    "UPDATE time_entries SET note = $2 WHERE org_id = $1",
                    rapport_store::params![org, "\t=HYPERLINK(\"http://evil.example\")"],
                )?;
                db.execute(
                    "UPDATE clients SET name = $2 WHERE org_id = $1",
                    rapport_store::params![org, "\r@SUM(A1)"],
                )
            })
            .await
            .unwrap();
        let text = app
            .http
            .get(format!(
                "{}/api/v1/exports/billing.csv?client_id={client}&from=2026-03-01&to=2026-03-31",
                app.base
            ))
            .bearer_auth(&app.owner)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("\"'\t=HYPERLINK(\"\"http://evil.example\"\")\""),
            "{text:?}"
        );
        assert!(text.contains("\"'\r@SUM(A1)\""), "{text:?}");
        assert!(
            !text.contains(",\t=") && !text.contains(",\"\t="),
            "{text:?}"
        );
    }
);
