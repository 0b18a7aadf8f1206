//! Fuzz the parser: any bytes in, a ParsedMessage or a refusal out, never a panic, and the
//! result keeps its promises (caps honoured, sizes true, sanitised HTML free of active content).
#![no_main]

use std::cell::RefCell;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use libfuzzer_sys::fuzz_target;
use rapport_mail::{ParseLimits, parse};

/// mail-parser 0.11.9 trips its own debug_assert!s (and overflow checks) on some malformed mail;
/// release builds compile them out, and rapport-mail catches any panic from it anyway. The
/// libFuzzer hook aborts on every panic, even a caught one, so let panics raised inside
/// mail-parser unwind to rapport-mail's guard (counted, reported at powers of two), and keep
/// aborting on all others. A panic that escaped the guard would still reach libFuzzer.
fn tolerate_mail_parser_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let libfuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_mail_parser = info
                .location()
                .is_some_and(|l| l.file().contains("/mail-parser-"));
            if in_mail_parser {
                let n = TOLERATED.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_power_of_two() {
                    eprintln!("tolerated mail-parser panic #{n}: {info}");
                }
            } else {
                libfuzzer_hook(info);
            }
        }));
    });
}

static TOLERATED: AtomicUsize = AtomicUsize::new(0);

fuzz_target!(|data: &[u8]| {
    tolerate_mail_parser_panics();
    // Small limits so the fuzzer reaches the truncation and capping paths with small inputs.
    let limits = ParseLimits {
        max_message_bytes: 1 << 20,
        max_header_bytes: 2048,
        max_recipients: 16,
    };
    let Ok(message) = parse(data, &limits) else {
        return;
    };
    serde_json::to_string(&message).expect("a parsed message always serialises");
    assert!(message.to.len() <= 16 && message.cc.len() <= 16 && message.reply_to.len() <= 16);
    for attachment in &message.attachments {
        assert_eq!(attachment.size, attachment.data.len());
        assert_eq!(attachment.sha256.len(), 64);
    }
    if let Some(html) = &message.html {
        if let Some(problem) = active_content(html) {
            panic!("sanitised HTML still has {problem}: {html}");
        }
    }
    assert_eq!(
        message.auto_submitted,
        message.auto_submitted_reason.is_some()
    );
});

/// Tokenize the sanitised HTML the way a browser would and look for anything that runs or
/// fetches: script-like elements, event handlers, javascript: URLs, remote image sources.
/// (A plain substring search is wrong: " onerror=" may be harmless text.)
fn active_content(html: &str) -> Option<String> {
    let sink = Checker::default();
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.problem.into_inner()
}

#[derive(Default)]
struct Checker {
    problem: RefCell<Option<String>>,
}

impl TokenSink for Checker {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
        {
            let name: &str = &tag.name;
            let mut problem = None;
            if [
                "script", "style", "iframe", "object", "embed", "form", "link", "meta", "base",
            ]
            .contains(&name)
            {
                problem = Some(format!("<{name}>"));
            }
            for attr in &tag.attrs {
                let attr_name: &str = &attr.name.local;
                let value = attr.value.trim().to_ascii_lowercase();
                if attr_name.starts_with("on") {
                    problem = Some(format!("handler {attr_name}"));
                }
                // Only URL-bearing attributes can run or fetch: height="data:..." is just text.
                let is_url = [
                    "href",
                    "src",
                    "action",
                    "formaction",
                    "background",
                    "poster",
                    "srcset",
                ]
                .contains(&attr_name);
                if is_url && (value.starts_with("javascript:") || value.starts_with("data:")) {
                    problem = Some(format!("{attr_name}={value}"));
                }
                if name == "img"
                    && attr_name == "src"
                    && (value.starts_with("http") || value.starts_with("//"))
                {
                    problem = Some(format!("remote image {value}"));
                }
            }
            if problem.is_some() {
                *self.problem.borrow_mut() = problem;
            }
        }
        TokenSinkResult::Continue
    }
}
