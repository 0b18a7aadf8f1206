//! One module per verb.

pub mod scope;
pub mod version;
