//! The effective etiquette for writing to one contact: the client's profile and the contact's
//! merged, with the name to greet them by and whether their calendar is open now. What a
//! composer needs in one piece. Its own module, above both `client` and `etiquette`, since it
//! reads the records of one and the rules of the other.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarSpec};
use crate::client::{Client, Contact};
use crate::etiquette::lint::{LintError, Linter, Recipient};
use crate::etiquette::{GlossaryEntry, Tone};
use crate::ids::{ClientId, ContactId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffectiveEtiquette {
    pub client_id: ClientId,
    pub contact_id: ContactId,
    pub contact_name: String,
    /// The name to greet them by ("Dr Mehta", "Priya"), as the lint expects it.
    pub address_as: Option<String>,
    pub form_of_address: Option<String>,
    pub tone: Tone,
    pub language: Option<String>,
    /// Phrases not to use: the client's, then the contact's own (first spelling kept).
    pub avoid: Vec<String>,
    /// Their word for ours.
    pub glossary: Vec<GlossaryEntry>,
    /// Their business calendar: outside it is their quiet time.
    pub calendar: CalendarSpec,
    /// Whether a message sent now arrives in their working hours.
    pub open_now: bool,
    /// The next instant they are open (now, when open).
    pub next_open: Option<Timestamp>,
}

impl EffectiveEtiquette {
    pub fn new(
        client: &Client,
        contact: &Contact,
        calendar: &Calendar,
        now: Timestamp,
    ) -> Result<Self, LintError> {
        let recipient = Recipient {
            name: &contact.name,
            etiquette: &contact.etiquette,
        };
        let linter = Linter::new(&client.etiquette, Some(&recipient))?;
        let mut seen = std::collections::HashSet::new();
        let avoid = client
            .etiquette
            .avoid
            .iter()
            .chain(&contact.etiquette.avoid)
            .filter(|w| seen.insert(w.trim().to_lowercase()))
            .cloned()
            .collect();
        Ok(EffectiveEtiquette {
            client_id: client.id,
            contact_id: contact.id,
            contact_name: contact.name.clone(),
            address_as: linter.addressee_name().map(str::to_string),
            form_of_address: contact.etiquette.form_of_address.clone(),
            tone: client.etiquette.tone,
            language: client.etiquette.language.clone(),
            avoid,
            glossary: client.etiquette.glossary.clone(),
            calendar: client.calendar.clone(),
            open_now: calendar.is_open(now),
            next_open: calendar.next_open(now),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etiquette::{ClientEtiquette, ContactEtiquette};
    use crate::ids::OrgId;

    #[test]
    fn merges_the_profiles_and_names_the_addressee() {
        let now: Timestamp = "2026-03-07T23:00:00Z".parse().unwrap(); // a Saturday night
        let spec = CalendarSpec::office_hours("America/New_York");
        let client = Client {
            id: ClientId(1),
            org_id: OrgId(1),
            name: "Okra Foods".into(),
            locale: "en-GB".into(),
            calendar: spec.clone(),
            etiquette: ClientEtiquette {
                tone: Tone::Formal,
                language: Some("en-GB".into()),
                avoid: vec!["guys".into(), "Ma'am".into()],
                glossary: vec![GlossaryEntry {
                    ours: "ladies' fingers".into(),
                    theirs: "okra".into(),
                }],
            },
            notes: String::new(),
            created_at: now,
            updated_at: now,
        };
        let contact = Contact {
            id: ContactId(2),
            org_id: OrgId(1),
            client_id: ClientId(1),
            name: "Priya Mehta".into(),
            email: "priya@okra.example".into(),
            phone: None,
            etiquette: ContactEtiquette {
                preferred_name: Some("Dr Mehta".into()),
                form_of_address: Some("Dr".into()),
                avoid: vec!["ma'am".into(), "Priya".into()],
            },
            portal_enabled: false,
            role: crate::access::ContactRole::DEFAULT,
            created_at: now,
            updated_at: now,
        };
        let cal = spec.compile().unwrap();
        let e = EffectiveEtiquette::new(&client, &contact, &cal, now).unwrap();
        assert_eq!(e.address_as.as_deref(), Some("Dr Mehta"));
        assert_eq!(e.avoid, ["guys", "Ma'am", "Priya"]);
        assert!(!e.open_now);
        assert_eq!(
            e.next_open,
            Some("2026-03-09T13:00:00Z".parse().unwrap()),
            "Monday 09:00 in New York"
        );
    }
}
