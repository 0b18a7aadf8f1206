//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the second
//! factor authenticator apps speak.

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha1::Sha1;

const STEP_SECS: i64 = 30;
const DIGITS: u32 = 6;

/// The code for one 30-second step.
pub fn code_at_step(secret: &[u8], step: i64, digits: u32) -> u32 {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[hash.len() - 1] & 0x0f) as usize;
    let bin = (u32::from(hash[offset]) & 0x7f) << 24
        | u32::from(hash[offset + 1]) << 16
        | u32::from(hash[offset + 2]) << 8
        | u32::from(hash[offset + 3]);
    bin % 10u32.pow(digits)
}

/// The step of `code` when it is the code for now or one step either side (clock drift, slow
/// typing) and later than `used`, the step last accepted: a code works once (RFC 6238, 5.2), so
/// one seen over a shoulder or in a log is spent.
pub fn verify(secret: &[u8], code: &str, now: Timestamp, used: Option<i64>) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let Ok(given) = code.parse::<u32>() else {
        return None;
    };
    let step = now.as_second().div_euclid(STEP_SECS);
    // Compare all three without an early exit.
    [-1i64, 0, 1].iter().fold(None, |found, d| {
        let s = step + d;
        let fresh = used.is_none_or(|u| s > u);
        if code_at_step(secret, s, DIGITS) == given && fresh {
            Some(s)
        } else {
            found
        }
    })
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding: how authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The `otpauth://` URL authenticator apps scan.
pub fn otpauth_url(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, expected) in [
            (59i64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code_at_step(secret, t / 30, 8), expected, "t = {t}");
        }
    }

    #[test]
    fn verify_allows_one_step_of_drift_only() {
        let secret = b"12345678901234567890";
        let now = Timestamp::from_second(1111111111).unwrap();
        let code = |step: i64| format!("{:06}", code_at_step(secret, step, 6));
        let step = 1111111111 / 30;
        assert_eq!(verify(secret, &code(step), now, None), Some(step));
        assert_eq!(verify(secret, &code(step - 1), now, None), Some(step - 1));
        assert_eq!(verify(secret, &code(step + 1), now, None), Some(step + 1));
        assert_eq!(verify(secret, &code(step + 2), now, None), None);
        assert_eq!(verify(secret, "abcdef", now, None), None);
        assert_eq!(verify(secret, "12345", now, None), None);
    }

    #[test]
    fn a_code_works_once() {
        let secret = b"12345678901234567890";
        let now: Timestamp = "2030-03-04T10:00:00Z".parse().unwrap();
        let step = now.as_second().div_euclid(STEP_SECS);
        let code = |s: i64| format!("{:06}", code_at_step(secret, s, DIGITS));
        assert_eq!(verify(secret, &code(step), now, Some(step)), None);
        assert_eq!(verify(secret, &code(step - 1), now, Some(step)), None);
        assert_eq!(
            verify(secret, &code(step + 1), now, Some(step)),
            Some(step + 1)
        );
        assert_eq!(verify(secret, &code(step), now, Some(step - 1)), Some(step));
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        for n in 0..40 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(from_base32(&base32(&bytes)).unwrap(), bytes);
        }
        assert!(from_base32("not base32!").is_none());
    }
}
