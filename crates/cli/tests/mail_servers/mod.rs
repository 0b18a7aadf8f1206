//! Real mail servers on loopback for the end-to-end tests: Dovecot (IMAP) as a process of this
//! test with its own configuration in a temporary directory, aiosmtpd as an SMTP sink that
//! writes what it receives to a directory, and Python's smtplib as an LMTP client. Each starts
//! on a free port and stops when dropped. Without Dovecot or aiosmtpd installed the tests print
//! "skipped", unless CI is set: there they must run (.ci/run installs both).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the servers are here; on CI their absence is a failure, elsewhere a skip.
pub fn available() -> bool {
    let dovecot = Path::new("/usr/sbin/dovecot").exists();
    let aiosmtpd = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if dovecot && aiosmtpd {
        return true;
    }
    let missing = format!(
        "dovecot {} / aiosmtpd {}",
        if dovecot { "found" } else { "missing" },
        if aiosmtpd { "found" } else { "missing" }
    );
    if std::env::var_os("CI").is_some() {
        panic!("the mail servers must be installed on CI (.ci/run installs them): {missing}");
    }
    eprintln!("skipped: {missing} (apt-get install dovecot-imapd; pip install aiosmtpd)");
    false
}

/// Whether the SMTP sink alone can run (aiosmtpd): for tests that only send. On CI its absence
/// is a failure, elsewhere a skip.
pub fn smtp_available() -> bool {
    let aiosmtpd = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if aiosmtpd {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("aiosmtpd must be installed on CI (.ci/run installs it)");
    }
    eprintln!("skipped: aiosmtpd missing (pip install aiosmtpd)");
    false
}

/// A directory under /tmp readable by Dovecot's unprivileged processes, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "rapport-{tag}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Dovecot {
    child: Child,
    pub port: u16,
    /// IMAPS (TLS from the first byte), when started with TLS.
    pub tls_port: u16,
    /// The CA that signed the server's certificate (for SSL_CERT_FILE), when started with TLS.
    pub ca_file: Option<PathBuf>,
    pub user: String,
    pub password: String,
    dir: TempDir,
}

/// A CA and a certificate for `localhost` signed by it, made with the openssl command line.
fn certificates(dir: &Path) -> PathBuf {
    let d = dir.display().to_string();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Rapport test CA",
        "-keyout",
        &format!("{d}/ca.key"),
        "-out",
        &format!("{d}/ca.pem"),
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        &format!("{d}/leaf.key"),
        "-out",
        &format!("{d}/leaf.csr"),
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        &format!("{d}/leaf.csr"),
        "-CA",
        &format!("{d}/ca.pem"),
        "-CAkey",
        &format!("{d}/ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &format!("{d}/leaf.ext"),
        "-out",
        &format!("{d}/leaf.pem"),
    ]);
    dir.join("ca.pem")
}

impl Dovecot {
    pub fn start() -> Dovecot {
        Self::start_with(false)
    }

    /// With a certificate for `localhost` on both ports: STARTTLS on `port`, TLS on `tls_port`.
    pub fn start_with_tls() -> Dovecot {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Dovecot {
        let dir = TempDir::new("dovecot");
        let d = dir.0.display().to_string();
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir_all(dir.0.join(sub)).unwrap();
        }
        // Mail is owned by the unprivileged dovecot user: Dovecot refuses to serve mail as root.
        let chown = Command::new("chown")
            .args([
                "dovecot:dovecot",
                &format!("{d}/mail"),
                &format!("{d}/home"),
            ])
            .status();
        assert!(chown.is_ok_and(|s| s.success()), "chown the Maildir");
        let port = free_port();
        let tls_port = if tls { free_port() } else { 0 };
        let ca_file = tls.then(|| certificates(&dir.0));
        let ssl = if tls {
            format!("ssl = yes\nssl_cert = <{d}/leaf.pem\nssl_key = <{d}/leaf.key\n")
        } else {
            "ssl = no\n".to_string()
        };
        let (user, password) = ("support".to_string(), "imap-secret-pw".to_string());
        std::fs::write(
            dir.0.join("passwd"),
            format!("{user}:{{PLAIN}}{password}\n"),
        )
        .unwrap();
        let config = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"#
        );
        std::fs::write(dir.0.join("dovecot.conf"), config).unwrap();
        let child = Command::new("/usr/sbin/dovecot")
            .args(["-F", "-c", &format!("{d}/dovecot.conf")])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start dovecot");
        wait_for_port(port, "dovecot");
        if tls {
            wait_for_port(tls_port, "dovecot (TLS)");
        }
        Dovecot {
            child,
            port,
            tls_port,
            ca_file,
            user,
            password,
            dir,
        }
    }

    /// Run a Python imaplib snippet signed in as the test user; `m` is the connection.
    /// Returns what the snippet prints.
    pub fn imap(&self, snippet: &str) -> String {
        let script = format!(
            "import imaplib, sys\nm = imaplib.IMAP4('127.0.0.1', {})\nm.login({:?}, {:?})\n{snippet}\nm.logout()\n",
            self.port, self.user, self.password
        );
        python(&script, &[])
    }

    /// Put a message in INBOX (IMAP APPEND, as a mail server delivering would leave it).
    pub fn append(&self, raw: &[u8]) {
        let path = self.dir.0.join(format!("append-{}.eml", free_port()));
        std::fs::write(&path, raw).unwrap();
        self.imap(&format!(
            "r = m.append('INBOX', None, None, open({:?}, 'rb').read())\nassert r[0] == 'OK', r",
            path.display().to_string()
        ));
    }

    /// The flags of every message in INBOX, as `UID FLAGS` lines.
    pub fn flags(&self) -> String {
        self.imap("m.select('INBOX')\nt, d = m.uid('FETCH', '1:*', '(UID FLAGS)')\nprint(d)")
    }

    /// A file of its directory (`leaf.pem`, `leaf.key`: the certificate for `localhost`).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("dovecot.log")).unwrap_or_default()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run a Python script; panics with its output when it fails.
pub fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        script
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// aiosmtpd writing each message it receives to a directory.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_with(&[])
    }

    /// Requiring STARTTLS with this certificate, then AUTH as `user`/`password`.
    pub fn start_tls(cert: &Path, key: &Path, user: &str, password: &str) -> SmtpSink {
        let (cert, key) = (cert.display().to_string(), key.display().to_string());
        Self::start_with(&[&cert, &key, user, password])
    }

    fn start_with(extra: &[&str]) -> SmtpSink {
        let dir = TempDir::new("smtp");
        let port = free_port();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/mail_servers/smtp_sink.py"
        );
        let mut child = Command::new("python3")
            .args([script, &port.to_string(), &dir.0.display().to_string()])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        wait_for_port(port, "the SMTP sink");
        SmtpSink { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Every message received so far, oldest first: (envelope JSON, bytes).
    pub fn received(&self) -> Vec<(serde_json::Value, Vec<u8>)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir.0)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let envelope = std::fs::read_to_string(p.with_extension("json"))
                    .ok()
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or_default();
                (envelope, std::fs::read(&p).unwrap())
            })
            .collect()
    }

    /// Wait until at least `n` messages arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<(serde_json::Value, Vec<u8>)> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < timeout,
                "the SMTP sink got {} of {n} messages",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Deliver messages over one LMTP session with Python's smtplib.LMTP; returns, per message, the
/// reply for each recipient as `CODE text` (the refusal when the server refused it).
pub fn lmtp_send(port: u16, from: &str, to: &[&str], messages: &[Vec<u8>]) -> Vec<String> {
    let dir = TempDir::new("lmtp");
    let mut paths = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let p = dir.0.join(format!("{i}.eml"));
        std::fs::File::create(&p).unwrap().write_all(m).unwrap();
        paths.push(p.display().to_string());
    }
    let script = r#"
import json, smtplib, sys
port, sender, rcpts, paths = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), sys.argv[4:]
c = smtplib.LMTP('127.0.0.1', port)
out = []
for p in paths:
    data = open(p, 'rb').read()
    try:
        refused = c.sendmail(sender, rcpts, data)
        out.append('250' if not refused else json.dumps({k: [v[0], v[1].decode()] for k, v in refused.items()}))
    except smtplib.SMTPDataError as e:
        out.append(f'{e.smtp_code} {e.smtp_error.decode()}')
    except smtplib.SMTPRecipientsRefused as e:
        out.append('refused ' + json.dumps({k: [v[0], v[1].decode()] for k, v in e.recipients.items()}))
    c.rset()
c.quit()
print(json.dumps(out))
"#;
    let rcpts = serde_json::to_string(to).unwrap();
    let port = port.to_string();
    let mut args = vec![port.as_str(), from, rcpts.as_str()];
    args.extend(paths.iter().map(String::as_str));
    let out = python(script, &args);
    serde_json::from_str(out.trim()).expect("LMTP client output")
}
