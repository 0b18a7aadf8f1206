//! One module per verb.

pub mod calendar;
pub mod version;
