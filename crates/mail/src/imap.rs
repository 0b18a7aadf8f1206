//! Reading mail by IMAP (async-imap over tokio; TLS by rustls). One short session per call:
//! connect, sign in, select the folder, do the work, log out.

use std::fmt::Debug;
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::StreamExt;
use rapport_core::inbox::{ProcessedAction, TlsMode};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::transport::{
    BoxFuture, FetchBatch, FetchedMail, ImapAccount, MailboxError, MailboxReader, Processed,
};

/// The keyword set on processed mail (with \Seen) when mail is flagged rather than moved.
pub const PROCESSED_KEYWORD: &str = "$Rapport";

/// Each network step must finish within this.
const STEP: Duration = Duration::from_secs(60);

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}

type ImapSession = Session<Box<dyn Stream>>;

/// The production IMAP reader.
#[derive(Debug, Default, Clone)]
pub struct ImapReader;

async fn step<T, E: std::fmt::Display>(
    what: &str,
    fut: impl std::future::Future<Output = Result<T, E>>,
    wrap: impl FnOnce(String) -> MailboxError,
) -> Result<T, MailboxError> {
    match tokio::time::timeout(STEP, fut).await {
        Err(_) => Err(MailboxError::Timeout(what.to_string())),
        Ok(Err(e)) => Err(wrap(format!("{what}: {e}"))),
        Ok(Ok(v)) => Ok(v),
    }
}

async fn tls_wrap(host: &str, tcp: Box<dyn Stream>) -> Result<Box<dyn Stream>, MailboxError> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| MailboxError::Tls(format!("{host}: {e}")))?;
    let tls = step(
        "TLS handshake",
        crate::tls::connector().connect(name, tcp),
        MailboxError::Tls,
    )
    .await?;
    Ok(Box::new(tls))
}

async fn connect(account: &ImapAccount) -> Result<ImapSession, MailboxError> {
    let addr = format!("{}:{}", account.host, account.port);
    // Resolve once, check every address, and connect to the checked one.
    let checked = step(
        "resolve",
        async {
            crate::guard::resolve_public(&account.host, account.port, account.allow_private).await
        },
        MailboxError::Refused,
    )
    .await?;
    let tcp = step("connect", TcpStream::connect(checked), |m| {
        MailboxError::Connect(format!("{addr} ({m})"))
    })
    .await?;
    let _ = tcp.set_nodelay(true);
    let mut stream: Box<dyn Stream> = Box::new(tcp);
    if account.tls == TlsMode::Tls {
        stream = tls_wrap(&account.host, stream).await?;
    }
    let mut client = Client::new(stream);
    step(
        "greeting",
        async { client.read_response().await.map(|_| ()) },
        MailboxError::Protocol,
    )
    .await?;
    if account.tls == TlsMode::Starttls {
        step(
            "STARTTLS",
            client.run_command_and_check_ok("STARTTLS", None),
            MailboxError::Tls,
        )
        .await?;
        let inner = client.into_inner();
        client = Client::new(tls_wrap(&account.host, inner).await?);
    }
    match tokio::time::timeout(STEP, client.login(&account.username, &account.password)).await {
        Err(_) => Err(MailboxError::Timeout("LOGIN".into())),
        Ok(Err((e, _))) => Err(MailboxError::Auth(format!(
            "{} as {}: {e}",
            account.host, account.username
        ))),
        Ok(Ok(session)) => Ok(session),
    }
}

async fn check(account: &ImapAccount) -> Result<u32, MailboxError> {
    let mut session = connect(account).await?;
    // EXAMINE opens the folder read-only, so a test never changes a flag.
    let folder = &account.folder;
    let result = step("EXAMINE", session.examine(folder), |m| {
        MailboxError::Folder {
            folder: folder.to_string(),
            message: m,
        }
    })
    .await
    .map(|m| m.exists);
    logout(session).await;
    result
}

async fn select(session: &mut ImapSession, folder: &str) -> Result<u32, MailboxError> {
    let mailbox = step("SELECT", session.select(folder), |m| MailboxError::Folder {
        folder: folder.to_string(),
        message: m,
    })
    .await?;
    Ok(mailbox.uid_validity.unwrap_or(0))
}

fn drain(session: &mut ImapSession) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

async fn logout(mut session: ImapSession) {
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
}

/// `1,3,5:9`-style set of UIDs.
fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    parts.join(",")
}

async fn fetch_new(
    account: &ImapAccount,
    known_uidvalidity: Option<u32>,
    after_uid: u32,
    max_bytes: usize,
    max_messages: usize,
) -> Result<FetchBatch, MailboxError> {
    let mut session = connect(account).await?;
    let result = fetch_in(
        &mut session,
        account,
        known_uidvalidity,
        after_uid,
        max_bytes,
        max_messages,
    )
    .await;
    logout(session).await;
    result
}

async fn fetch_in(
    session: &mut ImapSession,
    account: &ImapAccount,
    known_uidvalidity: Option<u32>,
    after_uid: u32,
    max_bytes: usize,
    max_messages: usize,
) -> Result<FetchBatch, MailboxError> {
    let uidvalidity = select(session, &account.folder).await?;
    let after = if known_uidvalidity == Some(uidvalidity) {
        after_uid
    } else {
        0
    };
    // Sizes first, so a message over the limit is never downloaded whole.
    let mut sizes: Vec<(u32, usize)> = Vec::new();
    {
        let stream = step(
            "UID FETCH (sizes)",
            session.uid_fetch(format!("{}:*", after + 1), "(UID RFC822.SIZE)"),
            MailboxError::Protocol,
        )
        .await?;
        let fetched: Vec<_> = step(
            "UID FETCH (sizes)",
            async { Ok::<_, String>(stream.collect::<Vec<_>>().await) },
            MailboxError::Protocol,
        )
        .await?;
        for f in fetched {
            let f = f.map_err(|e| MailboxError::Protocol(format!("UID FETCH: {e}")))?;
            // `n:*` names the last message even when its UID is below n.
            if let Some(uid) = f.uid
                && uid > after
            {
                sizes.push((uid, f.size.unwrap_or(0) as usize));
            }
        }
    }
    drain(session);
    sizes.sort_unstable();
    let more = sizes.len() > max_messages;
    sizes.truncate(max_messages);
    let mut messages = Vec::with_capacity(sizes.len());
    for (uid, size) in sizes {
        let complete = size <= max_bytes;
        let query = if complete {
            "(UID BODY.PEEK[])"
        } else {
            "(UID BODY.PEEK[HEADER])"
        };
        let stream = step(
            "UID FETCH (message)",
            session.uid_fetch(uid.to_string(), query),
            MailboxError::Protocol,
        )
        .await?;
        let fetched: Vec<_> = step(
            "UID FETCH (message)",
            async { Ok::<_, String>(stream.collect::<Vec<_>>().await) },
            MailboxError::Protocol,
        )
        .await?;
        let mut raw = None;
        for f in fetched {
            let f = f.map_err(|e| MailboxError::Protocol(format!("UID FETCH {uid}: {e}")))?;
            if f.uid == Some(uid) {
                raw = if complete { f.body() } else { f.header() }.map(<[u8]>::to_vec);
            }
        }
        drain(session);
        // A message deleted between the two fetches is simply not there any more.
        if let Some(raw) = raw {
            messages.push(FetchedMail {
                uid,
                size: size.max(raw.len()),
                raw,
                complete,
            });
        }
    }
    Ok(FetchBatch {
        uidvalidity,
        messages,
        more,
    })
}

async fn mark(
    account: &ImapAccount,
    uids: &[u32],
    processed: &Processed,
) -> Result<(), MailboxError> {
    if uids.is_empty() {
        return Ok(());
    }
    let mut session = connect(account).await?;
    let result = async {
        select(&mut session, &account.folder).await?;
        let set = uid_set(uids);
        match (processed.action, processed.move_to.as_deref()) {
            (ProcessedAction::Move, Some(to)) => {
                step("UID MOVE", session.uid_mv(&set, to), |m| {
                    MailboxError::Folder {
                        folder: to.to_string(),
                        message: m,
                    }
                })
                .await?;
            }
            _ => {
                let stream = step(
                    "UID STORE",
                    session.uid_store(&set, format!("+FLAGS (\\Seen {PROCESSED_KEYWORD})")),
                    MailboxError::Protocol,
                )
                .await?;
                let results: Vec<_> = stream.collect().await;
                for r in results {
                    r.map_err(|e| MailboxError::Protocol(format!("UID STORE: {e}")))?;
                }
            }
        }
        drain(&mut session);
        Ok(())
    }
    .await;
    logout(session).await;
    result
}

impl MailboxReader for ImapReader {
    fn fetch_new<'a>(
        &'a self,
        account: &'a ImapAccount,
        known_uidvalidity: Option<u32>,
        after_uid: u32,
        max_bytes: usize,
        max_messages: usize,
    ) -> BoxFuture<'a, Result<FetchBatch, MailboxError>> {
        Box::pin(fetch_new(
            account,
            known_uidvalidity,
            after_uid,
            max_bytes,
            max_messages,
        ))
    }

    fn check<'a>(&'a self, account: &'a ImapAccount) -> BoxFuture<'a, Result<u32, MailboxError>> {
        Box::pin(check(account))
    }

    fn mark_processed<'a>(
        &'a self,
        account: &'a ImapAccount,
        uids: &'a [u32],
        processed: &'a Processed,
    ) -> BoxFuture<'a, Result<(), MailboxError>> {
        Box::pin(mark(account, uids, processed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 9, 10, 3]), "1:3,5,9:10");
        assert_eq!(uid_set(&[7]), "7");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_connect_error_not_a_hang() {
        // A port nobody listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let account = ImapAccount {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            username: "u".into(),
            password: "secret-pw".into(),
            folder: "INBOX".into(),
            allow_private: true,
        };
        let err = ImapReader
            .fetch_new(&account, None, 0, 1000, 10)
            .await
            .unwrap_err();
        assert!(matches!(err, MailboxError::Connect(_)), "{err:?}");
        assert!(!format!("{err} {account:?}").contains("secret-pw"));
        // Without the operator's permission loopback is refused before any connection.
        let strict = ImapAccount {
            allow_private: false,
            ..account
        };
        let err = ImapReader
            .fetch_new(&strict, None, 0, 1000, 10)
            .await
            .unwrap_err();
        assert!(matches!(err, MailboxError::Refused(_)), "{err:?}");
    }
}
