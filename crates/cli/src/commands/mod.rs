//! One module per verb.

pub mod aggregates;
pub mod backup;
pub mod bench;
pub mod calendar;
pub mod demo;
pub mod export;
pub mod healthcheck;
pub mod import;
pub mod jobs;
pub mod lint;
pub mod mail;
pub mod migrate;
pub mod promises;
pub mod scope;
pub mod search;
pub mod secret_key;
pub mod sentiment;
pub mod serve;
pub mod token;
pub mod user;
pub mod version;

use std::io::{ErrorKind, StdoutLock, Write};

use crate::failure::{CmdResult, Failure};

/// Write a verb's output to stdout. A reader that went away (`| head`) ends the output
/// quietly instead of panicking as `println!` does.
fn emit(write: impl FnOnce(&mut StdoutLock<'static>) -> std::io::Result<()>) -> CmdResult {
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Runtime(anyhow::anyhow!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Text input must be UTF-8; say where it is not rather than guess an encoding.
fn utf8(bytes: Vec<u8>, what: &str) -> Result<String, Failure> {
    String::from_utf8(bytes).map_err(|e| {
        Failure::Usage(format!(
            "{what} is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}
