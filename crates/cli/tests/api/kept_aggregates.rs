//! Aggregates kept as the facts change (issue 20 item 1). A random workload of promises (made,
//! kept, broken, renegotiated, broken by the checker) and ratings (the team's and several
//! contacts') runs through the API and the app's use cases; afterwards the kept values equal
//! those rebuilt from the facts, and the ledger and the perception gap read from them equal the
//! figures counted from every promise and rating, as they were before the values were kept.

use std::collections::HashSet;

use rapport_core::access::{ContactRole, Principal, Role};
use rapport_core::ids::{ClientId, ContactId, RequestId};
use rapport_core::promise_stats;
use rapport_core::rating::gap;
use rapport_store::repo::{clocks, ratings};
use serde_json::{Value, json};

use crate::both;
use crate::support::TestApp;

/// Steps of the workload, and the seed of its choices (a fixed seed: a failure reruns alike).
const STEPS: usize = 120;
const SEED: u64 = 0x5eed_2026_1208;

/// xorshift64*: enough randomness for a workload, and the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> Option<T> {
        (!from.is_empty()).then(|| from[self.below(from.len() as u64) as usize])
    }
}

struct Client {
    id: i64,
    contacts: Vec<i64>,
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("an id in {v}"))
}

both!(
    kept_values_equal_rebuilt_ones_after_a_random_workload,
    |app: TestApp| async move {
        // Monday morning in London, the clients' office hours.
        app.set_now("2027-03-01T09:00:00Z");
        let agent = app.member_token("ada@acme.example", Role::Agent).await;
        let members = [app.owner.clone(), agent];
        let mut clients = Vec::new();
        for (n, name) in ["Fjord Freight", "Vega Outdoor", "Okra Foods"]
            .iter()
            .enumerate()
        {
            let id = app.client(name).await;
            let mut contacts = Vec::new();
            for c in 0..2 {
                contacts.push(
                    app.contact(id, &format!("c{c}@client{n}.example"), None)
                        .await,
                );
            }
            clients.push(Client { id, contacts });
        }
        let mut rng = Rng(SEED);
        let mut pending: Vec<i64> = Vec::new();
        // Delivered requests: (request, index of its client).
        let mut delivered: Vec<(i64, usize)> = Vec::new();
        let mut rated: HashSet<(i64, Option<i64>)> = HashSet::new();
        let mut moves = [0usize; 9];
        for step in 0..STEPS {
            let now = app.app.now();
            let token = &members[rng.below(2) as usize];
            let op = rng.below(9) as usize;
            match op {
                0 | 1 => {
                    let c = &clients[rng.below(clients.len() as u64) as usize];
                    let due = now
                        .checked_add(jiff::SignedDuration::from_mins(
                            30 + rng.below(60 * 48) as i64,
                        ))
                        .unwrap();
                    let p = app
                        .post(
                            "/api/v1/promises",
                            token,
                            json!({"client_id": c.id, "kind": "call", "due_at": due}),
                        )
                        .await
                        .ok(201);
                    pending.push(id(&p));
                    moves[op] += 1;
                }
                2 | 3 => {
                    let Some(p) = rng.pick(&pending) else {
                        continue;
                    };
                    pending.retain(|&q| q != p);
                    let verb = if op == 2 { "keep" } else { "break" };
                    // Already broken by the checker, or past due: refused, and nothing moves.
                    let res = app
                        .post(&format!("/api/v1/promises/{p}/{verb}"), token, json!({}))
                        .await;
                    assert!(res.status == 200 || res.status == 409, "{}", res.body);
                    moves[op] += usize::from(res.status == 200);
                }
                4 => {
                    let Some(p) = rng.pick(&pending) else {
                        continue;
                    };
                    let due = now
                        .checked_add(jiff::SignedDuration::from_mins(
                            60 + rng.below(60 * 72) as i64,
                        ))
                        .unwrap();
                    let res = app
                        .post(
                            &format!("/api/v1/promises/{p}/renegotiate"),
                            token,
                            json!({"due_at": due, "reason": "The client moved the meeting."}),
                        )
                        .await;
                    assert!(res.status == 200 || res.status == 409, "{}", res.body);
                    moves[op] += usize::from(res.status == 200);
                }
                5 => {
                    let c = rng.below(clients.len() as u64) as usize;
                    let r = id(&app.request(clients[c].id, &format!("Work {step}")).await);
                    app.post(
                        &format!("/api/v1/requests/{r}/transition"),
                        &app.owner,
                        json!({"status": "delivered"}),
                    )
                    .await
                    .ok(200);
                    delivered.push((r, c));
                    moves[op] += 1;
                }
                _ => {
                    let Some((r, c)) = rng.pick(&delivered) else {
                        continue;
                    };
                    let score = 1 + rng.below(5) as i64;
                    let by = rng.pick(&clients[c].contacts).filter(|_| rng.below(3) > 0);
                    if !rated.insert((r, by)) {
                        continue;
                    }
                    match by {
                        None => {
                            app.post(
                                &format!("/api/v1/requests/{r}/team-rating"),
                                token,
                                json!({"score": score}),
                            )
                            .await
                            .ok(201);
                        }
                        Some(contact) => {
                            let ctx = rapport_app::Ctx::new(
                                Principal::Contact {
                                    org_id: app.org,
                                    contact_id: ContactId(contact),
                                    client_id: ClientId(clients[c].id),
                                    role: ContactRole::DEFAULT,
                                },
                                None,
                            );
                            app.app
                                .rate_request(&ctx, RequestId(r), score, "")
                                .await
                                .expect("the contact rates delivered work");
                        }
                    }
                    moves[op] += 1;
                }
            }
            app.advance_minutes(rng.below(6 * 60) as i64);
            if step % 10 == 9 {
                // The checker breaks what fell due unkept.
                app.run_jobs().await;
            }
        }
        // One past due that the checker has not broken yet: the ledger counts it overdue.
        let due = app
            .app
            .now()
            .checked_add(jiff::SignedDuration::from_mins(30))
            .unwrap();
        app.post(
            "/api/v1/promises",
            &app.owner,
            json!({"client_id": clients[0].id, "kind": "reply", "due_at": due}),
        )
        .await
        .ok(201);
        app.advance_minutes(45);
        assert!(
            moves.iter().all(|&m| m > 0),
            "every kind of change happened: {moves:?}"
        );

        let kept = app.app.kept_aggregates(app.org).await.unwrap();
        assert!(
            !kept.tallies.is_empty() && !kept.margins.is_empty() && !kept.pairs.is_empty(),
            "{kept:?}"
        );
        app.app
            .rebuild_aggregates_as_operator(Some(app.org))
            .await
            .unwrap();
        let rebuilt = app.app.kept_aggregates(app.org).await.unwrap();
        assert_eq!(
            kept, rebuilt,
            "kept as the facts changed == rebuilt from them"
        );

        // What the ledger and the gap read from the kept values: the same as counted from
        // every promise and every rating.
        let org = app.org;
        let promises: Vec<_> = app
            .app
            .store()
            .read(move |db| clocks::promises_with_engagement(db, org))
            .await
            .unwrap()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let now = app.app.now();
        let stats = promise_stats::stats(&promises, now);
        assert!(
            stats.kept > 1 && stats.broken > 0 && stats.overdue > 0,
            "{stats:?}"
        );
        let overall = app.get("/api/v1/promises/stats", &app.owner).await.ok(200);
        assert_eq!(overall["overall"], json!(stats));
        for by in ["member", "client"] {
            let got = app
                .get(&format!("/api/v1/promises/stats?group_by={by}"), &app.owner)
                .await
                .ok(200);
            let want = promise_stats::stats_by(&promises, now, |p| {
                Some(if by == "member" {
                    p.made_by.0
                } else {
                    p.client_id.0
                })
            });
            let groups = got["groups"].as_array().unwrap();
            assert_eq!(groups.len(), want.len(), "{got}");
            for (g, (key, s)) in groups.iter().zip(want) {
                assert_eq!(g["id"], key);
                let mut g = g.clone();
                for field in ["id", "name"] {
                    g.as_object_mut().unwrap().remove(field);
                }
                assert_eq!(g, json!(s), "{by} {key}");
            }
        }
        let mut compared = 0;
        for c in &clients {
            let client = ClientId(c.id);
            let all = app
                .app
                .store()
                .read(move |db| ratings::for_client(db, org, client))
                .await
                .unwrap();
            let pairs = gap::pairs(&all);
            for last in [1, 3, gap::DEFAULT_LAST] {
                let got = app
                    .get(
                        &format!("/api/v1/perception-gap?client_id={}&last={last}", c.id),
                        &app.owner,
                    )
                    .await
                    .ok(200);
                assert_eq!(got["current"], json!(gap::over_last(&pairs, last)));
            }
            compared += pairs.len();
        }
        assert!(compared > 2, "pairs were compared: {compared}");
    }
);

both!(
    the_rebuild_repairs_lost_values_and_runs_twice_alike,
    |app: TestApp| async move {
        app.set_now("2027-03-01T09:00:00Z");
        let client = app.client("Fjord Freight").await;
        for (hours, keep) in [(4, true), (6, true), (8, false)] {
            let due = format!("2027-03-01T{:02}:00:00Z", 9 + hours);
            let p = app
                .post(
                    "/api/v1/promises",
                    &app.owner,
                    json!({"client_id": client, "kind": "call", "due_at": due}),
                )
                .await
                .ok(201);
            let verb = if keep { "keep" } else { "break" };
            app.post(
                &format!("/api/v1/promises/{}/{verb}", id(&p)),
                &app.owner,
                json!({}),
            )
            .await
            .ok(200);
        }
        let before = app.get("/api/v1/promises/stats", &app.owner).await.ok(200);
        assert_eq!(before["overall"]["kept"], 2);
        assert_eq!(before["overall"]["median_margin_minutes"], 300);
        // Another firm's values are not touched by this one's rebuild.
        let (other, other_token) = app.other_firm().await;
        let other_client = app
            .post(
                "/api/v1/clients",
                &other_token,
                json!({"name": "Globex Client", "calendar": {"tz": "Europe/London"}}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        app.post(
            "/api/v1/promises",
            &other_token,
            json!({"client_id": other_client, "kind": "call", "due_at": "2027-03-02T10:00:00Z"}),
        )
        .await
        .ok(201);
        let other_before = app.app.kept_aggregates(other).await.unwrap();

        // Values lost (a restore of an old table, a hand edit): the ledger reads them wrong...
        let org = app.org;
        app.app
            .store()
            .write(move |db| {
                db.execute(
                    "DELETE FROM promise_tallies WHERE org_id = $1",
                    rapport_store::params![org],
                )
            })
            .await
            .unwrap();
        let lost = app.get("/api/v1/promises/stats", &app.owner).await.ok(200);
        assert_eq!(lost["overall"]["kept"], 0);
        // ...until the rebuild counts them again; a second rebuild writes the same.
        let first = app
            .app
            .rebuild_aggregates_as_operator(Some(org))
            .await
            .unwrap();
        let once = app.app.kept_aggregates(org).await.unwrap();
        let second = app
            .app
            .rebuild_aggregates_as_operator(Some(org))
            .await
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(app.app.kept_aggregates(org).await.unwrap(), once);
        let after = app.get("/api/v1/promises/stats", &app.owner).await.ok(200);
        assert_eq!(after, before);
        assert_eq!(app.app.kept_aggregates(other).await.unwrap(), other_before);
        let audit = app
            .get("/api/v1/audit?action=aggregates.rebuild", &app.owner)
            .await
            .ok(200);
        assert_eq!(audit["items"].as_array().map(Vec::len), Some(2), "{audit}");
    }
);
