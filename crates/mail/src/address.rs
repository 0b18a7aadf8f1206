//! Mailboxes as the rest of Rapport sees them: a display name and an address, groups flattened.

use mail_parser::{Addr, Address, HeaderName, HeaderValue, Message};
use serde::{Deserialize, Serialize};

/// One mailbox: `"Name" <address>`. The address is kept as written (case included) because the
/// local part is case-sensitive in principle; matching code should compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl Mailbox {
    pub fn new(name: Option<&str>, address: &str) -> Self {
        Mailbox {
            name: name.map(str::to_owned),
            address: address.to_owned(),
        }
    }

    /// None when mail-parser found a name but no address (e.g. `To: Bob`).
    fn from_addr(addr: &Addr<'_>) -> Option<Mailbox> {
        let address = addr.address.as_deref()?.trim();
        if address.is_empty() {
            return None;
        }
        let name = addr
            .name
            .as_deref()
            .map(|n| crate::words::decode_embedded(n).trim().to_string())
            .filter(|n| !n.is_empty())
            // `"bob@x.org" <bob@x.org>` carries no name; showing the address twice is noise.
            .filter(|n| !n.eq_ignore_ascii_case(address));
        Some(Mailbox {
            name,
            address: address.to_owned(),
        })
    }
}

/// A display name that is itself an address (`local@domain`, no spaces).
fn looks_like_address(name: &str) -> bool {
    let name = name.trim().trim_matches(['\'', '"', '<', '>']);
    match name.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !name.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

fn addrs<'a>(address: &'a Address<'a>) -> Box<dyn Iterator<Item = &'a Addr<'a>> + 'a> {
    match address {
        Address::List(list) => Box::new(list.iter()),
        Address::Group(groups) => Box::new(groups.iter().flat_map(|g| g.addresses.iter())),
    }
}

/// All mailboxes of every `field` header of the top-level part, at most `cap` of them.
pub(crate) fn mailbox_list(
    message: &Message<'_>,
    field: HeaderName<'static>,
    label: &str,
    cap: usize,
    warnings: &mut Vec<String>,
) -> Vec<Mailbox> {
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut nameless = 0usize;
    for value in message.header_values(field) {
        let HeaderValue::Address(address) = value else {
            continue;
        };
        for addr in addrs(address) {
            match Mailbox::from_addr(addr) {
                Some(mailbox) => {
                    total += 1;
                    if out.len() < cap {
                        out.push(mailbox);
                    }
                }
                None => nameless += 1,
            }
        }
    }
    if total > cap {
        warnings.push(format!(
            "{label} has {total} addresses; only the first {cap} are kept"
        ));
    }
    if nameless > 0 {
        warnings.push(format!(
            "{label} has {nameless} entr{} without an address; skipped",
            if nameless == 1 { "y" } else { "ies" }
        ));
    }
    out
}

/// The author. A message must have exactly one From mailbox; we take the first and say so.
pub(crate) fn from_mailbox(message: &Message<'_>, warnings: &mut Vec<String>) -> Option<Mailbox> {
    let Some(value) = message.header(HeaderName::From) else {
        warnings.push("missing From header".to_string());
        return None;
    };
    let HeaderValue::Address(address) = value else {
        warnings.push("From header has no address".to_string());
        return None;
    };
    let all: Vec<Mailbox> = addrs(address).filter_map(Mailbox::from_addr).collect();
    if let Some(Mailbox {
        name: Some(name),
        address,
    }) = all.first()
        && looks_like_address(name)
    {
        // `ceo@client.example <someone@elsewhere.example>`: mail clients show the name, so
        // the reader sees the client's address. We route by the real one and say so.
        warnings.push(format!(
            "From display name {name:?} is an address other than the sender's <{address}> \
             (a common spoofing form); routed by the address in angle brackets"
        ));
    }
    match all.len() {
        0 => {
            warnings.push("From header has no address".to_string());
            None
        }
        1 => all.into_iter().next(),
        n => {
            warnings.push(format!("From header has {n} addresses; using the first"));
            all.into_iter().next()
        }
    }
}
