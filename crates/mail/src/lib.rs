//! rapport-mail
