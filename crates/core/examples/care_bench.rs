//! Timing of the etiquette lint and VADER sentiment.
//!
//!     cargo run --release -p rapport-core --example care_bench
//!
//! Lints a 5 MB message of mixed scripts against a profile with a few hundred phrases (as a
//! reply to a complaint, with a send time), and scores sentences with VADER.

use std::hint::black_box;
use std::time::Instant;

use jiff::Timestamp;
use rapport_core::calendar::CalendarSpec;
use rapport_core::etiquette::{
    ClientEtiquette, ContactEtiquette, GlossaryEntry, LintOptions, Linter, Recipient, SendAt, Tone,
};
use rapport_core::sentiment;

const SENTENCES: &[&str] = &[
    "Dear Priya, thank you for the report on the autumn campaign.",
    "As per the contract, that is not our fault, madam.",
    "The ladies' fingers arrived late and the C++ (beta) build failed again!!",
    "Grüße aus Köln — naïve café, 日本語のテキスト, привет, مرحبا.",
    "Could you send two examples of the problem by Friday?",
    "We pride ourselves on quick replies, but this one was slow and frankly poor.",
    "I am extremely disappointed with the service we received this month.",
    "Brilliant work, really appreciate the quick turnaround :) 😀",
];

fn main() {
    let client = ClientEtiquette {
        tone: Tone::Formal,
        language: Some("en-GB".into()),
        avoid: (0..300)
            .map(|i| format!("avoidword{i}"))
            .chain(["madam", "sir", "ma'am", "Dear Sir/Madam", "guys"].map(String::from))
            .collect(),
        glossary: (0..200)
            .map(|i| GlossaryEntry {
                ours: format!("ourterm{i}"),
                theirs: format!("theirterm{i}"),
            })
            .chain([
                GlossaryEntry {
                    ours: "autumn".into(),
                    theirs: "fall".into(),
                },
                GlossaryEntry {
                    ours: "ladies' fingers".into(),
                    theirs: "okra".into(),
                },
                GlossaryEntry {
                    ours: "C++ (beta)".into(),
                    theirs: "the new engine".into(),
                },
            ])
            .collect(),
    };
    let etiquette = ContactEtiquette {
        preferred_name: Some("Dr Mehta".into()),
        form_of_address: Some("Dr".into()),
        avoid: vec!["ma'am".into()],
    };
    let contact = Recipient {
        name: "Priya Mehta",
        etiquette: &etiquette,
    };
    let calendar = CalendarSpec::office_hours("America/New_York")
        .compile()
        .unwrap();
    let at: Timestamp = "2026-03-07T23:00:00Z".parse().unwrap();

    let mut text = String::new();
    let mut i = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(SENTENCES[i % SENTENCES.len()]);
        text.push(if i % 7 == 6 { '\n' } else { ' ' });
        i += 1;
    }
    let mb = text.len() as f64 / (1024.0 * 1024.0);

    let started = Instant::now();
    let linter = Linter::new(&client, Some(&contact)).unwrap();
    let build = started.elapsed();
    let options = LintOptions {
        reply_to_complaint: true,
        send_at: Some(SendAt {
            at,
            availability: &calendar,
        }),
    };
    let mut best = f64::MAX;
    let mut findings = 0;
    for _ in 0..5 {
        let started = Instant::now();
        findings = black_box(linter.lint(&text, &options)).len();
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "lint: {mb:.1} MB, {findings} findings, {:.0} ms (best of 5; {:.0} MB/s); profile of {} phrases compiled in {:.1} ms",
        best * 1000.0,
        mb / best,
        client.avoid.len() + 2 * client.glossary.len() + 1,
        build.as_secs_f64() * 1000.0
    );

    let _ = sentiment::analyze("warm up the lexicon");
    let rounds = 20_000;
    let started = Instant::now();
    for k in 0..rounds {
        black_box(sentiment::analyze(SENTENCES[k % SENTENCES.len()]));
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sentiment: {rounds} sentences in {:.0} ms = {:.0} sentences/s",
        secs * 1000.0,
        rounds as f64 / secs
    );

    let started = Instant::now();
    let whole = sentiment::analyze(&text);
    println!(
        "sentiment: the whole {mb:.1} MB text in {:.0} ms (compound {})",
        started.elapsed().as_secs_f64() * 1000.0,
        whole.compound
    );
}
