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
    /// Record received messages for an org, as a mail server's pipe would hand them over: each
    /// becomes a new request, joins a request's thread, or waits in triage with the reason.
    /// Prints one JSON line per message. Exit 2 when a message was over the size limit (it is
    /// recorded in triage, headers only, and refused so the sender's server returns it).
    Ingest(IngestArgs),
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub db: crate::config::DbArgs,
    /// The org (its slug) that receives the mail.
    #[arg(long, env = "RAPPORT_MAIL_ORG")]
    pub org: String,
    /// Messages larger than this many bytes go to triage (headers only).
    #[arg(long, value_name = "BYTES", env = "RAPPORT_MAX_MAIL_SIZE", default_value_t = DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_size: usize,
    /// Message files (.eml); none or `-` reads one message from standard input.
    pub files: Vec<PathBuf>,
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
        MailCommand::Ingest(args) => ingest(args),
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

/// Read a whole message, keeping at most `max + 1` bytes: returns (kept bytes, total size).
fn read_counted(path: &Path, max: usize) -> Result<(Vec<u8>, usize), Failure> {
    let name = path.display().to_string();
    let mut reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|err| Failure::Usage(format!("cannot read {name}: {err}")))?,
        )
    };
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut raw = Vec::new();
    (&mut reader)
        .take(limit)
        .read_to_end(&mut raw)
        .map_err(|err| Failure::Usage(format!("cannot read {name}: {err}")))?;
    // The rest is counted, not kept: a mail server's pipe must be read to its end.
    let rest = std::io::copy(&mut reader, &mut std::io::sink())
        .map_err(|err| Failure::Usage(format!("cannot read {name}: {err}")))?;
    let size = raw.len() + usize::try_from(rest).unwrap_or(usize::MAX);
    Ok((raw, size))
}

fn ingest(args: IngestArgs) -> CmdResult {
    use rapport_app::mail::{IngestOutcome, Received};
    use rapport_core::inbox::{MailSource, TriageReason};

    let file = crate::config::FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    let files = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    crate::config::runtime()?.block_on(async move {
        let store = crate::config::open_current(&db).await?;
        let mut settings = rapport_app::Settings::default();
        settings.mail.max_message_bytes = args.max_size;
        let app = rapport_app::App::new(store, settings);
        let org = app
            .org_by_slug(&args.org)
            .await
            .map_err(crate::config::app_failure)?
            .ok_or_else(|| Failure::Usage(format!("--org {:?}: no such org", args.org)))?;
        let mut refused = Vec::new();
        let mut out = std::io::stdout().lock();
        for path in &files {
            let (raw, size) = read_counted(path, args.max_size)?;
            let received = Received {
                source: MailSource::Pipe,
                mailbox_id: None,
                size,
                complete: size == raw.len(),
            };
            let outcome = app
                .ingest_mail(org.id, raw, received)
                .await
                .map_err(|e| Failure::Runtime(anyhow::anyhow!("{}: {e}", path.display())))?;
            if let IngestOutcome::Triaged {
                reason: TriageReason::TooLarge,
                triage_id,
                ..
            } = &outcome
            {
                refused.push(format!("{} (triage item {triage_id})", path.display()));
            }
            let line = serde_json::to_string(&outcome)
                .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
            if let Err(e) = std::io::Write::write_all(&mut out, format!("{line}\n").as_bytes()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    break;
                }
                return Err(Failure::Runtime(e.into()));
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(Failure::Usage(format!(
                "over the size limit of {} bytes (see --max-size), recorded in triage with headers only: {}",
                args.max_size,
                refused.join(", ")
            )))
        }
    })
}
