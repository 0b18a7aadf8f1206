//! The HTTP API, exercised through a real server on a random port, on SQLite and PostgreSQL.

mod support;

#[path = "../mail_servers/mod.rs"]
mod mail_servers;

mod absence;
mod account_pages;
mod alerts;
mod assignment;
mod auth;
mod authz;
mod automation;
mod budget;
mod care;
mod clocks;
mod collide;
mod contact_roles;
mod crud;
mod daily_work;
mod dates;
mod demo;
mod exchange;
mod exchange_pages;
mod fairness;
mod flat_cost;
mod hardening;
mod jobs;
mod kept_aggregates;
mod mail;
mod mail_trust;
mod mailbox_guard;
mod member_invites;
mod merge;
mod notify;
mod observability;
mod openapi;
mod ops;
mod oversight;
mod page_reads;
mod portal_access;
mod promises;
mod requests;
mod rule_pages;
mod scope;
mod scope_precedents;
mod scope_usage;
mod search;
mod second_factor;
mod security;
mod setup_pages;
mod signals;
mod snooze;
mod thread;
mod transfer;
mod ui;
mod validation;
