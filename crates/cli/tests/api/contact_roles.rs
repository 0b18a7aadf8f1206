//! People at the client (issue 22, item 1): a contact's role decides what they see and do in
//! the portal. A requester sees their own requests, a viewer all of the client's, an approver
//! also decides change orders, a client admin also manages the client's contacts.

use rapport_core::access::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Res, TestApp};

type Session = (String, String);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// A contact of `client` with `role` (the firm's owner adds them), given portal access with a
/// password; their id and a portal session.
async fn person(app: &TestApp, client: i64, name: &str, email: &str, role: &str) -> (i64, Session) {
    let c = app
        .post(
            "/api/v1/contacts",
            &app.owner,
            json!({"client_id": client, "name": name, "email": email, "role": role}),
        )
        .await
        .ok(201);
    assert_eq!(c["role"], role);
    app.give_portal_access(id(&c), "a portal password").await;
    (id(&c), app.portal_session(email, "a portal password").await)
}

async fn call(
    app: &TestApp,
    who: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Res {
    let csrf = (method != Method::GET).then_some(who.1.as_str());
    app.with_cookie(method, path, &who.0, csrf, body).await
}

async fn get(app: &TestApp, who: &Session, path: &str) -> Res {
    call(app, who, Method::GET, path, None).await
}

/// The ids in a listing's `items`.
fn ids(v: &Value) -> Vec<i64> {
    v["items"].as_array().unwrap().iter().map(id).collect()
}

/// A request of `client` on behalf of `contact`, logged by the owner.
async fn request_for(
    app: &TestApp,
    client: i64,
    contact: i64,
    engagement: Option<i64>,
    title: &str,
) -> i64 {
    id(&app
        .post(
            "/api/v1/requests",
            &app.owner,
            json!({"client_id": client, "contact_id": contact, "engagement_id": engagement, "title": title}),
        )
        .await
        .ok(201))
}

both!(
    a_requester_sees_their_own_requests_and_a_viewer_all_of_the_clients,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let (rita, rita_s) = person(
            &app,
            client,
            "Rita Requester",
            "rita@kaveri.example",
            "requester",
        )
        .await;
        let (vic, vic_s) = person(&app, client, "Vic Viewer", "vic@kaveri.example", "viewer").await;
        let mine = request_for(&app, client, rita, None, "Rita's invoice question").await;
        let theirs = request_for(&app, client, vic, None, "Vic's quarterly report").await;

        let listed = get(&app, &rita_s, "/api/v1/requests").await.ok(200);
        assert_eq!(
            ids(&listed),
            [mine],
            "a requester lists their own requests only"
        );
        get(&app, &rita_s, &format!("/api/v1/requests/{theirs}"))
            .await
            .problem(404);
        get(
            &app,
            &rita_s,
            &format!("/api/v1/requests/{theirs}/messages"),
        )
        .await
        .problem(404);
        let found = get(&app, &rita_s, "/api/v1/search?q=quarterly")
            .await
            .ok(200);
        assert_eq!(found["items"], json!([]), "nor does search: {found}");
        // Writing on a colleague's request is as if it did not exist.
        call(
            &app,
            &rita_s,
            Method::POST,
            &format!("/api/v1/requests/{theirs}/messages"),
            Some(json!({"body": "Me too"})),
        )
        .await
        .problem(404);

        let all = get(&app, &vic_s, "/api/v1/requests").await.ok(200);
        let mut seen = ids(&all);
        seen.sort();
        assert_eq!(
            seen,
            [mine, theirs],
            "a viewer sees all of the client's requests"
        );
        get(&app, &vic_s, &format!("/api/v1/requests/{mine}"))
            .await
            .ok(200);
        let found = get(&app, &vic_s, "/api/v1/search?q=invoice").await.ok(200);
        assert_eq!(found["items"][0]["request_id"], mine, "{found}");

        // A role changed by a manager applies to the open session at once.
        app.patch(
            &format!("/api/v1/contacts/{rita}"),
            &app.owner,
            json!({"role": "viewer"}),
        )
        .await
        .ok(200);
        get(&app, &rita_s, &format!("/api/v1/requests/{theirs}"))
            .await
            .ok(200);
    }
);

both!(
    only_an_approver_decides_a_change_order_and_the_others_are_told_who_can,
    |app: TestApp| async move {
        let client = app.client("Kaveri Bakeries").await;
        let engagement = id(&app
            .post(
                "/api/v1/engagements",
                &app.owner,
                json!({"client_id": client, "name": "Driver app", "currency": "EUR", "hourly_rate_minor": 15_000,
                       "brief": {"text": "Delivery app for a bakery chain's drivers.", "items": [
                           {"id": "android", "kind": "in", "text": "Android driver app: delivery list, proof of delivery photos"},
                           {"id": "ios", "kind": "out", "text": "iPhone (iOS) version of the driver app"}]}}),
            )
            .await
            .ok(201));
        let (rita, rita_s) = person(
            &app,
            client,
            "Rita Requester",
            "rita@kaveri.example",
            "requester",
        )
        .await;
        let (_vic, vic_s) =
            person(&app, client, "Vic Viewer", "vic@kaveri.example", "viewer").await;
        let (ann, ann_s) = person(
            &app,
            client,
            "Ann Approver",
            "ann@kaveri.example",
            "approver",
        )
        .await;
        let ios = request_for(
            &app,
            client,
            rita,
            Some(engagement),
            "Build the iPhone version of the driver app",
        )
        .await;
        let co = id(&app
            .post(
                "/api/v1/change-orders",
                &app.owner,
                json!({"engagement_id": engagement, "request_ids": [ios], "title": "iPhone driver app",
                       "description": "A native iOS build.", "estimate_minutes": 600}),
            )
            .await
            .ok(201));
        app.post(
            &format!("/api/v1/change-orders/{co}/send"),
            &app.owner,
            json!({}),
        )
        .await
        .ok(200);

        // The requester sees the order for their own request, but may not decide it: a 403
        // naming the rule and the approvers, and nothing changes.
        let listed = get(&app, &rita_s, "/api/v1/change-orders").await.ok(200);
        assert_eq!(ids(&listed), [co]);
        let before = app.snapshot().await;
        for (who, role) in [(&rita_s, "requester"), (&vic_s, "viewer")] {
            let refused = call(
                &app,
                who,
                Method::POST,
                &format!("/api/v1/change-orders/{co}/approve"),
                Some(json!({})),
            )
            .await
            .problem(403);
            assert!(
                refused.body["type"]
                    .as_str()
                    .unwrap()
                    .ends_with("/approver-required"),
                "{}",
                refused.body
            );
            let detail = refused.body["detail"].as_str().unwrap();
            assert!(
                detail.contains("approver or client_admin") && detail.contains(role),
                "{detail}"
            );
            assert_eq!(refused.body["approvers"], json!(["Ann Approver"]));
            call(
                &app,
                who,
                Method::POST,
                &format!("/api/v1/change-orders/{co}/decline"),
                Some(json!({})),
            )
            .await
            .problem(403);
        }
        assert_eq!(app.snapshot().await, before);
        let still = app
            .get(&format!("/api/v1/change-orders/{co}"), &app.owner)
            .await
            .ok(200);
        assert_eq!(still["status"], "sent");

        // The approver's approval works, and is theirs in the record and the audit trail.
        let done = call(
            &app,
            &ann_s,
            Method::POST,
            &format!("/api/v1/change-orders/{co}/approve"),
            Some(json!({})),
        )
        .await
        .ok(200);
        assert_eq!(done["status"], "approved");
        assert_eq!(done["decided_by"], ann);
        let audit = app
            .get("/api/v1/audit?action=change_order.approve", &app.owner)
            .await
            .ok(200);
        assert_eq!(
            audit["items"][0]["actor"],
            json!({"kind": "contact", "id": ann})
        );
    }
);

both!(
    a_client_admin_invites_a_colleague_and_changes_their_role,
    |app: TestApp| async move {
        let client = app.client("Kaveri Foods").await;
        let (carla, carla_s) = person(
            &app,
            client,
            "Carla Admin",
            "carla@kaveri.example",
            "client_admin",
        )
        .await;
        let (rita, _) = person(
            &app,
            client,
            "Rita Requester",
            "rita@kaveri.example",
            "requester",
        )
        .await;

        let listed = get(&app, &carla_s, "/api/v1/contacts").await.ok(200);
        let mut seen = ids(&listed);
        seen.sort();
        assert_eq!(seen, [carla, rita]);

        // A new colleague, invited by the emailed link like any contact.
        let new = call(
            &app,
            &carla_s,
            Method::POST,
            "/api/v1/contacts",
            Some(json!({"client_id": client, "name": "Nina New", "email": "nina@kaveri.example", "role": "viewer"})),
        )
        .await
        .ok(201);
        let nina = id(&new);
        assert_eq!(
            (new["role"].as_str(), new["portal_enabled"].as_bool()),
            (Some("viewer"), Some(false))
        );
        call(
            &app,
            &carla_s,
            Method::POST,
            &format!("/api/v1/contacts/{nina}/invite"),
            Some(json!({})),
        )
        .await
        .ok_res(202);
        let token = app
            .link_in_mail("nina@kaveri.example", "/portal/invite?token=")
            .await;
        app.call(
            Method::POST,
            "/api/v1/portal/invite/accept",
            None,
            Some(json!({"token": token, "password": "nina's own password"})),
        )
        .await
        .ok(200);

        // Roles change, and access ends, by the client admin's hand; each is audited as theirs.
        let changed = call(
            &app,
            &carla_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{rita}"),
            Some(json!({"role": "approver"})),
        )
        .await
        .ok(200);
        assert_eq!(changed["role"], "approver");
        assert_eq!(
            app.get(&format!("/api/v1/contacts/{rita}"), &app.owner)
                .await
                .ok(200)["role"],
            "approver"
        );
        call(
            &app,
            &carla_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{nina}"),
            Some(json!({"portal_enabled": false})),
        )
        .await
        .ok(200);
        app.call(
            Method::POST,
            "/api/v1/portal/login",
            None,
            Some(json!({"email": "nina@kaveri.example", "password": "nina's own password"})),
        )
        .await
        .problem(401);
        let audit = app
            .get("/api/v1/audit?action=contact.", &app.owner)
            .await
            .ok(200);
        let by_carla: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor"] == json!({"kind": "contact", "id": carla}))
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            by_carla.iter().filter(|a| **a == "contact.update").count(),
            2,
            "{audit}"
        );
        assert!(
            by_carla.contains(&"contact.create") && by_carla.contains(&"contact.portal_invited"),
            "{by_carla:?}"
        );
        let role_change = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "contact.update" && e["target_id"] == rita)
            .unwrap_or_else(|| panic!("no role change audited: {audit}"));
        assert!(
            role_change["details"].to_string().contains("approver"),
            "{role_change}"
        );

        // What stays the firm's: the address sign-in links go to, and the admin's own role.
        let res = call(
            &app,
            &carla_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{rita}"),
            Some(json!({"email": "x@kaveri.example"})),
        )
        .await
        .problem(422);
        assert_eq!(res.fields(), ["email"]);
        call(
            &app,
            &carla_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{carla}"),
            Some(json!({"role": "requester"})),
        )
        .await
        .problem(403);
        let bad = call(
            &app,
            &carla_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{rita}"),
            Some(json!({"role": "boss"})),
        )
        .await
        .problem(422);
        assert!(bad.body.to_string().contains("role"), "{}", bad.body);
    }
);

both!(
    nobody_manages_another_clients_contacts,
    |app: TestApp| async move {
        let kaveri = app.client("Kaveri Foods").await;
        let halvorsen = app.client("Halvorsen Analytics").await;
        let (_carla, carla_s) = person(
            &app,
            kaveri,
            "Carla Admin",
            "carla@kaveri.example",
            "client_admin",
        )
        .await;
        let (rita, _) = person(
            &app,
            kaveri,
            "Rita Requester",
            "rita@kaveri.example",
            "requester",
        )
        .await;
        let (_ann, ann_s) = person(
            &app,
            kaveri,
            "Ann Approver",
            "ann@kaveri.example",
            "approver",
        )
        .await;
        let (ingrid, ingrid_s) = person(
            &app,
            halvorsen,
            "Ingrid Halvorsen",
            "ingrid@halvorsen.example",
            "client_admin",
        )
        .await;
        let (_, globex) = app.other_firm().await;
        let agent = app.member_token("agent@acme.example", Role::Agent).await;
        let before = app.snapshot().await;

        // Kaveri's client admin and Halvorsen's contacts: as if they did not exist.
        let theirs = get(
            &app,
            &carla_s,
            &format!("/api/v1/contacts?client_id={halvorsen}"),
        )
        .await
        .ok(200);
        assert_eq!(theirs["items"], json!([]));
        get(&app, &carla_s, &format!("/api/v1/contacts/{ingrid}"))
            .await
            .problem(404);
        call(
            &app,
            &carla_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{ingrid}"),
            Some(json!({"role": "requester"})),
        )
        .await
        .problem(404);
        call(
            &app,
            &carla_s,
            Method::POST,
            &format!("/api/v1/contacts/{ingrid}/invite"),
            Some(json!({})),
        )
        .await
        .problem(404);
        call(
            &app,
            &carla_s,
            Method::POST,
            "/api/v1/contacts",
            Some(
                json!({"client_id": halvorsen, "name": "Mole", "email": "mole@halvorsen.example"}),
            ),
        )
        .await
        .problem(404);
        // Halvorsen's client admin cannot reach Kaveri's either.
        call(
            &app,
            &ingrid_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{rita}"),
            Some(json!({"role": "client_admin"})),
        )
        .await
        .problem(404);
        // An approver is no client admin.
        get(&app, &ann_s, "/api/v1/contacts").await.problem(403);
        call(
            &app,
            &ann_s,
            Method::PATCH,
            &format!("/api/v1/contacts/{rita}"),
            Some(json!({"role": "approver"})),
        )
        .await
        .problem(403);
        // Another firm, and a member without the keys to the portal.
        app.patch(
            &format!("/api/v1/contacts/{rita}"),
            &globex,
            json!({"role": "approver"}),
        )
        .await
        .problem(404);
        app.patch(
            &format!("/api/v1/contacts/{rita}"),
            &agent,
            json!({"role": "approver"}),
        )
        .await
        .problem(403);
        app.post(
            "/api/v1/contacts",
            &agent,
            json!({"client_id": kaveri, "name": "Sam", "email": "sam@kaveri.example", "role": "client_admin"}),
        )
        .await
        .problem(403);
        assert_eq!(app.snapshot().await, before);
        assert_eq!(
            app.get(&format!("/api/v1/contacts/{rita}"), &app.owner)
                .await
                .ok(200)["role"],
            "requester"
        );
    }
);

both!(
    the_pages_set_and_show_roles_and_a_client_admin_manages_people_in_the_portal,
    |app: TestApp| async move {
        use crate::support::PASSWORD;
        use crate::ui::{get as page, post as submit, sign_in};
        let client = app.client("Kaveri Foods").await;

        // The workspace: the contact form sets the role; the client page shows it.
        let owner = sign_in(&app, "app", "owner@acme.example", PASSWORD).await;
        let form = page(
            &app,
            &format!("/app/clients/{client}/contacts/new"),
            &[&owner],
        )
        .await;
        form.says(200, "Role in the portal");
        let csrf = form.csrf();
        let added = submit(
            &app,
            &format!("/app/clients/{client}/contacts/new"),
            &[&owner],
            &[
                ("csrf", &csrf),
                ("name", "Carla Admin"),
                ("email", "carla@kaveri.example"),
                ("role", "client_admin"),
            ],
        )
        .await;
        assert_eq!(added.status, 303, "{}", added.body);
        page(&app, &format!("/app/clients/{client}"), &[&owner])
            .await
            .says(200, "Carla Admin")
            .says(200, "client admin");
        let carla = id(&app
            .get(&format!("/api/v1/contacts?client_id={client}"), &app.owner)
            .await
            .ok(200)["items"][0]);
        app.give_portal_access(carla, "carla's password").await;

        // The portal: Carla invites a colleague as a requester and makes them a viewer.
        let session = sign_in(&app, "portal", "carla@kaveri.example", "carla's password").await;
        let people = page(&app, "/portal/people", &[&session]).await;
        people.says(200, "People at Kaveri Foods");
        let csrf = people.csrf();
        let invited = submit(
            &app,
            "/portal/people",
            &[&session],
            &[
                ("csrf", &csrf),
                ("name", "Rita Requester"),
                ("email", "rita@kaveri.example"),
                ("role", "requester"),
            ],
        )
        .await;
        assert_eq!(invited.status, 303, "{}", invited.body);
        app.link_in_mail("rita@kaveri.example", "/portal/invite?token=")
            .await;
        let rita = app
            .get(&format!("/api/v1/contacts?client_id={client}"), &app.owner)
            .await
            .ok(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == "rita@kaveri.example")
            .cloned()
            .expect("Rita added");
        assert_eq!(
            (rita["role"].as_str(), rita["portal_enabled"].as_bool()),
            (Some("requester"), Some(true))
        );
        let changed = submit(
            &app,
            &format!("/portal/people/{}", id(&rita)),
            &[&session],
            &[("csrf", &csrf), ("action", "role"), ("role", "viewer")],
        )
        .await;
        assert_eq!(changed.status, 303, "{}", changed.body);
        page(&app, "/portal/people?done=role", &[&session])
            .await
            .says(200, "Role changed.")
            .says(200, "viewer");
        // A taken address keeps what was typed, with the reason.
        submit(
            &app,
            "/portal/people",
            &[&session],
            &[
                ("csrf", &csrf),
                ("name", "Rita Again"),
                ("email", "rita@kaveri.example"),
                ("role", "viewer"),
            ],
        )
        .await
        .says(409, "Rita Again");

        // An approver has no People page.
        let (_, _) = person(
            &app,
            client,
            "Ann Approver",
            "ann@kaveri.example",
            "approver",
        )
        .await;
        let ann = sign_in(&app, "portal", "ann@kaveri.example", "a portal password").await;
        let refused = page(&app, "/portal/people", &[&ann]).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            !page(&app, "/portal", &[&ann])
                .await
                .body
                .contains("/portal/people")
        );
    }
);
