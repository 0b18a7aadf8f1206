//! Rapport's persistence. One [`Store`] over two engines: SQLite (the default, one file) and
//! PostgreSQL (several app servers on one database). Repositories in [`repo`] hold the SQL,
//! written once for both engines.

pub mod db;
pub mod error;
pub mod migrate;
mod pool;
pub mod postgres;
pub mod repo;
pub mod sqlite;
pub mod stats;
mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod transfer;
pub mod value;

pub use db::{Db, Engine};
pub use error::{Cause, StoreError, UniqueKey};
pub use store::{Location, Store, StoreOptions};
