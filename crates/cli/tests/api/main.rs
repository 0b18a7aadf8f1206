//! The HTTP API, exercised through a real server on a random port, on SQLite and PostgreSQL.

mod support;

mod alerts;
mod auth;
mod authz;
mod automation;
mod budget;
mod care;
mod clocks;
mod crud;
mod daily_work;
mod dates;
mod demo;
mod exchange;
mod fairness;
mod hardening;
mod mail;
mod mail_trust;
mod mailbox_guard;
mod member_invites;
mod merge;
mod openapi;
mod ops;
mod portal_access;
mod promises;
mod requests;
mod scope;
mod search;
mod second_factor;
mod security;
mod setup_pages;
mod signals;
mod thread;
mod transfer;
mod ui;
mod validation;
