//! rapport-web
