//! One module per verb.

pub mod version;
