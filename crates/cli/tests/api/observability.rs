//! `/metrics` after real work, on both engines: the job queue's depth and oldest due age per
//! kind at the app's clock, mail intake failures per mailbox, job failures per kind, HTTP
//! latency histograms, connection waits and (SQLite) the writer's queue and commits. Every
//! scrape is checked line by line against the text format, and every metric name the example
//! alert rules and Grafana dashboard in docs/ use must be in a real scrape.

use std::collections::BTreeMap;
use std::sync::Arc;

use rapport_mail::transport::{
    BoxFuture, FetchBatch, ImapAccount, MailboxError, MailboxReader, Processed,
};
use rapport_store::Engine;
use serde_json::json;

use crate::support::{METRICS_TOKEN, TestApp};

/// An IMAP server that refuses every sign-in.
struct RefusingImap;

impl MailboxReader for RefusingImap {
    fn check<'a>(&'a self, _: &'a ImapAccount) -> BoxFuture<'a, Result<u32, MailboxError>> {
        Box::pin(async { Err(MailboxError::Auth("AUTHENTICATIONFAILED".into())) })
    }

    fn fetch_new<'a>(
        &'a self,
        _: &'a ImapAccount,
        _: Option<u32>,
        _: u32,
        _: usize,
        _: usize,
    ) -> BoxFuture<'a, Result<FetchBatch, MailboxError>> {
        Box::pin(async { Err(MailboxError::Auth("AUTHENTICATIONFAILED".into())) })
    }

    fn mark_processed<'a>(
        &'a self,
        _: &'a ImapAccount,
        _: &'a [u32],
        _: &'a Processed,
    ) -> BoxFuture<'a, Result<(), MailboxError>> {
        Box::pin(async { Ok(()) })
    }
}

async fn spawn_refusing_imap(engine: Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |s, w| {
        w.api_rate = None;
        s.mail.reader = Some(Arc::new(RefusingImap));
    })
    .await
}

/// (status, body) of `GET /metrics` with `token`.
async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut req = app.http.get(format!("{}/metrics", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Labels of one sample, sorted.
type Labels = BTreeMap<String, String>;

/// A checked exposition: each sample name's (labels, value)s, and each family's type.
#[derive(Debug, Default)]
pub struct Exposition {
    pub samples: BTreeMap<String, Vec<(Labels, f64)>>,
    pub types: BTreeMap<String, String>,
}

impl Exposition {
    /// The value of the one sample `name` whose labels include `labels`.
    #[track_caller]
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found: Vec<f64> = self
            .samples
            .get(name)
            .into_iter()
            .flatten()
            .filter(|(l, _)| {
                labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, v)| *v)
            .collect();
        assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
        found[0]
    }
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `k="v",...}` up to and including the closing brace; returns the labels and the rest.
fn parse_labels(mut s: &str) -> Result<(Labels, &str), String> {
    let mut labels = Labels::new();
    loop {
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((labels, rest));
        }
        let eq = s.find('=').ok_or("a label without =")?;
        let key = &s[..eq];
        if !valid_name(key) || key.starts_with("__") {
            return Err(format!("bad label name {key:?}"));
        }
        let mut rest = s[eq + 1..]
            .strip_prefix('"')
            .ok_or("a label value without its opening quote")?
            .chars();
        let mut value = String::new();
        loop {
            match rest
                .next()
                .ok_or("a label value without its closing quote")?
            {
                '"' => break,
                '\\' => match rest.next() {
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some('n') => value.push('\n'),
                    other => return Err(format!("bad escape \\{other:?}")),
                },
                '\n' => return Err("a raw newline in a label value".into()),
                c => value.push(c),
            }
        }
        if labels.insert(key.to_string(), value).is_some() {
            return Err(format!("label {key} twice"));
        }
        s = rest.as_str();
        s = s.strip_prefix(',').unwrap_or(s);
    }
}

fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => s.parse().map_err(|_| format!("bad value {s:?}")),
    }
}

/// Check `text` against the Prometheus text format (0.0.4) and return what it holds: every
/// line a comment or a sample; HELP and TYPE once per family and before its samples; a
/// family's lines together; counters named `_total`; histograms with ascending cumulative
/// buckets whose `+Inf` bucket equals `_count`.
#[track_caller]
pub fn check_exposition(text: &str) -> Exposition {
    let mut e = Exposition::default();
    let mut helped = std::collections::BTreeSet::new();
    let mut finished = std::collections::BTreeSet::new();
    let mut current: Option<String> = None;
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    for (n, line) in text.lines().enumerate() {
        let fail = |why: &str| -> ! { panic!("line {}: {why}: {line:?}\n{text}", n + 1) };
        let mut enter = |family: &str, current: &mut Option<String>| {
            if current.as_deref() != Some(family) {
                if let Some(done) = current.take() {
                    finished.insert(done);
                }
                if finished.contains(family) {
                    fail("a family's lines are not together");
                }
                *current = Some(family.to_string());
            }
        };
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (word, name, tail) = (parts.next(), parts.next(), parts.next());
            let (Some(word), Some(name), Some(tail)) = (word, name, tail) else {
                fail("a comment without name and text");
            };
            if !valid_name(name) {
                fail("bad metric name");
            }
            enter(name, &mut current);
            match word {
                "HELP" => {
                    if !helped.insert(name.to_string()) || tail.is_empty() {
                        fail("HELP twice or empty");
                    }
                }
                "TYPE" => {
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&tail) {
                        fail("unknown type");
                    }
                    if e.samples.contains_key(name)
                        || e.types.insert(name.to_string(), tail.to_string()).is_some()
                    {
                        fail("TYPE twice or after samples");
                    }
                    if tail == "counter" && !name.ends_with("_total") {
                        fail("a counter not named _total");
                    }
                }
                _ => fail("a comment that is neither HELP nor TYPE"),
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or_else(|| fail("no value"));
        let name = &line[..name_end];
        if !valid_name(name) {
            fail("bad metric name");
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end + 1..]).unwrap_or_else(|why| fail(&why))
        } else {
            (Labels::new(), &line[name_end..])
        };
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| fail("no space before the value"));
        let value = parse_value(value).unwrap_or_else(|why| fail(&why));
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| e.types.get(*f).map(String::as_str) == Some("histogram"))
            })
            .unwrap_or(name);
        if !e.types.contains_key(family) {
            fail("a sample before its family's TYPE");
        }
        enter(family, &mut current);
        e.samples
            .entry(name.to_string())
            .or_default()
            .push((labels, value));
    }
    // Histograms: per series, buckets ascending in bound and count; +Inf is the count.
    for (family, kind) in &e.types {
        if kind != "histogram" {
            continue;
        }
        let mut series: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
        for (labels, v) in e
            .samples
            .get(&format!("{family}_bucket"))
            .into_iter()
            .flatten()
        {
            let mut l = labels.clone();
            let le = l
                .remove("le")
                .unwrap_or_else(|| panic!("{family}: a bucket without le"));
            series
                .entry(l)
                .or_default()
                .push((parse_value(&le).unwrap(), *v));
        }
        for (labels, buckets) in series {
            assert!(
                buckets
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                "{family} {labels:?}: buckets not ascending: {buckets:?}"
            );
            let last = buckets.last().unwrap();
            let count = e.samples[&format!("{family}_count")]
                .iter()
                .find(|(l, _)| *l == labels)
                .unwrap_or_else(|| panic!("{family} {labels:?}: no _count"))
                .1;
            assert_eq!(
                (last.0, last.1),
                (f64::INFINITY, count),
                "{family} {labels:?}"
            );
            assert!(
                e.samples[&format!("{family}_sum")]
                    .iter()
                    .any(|(l, _)| *l == labels),
                "{family} {labels:?}: no _sum"
            );
        }
    }
    e
}

/// The metric names a document uses (`rapport_…`).
fn names_in(doc: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = doc;
    while let Some(at) = rest.find("rapport_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

fn doc(name: &str) -> String {
    let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

crate::both_with!(
    metrics_show_the_queue_mail_failures_and_latency_after_real_work,
    spawn_refusing_imap,
    |app: TestApp| async move {
        let engine = app.app.engine();
        app.set_now("2026-03-02T10:00:00Z");

        // A mailbox whose server refuses the sign-in: its first poll fails.
        let mailbox = app
            .post(
                "/api/v1/mailboxes",
                &app.owner,
                json!({"name": "Support", "host": "imap.example.com",
                       "username": "support", "password": "hunter2-imap"}),
            )
            .await
            .ok(201)["id"]
            .as_i64()
            .unwrap();
        app.run_jobs().await;

        // A probe queued now and not run: 90 s later it is one due job, 90 s old.
        app.app.probe_jobs_as_operator(app.org, 1, 0).await.unwrap();
        app.set_now("2026-03-02T10:01:30Z");
        app.get("/api/v1/requests", &app.owner).await.ok(200);

        // Without the token, or with another: nothing.
        assert_eq!(scrape(&app, None).await.0, 401);
        assert_eq!(
            scrape(&app, Some("not-the-metrics-token-0000")).await.0,
            401
        );

        let (status, text) = scrape(&app, Some(METRICS_TOKEN)).await;
        assert_eq!(status, 200, "{text}");
        let m = check_exposition(&text);
        assert_eq!(m.value("rapport_jobs_due", &[("kind", "probe")]), 1.0);
        assert_eq!(
            m.value("rapport_jobs_oldest_due_age_seconds", &[("kind", "probe")]),
            90.0
        );
        // Kinds with nothing due say 0, not nothing.
        assert_eq!(
            m.value("rapport_jobs_due", &[("kind", "webhook.deliver")]),
            0.0
        );
        let org = app.org.0.to_string();
        let mailbox_label = mailbox.to_string();
        assert_eq!(
            m.value(
                "rapport_mail_intake_failures_total",
                &[("org_id", &org), ("mailbox", &mailbox_label)]
            ),
            1.0
        );
        let route = [("method", "GET"), ("route", "/api/v1/requests")];
        assert_eq!(
            m.value("rapport_http_request_duration_seconds_count", &route),
            1.0
        );
        assert_eq!(
            m.value(
                "rapport_http_request_duration_seconds_bucket",
                &[route[0], route[1], ("le", "+Inf")]
            ),
            1.0
        );
        assert_eq!(
            m.value("rapport_database_up", &[("engine", engine.name())]),
            1.0
        );
        // The requests above waited for connections, and each wait was recorded.
        let pools: &[&str] = match engine {
            Engine::Sqlite => &["sqlite_readers", "sqlite_writer"],
            Engine::Postgres => &["postgres"],
        };
        for pool in pools {
            let waits = m.value("rapport_db_pool_wait_seconds_count", &[("pool", pool)]);
            assert!(waits >= 1.0, "{pool}: {waits}");
        }
        match engine {
            Engine::Sqlite => {
                assert_eq!(m.value("rapport_sqlite_writer_queue_depth", &[]), 0.0);
                assert!(m.value("rapport_sqlite_commit_duration_seconds_count", &[]) >= 1.0);
            }
            Engine::Postgres => {
                assert!(
                    !text.contains("rapport_sqlite_"),
                    "no SQLite figures on PostgreSQL"
                );
            }
        }

        // A job that fails is counted by kind, and as a retry while attempts remain.
        app.app
            .enqueue(app.org, "probe", json!({"fail": true}), None, None)
            .await
            .unwrap();
        app.run_jobs().await;
        let (_, text) = scrape(&app, Some(METRICS_TOKEN)).await;
        let m = check_exposition(&text);
        assert_eq!(
            m.value(
                "rapport_job_failures_total",
                &[("kind", "probe"), ("outcome", "retry")]
            ),
            1.0
        );

        // What docs/ shows and alerts on is what is served: every name the alert rules and
        // the dashboard use is in this scrape (SQLite's own only on SQLite), and every family
        // served is listed in docs/observability.md.
        let served: std::collections::BTreeSet<&str> = m
            .samples
            .keys()
            .chain(m.types.keys())
            .map(String::as_str)
            .collect();
        let dashboard: serde_json::Value =
            serde_json::from_str(&doc("grafana-dashboard.json")).expect("the dashboard is JSON");
        assert!(dashboard["panels"].as_array().is_some_and(|p| p.len() >= 8));
        for file in ["prometheus-alerts.yaml", "grafana-dashboard.json"] {
            let used = names_in(&doc(file));
            assert!(used.len() >= 8, "{file} uses only {used:?}");
            for name in used {
                if engine == Engine::Postgres && name.starts_with("rapport_sqlite_") {
                    continue;
                }
                assert!(
                    served.contains(name.as_str()),
                    "{file} uses {name}, which /metrics does not serve:\n{text}"
                );
            }
        }
        let documented = names_in(&doc("observability.md"));
        for family in m.types.keys() {
            assert!(
                documented.contains(family),
                "{family} is served but not in docs/observability.md"
            );
        }
    }
);

#[test]
fn the_format_check_refuses_what_prometheus_would() {
    let ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\\\"\"} 3\n";
    assert_eq!(check_exposition(ok).value("a_total", &[("x", "1\"")]), 3.0);
    for bad in [
        "a_total 1\n",                                                   // no TYPE
        "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1} 3\n", // unclosed quote
        "# HELP a A.\n# TYPE a counter\na 1\n",                          // counter not _total
        "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# HELP g G.\n# TYPE g gauge\ng 1\n# HELP f F.\n# TYPE f gauge\nf 1\ng 2\n", // apart
        "# HELP g G.\n# TYPE g gauge\ng one\n",
    ] {
        let caught = std::panic::catch_unwind(|| check_exposition(bad));
        assert!(caught.is_err(), "accepted:\n{bad}");
    }
}
