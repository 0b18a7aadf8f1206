//! Fresh databases for tests: a new SQLite file in a temporary directory, or a new schema in
//! the PostgreSQL named by `RAPPORT_TEST_POSTGRES_URL`. Each test gets its own, so tests run in
//! parallel. Dropping the handle removes the file or schema.

use std::path::PathBuf;

use crate::db::Engine;
use crate::error::StoreError;
use crate::store::{Store, StoreOptions};

/// One test body on both engines, given a fresh [`TestDb`]: how the store's own tests run
/// twice. The PostgreSQL half skips only where [`postgres_url`] allows it (never on CI).
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::Engine::Sqlite).unwrap();
                ($body)(db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::testing::TestDb::new($crate::Engine::Postgres) else {
                    eprintln!("skipped: RAPPORT_TEST_POSTGRES_URL is not set");
                    return;
                };
                ($body)(db).await;
            }
        }
    };
}

pub const POSTGRES_ENV: &str = "RAPPORT_TEST_POSTGRES_URL";

/// A new request of `client` as the store receives it, with every other field at its plain
/// value (normal priority, status new, from the API, nothing answered yet). A test changes what
/// it is about with struct update syntax: `Request { status: Status::Closed, ..request(..) }`.
pub fn request(
    org: rapport_core::ids::OrgId,
    client: rapport_core::ids::ClientId,
    title: &str,
    created: jiff::Timestamp,
) -> rapport_core::request::Request {
    use rapport_core::request::{Channel, Kind, Priority, Request, Status};
    Request {
        id: rapport_core::ids::RequestId(0),
        org_id: org,
        reference: String::new(),
        client_id: client,
        engagement_id: None,
        contact_id: None,
        title: title.into(),
        body: String::new(),
        kind: Kind::Other,
        priority: Priority::Normal,
        status: Status::New,
        assignee_id: None,
        estimate_minutes: None,
        spent_minutes: 0,
        channel: Channel::Api,
        tags: vec![],
        due_at: None,
        quick: false,
        scope: None,
        created_by: rapport_core::access::Actor::System,
        created_at: created,
        updated_at: created,
        first_response_at: None,
        last_inbound_at: None,
        last_outbound_at: None,
        delivered_at: None,
        closed_at: None,
    }
}

/// Why a PostgreSQL test cannot run. On CI (`CI` set) a missing database is a failure, never a
/// silent skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
                panic!("{POSTGRES_ENV} is not set on CI: the PostgreSQL suite must run");
            }
            skipped::record();
            None
        }
    }
}

/// The harness reports a skipped PostgreSQL half as `ok`, so a newcomer's summary would
/// overstate what ran. Each test binary says once, as it exits, how many tests skipped their
/// PostgreSQL part and why.
mod skipped {
    use std::collections::HashSet;
    use std::io::Write;
    use std::sync::{Mutex, Once};

    /// Names of the tests (the harness names each test's thread after it) that skipped.
    static TESTS: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    static AT_EXIT: Once = Once::new();

    unsafe extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }

    pub(super) fn record() {
        let name = std::thread::current()
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{:?}", std::thread::current().id()));
        TESTS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(HashSet::new)
            .insert(name);
        AT_EXIT.call_once(|| {
            // SAFETY: `atexit` is the C library's; `report` is a plain `extern "C" fn` that
            // neither unwinds nor calls `exit`.
            unsafe {
                atexit(report);
            }
        });
    }

    extern "C" fn report() {
        let n = TESTS
            .lock()
            .map(|t| t.as_ref().map_or(0, HashSet::len))
            .unwrap_or(0);
        let binary = std::env::args()
            .next()
            .and_then(|p| {
                std::path::Path::new(&p)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
            })
            .unwrap_or_default();
        // Cargo names test binaries `name-<16 hex digits>`; the name is what a reader knows.
        let binary = match binary.rsplit_once('-') {
            Some((name, hash))
                if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                name.to_string()
            }
            _ => binary,
        };
        // Not `eprintln!`: a closed stderr must not panic inside an `extern "C"` callback.
        let _ = writeln!(
            std::io::stderr(),
            "NOTE {binary}: {n} test(s) did not run their PostgreSQL part ({} is not set); \
             the results above count them as passed",
            super::POSTGRES_ENV
        );
    }
}

fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Run SQL on a plain connection from a thread of its own: the sync client starts its own
/// runtime, which must not happen on a thread already driving tokio.
fn admin_sql(url: &str, sql: String) -> Result<(), String> {
    let url = url.to_string();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
        // Concurrent CREATE EXTENSION IF NOT EXISTS can race; a second try settles it.
        c.batch_execute(&sql)
            .or_else(|_| c.batch_execute(&sql))
            .map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| "admin thread panicked".to_string())?
}

/// A database that exists for the life of this value.
pub struct TestDb {
    pub engine: Engine,
    /// URL for `Store::open` (for PostgreSQL, the schema is set through options).
    pub url: String,
    pub options: StoreOptions,
    dir: Option<PathBuf>,
    schema: Option<String>,
}

impl TestDb {
    /// A fresh, empty database; `None` when the engine is PostgreSQL and none is configured.
    pub fn new(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name("rapport-test"));
                std::fs::create_dir_all(&dir).expect("create temp dir");
                let path = dir.join("rapport.db");
                Some(TestDb {
                    engine,
                    url: format!("sqlite://{}", path.display()),
                    options: StoreOptions {
                        create: true,
                        ..StoreOptions::default()
                    },
                    dir: Some(dir),
                    schema: None,
                })
            }
            Engine::Postgres => {
                let url = postgres_url()?;
                let schema = unique_name("t");
                let sql = format!(
                    // The extension lives in `public`, shared by every test schema; creating it
                    // per schema would let one test's DROP SCHEMA cascade into the others.
                    "CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public; CREATE SCHEMA \"{schema}\""
                );
                admin_sql(&url, sql)
                    .unwrap_or_else(|e| panic!("cannot prepare {POSTGRES_ENV}: {e}"));
                let mut options = StoreOptions::default();
                options.postgres.schema = Some(schema.clone());
                options.postgres.max_connections = 8;
                Some(TestDb {
                    engine,
                    url,
                    options,
                    dir: None,
                    schema: Some(schema),
                })
            }
        }
    }

    /// Open and migrate.
    pub async fn store(&self) -> Result<Store, StoreError> {
        let store = Store::open(&self.url, self.options.clone()).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The SQLite file, for SQLite databases.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("rapport.db"))
    }

    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// A URL that selects this database on its own, for other processes (`rapport serve
    /// --db ...`): for PostgreSQL the schema travels as a connection option.
    pub fn standalone_url(&self) -> String {
        match &self.schema {
            None => self.url.clone(),
            Some(schema) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!(
                    "{}{sep}options=-c%20search_path%3D{schema}%2Cpublic",
                    self.url
                )
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(schema) = &self.schema {
            let _ = admin_sql(
                &self.url,
                format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
            );
        }
    }
}
