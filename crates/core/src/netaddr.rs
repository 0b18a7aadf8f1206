//! Which addresses a server may be made to call on a tenant's behalf (webhook targets, mailbox
//! hosts): only addresses on the public internet. Everything else (loopback, private and
//! unique-local networks, link-local where cloud metadata lives, shared, documentation,
//! multicast, reserved ranges, and the IPv6 forms that embed or translate to an IPv4 address)
//! is refused, so that a tenant cannot reach into the server's own network.
//!
//! One classification for every caller: the ranges follow the IANA special-purpose registries
//! (RFC 6890 and its updates). An IPv6 address that carries an IPv4 address (mapped,
//! compatible, translated, NAT64, 6to4) is judged by the IPv4 address it reaches.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonPublic {
    Unspecified,
    Loopback,
    /// RFC 1918, IPv6 unique local (fc00::/7) and deprecated site-local (fec0::/10).
    Private,
    /// 169.254.0.0/16 and fe80::/10; cloud metadata services answer here.
    LinkLocal,
    /// 100.64.0.0/10, carrier-grade NAT.
    Shared,
    Documentation,
    Multicast,
    Broadcast,
    /// Benchmarking, protocol assignments, discard, ORCHID, "this network", 240.0.0.0/4.
    Reserved,
    /// An IPv6 form whose IPv4 address (mapped, compatible, translated, NAT64, 6to4) is not
    /// public, or Teredo, whose IPv4 address cannot be checked.
    Tunnelled,
}

impl NonPublic {
    /// A short description for messages ("a loopback address").
    pub fn describe(self) -> &'static str {
        match self {
            NonPublic::Unspecified => "the unspecified address",
            NonPublic::Loopback => "a loopback address",
            NonPublic::Private => "a private network address",
            NonPublic::LinkLocal => "a link-local address",
            NonPublic::Shared => "a shared (carrier-grade NAT) address",
            NonPublic::Documentation => "a documentation address",
            NonPublic::Multicast => "a multicast address",
            NonPublic::Broadcast => "the broadcast address",
            NonPublic::Reserved => "a reserved address",
            NonPublic::Tunnelled => "an IPv6 form of a non-public IPv4 address",
        }
    }
}

/// `None` when `ip` is on the public internet; otherwise why not.
pub fn classify(ip: IpAddr) -> Option<NonPublic> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// Whether `ip` is an address on the public internet (see [`classify`]).
pub fn is_public(ip: IpAddr) -> bool {
    classify(ip).is_none()
}

fn classify_v4(ip: Ipv4Addr) -> Option<NonPublic> {
    let o = ip.octets();
    Some(match o {
        [0, ..] if ip.is_unspecified() => NonPublic::Unspecified,
        [0, ..] => NonPublic::Reserved, // "this network"
        [127, ..] => NonPublic::Loopback,
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] => NonPublic::Private,
        [169, 254, ..] => NonPublic::LinkLocal,
        [100, b, ..] if (64..=127).contains(&b) => NonPublic::Shared,
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => NonPublic::Documentation,
        [192, 0, 0, _] => NonPublic::Reserved, // IETF protocol assignments
        [192, 88, 99, _] => NonPublic::Reserved, // 6to4 relay anycast (deprecated)
        [198, 18 | 19, ..] => NonPublic::Reserved, // benchmarking
        [224..=239, ..] => NonPublic::Multicast,
        [255, 255, 255, 255] => NonPublic::Broadcast,
        [240..=255, ..] => NonPublic::Reserved,
        _ => return None,
    })
}

/// The IPv4 address an IPv6 address carries when it is one of the forms that reach IPv4.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = |a: u16, b: u16| Ipv4Addr::new((a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8);
    match s {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated but still routed by
        // some stacks); `::` and `::1` are judged as themselves.
        [0, 0, 0, 0, 0, 0xffff, a, b] => Some(low(a, b)),
        [0, 0, 0, 0, 0, 0, a, b] if (a, b) != (0, 0) && (a, b) != (0, 1) => Some(low(a, b)),
        // ::ffff:0:a.b.c.d (SIIT translated).
        [0, 0, 0, 0, 0xffff, 0, a, b] => Some(low(a, b)),
        // 64:ff9b::/96, the well-known NAT64 prefix.
        [0x64, 0xff9b, 0, 0, 0, 0, a, b] => Some(low(a, b)),
        // 2002::/16, 6to4: the IPv4 address follows the prefix.
        [0x2002, a, b, ..] => Some(low(a, b)),
        _ => None,
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<NonPublic> {
    if ip.is_unspecified() {
        return Some(NonPublic::Unspecified);
    }
    if ip.is_loopback() {
        return Some(NonPublic::Loopback);
    }
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4).map(|_| NonPublic::Tunnelled);
    }
    let s = ip.segments();
    Some(match s {
        [a, ..] if a & 0xff00 == 0xff00 => NonPublic::Multicast,
        [a, ..] if a & 0xfe00 == 0xfc00 => NonPublic::Private, // unique local fc00::/7
        [a, ..] if a & 0xffc0 == 0xfec0 => NonPublic::Private, // site-local fec0::/10
        [a, ..] if a & 0xffc0 == 0xfe80 => NonPublic::LinkLocal, // fe80::/10
        [0x2001, 0x0db8, ..] => NonPublic::Documentation,
        [a, ..] if a & 0xfff0 == 0x3ff0 => NonPublic::Documentation, // 3fff::/20
        // 64:ff9b:1::/48, NAT64 for local use: reaches whatever the operator translates to.
        [0x64, 0xff9b, 1, ..] => NonPublic::Tunnelled,
        // Other NAT64 forms under 64:ff9b::/96 not caught above (nonzero middle bits).
        [0x64, 0xff9b, ..] => NonPublic::Tunnelled,
        // 2001::/32, Teredo: the IPv4 end is obfuscated; refuse rather than decode.
        [0x2001, 0, ..] => NonPublic::Tunnelled,
        // 2001::/23 holds the other IETF protocol assignments (ORCHID, AMT, ...); the few
        // globally reachable ones are not places webhooks or mail servers live.
        [0x2001, b, ..] if b < 0x0200 => NonPublic::Reserved,
        [0x0100, 0, 0, 0, ..] => NonPublic::Reserved, // discard-only 100::/64
        // Everything outside 2000::/3 is unassigned or special.
        [a, ..] if a & 0xe000 != 0x2000 => NonPublic::Reserved,
        _ => return None,
    })
}

/// Whether `host` names this machine without being an address ("localhost" and its
/// subdomains resolve to loopback by convention, RFC 6761).
pub fn is_local_name(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost")
}

/// Whether a literal host is an address (as opposed to a name to resolve); IPv6 may come in
/// brackets.
pub fn literal_ip(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<Ipv4Addr>()
        .map(IpAddr::V4)
        .or_else(|_| bare.parse::<Ipv6Addr>().map(IpAddr::V6))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ip: &str) -> Option<NonPublic> {
        classify(ip.parse().unwrap_or_else(|e| panic!("{ip}: {e}")))
    }

    #[test]
    fn ipv4_special_ranges_are_not_public() {
        use NonPublic::*;
        for (ip, want) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Reserved),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.169.254", LinkLocal),
            ("100.64.0.1", Shared),
            ("100.127.255.255", Shared),
            ("192.0.2.10", Documentation),
            ("198.51.100.1", Documentation),
            ("203.0.113.9", Documentation),
            ("192.0.0.8", Reserved),
            ("192.88.99.1", Reserved),
            ("198.18.0.1", Reserved),
            ("198.19.255.1", Reserved),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Broadcast),
        ] {
            assert_eq!(class(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn ipv4_neighbours_of_the_special_ranges_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.255",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "93.184.216.34",
        ] {
            assert_eq!(class(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv6_special_ranges_are_not_public() {
        use NonPublic::*;
        for (ip, want) in [
            ("::", Unspecified),
            ("::1", Loopback),
            ("fc00::1", Private),
            ("fdff:ffff::1", Private),
            ("fec0::1", Private),
            ("feff::1", Private),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001::1", Tunnelled),
            ("2001:10::1", Reserved),
            ("2001:20::1", Reserved),
            ("100::1", Reserved),
            ("::2:3:4:5", Reserved),
            ("4000::1", Reserved),
            ("64:ff9b:1::a00:1", Tunnelled),
        ] {
            assert_eq!(class(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_are_judged_by_their_ipv4_address() {
        for bad in [
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::10.1.2.3",
            "::169.254.169.254",
            "::ffff:0:127.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2002:c0a8:101::1",
        ] {
            assert_eq!(class(bad), Some(NonPublic::Tunnelled), "{bad}");
        }
        for good in [
            "::ffff:8.8.8.8",
            "::8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert_eq!(class(good), None, "{good}");
        }
    }

    #[test]
    fn global_unicast_ipv6_is_public() {
        for ip in [
            "2606:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2001:4860:4860::8888",
            "2001:200::1",
        ] {
            assert_eq!(class(ip), None, "{ip}");
        }
    }

    #[test]
    fn local_names_and_literals() {
        assert!(is_local_name("localhost"));
        assert!(is_local_name("LOCALHOST."));
        assert!(is_local_name("imap.localhost"));
        assert!(!is_local_name("localhost.example.com"));
        assert_eq!(literal_ip("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(literal_ip("10.0.0.1"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(literal_ip("imap.example.com"), None);
    }
}
