//! `rapport lint`: the etiquette lint of an outgoing message against a client's profile.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rapport_core::etiquette::lint::line_columns;
use rapport_core::etiquette::{LintOptions, Linter, ProfileFile, Recipient, SendAt};

use super::emit;
use crate::failure::{CmdResult, Failure, print_json};

const PROFILE_HELP: &str = "\
PROFILE.json (every part optional, unknown fields rejected):
  {
    \"client\": {\"tone\": \"formal\" | \"informal\", \"language\": \"en-GB\",
               \"avoid\": [\"Dear Sir/Madam\", \"guys\"],
               \"glossary\": [{\"ours\": \"ladies' fingers\", \"theirs\": \"okra\"}]},
    \"contacts\": [{\"id\": \"priya\", \"name\": \"Priya Mehta\",
                  \"preferred_name\": \"Dr Mehta\", \"form_of_address\": \"Dr\",
                  \"avoid\": [\"Priya\", \"ma'am\"]}],
    \"calendar\": {\"tz\": \"America/New_York\", \"hours\": [\"mon-fri 09:00-17:00\"],
                 \"holidays\": [\"2026-12-25\"]}
  }
Phrases are literal words, matched whole-word and case-insensitively. Calendar hours are
\"DAYS HH:MM-HH:MM [HH:MM-HH:MM...]\" with DAYS like mon, mon-fri or mon,wed; `countries`
adds public holidays (US, GB, IN, DE, FR, AU, CA, JP, SG, NL) to the explicit `holidays`.

Output: one line per finding, LINE:COL: RULE: MESSAGE (suggestion: ...); with --json an array
of {rule, start, end, message, suggestion} with byte offsets into the text (start = end = 0 for
findings about the whole message) and suggestion null when there is none.
Rules: avoided_form, wrong_name, glossary, quiet_hours, holiday, defensive, no_acknowledgement,
no_question. Exit 0 whether or not there are findings; 2 on bad input.";

#[derive(Debug, clap::Args)]
#[command(after_help = PROFILE_HELP)]
pub struct LintArgs {
    /// The client's etiquette profile (JSON, described below).
    #[arg(long, value_name = "PROFILE.json")]
    pub profile: PathBuf,
    /// The message to check (UTF-8), or `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub text: PathBuf,
    /// Id of the contact the message is addressed to (from the profile's `contacts`).
    #[arg(long, value_name = "CONTACT_ID")]
    pub to: Option<String>,
    /// When the message will be sent, e.g. 2026-03-07T23:00:00Z; checked against the
    /// profile's calendar.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// The message answers a complaint: also check for defensive phrasing, an
    /// acknowledgement and a question.
    #[arg(long)]
    pub reply_to_complaint: bool,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: LintArgs) -> CmdResult {
    let profile = read_profile(&args.profile)?;
    let text = read_text(&args.text)?;

    let contact = match &args.to {
        Some(id) => Some(
            profile
                .contact(id)
                .map_err(|e| usage(format!("--to: {e}")))?,
        ),
        None => None,
    };
    let etiquette = contact.map(|c| c.etiquette());
    let recipient = contact
        .zip(etiquette.as_ref())
        .map(|(c, etiquette)| Recipient {
            name: &c.name,
            etiquette,
        });

    let calendar = match &args.at {
        Some(at) => {
            let when: Timestamp = at.trim().parse().map_err(|e| {
                usage(format!(
                    "--at {at:?}: not an RFC 3339 time such as 2026-03-07T23:00:00Z ({e})"
                ))
            })?;
            let spec = profile.calendar.as_ref().ok_or_else(|| {
                usage(format!(
                    "--at needs a \"calendar\" in the profile {}",
                    args.profile.display()
                ))
            })?;
            let calendar = spec.compile().map_err(|e| {
                usage(format!(
                    "profile {}: calendar.{}: {e}",
                    args.profile.display(),
                    rapport_core::client::calendar_field(&e)
                ))
            })?;
            Some((when, calendar))
        }
        None => None,
    };
    let options = LintOptions {
        reply_to_complaint: args.reply_to_complaint,
        send_at: calendar.as_ref().map(|(at, calendar)| SendAt {
            at: *at,
            availability: calendar,
        }),
    };

    let linter = Linter::new(&profile.client, recipient.as_ref())
        .map_err(|e| usage(format!("profile {}: {e}", args.profile.display())))?;
    let findings = linter.lint(&text, &options);

    if args.json {
        return print_json(&findings);
    }
    if findings.is_empty() {
        return emit(|out| writeln!(out, "no findings"));
    }
    let starts: Vec<usize> = findings.iter().map(|f| f.start).collect();
    let positions = line_columns(&text, &starts);
    emit(|out| {
        for (f, (line, col)) in findings.iter().zip(positions) {
            write!(out, "{line}:{col}: {}: {}", f.rule.id(), f.message)?;
            match &f.suggestion {
                Some(s) => writeln!(out, " (suggestion: {s})")?,
                None => writeln!(out)?,
            }
        }
        Ok(())
    })
}

fn usage(message: String) -> Failure {
    Failure::Usage(message)
}

fn read_profile(path: &Path) -> Result<ProfileFile, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| usage(format!("--profile {}: cannot read: {e}", path.display())))?;
    let profile: ProfileFile = serde_json::from_slice(&bytes)
        .map_err(|e| usage(format!("--profile {}: {e}", path.display())))?;
    profile
        .validate()
        .map_err(|e| usage(format!("--profile {}: {e}", path.display())))?;
    Ok(profile)
}

fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("cannot read standard input: {e}")))?;
        bytes
    } else {
        std::fs::read(path)
            .map_err(|e| usage(format!("--text {}: cannot read: {e}", path.display())))?
    };
    let what = if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        format!("--text {}", path.display())
    };
    super::utf8(bytes, &what)
}
