//! Rapport's domain: the book of work, briefs, promises and care, as plain Rust.
//!
//! Nothing in this crate performs I/O, reads a clock or draws randomness: callers pass `now`
//! and identifiers in, so every rule here is deterministic and unit-testable.

pub mod calendar;
pub mod etiquette;
pub mod scope;
pub mod sentiment;
