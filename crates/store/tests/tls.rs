//! TLS to PostgreSQL: failures are one clear line, `require` really encrypts, and (against a
//! server with a certificate from a CA of the test's own) `verify-ca` / `verify-full` check
//! what they promise.
//!
//! The verified tests need a PostgreSQL with TLS whose certificate names `localhost`, signed
//! by the CA in `RAPPORT_TEST_POSTGRES_TLS_CA`, reachable as `RAPPORT_TEST_POSTGRES_TLS_URL`
//! (host `localhost`, password authentication). One way, as a user that may run PostgreSQL:
//!
//! ```text
//! openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj /CN=test-ca
//! openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
//! printf 'subjectAltName=DNS:localhost\n' > ext.cnf
//! openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -extfile ext.cnf
//! initdb -D data --auth=scram-sha-256 --pwfile=pw -U rapport
//! # postgresql.conf: port = 55433, ssl = on, ssl_cert_file = server.pem, ssl_key_file = server.key
//! pg_ctl -D data start
//! RAPPORT_TEST_POSTGRES_TLS_URL=postgres://rapport:PASSWORD@localhost:55433/postgres \
//! RAPPORT_TEST_POSTGRES_TLS_CA=$PWD/ca.pem cargo test -p rapport-store --test tls
//! ```

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;

use rapport_store::testing::postgres_url;
use rapport_store::{Store, StoreError, StoreOptions, params};

fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

async fn open(url: &str, ca: Option<PathBuf>) -> Result<Store, StoreError> {
    let mut opts = StoreOptions::default();
    opts.postgres.ca_cert = ca;
    opts.postgres.max_connections = 2;
    Store::open(url, opts).await
}

#[track_caller]
fn one_line_error(r: Result<Store, StoreError>, mentions: &str) -> String {
    let e = match r {
        Ok(_) => panic!("connected, but expected an error mentioning {mentions:?}"),
        Err(e) => e,
    };
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    let text = e.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(text.contains(mentions), "{mentions:?} not in {text}");
    text
}

/// A server that answers the TLS request with `reply` (`N`: no TLS here) and hangs up.
fn fake_server(reply: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut s) = stream else { continue };
            let mut request = [0u8; 8];
            if s.read_exact(&mut request).is_ok() {
                let _ = s.write_all(reply);
            }
        }
    });
    port
}

async fn is_encrypted(store: &Store) -> bool {
    store
        .read(|db| {
            db.scalar::<bool>(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                params![],
            )
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn tls_refused_or_broken_is_one_clear_line() {
    // A server without TLS answers the request with `N`.
    let port = fake_server(b"N");
    for mode in ["require", "verify-ca", "verify-full"] {
        let url = format!("postgres://rapport:secret@127.0.0.1:{port}/db?sslmode={mode}");
        let text = one_line_error(open(&url, None).await, "does not support TLS");
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("TLS handshake"), "{text}");
    }
    // One that says yes, then speaks something other than TLS.
    let port = fake_server(b"Sgarbage, not a TLS server hello\r\n");
    let url = format!("postgres://u@127.0.0.1:{port}/db?sslmode=require");
    one_line_error(open(&url, None).await, "TLS handshake");
    // A CA file that is not there is named before any connection is tried.
    let url = format!("postgres://u@127.0.0.1:{port}/db?sslmode=verify-full");
    one_line_error(
        open(&url, Some("/no/such/ca.pem".into())).await,
        "/no/such/ca.pem",
    );
    one_line_error(
        open("postgres://u@127.0.0.1:1/db?sslmode=sometimes", None).await,
        "sslmode=sometimes",
    );
}

#[tokio::test]
async fn require_encrypts_and_disable_does_not() {
    let Some(url) = postgres_url() else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
        return;
    };
    let plain = open(&with_param(&url, "sslmode=disable"), None)
        .await
        .unwrap();
    assert!(!is_encrypted(&plain).await);
    let server_has_tls = plain
        .read(|db| db.scalar::<String>("SHOW ssl", params![]))
        .await
        .unwrap()
        == "on";
    let required = open(&with_param(&url, "sslmode=require"), None).await;
    if server_has_tls {
        assert!(is_encrypted(&required.unwrap()).await);
    } else {
        one_line_error(required, "does not support TLS");
    }
}

fn verified_server() -> Option<(String, PathBuf)> {
    let url = std::env::var("RAPPORT_TEST_POSTGRES_TLS_URL").ok()?;
    let ca = std::env::var("RAPPORT_TEST_POSTGRES_TLS_CA").ok()?;
    Some((url, ca.into()))
}

#[tokio::test]
async fn verified_tls_checks_the_chain_and_the_name() {
    let Some((url, ca)) = verified_server() else {
        eprintln!("skipped: RAPPORT_TEST_POSTGRES_TLS_URL / _CA are not set");
        return;
    };
    assert!(
        url.contains("@localhost"),
        "the certificate names localhost"
    );
    let by_ip = url.replace("@localhost", "@127.0.0.1");

    // The CA as a flag (implying verify-full), and as sslrootcert in the URL.
    let s = open(&url, Some(ca.clone())).await.unwrap();
    assert!(is_encrypted(&s).await);
    let s = open(
        &with_param(
            &url,
            &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
        ),
        None,
    )
    .await
    .unwrap();
    assert!(is_encrypted(&s).await);

    // The name must match for verify-full, not for verify-ca.
    one_line_error(
        open(&with_param(&by_ip, "sslmode=verify-full"), Some(ca.clone())).await,
        "not valid for name",
    );
    let s = open(&with_param(&by_ip, "sslmode=verify-ca"), Some(ca.clone()))
        .await
        .unwrap();
    assert!(is_encrypted(&s).await);

    // Without our CA the chain leads nowhere trusted; `require` still encrypts.
    one_line_error(
        open(&with_param(&url, "sslmode=verify-full"), None).await,
        "UnknownIssuer",
    );
    let s = open(&with_param(&url, "sslmode=require"), None)
        .await
        .unwrap();
    assert!(is_encrypted(&s).await);

    // A wrong password is named, and not printed.
    let wrong = url.replacen("://rapport:", "://rapport:not-the-password", 1);
    let text = one_line_error(
        open(&with_param(&wrong, "sslmode=require"), None).await,
        "password authentication failed",
    );
    assert!(!text.contains("not-the-password"), "{text}");
}
