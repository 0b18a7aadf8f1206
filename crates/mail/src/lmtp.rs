//! An LMTP server (RFC 2033) on tokio: the local mail server hands each message over and gets
//! one answer per recipient. What a delivery means is the handler's business; this module only
//! speaks the protocol, with bounded lines, a bounded message and idle timeouts.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::transport::BoxFuture;

/// The longest command line accepted (RFC 5321 allows 512; addresses with parameters need more).
const MAX_COMMAND: usize = 4096;
/// The most recipients per message.
const MAX_RECIPIENTS: usize = 1000;
/// How much of a message over the size limit is kept (its header block, for the record).
pub const KEPT_OF_OVERSIZED: usize = 64 * 1024;
const IDLE: Duration = Duration::from_secs(300);
/// Sessions served at once; more are told to come back later (4xx), which mail servers do.
const MAX_SESSIONS: usize = 64;

/// One delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub recipients: Vec<String>,
    /// The message, dot-unstuffed, or its first [`KEPT_OF_OVERSIZED`] bytes when too large.
    pub data: Vec<u8>,
    /// Bytes received.
    pub size: usize,
    pub complete: bool,
}

/// An SMTP-style reply line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Reply {
            code,
            text: text.into(),
        }
    }
}

/// What the server asks of the application.
pub trait LmtpHandler: Send + Sync + 'static {
    /// Whether mail for this address is ours; `Err` is the rejection.
    fn check_recipient(&self, address: &str) -> Result<(), Reply>;
    /// Take a message; one reply per recipient, in order.
    fn deliver(&self, delivery: Delivery) -> BoxFuture<'static, Vec<Reply>>;
}

/// Serve until `shutdown` turns true. Each connection runs on its own task.
pub async fn serve(
    listener: TcpListener,
    handler: Arc<dyn LmtpHandler>,
    max_bytes: usize,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_SESSIONS));
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((mut stream, peer)) => {
                    let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                        let _ = stream.write_all(b"421 4.3.2 too many connections, try again later\r\n").await;
                        continue;
                    };
                    let handler = Arc::clone(&handler);
                    tokio::spawn(async move {
                        if let Err(e) = session(stream, handler, max_bytes).await {
                            tracing::debug!(%peer, error = %e, "LMTP session ended");
                        }
                        drop(slot);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "LMTP accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

/// Read one line of at most `limit` bytes into `buf` (the rest of a longer line is consumed and
/// dropped). Returns the bytes consumed (0 at end of input) and whether the line fitted.
async fn read_line_limited<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut fitted = true;
    loop {
        let available = r.fill_buf().await?;
        if available.is_empty() {
            return Ok((consumed, fitted));
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = limit.saturating_sub(buf.len());
        if chunk.len() > room {
            fitted = false;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        r.consume(n);
        consumed += n;
        if done {
            return Ok((consumed, fitted));
        }
    }
}

fn address_of(arg: &str) -> Option<String> {
    let start = arg.find('<')?;
    let end = start + arg[start..].find('>')?;
    Some(arg[start + 1..end].trim().to_string())
}

async fn session(
    stream: TcpStream,
    handler: Arc<dyn LmtpHandler>,
    max_bytes: usize,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    write.write_all(b"220 rapport LMTP ready\r\n").await?;
    let mut sender: Option<String> = None;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = Vec::with_capacity(512);
    loop {
        line.clear();
        let (n, fitted) = match tokio::time::timeout(
            IDLE,
            read_line_limited(&mut reader, &mut line, MAX_COMMAND),
        )
        .await
        {
            Err(_) => {
                write.write_all(b"421 4.4.2 idle too long\r\n").await?;
                return Ok(());
            }
            Ok(r) => r?,
        };
        if n == 0 {
            return Ok(());
        }
        if !fitted {
            write.write_all(b"500 5.5.2 line too long\r\n").await?;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim()),
            None => (text.to_ascii_uppercase(), ""),
        };
        let reply: String = match verb.as_str() {
            // SIZE is deliberately not offered: a client that knew the limit would refuse an
            // oversized message itself, and we want it, to keep a record of it (its header block
            // in triage) before refusing it after DATA.
            "LHLO" => {
                "250-rapport\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
                    .into()
            }
            "HELO" | "EHLO" => "500 5.5.1 this is LMTP: say LHLO\r\n".into(),
            "MAIL" => {
                let upper = arg.to_ascii_uppercase();
                if !upper.starts_with("FROM:") {
                    "501 5.5.4 syntax: MAIL FROM:<address>\r\n".into()
                } else if sender.is_some() {
                    "503 5.5.1 sender already given\r\n".into()
                } else {
                    sender = Some(address_of(arg).unwrap_or_default());
                    recipients.clear();
                    "250 2.1.0 OK\r\n".into()
                }
            }
            "RCPT" => {
                if sender.is_none() {
                    "503 5.5.1 MAIL first\r\n".into()
                } else if !arg.to_ascii_uppercase().starts_with("TO:") {
                    "501 5.5.4 syntax: RCPT TO:<address>\r\n".into()
                } else if recipients.len() >= MAX_RECIPIENTS {
                    "452 4.5.3 too many recipients\r\n".into()
                } else {
                    match address_of(arg).filter(|a| !a.is_empty()) {
                        None => "501 5.1.3 bad recipient address\r\n".into(),
                        Some(a) => match handler.check_recipient(&a) {
                            Ok(()) => {
                                recipients.push(a);
                                "250 2.1.5 OK\r\n".into()
                            }
                            Err(r) => format!("{} {}\r\n", r.code, r.text),
                        },
                    }
                }
            }
            "DATA" => {
                if recipients.is_empty() {
                    "503 5.5.1 no valid recipients\r\n".into()
                } else {
                    write
                        .write_all(b"354 go ahead, end with <CRLF>.<CRLF>\r\n")
                        .await?;
                    let Some(delivery) = read_data(&mut reader, max_bytes, &recipients).await?
                    else {
                        return Ok(());
                    };
                    let count = delivery.recipients.len();
                    let mut replies = handler.deliver(delivery).await;
                    replies.resize(count, Reply::new(451, "4.3.0 no answer for this recipient"));
                    sender = None;
                    recipients.clear();
                    replies
                        .iter()
                        .map(|r| format!("{} {}\r\n", r.code, r.text))
                        .collect()
                }
            }
            "RSET" => {
                sender = None;
                recipients.clear();
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "VRFY" => "252 2.1.5 cannot verify\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 command not recognised\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// The message up to the lone `.` line, dot-unstuffed. `None` when the client went away.
async fn read_data<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max_bytes: usize,
    recipients: &[String],
) -> std::io::Result<Option<Delivery>> {
    let keep = max_bytes.saturating_add(1);
    let mut data = Vec::new();
    let mut size = 0usize;
    let mut line = Vec::new();
    loop {
        line.clear();
        // A line is read whole while the message fits; past the limit only counted.
        let room = keep.saturating_sub(data.len()).max(3);
        let (n, _) =
            match tokio::time::timeout(IDLE, read_line_limited(reader, &mut line, room)).await {
                Err(_) => return Ok(None),
                Ok(r) => r?,
            };
        if n == 0 {
            return Ok(None);
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let body: &[u8] = if line.first() == Some(&b'.') {
            &line[1..]
        } else {
            &line
        };
        size += n - (line.len() - body.len());
        let room = keep.saturating_sub(data.len());
        data.extend_from_slice(&body[..body.len().min(room)]);
    }
    let complete = size <= max_bytes;
    if !complete {
        data.truncate(KEPT_OF_OVERSIZED);
    }
    Ok(Some(Delivery {
        recipients: recipients.to_vec(),
        data,
        size,
        complete,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tokio::io::AsyncReadExt;

    struct Recorder(Mutex<Vec<Delivery>>);

    impl LmtpHandler for Recorder {
        fn check_recipient(&self, address: &str) -> Result<(), Reply> {
            if address.ends_with("@ours.example") {
                Ok(())
            } else {
                Err(Reply::new(550, "5.1.1 not ours"))
            }
        }
        fn deliver(&self, delivery: Delivery) -> BoxFuture<'static, Vec<Reply>> {
            let n = delivery.recipients.len();
            let ok = delivery.complete;
            self.0.lock().unwrap().push(delivery);
            Box::pin(async move {
                (0..n)
                    .map(|_| {
                        if ok {
                            Reply::new(250, "2.0.0 stored")
                        } else {
                            Reply::new(552, "5.3.4 too big")
                        }
                    })
                    .collect()
            })
        }
    }

    async fn exchange(script: &[u8], max: usize) -> (String, Vec<Delivery>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let h: Arc<dyn LmtpHandler> = rec.clone();
        tokio::spawn(serve(listener, h, max, rx));
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(script).await.unwrap();
        let mut out = String::new();
        tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut out))
            .await
            .unwrap()
            .unwrap();
        let deliveries = rec.0.lock().unwrap().clone();
        (out, deliveries)
    }

    #[tokio::test]
    async fn one_reply_per_recipient_and_dot_unstuffing() {
        let script = b"LHLO client\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@ours.example>\r\nRCPT TO:<y@elsewhere.example>\r\nRCPT TO:<z@ours.example>\r\nDATA\r\nSubject: hi\r\n\r\n..leading dot\r\nend\r\n.\r\nQUIT\r\n";
        let (out, d) = exchange(script, 1000).await;
        assert!(
            out.contains("250 8BITMIME") && !out.contains("SIZE"),
            "{out}"
        );
        assert!(out.contains("550 5.1.1 not ours"), "{out}");
        assert_eq!(out.matches("250 2.0.0 stored").count(), 2, "{out}");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].recipients, ["x@ours.example", "z@ours.example"]);
        assert_eq!(d[0].data, b"Subject: hi\r\n\r\n.leading dot\r\nend\r\n");
        assert!(d[0].complete);
    }

    #[tokio::test]
    async fn oversized_messages_are_read_to_the_end_and_cut() {
        let mut script = b"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@ours.example>\r\nDATA\r\nSubject: big\r\n\r\n".to_vec();
        for _ in 0..200 {
            script.extend_from_slice(&[b'x'; 998]);
            script.extend_from_slice(b"\r\n");
        }
        script.extend_from_slice(b".\r\nNOOP\r\nQUIT\r\n");
        let (out, d) = exchange(&script, 10_000).await;
        assert!(out.contains("552 5.3.4 too big"), "{out}");
        assert!(out.contains("250 2.0.0 OK"), "the session goes on: {out}");
        assert!(!d[0].complete);
        assert!(d[0].size > 200_000);
        assert!(d[0].data.starts_with(b"Subject: big\r\n"));
        assert!(d[0].data.len() <= 10_001);
    }

    #[tokio::test]
    async fn protocol_errors_are_answered_not_fatal() {
        let mut script = b"EHLO x\r\nRCPT TO:<x@ours.example>\r\nDATA\r\nMAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\nFOO\r\n".to_vec();
        script.extend(std::iter::repeat_n(b'a', 10_000));
        script.extend_from_slice(b"\r\nQUIT\r\n");
        let (out, d) = exchange(&script, 1000).await;
        for code in [
            "500 5.5.1",
            "503 5.5.1 MAIL first",
            "503 5.5.1 no valid",
            "503 5.5.1 sender already",
            "502",
            "500 5.5.2 line too long",
            "221",
        ] {
            assert!(out.contains(code), "{code} in {out}");
        }
        assert!(d.is_empty());
    }
}
