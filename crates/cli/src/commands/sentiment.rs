//! `rapport sentiment "text" [--json]`: VADER sentiment of a text.

use std::io::{Read, Write};

use rapport_core::sentiment;

use super::emit;
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, clap::Args)]
pub struct SentimentArgs {
    /// The text to score, or `-` to read it (UTF-8) from standard input.
    pub text: String,
    /// Print {compound, pos, neu, neg, label} as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SentimentArgs) -> CmdResult {
    let text = if args.text == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("cannot read standard input: {e}")))?;
        super::utf8(bytes, "standard input")?
    } else {
        args.text
    };
    let scores = sentiment::analyze(&text);
    if args.json {
        print_json(&scores)
    } else {
        let label = match scores.label {
            sentiment::Label::Positive => "positive",
            sentiment::Label::Neutral => "neutral",
            sentiment::Label::Negative => "negative",
        };
        emit(|out| writeln!(out, "{label} {}", scores.compound))
    }
}
