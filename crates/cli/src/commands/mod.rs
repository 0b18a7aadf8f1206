//! One module per verb.

pub mod mail;
pub mod version;
