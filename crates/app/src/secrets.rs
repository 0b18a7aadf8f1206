//! Secrets at rest: mailbox passwords, TOTP seeds and the like are sealed with a key that lives
//! only in the environment (`RAPPORT_SECRET_KEY`), never in the database. XChaCha20-Poly1305 with
//! a random 24-byte nonce per value: authenticated, so a tampered value fails to open.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, Generate, Key, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::{AppError, AppResult};

pub const KEY_ENV: &str = "RAPPORT_SECRET_KEY";
const PREFIX: &str = "sealed1:";

/// A value that must never be printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Seals and opens secrets with the configured key.
#[derive(Clone, Default)]
pub struct SecretBox {
    cipher: Option<XChaCha20Poly1305>,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecretBox({})",
            if self.cipher.is_some() {
                "key set"
            } else {
                "no key"
            }
        )
    }
}

impl SecretBox {
    /// From `RAPPORT_SECRET_KEY` (32 bytes, base64): no key when unset; an error when malformed.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(KEY_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::from_base64(v.trim()),
            _ => Ok(SecretBox::default()),
        }
    }

    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .or_else(|_| STANDARD.decode(text))
            .map_err(|_| format!("{KEY_ENV} is not base64"))?;
        Self::from_key(&bytes)
    }

    pub fn from_key(key: &[u8]) -> Result<Self, String> {
        if key.len() != 32 {
            return Err(format!(
                "{KEY_ENV} must be 32 bytes (got {}); make one with `rapport secret-key`",
                key.len()
            ));
        }
        let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|e| e.to_string())?;
        Ok(SecretBox {
            cipher: Some(cipher),
        })
    }

    /// A fresh random key, base64url: what `rapport secret-key` prints.
    pub fn generate_key() -> String {
        let key = Key::<XChaCha20Poly1305>::generate();
        URL_SAFE_NO_PAD.encode(key.as_slice())
    }

    pub fn is_configured(&self) -> bool {
        self.cipher.is_some()
    }

    fn cipher(&self) -> AppResult<&XChaCha20Poly1305> {
        self.cipher.as_ref().ok_or_else(|| {
            AppError::NotConfigured(format!(
                "{KEY_ENV} is not set on the server, and mailbox passwords, webhook secrets and \
                 authenticator seeds are stored sealed with it: make one with `rapport secret-key`, \
                 set it in the server's environment and restart"
            ))
        })
    }

    pub fn seal(&self, plaintext: &Secret) -> AppResult<String> {
        let cipher = self.cipher()?;
        let nonce = XNonce::generate();
        let mut out = nonce.to_vec();
        out.extend(
            cipher
                .encrypt(&nonce, plaintext.expose().as_bytes())
                .map_err(|_| AppError::bug("sealing a secret failed"))?,
        );
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    pub fn open(&self, sealed: &str) -> AppResult<Secret> {
        let cipher = self.cipher()?;
        let bad =
            || AppError::bug("a stored secret could not be opened (wrong RAPPORT_SECRET_KEY?)");
        let body = sealed.strip_prefix(PREFIX).ok_or_else(bad)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        if bytes.len() < 24 {
            return Err(bad());
        }
        let (nonce, ct) = bytes.split_at(24);
        let nonce = XNonce::try_from(nonce).map_err(|_| bad())?;
        let plain = cipher.decrypt(&nonce, ct).map_err(|_| bad())?;
        String::from_utf8(plain).map(Secret).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let b = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let s = b.seal(&Secret::new("imap password")).unwrap();
        assert!(s.starts_with(PREFIX));
        assert!(!s.contains("imap"));
        assert_eq!(b.open(&s).unwrap().expose(), "imap password");
        // A different nonce each time.
        assert_ne!(s, b.seal(&Secret::new("imap password")).unwrap());
        // Another key cannot open it; tampering is detected.
        let other = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        assert!(other.open(&s).is_err());
        let mut tampered = s.clone();
        tampered.pop();
        tampered.push(if s.ends_with('A') { 'B' } else { 'A' });
        assert!(b.open(&tampered).is_err());
    }

    #[test]
    fn keys_are_checked_and_secrets_never_print() {
        assert!(
            SecretBox::from_base64("c2hvcnQ")
                .unwrap_err()
                .contains("32 bytes")
        );
        assert!(!SecretBox::default().is_configured());
        assert!(SecretBox::default().seal(&Secret::new("x")).is_err());
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
    }
}
