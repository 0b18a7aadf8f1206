//! Rapport's domain: the book of work, briefs, promises and care, as plain Rust.
//!
//! Nothing in this crate performs I/O, reads a clock or draws randomness: callers pass `now`
//! and identifiers in, so every rule here is deterministic and unit-testable.

pub mod labels;

pub mod absence;
pub mod access;
pub mod alert;
pub mod assign;
pub mod audit;
pub mod backoff;
pub mod billing;
pub mod budget;
mod business_time;
pub mod calendar;
pub mod canned;
pub mod capacity;
pub mod change_order;
pub mod client;
pub mod client_words;
pub mod complaint;
pub mod csv;
pub mod csv_write;
pub mod effective_etiquette;
pub mod engagement;
pub mod etiquette;
pub mod health;
pub mod ical;
pub mod ids;
pub mod inbox;
pub mod jobs;
pub mod mail_auth;
pub mod member;
pub mod message;
pub mod money;
pub mod netaddr;
pub mod notification;
pub mod org;
pub mod patch;
pub mod presence;
pub mod promise;
pub mod promise_stats;
pub mod rating;
pub mod request;
pub mod rule;
pub mod scope;
pub mod search;
pub mod sentiment;
pub mod silence;
pub mod sla;
pub mod snooze;
pub mod time_entry;
pub mod validate;
pub mod webhook;
pub mod zendesk;
