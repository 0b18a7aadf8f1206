//! The HTTP API, exercised through a real server on a random port, on SQLite and PostgreSQL.

mod support;

mod alerts;
mod auth;
mod authz;
mod crud;
mod ops;
mod promises;
mod requests;
mod search;
mod transfer;
mod validation;
