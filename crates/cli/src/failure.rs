//! How a verb fails: bad input (exit 2, the user can fix it) or a runtime fault (exit 1).

use std::io::Write as _;
use std::process::ExitCode;

#[derive(Debug)]
pub enum Failure {
    /// The input was wrong; the message names the bad part. Exit code 2.
    Usage(String),
    /// Something went wrong while doing valid work. Exit code 1.
    Runtime(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure::Runtime(err)
    }
}

pub type CmdResult = Result<(), Failure>;

/// Report a verb's result on stderr and turn it into the process exit code.
pub fn exit_code(result: CmdResult) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(err)) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Print a value as pretty JSON on stdout. A reader that went away (`| head`) ends the output
/// quietly instead of panicking as `println!` does.
pub fn print_json<T: serde::Serialize>(value: &T) -> CmdResult {
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Runtime(e.into())),
        _ => Ok(()),
    }
}
