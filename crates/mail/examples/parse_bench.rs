//! Messages parsed per second on the corpus, and how time grows with hostile sizes.
//!
//! cargo run --release -p rapport-mail --example parse_bench [SECONDS]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use rapport_mail::{ParseLimits, parse};

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    let messages: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let limits = ParseLimits::default();

    // Warm up, then run whole passes over the corpus until the time is up.
    for m in &messages {
        let _ = black_box(parse(m, &limits));
    }
    let budget = Duration::from_secs(seconds);
    let start = Instant::now();
    let mut parsed = 0u64;
    while start.elapsed() < budget {
        for m in &messages {
            let _ = black_box(parse(black_box(m), &limits));
        }
        parsed += messages.len() as u64;
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "corpus: {} messages, {} bytes; {parsed} parses in {elapsed:.2} s = {:.0} messages/s, {:.1} MB/s",
        messages.len(),
        bytes,
        parsed as f64 / elapsed,
        (parsed as f64 / messages.len() as f64) * bytes as f64 / elapsed / 1e6
    );

    // Hostile sizes: time should grow linearly with input size.
    for mib in [1usize, 2, 4, 8] {
        let mut raw = b"From: a@b.example\r\nX-Junk: ".to_vec();
        raw.extend(std::iter::repeat_n(b'j', mib << 20));
        raw.extend_from_slice(b"\r\nSubject: x\r\n\r\nbody\r\n");
        report(&format!("header line of {mib} MiB"), &raw, &limits);
    }
    // Inside a MIME part the pre-scan does not cut; mail-parser must stay linear by itself.
    for mib in [1usize, 4, 8] {
        let mut raw = b"From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nX-Junk: ".to_vec();
        raw.extend(std::iter::repeat_n(b'j', mib << 20));
        raw.extend_from_slice(b"\r\n\r\nbody\r\n--b--\r\n");
        report(&format!("part header of {mib} MiB"), &raw, &limits);
    }
    for kib in [128usize, 256, 512] {
        let mut raw = b"From: a@b.example\r\nSubject: ".to_vec();
        while raw.len() < kib << 10 {
            raw.extend_from_slice(b"=?utf-8?q?=C3=A9t=C3=A9?= ");
        }
        raw.extend_from_slice(b"\r\n\r\nbody\r\n");
        report(&format!("{kib} KiB of encoded words"), &raw, &limits);
    }
    for n in [2_500usize, 5_000, 10_000, 20_000] {
        let mut raw = b"From: a@b.example\r\nSubject: all\r\nTo: ".to_vec();
        for i in 0..n {
            if i > 0 {
                raw.extend_from_slice(b",\r\n ");
            }
            raw.extend_from_slice(format!("User {i} <user{i}@client.example>").as_bytes());
        }
        raw.extend_from_slice(b"\r\n\r\nhi\r\n");
        report(&format!("{n} recipients"), &raw, &limits);
    }
    for mib in [5usize, 10, 20] {
        let mut raw = b"From: a@b.example\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
        let line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n";
        while raw.len() < mib << 20 {
            raw.extend_from_slice(line);
        }
        raw.extend_from_slice(b"--b--\r\n");
        report(&format!("{mib} MiB base64 attachment"), &raw, &limits);
    }
}

fn report(label: &str, raw: &[u8], limits: &ParseLimits) {
    let start = Instant::now();
    let result = black_box(parse(raw, limits));
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let note = match &result {
        Ok(m) => format!("{} warning(s)", m.warnings.len()),
        Err(e) => format!("error: {e}"),
    };
    println!(
        "{label:>28}: {:>9} bytes in {ms:8.1} ms ({note})",
        raw.len()
    );
}
