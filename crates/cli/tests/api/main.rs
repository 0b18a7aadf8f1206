//! The HTTP API, exercised through a real server on a random port, on SQLite and PostgreSQL.

mod support;

mod alerts;
mod auth;
mod authz;
mod automation;
mod care;
mod clocks;
mod crud;
mod exchange;
mod mail;
mod merge;
mod openapi;
mod ops;
mod promises;
mod requests;
mod scope;
mod search;
mod security;
mod transfer;
mod ui;
mod validation;
