//! TLS for the mail clients: rustls with the ring provider and the system's trusted roots.

use std::sync::{Arc, OnceLock};

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// One client configuration per process: loading the system roots reads files.
pub(crate) fn connector() -> TlsConnector {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            tracing::warn!(
                "no trusted root certificates found: TLS connections to mail servers will fail"
            );
        }
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            .unwrap_or_else(|_| {
                // The ring provider supports the default versions; this is unreachable in
                // practice, and an empty trust store fails closed if it is not.
                ClientConfig::builder_with_provider(Arc::new(
                    tokio_rustls::rustls::crypto::ring::default_provider(),
                ))
                .with_protocol_versions(&[&tokio_rustls::rustls::version::TLS13])
                .expect("TLS 1.3 with ring")
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth()
            });
        Arc::new(config)
    });
    TlsConnector::from(Arc::clone(config))
}
