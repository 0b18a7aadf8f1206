//! The PostgreSQL engine: a pool of connections shared by reads and writes. Several app
//! servers can run against one database; nothing here is process-local state.

pub mod tls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::db::PgConn;
use crate::error::StoreError;
use crate::pool::Pool;
use crate::stats::StoreStats;

#[derive(Debug, Clone)]
pub struct PgOptions {
    pub max_connections: usize,
    pub connect_timeout: Duration,
    pub acquire_timeout: Duration,
    /// Schema to use (search_path); tests give each test its own.
    pub schema: Option<String>,
    /// CA certificate(s) (PEM) to verify the server with; see [`tls`].
    pub ca_cert: Option<PathBuf>,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            max_connections: 16,
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(30),
            schema: None,
            ca_cert: None,
        }
    }
}

pub(crate) struct PgEngine {
    pub(crate) pool: Arc<Pool<PgConn>>,
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// What every connection of a pool is opened with: the driver's settings and the TLS
/// configuration, worked out (and the CA read) once.
struct Target {
    url: String,
    config: postgres::Config,
    tls: Option<rustls::ClientConfig>,
}

fn target(url: &str, opts: &PgOptions) -> Result<Target, StoreError> {
    let plan = tls::plan(url, opts.ca_cert.as_deref())?;
    let mut config: postgres::Config = plan
        .url
        .parse()
        .map_err(|e| StoreError::Unavailable(format!("bad PostgreSQL URL {}: {e}", redact(url))))?;
    config.connect_timeout(opts.connect_timeout);
    config.application_name("rapport");
    config.ssl_mode(match plan.mode {
        tls::SslMode::Disable => postgres::config::SslMode::Disable,
        tls::SslMode::Prefer => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    });
    Ok(Target {
        url: url.to_string(),
        config,
        tls: tls::client_config(&plan)?,
    })
}

fn connect(t: &Target, opts: &PgOptions) -> Result<PgConn, StoreError> {
    let connected = match &t.tls {
        None => t.config.connect(postgres::NoTls),
        Some(c) => t
            .config
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(c.clone())),
    };
    let mut client = connected.map_err(|e| {
        let err = StoreError::from(e);
        let text = match &err {
            StoreError::Unavailable(t) | StoreError::Backend { message: t, .. } => t.clone(),
            other => other.to_string(),
        };
        StoreError::Unavailable(format!(
            "cannot connect to PostgreSQL at {}: {text}",
            redact(&t.url)
        ))
    })?;
    if let Some(schema) = &opts.schema {
        client
            .batch_execute(&format!(
                "SET search_path TO \"{}\", public",
                schema.replace('"', "")
            ))
            .map_err(StoreError::from)?;
    }
    Ok(PgConn::new(client))
}

impl PgEngine {
    pub(crate) fn open(
        url: &str,
        opts: PgOptions,
        stats: Arc<StoreStats>,
    ) -> Result<Self, StoreError> {
        let t = target(url, &opts)?;
        let first = connect(&t, &opts)?;
        let o = opts.clone();
        let pool = Pool::new(
            opts.max_connections,
            opts.acquire_timeout,
            Box::new(move || connect(&t, &o)),
            |c: &PgConn| !c.is_closed(),
            stats,
        );
        pool.give(first);
        Ok(PgEngine { pool })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://rapport:s3cret@db:5432/rapport"),
            "postgres://rapport:***@db:5432/rapport"
        );
        assert_eq!(
            super::redact("postgres://db/rapport"),
            "postgres://db/rapport"
        );
    }
}
