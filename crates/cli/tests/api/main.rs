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
mod fairness;
mod hardening;
mod mail;
mod mailbox_guard;
mod merge;
mod openapi;
mod ops;
mod promises;
mod requests;
mod scope;
mod search;
mod security;
mod thread;
mod transfer;
mod ui;
mod validation;
