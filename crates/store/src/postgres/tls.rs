//! TLS to PostgreSQL with rustls (ring provider): no system OpenSSL, so `cargo build` needs
//! nothing but cargo.
//!
//! The URL's `sslmode` follows libpq: `disable`, `prefer` and `require` encrypt without
//! checking who answers (unless a CA is given, which makes `require` check the chain, as libpq
//! does); `verify-ca` checks the chain; `verify-full` checks the chain and the host name.
//! The CA comes from `sslrootcert=FILE` in the URL or `--db-ca-cert FILE` (which wins);
//! `sslrootcert=system` or no CA means the system's trusted roots. A CA with no `sslmode`
//! means `verify-full`. Without either, connections are plain, as before.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme,
};

use crate::error::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(v: &str) -> Result<SslMode, StoreError> {
        Ok(match v {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(StoreError::Unavailable(format!(
                    "sslmode={other}: use disable, prefer, require, verify-ca or verify-full"
                )));
            }
        })
    }
}

/// Where trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    System,
    File(PathBuf),
}

/// The TLS settings of a connection, and the URL left for the driver (which does not know
/// `verify-*` or `sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsPlan {
    pub url: String,
    pub mode: SslMode,
    pub roots: Option<Roots>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Read `sslmode` and `sslrootcert` out of `url`; `ca_cert` (the `--db-ca-cert` flag) wins
/// over `sslrootcert`.
pub fn plan(url: &str, ca_cert: Option<&Path>) -> Result<TlsPlan, StoreError> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => mode = Some(SslMode::parse(&percent_decode(v))?),
            "sslrootcert" => {
                let v = percent_decode(v);
                root = Some(if v == "system" {
                    Roots::System
                } else {
                    Roots::File(PathBuf::from(v))
                });
            }
            _ => kept.push(pair),
        }
    }
    if let Some(f) = ca_cert {
        root = Some(Roots::File(f.to_path_buf()));
    }
    let mode = match (mode, &root) {
        (Some(m), _) => m,
        (None, Some(_)) => SslMode::VerifyFull,
        (None, None) => SslMode::Disable,
    };
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(TlsPlan {
        url,
        mode,
        roots: root,
    })
}

fn roots(r: &Roots) -> Result<RootCertStore, StoreError> {
    let mut store = RootCertStore::empty();
    match r {
        Roots::File(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    StoreError::Unavailable(format!(
                        "cannot read the CA certificate {}: {e}",
                        path.display()
                    ))
                })?;
            for c in certs {
                store.add(c).map_err(|e| {
                    StoreError::Unavailable(format!(
                        "the CA certificate {} is not usable: {e}",
                        path.display()
                    ))
                })?;
            }
            if store.is_empty() {
                return Err(StoreError::Unavailable(format!(
                    "{} holds no PEM certificate",
                    path.display()
                )));
            }
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = store.add(c);
            }
            if store.is_empty() {
                return Err(StoreError::Unavailable(
                    "no trusted root certificates found on this system; give --db-ca-cert FILE"
                        .into(),
                ));
            }
        }
    }
    Ok(store)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls configuration for `plan`, or `None` for a plain connection.
pub fn client_config(plan: &TlsPlan) -> Result<Option<ClientConfig>, StoreError> {
    let tls_err = |e: Error| StoreError::Unavailable(format!("TLS setup failed: {e}"));
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?;
    let verifier = |roots: RootCertStore| {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| StoreError::Unavailable(format!("TLS setup failed: {e}")))
    };
    let config = match (plan.mode, &plan.roots) {
        (SslMode::Disable, _) => return Ok(None),
        (SslMode::VerifyFull, r) => builder
            .with_root_certificates(roots(r.as_ref().unwrap_or(&Roots::System))?)
            .with_no_client_auth(),
        // libpq: with a CA, `require` checks the chain as `verify-ca` does.
        (SslMode::VerifyCa, r) | (SslMode::Require | SslMode::Prefer, r @ Some(_)) => {
            let inner = verifier(roots(r.as_ref().unwrap_or(&Roots::System))?)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyHostName(inner)))
                .with_no_client_auth()
        }
        (SslMode::Require | SslMode::Prefer, None) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider.clone())))
            .with_no_client_auth(),
    };
    Ok(Some(config))
}

/// `verify-ca`: the chain must lead to a trusted root; the name in it is not compared.
#[derive(Debug)]
struct AnyHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `require` without a CA: encrypted, but anyone may answer (libpq's meaning). The handshake
/// signatures are still checked, so the session key belongs to the certificate shown.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_parameters_are_taken_out_of_the_url() {
        let p = plan(
            "postgres://u:pw@db.example/rapport?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
            None,
        )
        .unwrap();
        assert_eq!(
            p.url,
            "postgres://u:pw@db.example/rapport?application_name=x"
        );
        assert_eq!(p.mode, SslMode::VerifyFull);
        assert_eq!(p.roots, Some(Roots::File("/etc/ca.pem".into())));

        let p = plan("postgres://db/r?sslmode=require", None).unwrap();
        assert_eq!(
            (p.url.as_str(), p.mode, p.roots),
            ("postgres://db/r", SslMode::Require, None)
        );

        // A CA alone asks for verification; the flag wins over the URL.
        let p = plan(
            "postgres://db/r?sslrootcert=system",
            Some(Path::new("/x.pem")),
        )
        .unwrap();
        assert_eq!(p.mode, SslMode::VerifyFull);
        assert_eq!(p.roots, Some(Roots::File("/x.pem".into())));

        assert_eq!(
            plan("postgres://db/r", None).unwrap().mode,
            SslMode::Disable
        );
        let e = plan("postgres://db/r?sslmode=paranoid", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("sslmode=paranoid"), "{e}");
    }

    #[test]
    fn configs_by_mode() {
        let cfg = |url: &str| client_config(&plan(url, None).unwrap());
        assert!(cfg("postgres://db/r").unwrap().is_none());
        assert!(cfg("postgres://db/r?sslmode=require").unwrap().is_some());
        let e =
            client_config(&plan("postgres://db/r", Some(Path::new("/no/such/ca.pem"))).unwrap())
                .unwrap_err()
                .to_string();
        assert!(e.contains("/no/such/ca.pem"), "{e}");
    }
}
