//! One module per verb.

pub mod calendar;
pub mod scope;
pub mod version;
