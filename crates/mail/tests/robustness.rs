//! Arbitrary and mangled input never panics; the fuzz target (crates/mail/fuzz) goes further.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use rapport_mail::{ParseLimits, parse};

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| fs::read(p).expect("read"))
        .collect()
}

fn check(raw: &[u8]) {
    let limits = ParseLimits {
        max_header_bytes: 256,
        max_recipients: 3,
        ..ParseLimits::default()
    };
    if let Ok(msg) = parse(raw, &limits) {
        serde_json::to_string(&msg).expect("serialisable");
        assert!(msg.to.len() <= 3 && msg.cc.len() <= 3);
        for a in &msg.attachments {
            assert_eq!(a.size, a.data.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_bytes_after_a_header(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut raw = b"From: a@b.example\r\n".to_vec();
        raw.extend_from_slice(&body);
        check(&raw);
        check(&body);
    }

    #[test]
    fn mangled_corpus_messages(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20),
        cut in any::<prop::sample::Index>(),
    ) {
        let all = corpus();
        let mut raw = pick.get(&all).clone();
        for (at, byte) in edits {
            let i = at.index(raw.len());
            raw[i] = byte;
        }
        let keep = cut.index(raw.len() + 1);
        raw.truncate(keep.max(raw.len() / 2));
        check(&raw);
    }
}
