//! Where a tenant may make the server connect: names are resolved here, every address they
//! resolve to must be public (see [`rapport_core::netaddr`]), and the caller connects to the
//! address that was checked, never to the name again (a second lookup could answer otherwise).
//! Webhook deliveries and IMAP polls both go through [`resolve_public`].

use std::net::SocketAddr;

use rapport_core::netaddr;

/// Why a host may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The host is, or resolves to, an address that is not public.
    #[error("{host} {what}; only public addresses may be called")]
    Refused { host: String, what: String },
    #[error("cannot resolve {host}: {message}")]
    Unresolvable { host: String, message: String },
}

/// The checks that need no lookup: a name for this machine, or a literal non-public address.
pub fn check_literal(host: &str, allow_private: bool) -> Result<(), AddressError> {
    if allow_private {
        return Ok(());
    }
    if netaddr::is_local_name(host) {
        return Err(AddressError::Refused {
            host: host.to_string(),
            what: "is this machine".into(),
        });
    }
    if let Some(ip) = netaddr::literal_ip(host)
        && let Some(why) = netaddr::classify(ip)
    {
        return Err(AddressError::Refused {
            host: host.to_string(),
            what: format!("is {}", why.describe()),
        });
    }
    Ok(())
}

/// Resolve `host` and pick the address to connect to. Unless `allow_private`, every address
/// the name resolves to must be public: a name pointing half at the internet and half inside
/// is refused whole.
pub async fn resolve_public(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<SocketAddr, AddressError> {
    check_literal(host, allow_private)?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|e| AddressError::Unresolvable {
            host: host.to_string(),
            message: e.to_string(),
        })?
        .collect();
    let first = addrs
        .first()
        .copied()
        .ok_or_else(|| AddressError::Unresolvable {
            host: host.to_string(),
            message: "no address".into(),
        })?;
    if allow_private {
        return Ok(first);
    }
    if let Some((ip, why)) = addrs
        .iter()
        .find_map(|a| netaddr::classify(a.ip()).map(|why| (a.ip(), why)))
    {
        return Err(AddressError::Refused {
            host: host.to_string(),
            what: format!("resolves to {ip}, {}", why.describe()),
        });
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        for host in ["127.0.0.1", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"] {
            let e = resolve_public(host, 993, false).await.unwrap_err();
            assert!(matches!(e, AddressError::Refused { .. }), "{host}: {e}");
        }
        let ok = resolve_public("127.0.0.1", 993, true).await.unwrap();
        assert_eq!(ok, "127.0.0.1:993".parse().unwrap());
        // A public literal needs no lookup and is connected to as given.
        let public = resolve_public("93.184.216.34", 993, false).await.unwrap();
        assert_eq!(public, "93.184.216.34:993".parse().unwrap());
    }
}
