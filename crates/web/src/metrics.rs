//! Metrics in the Prometheus text format (version 0.0.4). HTTP figures are kept per server
//! instance (no global recorder), so several servers in one process, as in tests, do not mix
//! their figures; the rest comes from [`rapport_app::App::ops_snapshot`] at scrape time.
//! Every name served is listed in docs/observability.md.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use rapport_app::ops::{HistogramSnapshot, IntakeSource, OpsSnapshot};

/// Latency buckets in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) -> requests and latency.
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

/// A text exposition being written: one `# HELP`/`# TYPE` pair per family, then its samples.
#[derive(Default)]
struct Exposition {
    out: String,
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    let mut s = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// A sample value: Prometheus spells infinities and NaN its own way.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// One histogram's `_bucket`, `_sum` and `_count` samples.
    fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &HistogramSnapshot) {
        let bucket = format!("{name}_bucket");
        for (bound, n) in &h.buckets {
            let le = number(*bound);
            let mut l = labels.to_vec();
            l.push(("le", &le));
            self.sample(&bucket, &l, *n as f64);
        }
        let mut l = labels.to_vec();
        l.push(("le", "+Inf"));
        self.sample(&bucket, &l, h.count as f64);
        self.sample(&format!("{name}_sum"), labels, h.sum_seconds);
        self.sample(&format!("{name}_count"), labels, h.count as f64);
    }
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let s = map
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// The whole exposition: HTTP traffic, then `ops` (when given), then the process's memory.
    pub fn render(&self, ops: Option<&OpsSnapshot>, resident_bytes: Option<u64>) -> String {
        let mut e = Exposition::default();
        self.render_http(&mut e);
        if let Some(ops) = ops {
            render_ops(&mut e, ops);
        }
        e.family(
            "rapport_process_resident_bytes",
            "gauge",
            "Resident set size of the server.",
        );
        e.sample(
            "rapport_process_resident_bytes",
            &[],
            resident_bytes.unwrap_or(0) as f64,
        );
        e.out
    }

    fn render_http(&self, e: &mut Exposition) {
        let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        e.family(
            "rapport_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for ((m, r, st), s) in map.iter() {
            e.sample(
                "rapport_http_requests_total",
                &[("method", m), ("route", r), ("status", &st.to_string())],
                s.count as f64,
            );
        }
        e.family(
            "rapport_http_request_duration_seconds",
            "histogram",
            "Time to answer HTTP requests, by method and route template.",
        );
        let mut by_route: BTreeMap<(String, String), Series> = BTreeMap::new();
        for ((m, r, _), s) in map.iter() {
            let agg = by_route.entry((m.clone(), r.clone())).or_default();
            agg.count += s.count;
            agg.sum += s.sum;
            for i in 0..BUCKETS.len() {
                agg.buckets[i] += s.buckets[i];
            }
        }
        for ((m, r), s) in by_route {
            let h = HistogramSnapshot {
                buckets: BUCKETS.iter().copied().zip(s.buckets).collect(),
                count: s.count,
                sum_seconds: s.sum,
            };
            e.histogram(
                "rapport_http_request_duration_seconds",
                &[("method", &m), ("route", &r)],
                &h,
            );
        }
    }
}

fn render_ops(e: &mut Exposition, ops: &OpsSnapshot) {
    e.family(
        "rapport_database_up",
        "gauge",
        "1 when this scrape could read the job queue from the database, else 0.",
    );
    e.sample(
        "rapport_database_up",
        &[("engine", ops.engine.name())],
        if ops.jobs.is_ok() { 1.0 } else { 0.0 },
    );
    if let Ok(jobs) = &ops.jobs {
        e.family(
            "rapport_jobs_due",
            "gauge",
            "Jobs due and waiting for a worker (queued, or running with an expired lease), by kind.",
        );
        for q in jobs {
            e.sample("rapport_jobs_due", &[("kind", &q.kind)], q.due as f64);
        }
        e.family(
            "rapport_jobs_oldest_due_age_seconds",
            "gauge",
            "Seconds since the longest-waiting due job of a kind fell due (0 when none is due).",
        );
        for q in jobs {
            e.sample(
                "rapport_jobs_oldest_due_age_seconds",
                &[("kind", &q.kind)],
                q.oldest_due_age_seconds,
            );
        }
    }
    e.family(
        "rapport_job_failures_total",
        "counter",
        "Failed job attempts in this process, by kind; outcome=dead when it was the last attempt.",
    );
    for f in &ops.job_failures {
        let outcome = if f.dead { "dead" } else { "retry" };
        e.sample(
            "rapport_job_failures_total",
            &[("kind", &f.kind), ("outcome", outcome)],
            f.failures as f64,
        );
    }
    e.family(
        "rapport_mail_intake_failures_total",
        "counter",
        "Mail intake failures in this process: failed polls per IMAP mailbox (its id), or LMTP deliveries that could not be recorded (mailbox=lmtp).",
    );
    for f in &ops.mail_intake_failures {
        let mailbox = match f.source {
            IntakeSource::Mailbox(id) => id.to_string(),
            IntakeSource::Lmtp => "lmtp".to_string(),
        };
        e.sample(
            "rapport_mail_intake_failures_total",
            &[("org_id", &f.org.0.to_string()), ("mailbox", &mailbox)],
            f.failures as f64,
        );
    }
    e.family(
        "rapport_db_pool_wait_seconds",
        "histogram",
        "Time spent waiting for a database connection: pool=postgres, sqlite_readers, or sqlite_writer (a write waiting for SQLite's one writer).",
    );
    for p in &ops.store.pools {
        e.histogram("rapport_db_pool_wait_seconds", &[("pool", p.pool)], &p.wait);
    }
    if let Some(w) = &ops.store.writer {
        e.family(
            "rapport_sqlite_writer_queue_depth",
            "gauge",
            "Writes queued for SQLite's writer and not yet taken into a transaction.",
        );
        e.sample(
            "rapport_sqlite_writer_queue_depth",
            &[],
            w.queue_depth as f64,
        );
        e.family(
            "rapport_sqlite_commit_duration_seconds",
            "histogram",
            "One group commit of SQLite's writer, from BEGIN to the end of COMMIT.",
        );
        e.histogram("rapport_sqlite_commit_duration_seconds", &[], &w.commit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut e = Exposition::default();
        e.sample("x", &[("route", "a\"b\\c\nd")], 1.5);
        assert_eq!(e.out, "x{route=\"a\\\"b\\\\c\\nd\"} 1.5\n");
        assert_eq!(number(f64::INFINITY), "+Inf");
    }
}
