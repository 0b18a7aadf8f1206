//! Clients (customer companies) and their contacts.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::ContactRole;
use crate::calendar::CalendarSpec;
use crate::etiquette::{ClientEtiquette, ContactEtiquette};
use crate::ids::{ClientId, ContactId, OrgId};
use crate::patch;
use crate::validate::{self, Violations, limits};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Client {
    pub id: ClientId,
    pub org_id: OrgId,
    pub name: String,
    /// BCP 47 locale for dates and wording, e.g. `en-GB`.
    pub locale: String,
    /// Zone, working hours and holidays the client keeps.
    pub calendar: CalendarSpec,
    pub etiquette: ClientEtiquette,
    pub notes: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A client as an API caller may see it. Members see everything; a client's own contact sees
/// no more than the firm would tell them: not the firm's notes about them (Zendesk imports put
/// private notes there) nor the etiquette staff keep for writing to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientView {
    pub id: ClientId,
    pub org_id: OrgId,
    pub name: String,
    /// BCP 47 locale for dates and wording, e.g. `en-GB`.
    pub locale: String,
    /// Zone, working hours and holidays the client keeps.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub calendar: CalendarSpec,
    /// Members only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub etiquette: Option<ClientEtiquette>,
    /// Members only: the firm's internal notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ClientView {
    /// Everything, for members.
    pub fn full(mut c: Client) -> Self {
        let etiquette = std::mem::take(&mut c.etiquette);
        let notes = std::mem::take(&mut c.notes);
        ClientView {
            etiquette: Some(etiquette),
            notes: Some(notes),
            ..Self::for_contact(c)
        }
    }

    /// What the client's own contact may see.
    pub fn for_contact(c: Client) -> Self {
        ClientView {
            id: c.id,
            org_id: c.org_id,
            name: c.name,
            locale: c.locale,
            calendar: c.calendar,
            etiquette: None,
            notes: None,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Northwind Traders", "locale": "en-GB", "calendar": {"tz": "Europe/London", "hours": ["mon-fri 09:00-17:30"], "countries": ["GB"]}, "etiquette": {"tone": "formal", "avoid": ["Dear Sir/Madam"]}})))]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// Unique within the firm; 1-200 characters.
    pub name: String,
    /// `{tz, hours?, holidays?, countries?}`; hours default to `mon-fri 09:00-17:00`.
    pub calendar: CalendarSpec,
    /// Default `en`.
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub etiquette: Option<ClientEtiquette>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ClientDraft {
    pub name: String,
    pub locale: String,
    pub calendar: CalendarSpec,
    pub etiquette: ClientEtiquette,
    pub notes: String,
}

impl NewClient {
    pub fn validate(self) -> Result<ClientDraft, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", validate::line(&self.name, limits::NAME));
        let locale = v.check(
            "locale",
            validate::locale(self.locale.as_deref().unwrap_or("en")),
        );
        let calendar = calendar_spec(self.calendar, "calendar", &mut v);
        let etiquette = client_etiquette(self.etiquette.unwrap_or_default(), &mut v);
        let notes = v.check(
            "notes",
            validate::optional_text(self.notes.as_deref().unwrap_or(""), limits::NOTE),
        );
        v.finish(|| ClientDraft {
            name: name.unwrap_or_default(),
            locale: locale.unwrap_or_default(),
            calendar,
            etiquette,
            notes: notes.unwrap_or_default(),
        })
    }
}

/// Validate a calendar spec: every field is checked, then the whole calendar is compiled so
/// that hours which parse but cannot work together (overlaps, an empty week) are caught too.
pub fn calendar_spec(mut spec: CalendarSpec, field: &str, v: &mut Violations) -> CalendarSpec {
    if spec.hours.is_empty() {
        spec.hours = vec!["mon-fri 09:00-17:00".to_string()];
    }
    spec.tz = spec.tz.trim().to_string();
    for c in spec.countries.iter_mut() {
        *c = c.trim().to_ascii_uppercase();
    }
    if let Err(e) = spec.compile() {
        v.add(format!("{field}.{}", calendar_field(&e)), e.to_string());
    }
    spec
}

/// The spec field a calendar error belongs to.
pub fn calendar_field(e: &crate::calendar::CalendarError) -> &'static str {
    use crate::calendar::CalendarPart;
    match e.part() {
        CalendarPart::Zone => "tz",
        CalendarPart::Holidays => "holidays",
        CalendarPart::Countries => "countries",
        _ => "hours",
    }
}

fn client_etiquette(mut e: ClientEtiquette, v: &mut Violations) -> ClientEtiquette {
    if let Some(lang) = &e.language
        && let Some(l) = v.check("etiquette.language", validate::locale(lang))
    {
        e.language = Some(l);
    }
    e.avoid = validate::word_list(&e.avoid, "etiquette.avoid", v);
    if e.glossary.len() > limits::WORD_LIST {
        v.add(
            "etiquette.glossary",
            format!("at most {} entries", limits::WORD_LIST),
        );
    }
    for (i, g) in e.glossary.iter_mut().enumerate() {
        if let Some(o) = v.check(
            &format!("etiquette.glossary[{i}].ours"),
            validate::line(&g.ours, limits::WORD),
        ) {
            g.ours = o;
        }
        if let Some(t) = v.check(
            &format!("etiquette.glossary[{i}].theirs"),
            validate::line(&g.theirs, limits::WORD),
        ) {
            g.theirs = t;
        }
    }
    e
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub calendar: Option<CalendarSpec>,
    #[serde(default)]
    pub etiquette: Option<ClientEtiquette>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl ClientPatch {
    pub fn apply(self, c: &Client) -> Result<Client, Violations> {
        let mut v = Violations::new();
        let mut out = c.clone();
        if let Some(n) = &self.name
            && let Some(n) = v.check("name", validate::line(n, limits::NAME))
        {
            out.name = n;
        }
        if let Some(l) = &self.locale
            && let Some(l) = v.check("locale", validate::locale(l))
        {
            out.locale = l;
        }
        if let Some(cal) = self.calendar {
            out.calendar = calendar_spec(cal, "calendar", &mut v);
        }
        if let Some(e) = self.etiquette {
            out.etiquette = client_etiquette(e, &mut v);
        }
        if let Some(n) = &self.notes
            && let Some(n) = v.check("notes", validate::optional_text(n, limits::NOTE))
        {
            out.notes = n;
        }
        v.finish(|| out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: ContactId,
    pub org_id: OrgId,
    pub client_id: ClientId,
    pub name: String,
    /// Unique within the firm: inbound mail is routed by it.
    pub email: String,
    pub phone: Option<String>,
    pub etiquette: ContactEtiquette,
    /// Whether the contact may use the client portal: off until a manager invites them, and
    /// off again when a manager revokes it. Only then do sign-in links and sessions work.
    pub portal_enabled: bool,
    /// What they may do in the portal: `requester` (their own requests), `viewer` (all of the
    /// client's requests), `approver` (also decides change orders), `client_admin` (also
    /// manages the client's contacts).
    pub role: ContactRole,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"client_id": 1, "name": "Priya Mehta", "email": "priya@northwind.example", "etiquette": {"preferred_name": "Dr Mehta", "form_of_address": "Dr"}})))]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub client_id: ClientId,
    /// 1-200 characters.
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub etiquette: Option<ContactEtiquette>,
    /// Default `approver`: what every contact could do before roles existed.
    #[serde(default)]
    pub role: Option<ContactRole>,
}

#[derive(Debug, Clone)]
pub struct ContactDraft {
    pub client_id: ClientId,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub etiquette: ContactEtiquette,
    pub role: ContactRole,
}

fn contact_etiquette(mut e: ContactEtiquette, v: &mut Violations) -> ContactEtiquette {
    if let Some(p) = &e.preferred_name {
        e.preferred_name = v.check("etiquette.preferred_name", validate::line(p, limits::NAME));
    }
    if let Some(f) = &e.form_of_address {
        e.form_of_address = v.check("etiquette.form_of_address", validate::line(f, limits::WORD));
    }
    e.avoid = validate::word_list(&e.avoid, "etiquette.avoid", v);
    e
}

fn phone(value: &str) -> Result<String, String> {
    let p = validate::line(value, 40)?;
    if p.chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        Ok(p)
    } else {
        Err(format!("{p:?} may only hold digits, spaces and + - ( ) ."))
    }
}

impl NewContact {
    pub fn validate(self) -> Result<ContactDraft, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", validate::line(&self.name, limits::NAME));
        let email = v.check("email", validate::email(&self.email));
        let phone = self
            .phone
            .as_deref()
            .and_then(|p| v.check("phone", phone(p)));
        let etiquette = contact_etiquette(self.etiquette.unwrap_or_default(), &mut v);
        v.finish(|| ContactDraft {
            client_id: self.client_id,
            name: name.unwrap_or_default(),
            email: email.unwrap_or_default(),
            phone,
            etiquette,
            role: self.role.unwrap_or(ContactRole::DEFAULT),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "patch::double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    pub etiquette: Option<ContactEtiquette>,
    /// `false` revokes portal access (managers and above): the contact's sessions, password and
    /// unused links end. Access is given by an invitation (`POST /api/v1/contacts/{id}/invite`),
    /// so `true` is accepted only when access is already on.
    #[serde(default)]
    pub portal_enabled: Option<bool>,
    /// The contact's role in the portal (managers and above, or the client's own client admin).
    #[serde(default)]
    pub role: Option<ContactRole>,
}

/// What a contact patch changes about portal access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalChange {
    Keep,
    Revoke,
}

impl ContactPatch {
    pub fn apply(self, c: &Contact) -> Result<(Contact, PortalChange), Violations> {
        let mut v = Violations::new();
        let mut out = c.clone();
        if let Some(n) = &self.name
            && let Some(n) = v.check("name", validate::line(n, limits::NAME))
        {
            out.name = n;
        }
        if let Some(e) = &self.email
            && let Some(e) = v.check("email", validate::email(e))
        {
            out.email = e;
        }
        match self.phone {
            None => {}
            Some(None) => out.phone = None,
            Some(Some(p)) => out.phone = v.check("phone", phone(&p)),
        }
        if let Some(e) = self.etiquette {
            out.etiquette = contact_etiquette(e, &mut v);
        }
        if let Some(r) = self.role {
            out.role = r;
        }
        let portal = match (self.portal_enabled, c.portal_enabled) {
            (Some(false), true) => {
                out.portal_enabled = false;
                PortalChange::Revoke
            }
            (Some(true), false) => {
                v.add(
                    "portal_enabled",
                    "portal access is given by an invitation the contact accepts \
                     (POST /api/v1/contacts/{id}/invite)",
                );
                PortalChange::Keep
            }
            _ => PortalChange::Keep,
        };
        v.finish(|| (out, portal))
    }
}

impl Contact {
    /// Whether going from `self` to `after` touches the keys to the portal (where sign-in links
    /// are mailed, or access itself): staff who may edit contacts may not do that.
    pub fn access_changed(&self, after: &Contact) -> bool {
        self.email != after.email || self.portal_enabled != after.portal_enabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_defaults_and_errors() {
        let mut v = Violations::new();
        let spec = calendar_spec(
            CalendarSpec {
                tz: "Asia/Kolkata".into(),
                hours: vec![],
                holidays: vec!["2026-01-26".into(), "26/01/2026".into()],
                countries: vec!["in".into()],
            },
            "calendar",
            &mut v,
        );
        assert_eq!(spec.hours, vec!["mon-fri 09:00-17:00"]);
        assert_eq!(spec.countries[0], "IN");
        let fields: Vec<_> = v.0.iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["calendar.holidays"]);
        assert!(v.0[0].message.contains("26/01/2026"), "{}", v.0[0].message);

        for (spec, field) in [
            (
                CalendarSpec {
                    tz: "Mars/Base".into(),
                    ..CalendarSpec::office_hours("UTC")
                },
                "calendar.tz",
            ),
            (
                CalendarSpec {
                    hours: vec!["mon-fri 9-5".into()],
                    ..CalendarSpec::office_hours("UTC")
                },
                "calendar.hours",
            ),
            (
                CalendarSpec {
                    hours: vec!["mon 09:00-12:00".into(), "mon 11:00-13:00".into()],
                    ..CalendarSpec::office_hours("UTC")
                },
                "calendar.hours",
            ),
            (
                CalendarSpec {
                    countries: vec!["XX".into()],
                    ..CalendarSpec::office_hours("UTC")
                },
                "calendar.countries",
            ),
        ] {
            let mut v = Violations::new();
            calendar_spec(spec, "calendar", &mut v);
            assert_eq!(v.0.len(), 1, "{field}");
            assert_eq!(v.0[0].field, field);
        }
    }

    #[test]
    fn contact_patch_semantics() {
        let c = Contact {
            id: ContactId(1),
            org_id: OrgId(1),
            client_id: ClientId(1),
            name: "Priya Mehta".into(),
            email: "priya@kaveri.example".into(),
            phone: Some("+91 22 1234".into()),
            etiquette: ContactEtiquette::default(),
            portal_enabled: true,
            role: ContactRole::DEFAULT,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        let p: ContactPatch =
            serde_json::from_str(r#"{"phone": null, "portal_enabled": false}"#).unwrap();
        let (out, portal) = p.apply(&c).unwrap();
        assert_eq!(out.phone, None);
        assert!(!out.portal_enabled);
        assert_eq!(portal, PortalChange::Revoke);
        assert!(c.access_changed(&out));
        let again: ContactPatch = serde_json::from_str(r#"{"portal_enabled": true}"#).unwrap();
        assert_eq!(again.apply(&out).unwrap_err().0[0].field, "portal_enabled");
        let renamed: ContactPatch = serde_json::from_str(r#"{"name": "Priya M"}"#).unwrap();
        let (same, portal) = renamed.apply(&c).unwrap();
        assert_eq!(portal, PortalChange::Keep);
        assert!(!c.access_changed(&same));
        let setting: Result<ContactPatch, _> =
            serde_json::from_str(r#"{"portal_password": "staff choose this"}"#);
        assert!(setting.is_err(), "staff may not set a contact's password");
        let bad: ContactPatch = serde_json::from_str(r#"{"email": "x"}"#).unwrap();
        assert_eq!(bad.apply(&c).unwrap_err().0[0].field, "email");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let r: Result<NewContact, _> = serde_json::from_str(
            r#"{"client_id": 1, "name": "A", "email": "a@b.co", "nickname": "x"}"#,
        );
        assert!(r.unwrap_err().to_string().contains("nickname"));
    }
}
