//! Configuration: flags > environment (`RAPPORT_*`) > a TOML file > defaults. Clap handles the
//! first two (every flag names its variable); the file fills what they leave unset.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::Deserialize;

use crate::failure::Failure;

/// The database options shared by every verb that opens one.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    /// Default sqlite://rapport.db.
    #[arg(long, env = "RAPPORT_DB")]
    pub db: Option<String>,
    /// TOML configuration file (default: ./rapport.toml when it exists).
    #[arg(long, env = "RAPPORT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Most PostgreSQL connections this process opens.
    #[arg(long, env = "RAPPORT_PG_MAX_CONNECTIONS")]
    pub pg_max_connections: Option<usize>,
    /// CA certificate (PEM) to verify PostgreSQL's TLS certificate with; implies
    /// sslmode=verify-full unless the URL says otherwise.
    #[arg(long, env = "RAPPORT_DB_CA_CERT")]
    pub db_ca_cert: Option<PathBuf>,
    /// SQLite's page cache for the whole process, in MiB, shared by the writer and the readers
    /// (default 32). Pages not cached here are read from the operating system's file cache.
    #[arg(long, env = "RAPPORT_SQLITE_CACHE_MIB", value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub sqlite_cache_mib: Option<u32>,
}

/// Keys accepted in the TOML file. Unknown keys are an error, so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub db: Option<String>,
    pub listen: Option<String>,
    pub log_format: Option<String>,
    pub log_level: Option<String>,
    pub secure_cookies: Option<bool>,
    pub pg_max_connections: Option<usize>,
    pub public_url: Option<String>,
    pub db_ca_cert: Option<PathBuf>,
    pub sqlite_cache_mib: Option<u32>,
}

pub const DEFAULT_DB: &str = "sqlite://rapport.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// SQLite's page cache for a process, in MiB. At a million requests the 16 MiB per connection of
/// before (80 MiB over the writer and four readers, filled by any large read) was most of the
/// server's memory; the operating system's file cache serves what this one does not hold.
pub const DEFAULT_SQLITE_CACHE_MIB: u32 = 32;

impl FileConfig {
    /// Load the file named by `path`, or `./rapport.toml` if present, or nothing.
    pub fn load(path: Option<&Path>) -> Result<FileConfig, Failure> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("rapport.toml"), false),
        };
        if !path.exists() {
            return if required {
                Err(Failure::Usage(format!(
                    "--config {}: no such file",
                    path.display()
                )))
            } else {
                Ok(FileConfig::default())
            };
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Failure::Usage(format!("--config {}: {e}", path.display())))?;
        toml::from_str(&text)
            .map_err(|e| Failure::Usage(format!("{}: {}", path.display(), e.message())))
    }
}

/// The resolved database settings.
pub struct DbConfig {
    pub url: String,
    pub options: rapport_store::StoreOptions,
}

impl DbArgs {
    pub fn resolve(&self, file: &FileConfig, create: bool) -> DbConfig {
        let url = self
            .db
            .clone()
            .or_else(|| file.db.clone())
            .unwrap_or_else(|| DEFAULT_DB.to_string());
        let mut options = rapport_store::StoreOptions {
            create,
            ..Default::default()
        };
        if let Some(n) = self.pg_max_connections.or(file.pg_max_connections) {
            options.postgres.max_connections = n.max(1);
        }
        options.postgres.ca_cert = self.db_ca_cert.clone().or_else(|| file.db_ca_cert.clone());
        let cache_mib = self
            .sqlite_cache_mib
            .or(file.sqlite_cache_mib)
            .unwrap_or(DEFAULT_SQLITE_CACHE_MIB);
        options.sqlite.cache_kib = options.sqlite.cache_per_connection_kib(cache_mib);
        DbConfig { url, options }
    }
}

/// Open the store, turning failures into one-line errors.
pub async fn open_store(db: &DbConfig) -> Result<rapport_store::Store, Failure> {
    rapport_store::Store::open(&db.url, db.options.clone())
        .await
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))
}

/// Open and check the schema is current (verbs other than `serve` and `migrate`).
pub async fn open_current(db: &DbConfig) -> Result<rapport_store::Store, Failure> {
    let store = open_store(db).await?;
    store
        .check_schema()
        .await
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
    Ok(store)
}

/// A tokio runtime for a verb.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("cannot start the runtime: {e}")))
}

/// Logging: human text by default, JSON lines with `--log-format json`.
pub fn init_logging(format: &str, level: &str) -> Result<(), Failure> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(level)
        .map_err(|e| Failure::Usage(format!("--log-level {level:?}: {e}")))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        "json" => builder.json().flatten_event(true).init(),
        "text" => builder.init(),
        other => {
            return Err(Failure::Usage(format!(
                "--log-format {other:?}: use text or json"
            )));
        }
    }
    Ok(())
}

/// An app error as a CLI failure: input problems exit 2, the rest 1.
pub fn app_failure(e: rapport_app::AppError) -> Failure {
    use rapport_app::AppError;
    match e {
        AppError::Invalid(v) => Failure::Usage(v.to_string()),
        AppError::Conflict { message, .. } => Failure::Usage(message),
        AppError::NotFound(what) => Failure::Usage(format!("{what} not found")),
        other => Failure::Runtime(anyhow::anyhow!("{other}")),
    }
}
