//! `rapport bench`: build the benchmark workload (`seed`) and drive load at a running server
//! (`run`). Benchmarks are commands, not tests: they print figures and never fail on timing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};
use hdrhistogram::Histogram;
use rapport_app::{App, Settings};
use rapport_seed::bench::SeedOptions;
use rapport_seed::workload::Workload;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fill a database with the benchmark workload (a new org) and print what was written.
    Seed(SeedArgs),
    /// Drive one scenario at a running server and print throughput and latency.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Requests to write (about three messages each).
    #[arg(long)]
    pub requests: u64,
    /// Clients the requests are spread over (Zipf-skewed).
    #[arg(long, default_value_t = 500)]
    pub clients: usize,
    /// Seed of the workload: the same seed writes the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Slug of the organisation to create.
    #[arg(long, default_value = "bench")]
    pub org: String,
    /// Requests per transaction.
    #[arg(long, default_value_t = 5000)]
    pub batch: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// POST /api/v1/requests: a new request with its text (indexed for search).
    Intake,
    /// GET /api/v1/requests: first page of open work sorted by SLA due (all, or mine).
    Queue,
    /// GET /api/v1/requests/{id} and its messages: the request page's JSON.
    Request,
    /// GET /api/v1/search: terms, two-term queries, "phrases" and prefix*.
    Search,
    /// The dashboard's reads: clients at risk, promise figures, perception gap, overdue work.
    Dashboard,
    /// One message delivered by LMTP per operation (needs --lmtp).
    Lmtp,
    /// GET the --path given, as is (for comparisons with other systems' list and search calls).
    Get,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub target: String,
    /// API token (from `rapport bench seed` or `rapport token create`).
    #[arg(long, env = "RAPPORT_TOKEN", hide_env_values = true)]
    pub token: String,
    #[arg(long, value_enum)]
    pub scenario: Scenario,
    /// How long to drive load: 30s, 500ms, 2m.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Operations in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// The server's process id: its peak RSS (VmHWM) is read from /proc.
    #[arg(long)]
    pub pid: Option<u32>,
    /// The server's LMTP address (host:port) for the lmtp scenario.
    #[arg(long)]
    pub lmtp: Option<String>,
    /// The path (and query) the `get` scenario fetches, e.g. /api/v1/requests?status=new.
    #[arg(long)]
    pub path: Option<String>,
    /// Recipient of LMTP mail.
    #[arg(long, default_value = "support@bench.example")]
    pub rcpt: String,
    /// Seed of the workload the server was seeded with (search terms, intake text).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 30s, 500ms or 2m"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: the unit must be ms, s or m")),
    };
    if !(secs > 0.0 && secs <= 24.0 * 3600.0) {
        return Err(format!("{s:?}: must be more than 0 and at most 24 h"));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub fn run(cmd: BenchCommand) -> CmdResult {
    match cmd {
        BenchCommand::Seed(a) => seed(a),
        BenchCommand::Run(a) => config::runtime()?.block_on(drive(a)),
    }
}

fn seed(args: SeedArgs) -> CmdResult {
    if args.requests == 0 || args.clients == 0 {
        return Err(Failure::Usage(
            "--requests and --clients must be at least 1".into(),
        ));
    }
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, true);
    config::runtime()?.block_on(async move {
        let started = Instant::now();
        let store = config::open_store(&db).await?;
        store
            .migrate()
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
        let app = App::new(store, Settings::default());
        let opts = SeedOptions {
            org: args.org.clone(),
            requests: args.requests,
            clients: args.clients,
            seed: args.seed,
            batch: args.batch,
            history_days: None,
        };
        let total = args.requests;
        let quiet = args.json;
        let mut last = Instant::now();
        let rep = rapport_seed::bench::seed(&app, &opts, |done| {
                if !quiet && (last.elapsed() > Duration::from_secs(10) || done == total) {
                    last = Instant::now();
                    eprintln!(
                        "  {done}/{total} requests, {:.0} s",
                        started.elapsed().as_secs_f64()
                    );
                }
            })
            .await
            .map_err(config::app_failure)?;
        let secs = started.elapsed().as_secs_f64();
        if args.json {
            let mut v = serde_json::to_value(&rep).map_err(|e| Failure::Runtime(e.into()))?;
            v["seconds"] = json!(secs);
            v["engine"] = json!(engine_of(&db.url));
            return print_json(&v);
        }
        println!(
            "seeded {} ({}) in {secs:.1} s ({:.0} requests/s): {} members, {} clients, {} contacts, \
             {} requests, {} messages, {} promises, {} ratings, {} time entries, {} audit events",
            rep.org,
            engine_of(&db.url),
            rep.requests as f64 / secs,
            rep.members,
            rep.clients,
            rep.contacts,
            rep.requests,
            rep.messages,
            rep.promises,
            rep.ratings,
            rep.time_entries,
            rep.audit_events
        );
        println!("token: {}", rep.token);
        Ok(())
    })
}

fn engine_of(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    }
}

/// What one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub concurrency: usize,
    pub seconds: f64,
    pub ok: u64,
    pub errors: u64,
    pub throughput_per_s: f64,
    pub latency_ms: Latency,
    /// Peak resident set of the server (VmHWM), when --pid was given.
    pub peak_rss_bytes: Option<u64>,
    /// One error, to say what went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Latency {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// What every worker needs: the client, the ids to draw from, the workload for text.
struct Plan {
    http: reqwest::Client,
    base: String,
    token: String,
    scenario: Scenario,
    workload: Workload,
    clients: Vec<i64>,
    min_id: i64,
    max_id: i64,
    lmtp: Option<String>,
    rcpt: String,
    path: String,
}

async fn get_json(p: &Plan, path: &str) -> Result<Value, String> {
    let resp = p
        .http
        .get(format!("{}{path}", p.base))
        .bearer_auth(&p.token)
        .send()
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("GET {path}: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "GET {path}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    serde_json::from_slice(&body).map_err(|e| format!("GET {path}: {e}"))
}

async fn drive(args: RunArgs) -> CmdResult {
    if args.concurrency == 0 {
        return Err(Failure::Usage("--concurrency must be at least 1".into()));
    }
    if args.scenario == Scenario::Lmtp && args.lmtp.is_none() {
        return Err(Failure::Usage(
            "--scenario lmtp needs --lmtp HOST:PORT".into(),
        ));
    }
    if args.scenario == Scenario::Get && args.path.as_deref().is_none_or(|p| !p.starts_with('/')) {
        return Err(Failure::Usage(
            "--scenario get needs --path /api/v1/...".into(),
        ));
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Failure::Runtime(e.into()))?;
    let mut plan = Plan {
        http,
        base: args.target.trim_end_matches('/').to_string(),
        token: args.token.clone(),
        scenario: args.scenario,
        workload: Workload::new(args.seed, 1_000_000, 1),
        clients: Vec::new(),
        min_id: 0,
        max_id: 0,
        lmtp: args.lmtp.clone(),
        rcpt: args.rcpt.clone(),
        path: args.path.clone().unwrap_or_default(),
    };
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    let fail = |e: String| Failure::Runtime(anyhow::anyhow!("{e}"));
    plan.clients = ids(&get_json(&plan, "/api/v1/clients?limit=100")
        .await
        .map_err(fail)?);
    if plan.clients.is_empty() && args.scenario == Scenario::Intake {
        return Err(Failure::Usage(
            "the token's org has no clients: seed it first".into(),
        ));
    }
    plan.max_id = ids(&get_json(&plan, "/api/v1/requests?limit=1")
        .await
        .map_err(fail)?)
    .first()
    .copied()
    .unwrap_or(0);
    plan.min_id = ids(&get_json(&plan, "/api/v1/requests?limit=1&sort=created")
        .await
        .map_err(fail)?)
    .first()
    .copied()
    .unwrap_or(0);
    if plan.max_id == 0 && args.scenario == Scenario::Request {
        return Err(Failure::Usage(
            "the token's org has no requests: seed it first".into(),
        ));
    }
    let plan = Arc::new(plan);
    let started = Instant::now();
    let deadline = started + args.duration;
    let mut tasks = Vec::new();
    for w in 0..args.concurrency {
        let plan = plan.clone();
        tasks.push(tokio::spawn(async move {
            worker(plan, w as u64, deadline).await
        }));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
    let (mut ok, mut errors, mut first_error) = (0u64, 0u64, None);
    for t in tasks {
        let r = t.await.map_err(|e| Failure::Runtime(e.into()))?;
        hist.add(&r.hist)
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
        ok += r.ok;
        errors += r.errors;
        if first_error.is_none() {
            first_error = r.first_error;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let ms = |us: u64| us as f64 / 1000.0;
    let report = Report {
        scenario: args.scenario,
        concurrency: args.concurrency,
        seconds: secs,
        ok,
        errors,
        throughput_per_s: ok as f64 / secs,
        latency_ms: Latency {
            mean: hist.mean() / 1000.0,
            p50: ms(hist.value_at_quantile(0.50)),
            p95: ms(hist.value_at_quantile(0.95)),
            p99: ms(hist.value_at_quantile(0.99)),
            max: ms(hist.max()),
        },
        peak_rss_bytes: args.pid.and_then(peak_rss),
        first_error,
    };
    if args.json {
        return print_json(&report);
    }
    let l = &report.latency_ms;
    println!(
        "{:?} x{}: {} ok, {} errors in {:.1} s = {:.1} ops/s; latency ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2}{}",
        report.scenario,
        report.concurrency,
        report.ok,
        report.errors,
        report.seconds,
        report.throughput_per_s,
        l.p50,
        l.p95,
        l.p99,
        l.max,
        report
            .peak_rss_bytes
            .map(|b| format!("; server peak RSS {:.1} MiB", b as f64 / 1048576.0))
            .unwrap_or_default()
    );
    if let Some(e) = &report.first_error {
        println!("first error: {e}");
    }
    Ok(())
}

/// VmHWM of a process, in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

struct WorkerResult {
    hist: Histogram<u64>,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
}

async fn worker(plan: Arc<Plan>, w: u64, deadline: Instant) -> WorkerResult {
    let mut res = WorkerResult {
        hist: Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).expect("static bounds"),
        ok: 0,
        errors: 0,
        first_error: None,
    };
    let mut rng = rapport_seed::workload::Rng::new(0xBE4C_u64 ^ (w << 32));
    let mut lmtp: Option<LmtpConn> = None;
    let mut n = 0u64;
    while Instant::now() < deadline {
        let t = Instant::now();
        let i = w * 1_000_000_007 + n;
        n += 1;
        let outcome = match plan.scenario {
            Scenario::Lmtp => lmtp_op(&plan, &mut lmtp, &mut rng, i).await,
            _ => http_op(&plan, &mut rng, i).await,
        };
        let us = t.elapsed().as_micros().max(1) as u64;
        match outcome {
            Ok(()) => {
                res.ok += 1;
                let _ = res.hist.record(us.min(120_000_000));
            }
            Err(e) => {
                res.errors += 1;
                if res.first_error.is_none() {
                    res.first_error = Some(e);
                }
                // Do not spin on a server that refuses everything.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    res
}

async fn send(p: &Plan, req: reqwest::RequestBuilder, what: &str) -> Result<Value, String> {
    let resp = req
        .bearer_auth(&p.token)
        .send()
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("{what}: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "{what}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body).map_err(|e| format!("{what}: {e}"))
}

async fn http_op(p: &Plan, rng: &mut rapport_seed::workload::Rng, i: u64) -> Result<(), String> {
    let url = |path: &str| format!("{}{path}", p.base);
    match p.scenario {
        Scenario::Intake => {
            let plan = p.workload.request(i % 1_000_000);
            let client = p.clients[rng.below(p.clients.len() as u64) as usize];
            send(
                p,
                p.http.post(url("/api/v1/requests")).json(&json!({
                    "client_id": client,
                    "title": plan.title,
                    "body": plan.body,
                    "kind": plan.kind,
                    "priority": plan.priority,
                })),
                "POST /api/v1/requests",
            )
            .await?;
        }
        Scenario::Queue => {
            let path = if rng.chance(50) {
                "/api/v1/requests?status=new,triaged,in_progress,waiting_on_client&sort=sla_due&limit=50"
            } else {
                "/api/v1/requests?status=new,triaged,in_progress&assignee=me&sort=sla_due&limit=50"
            };
            send(p, p.http.get(url(path)), "GET queue").await?;
        }
        Scenario::Request => {
            let span = (p.max_id - p.min_id + 1).max(1) as u64;
            let id = p.min_id + rng.below(span) as i64;
            send(
                p,
                p.http.get(url(&format!("/api/v1/requests/{id}"))),
                "GET request",
            )
            .await?;
            send(
                p,
                p.http.get(url(&format!("/api/v1/requests/{id}/messages"))),
                "GET messages",
            )
            .await?;
        }
        Scenario::Search => {
            let q = p.workload.search_query(i);
            send(
                p,
                p.http
                    .get(url("/api/v1/search"))
                    .query(&[("q", q.as_str())]),
                "GET search",
            )
            .await?;
        }
        Scenario::Dashboard => {
            // The biggest client (Zipf rank 0) has the most ratings to pair up.
            let gap = format!(
                "/api/v1/perception-gap?client_id={}",
                p.clients.first().copied().unwrap_or(0)
            );
            for path in [
                "/api/v1/health/at-risk",
                "/api/v1/promises/stats",
                gap.as_str(),
                "/api/v1/requests?overdue=true&sort=due&limit=20",
            ] {
                send(p, p.http.get(url(path)), path).await?;
            }
        }
        Scenario::Get => {
            send(p, p.http.get(url(&p.path)), "GET --path").await?;
        }
        Scenario::Lmtp => unreachable!("lmtp is not HTTP"),
    }
    Ok(())
}

struct LmtpConn {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
}

impl LmtpConn {
    async fn reply(&mut self) -> Result<String, String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = self
                .r
                .read_line(&mut line)
                .await
                .map_err(|e| format!("lmtp read: {e}"))?;
            if n == 0 {
                return Err("lmtp: connection closed".into());
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        if all.starts_with('2') || all.starts_with('3') {
            Ok(all)
        } else {
            Err(format!("lmtp: {}", all.trim()))
        }
    }

    async fn cmd(&mut self, line: &str) -> Result<String, String> {
        self.w
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("lmtp write: {e}"))?;
        self.reply().await
    }
}

async fn lmtp_op(
    p: &Plan,
    conn: &mut Option<LmtpConn>,
    rng: &mut rapport_seed::workload::Rng,
    i: u64,
) -> Result<(), String> {
    if conn.is_none() {
        let addr = p.lmtp.as_deref().unwrap_or_default();
        let s = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("lmtp connect {addr}: {e}"))?;
        let (r, w) = s.into_split();
        let mut c = LmtpConn {
            r: BufReader::new(r),
            w,
        };
        c.reply().await?;
        c.cmd("LHLO bench.example\r\n").await?;
        *conn = Some(c);
    }
    let Some(c) = conn.as_mut() else {
        return Err("lmtp: no connection".into());
    };
    let plan = p.workload.request(i % 1_000_000);
    let client = rng.below(p.clients.len().max(1) as u64);
    let from = format!("contact0@client{client}.example");
    let result = async {
        c.cmd(&format!("MAIL FROM:<{from}>\r\n")).await?;
        c.cmd(&format!("RCPT TO:<{}>\r\n", p.rcpt)).await?;
        c.cmd("DATA\r\n").await?;
        let body = plan.body.replace('\n', "\r\n").replace("\r\n.", "\r\n..");
        let msg = format!(
            "From: <{from}>\r\nTo: <{}>\r\nSubject: {}\r\nMessage-ID: <bench-{i}-{}@client{client}.example>\r\n\
             Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n.\r\n",
            p.rcpt,
            plan.title,
            rng.next_u64()
        );
        // One reply per accepted recipient.
        c.cmd(&msg).await.map(|_| ())
    }
    .await;
    if result.is_err() {
        *conn = None;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_reject() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
