//! Mail end to end with real servers on loopback: a message put in Dovecot is polled over IMAP
//! and becomes a request with its attachment; a reply through the API reaches an SMTP server
//! (aiosmtpd) correctly threaded; the client's answer, delivered over LMTP by Python's smtplib,
//! threads back. Bad input over the real protocols: a wrong IMAP password raises a visible
//! alert, a message over the size limit is refused over LMTP and kept in triage, our own mail
//! coming back is a loop. Runs on SQLite, and on PostgreSQL when RAPPORT_TEST_POSTGRES_URL is set.

mod common;
mod mail_servers;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::bootstrap;
use mail_servers::{Dovecot, SmtpSink, free_port, lmtp_send};
use rapport_store::Engine;
use rapport_store::testing::TestDb;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");
const SECRET_KEY: &str = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMzJieXQ";

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str, extra: &[&str]) -> Server {
        Self::start_env(db, extra, &[])
    }

    fn start_env(db: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--db",
                db,
                "--listen",
                "127.0.0.1:0",
                "--log-level",
                "warn",
            ])
            .args(extra)
            .env("RAPPORT_SECRET_KEY", SECRET_KEY)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rapport serve");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("Rapport is serving at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        // Keep reading stdout so the server never writes into a closed pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, out) = self.call(reqwest::Method::POST, path, Some(body)).await;
        assert!((200..300).contains(&status), "POST {path}: {status} {out}");
        out
    }

    /// Poll `path` until `check` finds what it wants.
    async fn wait<T>(&self, what: &str, path: &str, check: impl Fn(&Value) -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            let body = self.get(path).await;
            if let Some(v) = check(&body) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}; last {path}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let head = &raw[..raw.find("\r\n\r\n").unwrap_or(raw.len())];
    head.split("\r\n").find_map(|l| {
        l.split_once(':')
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    })
}

fn first_mail(subject: &str) -> Vec<u8> {
    format!(
        "From: Priya Mehta <priya@northwind.example>\r\n\
         To: Acme Support <support@acme.example>\r\n\
         Subject: {subject}\r\n\
         Message-ID: <first-1@northwind.example>\r\n\
         Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         The CSV export has failed since Monday; the log is attached.\r\n\
         --b1\r\n\
         Content-Type: application/pdf; name=\"export log.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"export log.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         JVBERi0xLjQKJcfsj6IKJSVFT0YK\r\n\
         --b1--\r\n"
    )
    .into_bytes()
}

async fn mail_round_trip(db: &str) {
    if !mail_servers::available() {
        return;
    }
    let token = bootstrap(db);
    let dovecot = Dovecot::start();
    let sink = SmtpSink::start();
    let lmtp_port = free_port();
    let lmtp = format!("127.0.0.1:{lmtp_port}");
    let server = Server::start(
        db,
        &[
            "--smtp",
            &sink.url(),
            "--mail-from",
            "Acme Support <support@acme.example>",
            "--lmtp",
            &lmtp,
            "--lmtp-org",
            "acme",
            "--max-mail-size",
            "200000",
        ],
    );
    let api = Api {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        token,
    };
    let client = api
        .post(
            "/api/v1/clients",
            // Open all week, so replies have no quiet-hours finding at any hour of the run.
            json!({"name": "Northwind", "calendar": {"tz": "Europe/London", "hours": ["mon-sun 00:00-24:00"]}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    api.post(
        "/api/v1/contacts",
        json!({"client_id": client, "name": "Priya Mehta", "email": "priya@northwind.example",
               "etiquette": {"form_of_address": "Dr"}}),
    )
    .await;

    // In by IMAP: the message waits in Dovecot before the mailbox is even configured.
    dovecot.append(&first_mail("CSV export broken"));
    let mailbox = api
        .post(
            "/api/v1/mailboxes",
            json!({"name": "Support", "host": "127.0.0.1", "port": dovecot.port, "tls": "none",
                   "username": dovecot.user, "password": dovecot.password, "poll_seconds": 5}),
        )
        .await;
    assert_eq!(mailbox["has_password"], true);
    assert!(
        !mailbox.to_string().contains(&dovecot.password),
        "the password is never shown"
    );
    let request = api
        .wait(
            "the IMAP message to become a request",
            "/api/v1/requests",
            |b| {
                b["items"]
                    .as_array()?
                    .iter()
                    .find(|r| r["title"] == "CSV export broken")
                    .cloned()
            },
        )
        .await;
    let rid = request["id"].as_i64().unwrap();
    assert_eq!(request["channel"], "email");
    assert_eq!(request["client_id"], client);
    assert!(
        request["body"]
            .as_str()
            .unwrap()
            .contains("has failed since Monday")
    );
    let thread = api.get(&format!("/api/v1/requests/{rid}/messages")).await;
    let first = &thread["items"][0];
    assert_eq!(first["direction"], "inbound");
    assert_eq!(first["mail_message_id"], "first-1@northwind.example");
    let mid = first["id"].as_i64().unwrap();
    let files = api
        .get(&format!("/api/v1/messages/{mid}/attachments"))
        .await;
    assert_eq!(files["items"][0]["filename"], "export log.pdf");
    assert_eq!(files["items"][0]["content_type"], "application/pdf");
    let aid = files["items"][0]["id"].as_i64().unwrap();
    let res = api
        .http
        .get(format!("{}/api/v1/attachments/{aid}", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''export%20log.pdf"),
        "{disposition}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n%%EOF\n"
    );
    // Processed mail is flagged in the folder, and the mailbox reports itself healthy.
    let start = Instant::now();
    while !dovecot.flags().contains("$Rapport") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not flagged: {}",
            dovecot.flags()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mb = api
        .get(&format!("/api/v1/mailboxes/{}", mailbox["id"]))
        .await;
    assert_eq!(mb["status"], "ok", "{mb}");
    assert_eq!(mb["imported"], 1);

    // A mailbox that moves processed mail: the message leaves its folder for the other one.
    dovecot.imap("m.create('Sales')\nm.create('Done')");
    dovecot.imap(&format!(
        "r = m.append('Sales', None, None, {:?}.encode())\nassert r[0] == 'OK', r",
        String::from_utf8(first_mail("Quote for the next phase"))
            .unwrap()
            .replace("first-1@", "sales-1@")
    ));
    api.post(
        "/api/v1/mailboxes",
        json!({"name": "Sales", "host": "127.0.0.1", "port": dovecot.port, "tls": "none",
               "username": dovecot.user, "password": dovecot.password, "folder": "Sales",
               "processed_action": "move", "move_to": "Done", "poll_seconds": 5}),
    )
    .await;
    api.wait(
        "the Sales message to become a request",
        "/api/v1/requests",
        |b| {
            b["items"]
                .as_array()?
                .iter()
                .find(|r| r["title"] == "Quote for the next phase")
                .map(|_| ())
        },
    )
    .await;
    let start = Instant::now();
    loop {
        let counts = dovecot
            .imap("print(m.select('Sales')[1][0].decode(), m.select('Done')[1][0].decode())");
        if counts.trim() == "0 1" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not moved: {counts}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Out by SMTP: the reply is threaded, carries the token and the contact's form of address.
    // The failing export reads as a complaint, so the reply acknowledges it and asks (the lint
    // would hold anything else back).
    api.post(
        &format!("/api/v1/requests/{rid}/messages"),
        json!({"direction": "outbound", "body": "Thank you for telling us, and I am sorry the export has let you down. \
               We have found the cause and will fix it today. Could you send us the file that failed?"}),
    )
    .await;
    let sent = sink.wait_for(1, Duration::from_secs(60));
    let (envelope, raw) = &sent[0];
    assert_eq!(envelope["to"], json!(["priya@northwind.example"]));
    assert_eq!(envelope["from"], "support@acme.example");
    let raw = String::from_utf8(raw.clone()).unwrap();
    assert_eq!(
        header(&raw, "In-Reply-To"),
        Some("<first-1@northwind.example>")
    );
    assert_eq!(
        header(&raw, "References"),
        Some("<first-1@northwind.example>")
    );
    assert_eq!(
        header(&raw, "Subject"),
        Some(format!("Re: CSV export broken [#{rid}]").as_str())
    );
    let our_id = header(&raw, "Message-ID").unwrap().to_string();
    assert!(
        our_id.starts_with("<rapport.") && our_id.ends_with("@acme.example>"),
        "{our_id}"
    );
    assert!(raw.contains("Dear Dr Mehta,"), "{raw}");
    assert!(header(&raw, "X-Rapport-Loop").is_some());
    let thread = api
        .wait(
            "the reply to be marked sent",
            &format!("/api/v1/requests/{rid}/messages"),
            |b| {
                let items = b["items"].as_array()?;
                (items.len() == 2 && items[1]["send_status"] == "sent").then(|| items[1].clone())
            },
        )
        .await;
    assert_eq!(
        format!("<{}>", thread["mail_message_id"].as_str().unwrap()),
        our_id
    );

    // Back by LMTP: the client's answer threads onto the request by its In-Reply-To.
    let answer = format!(
        "From: priya@northwind.example\r\nTo: support@acme.example\r\nSubject: Re: CSV export broken [#{rid}]\r\n\
         Message-ID: <answer-2@northwind.example>\r\nIn-Reply-To: {our_id}\r\nReferences: <first-1@northwind.example> {our_id}\r\n\
         Date: Thu, 26 Nov 2026 12:00:00 +0000\r\n\r\nThank you, that was quick.\r\n"
    );
    let replies = lmtp_send(
        lmtp_port,
        "priya@northwind.example",
        &["support@acme.example"],
        &[answer.clone().into_bytes()],
    );
    assert_eq!(replies, ["250"]);
    let thread = api.get(&format!("/api/v1/requests/{rid}/messages")).await;
    let items = thread["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{thread}");
    assert_eq!(items[2]["direction"], "inbound");
    assert_eq!(items[2]["mail_message_id"], "answer-2@northwind.example");
    let facts = api
        .get(&format!("/api/v1/messages/{}/mail", items[2]["id"]))
        .await;
    assert_eq!(facts["source"], "lmtp");
    assert_eq!(facts["in_reply_to"], our_id.trim_matches(['<', '>']));
    // Delivered again (a retrying mail server): recorded once.
    assert_eq!(
        lmtp_send(
            lmtp_port,
            "priya@northwind.example",
            &["support@acme.example"],
            &[answer.into_bytes()]
        ),
        ["250"]
    );
    assert_eq!(
        api.get(&format!("/api/v1/requests/{rid}/messages")).await["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Our own mail coming back is a loop, held in triage; a message over the limit is refused
    // with 552 and its headers kept in triage; an unknown sender waits there too.
    let mut big = b"From: priya@northwind.example\r\nSubject: huge\r\nMessage-ID: <big@northwind.example>\r\n\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 300_000));
    big.extend_from_slice(b"\r\n");
    let stranger = b"From: someone@elsewhere.example\r\nSubject: hello\r\nMessage-ID: <s@elsewhere.example>\r\n\r\nhi\r\n".to_vec();
    let replies = lmtp_send(
        lmtp_port,
        "x@example.com",
        &["support@acme.example"],
        &[raw.clone().into_bytes(), big, stranger],
    );
    assert_eq!(replies[0], "250");
    assert!(replies[1].starts_with("552 5.3.4"), "{replies:?}");
    assert_eq!(replies[2], "250");
    let triage = api.get("/api/v1/triage").await;
    let reasons: Vec<&str> = triage["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["loop", "too_large", "unknown_sender"], "{triage}");
    assert_eq!(triage["items"][1]["raw_complete"], false);
    assert!(triage["items"][1]["size"].as_i64().unwrap() > 300_000);

    // A mailbox that cannot sign in is a visible alert at once.
    let bad = api
        .post(
            "/api/v1/mailboxes",
            json!({"name": "Wrong password", "host": "127.0.0.1", "port": dovecot.port, "tls": "none",
                   "username": dovecot.user, "password": "not-the-password", "poll_seconds": 5}),
        )
        .await;
    let alert = api
        .wait("the mailbox alert", "/api/v1/alerts", |b| {
            b["items"]
                .as_array()?
                .iter()
                .find(|a| a["kind"] == "mailbox.failing" && a["subject_id"] == bad["id"])
                .cloned()
        })
        .await;
    assert_eq!(alert["severity"], "critical");
    assert!(
        alert["message"]
            .as_str()
            .unwrap()
            .contains("sign-in refused"),
        "{alert}"
    );
    assert!(!alert.to_string().contains("not-the-password"));
    let bad = api.get(&format!("/api/v1/mailboxes/{}", bad["id"])).await;
    assert_eq!(bad["status"], "failing");
    assert!(dovecot.log().contains("auth"), "Dovecot saw the attempt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_in_smtp_out_lmtp_back_sqlite() {
    let db = TestDb::new(Engine::Sqlite).unwrap();
    mail_round_trip(&db.standalone_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_in_smtp_out_lmtp_back_postgres() {
    let Some(db) = TestDb::new(Engine::Postgres) else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    mail_round_trip(&db.standalone_url()).await;
}

/// IMAP over TLS and over STARTTLS, with the server's certificate checked against a CA the
/// server process trusts (SSL_CERT_FILE): rustls with the ring provider, no OpenSSL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_over_tls_and_starttls() {
    if !mail_servers::available() {
        return;
    }
    let db = TestDb::new(Engine::Sqlite).unwrap();
    let db = db.standalone_url();
    let token = bootstrap(&db);
    let dovecot = Dovecot::start_with_tls();
    let ca = dovecot.ca_file.clone().unwrap().display().to_string();
    let sink = SmtpSink::start_tls(
        &dovecot.file("leaf.pem"),
        &dovecot.file("leaf.key"),
        "rapport",
        "smtp-pw",
    );
    let smtp = format!(
        "smtp://rapport:smtp-pw@localhost:{}?tls=starttls",
        sink.port
    );
    let server = Server::start_env(
        &db,
        &["--mail-from", "Acme Support <support@acme.example>"],
        &[("SSL_CERT_FILE", &ca), ("RAPPORT_SMTP", &smtp)],
    );
    let api = Api {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        token,
    };
    let client = api
        .post(
            "/api/v1/clients",
            // Open all week, so replies have no quiet-hours finding at any hour of the run.
            json!({"name": "Northwind", "calendar": {"tz": "Europe/London", "hours": ["mon-sun 00:00-24:00"]}}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    api.post(
        "/api/v1/contacts",
        json!({"client_id": client, "name": "Priya Mehta", "email": "priya@northwind.example"}),
    )
    .await;
    dovecot.append(&first_mail("Over TLS"));
    let mut ids = Vec::new();
    for (name, port, tls) in [
        ("tls", dovecot.tls_port, "tls"),
        ("starttls", dovecot.port, "starttls"),
    ] {
        let mb = api
            .post(
                "/api/v1/mailboxes",
                json!({"name": name, "host": "localhost", "port": port, "tls": tls,
                       "username": dovecot.user, "password": dovecot.password, "poll_seconds": 5}),
            )
            .await;
        ids.push(mb["id"].as_i64().unwrap());
    }
    for id in &ids {
        let mb = api
            .wait(
                "the TLS mailbox to be read",
                &format!("/api/v1/mailboxes/{id}"),
                |b| (b["status"] != "new").then(|| b.clone()),
            )
            .await;
        assert_eq!(mb["status"], "ok", "{mb}");
    }
    api.wait("the message read over TLS", "/api/v1/requests", |b| {
        b["items"]
            .as_array()?
            .iter()
            .find(|r| r["title"] == "Over TLS")
            .map(|_| ())
    })
    .await;
    // Both mailboxes read the same folder: the message is one request all the same.
    let all = api.get("/api/v1/requests").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1, "{all}");

    // And the reply goes out over STARTTLS with authentication.
    let rid = all["items"][0]["id"].as_i64().unwrap();
    api.post(
        &format!("/api/v1/requests/{rid}/messages"),
        json!({"direction": "outbound", "body": "Received, thank you. Could you tell us which report you mean?"}),
    )
    .await;
    let got = sink.wait_for(1, Duration::from_secs(60));
    assert_eq!(got[0].0["auth"], "rapport", "{}", got[0].0);
    assert_eq!(got[0].0["tls"], true);
    assert!(
        String::from_utf8_lossy(&got[0].1).contains(&format!("Subject: Re: Over TLS [#{rid}]"))
    );

    // A server whose certificate the client does not trust is a failing mailbox, not a quiet one.
    let plain = Server::start(&db, &[]);
    drop(server);
    let api = Api {
        http: reqwest::Client::new(),
        base: plain.base.clone(),
        token: api.token.clone(),
    };
    let untrusted = api
        .post(
            "/api/v1/mailboxes",
            json!({"name": "untrusted", "host": "localhost", "port": dovecot.tls_port, "tls": "tls",
                   "username": dovecot.user, "password": dovecot.password, "poll_seconds": 5}),
        )
        .await;
    let mb = api
        .wait(
            "the untrusted mailbox to fail",
            &format!("/api/v1/mailboxes/{}", untrusted["id"]),
            |b| (b["status"] == "failing").then(|| b.clone()),
        )
        .await;
    assert!(mb["last_error"].as_str().unwrap().contains("TLS"), "{mb}");
}
