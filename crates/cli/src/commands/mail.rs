//! `rapport mail ...`: mail verbs. Each verb is one variant of [`MailCommand`].
//!
//! Exit codes of `mail parse`: 0 when the input is a message (even a broken one: its defects are
//! in `warnings`), 2 when the input is not usable: not a message, over the size limit, or a path
//! that cannot be read. A missing file is the user's input being wrong, exactly like a bad
//! argument, so it gets the same code clap uses for those; 1 is kept for faults while doing
//! valid work (such as stdout closing under us).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rapport_mail::{DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_RECIPIENTS, ParseLimits};

use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Parse one RFC 5322 message and print it as JSON (ids, people, date, bodies,
    /// attachments, auto-submitted, warnings).
    Parse(ParseArgs),
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The message file (.eml), or `-` to read standard input.
    pub file: PathBuf,
    /// Refuse messages larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_size: usize,
    /// Keep at most this many addresses in each of To, Cc and Reply-To.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RECIPIENTS)]
    pub max_recipients: usize,
}

pub fn run(command: MailCommand) -> CmdResult {
    match command {
        MailCommand::Parse(args) => parse(&args),
    }
}

fn parse(args: &ParseArgs) -> CmdResult {
    let name = args.file.display().to_string();
    let raw = read_input(&args.file, args.max_size)?;
    let limits = ParseLimits {
        max_message_bytes: args.max_size,
        max_recipients: args.max_recipients,
        ..ParseLimits::default()
    };
    let parsed = rapport_mail::parse(&raw, &limits)
        .map_err(|err| Failure::Usage(format!("{name}: {err}")))?;
    for warning in &parsed.warnings {
        eprintln!("warning: {warning}");
    }
    print_json(&parsed)
}

/// Read at most `max + 1` bytes, so an oversized input is refused without loading all of it.
fn read_input(path: &Path, max: usize) -> Result<Vec<u8>, Failure> {
    let name = path.display().to_string();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut raw = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut raw)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut raw))
    };
    result.map_err(|err| Failure::Usage(format!("cannot read {name}: {err}")))?;
    if raw.len() > max {
        return Err(Failure::Usage(format!(
            "{name}: message is over the limit of {max} bytes (see --max-size)"
        )));
    }
    Ok(raw)
}
