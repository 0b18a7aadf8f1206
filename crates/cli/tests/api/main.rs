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
mod mail_trust;
mod merge;
mod ops;
mod portal_access;
mod promises;
mod requests;
mod scope;
mod search;
mod second_factor;
mod security;
mod transfer;
mod ui;
mod validation;
