//! Import from a Zendesk export: organizations become clients, end users their contacts,
//! tickets requests with their comments as the thread. The input is one JSON object
//! `{"organizations": [...], "users": [...], "tickets": [...]}` of Zendesk API objects, each
//! ticket with its `comments` (as the Ticket Comments API returns them). Fields Rapport does not
//! use are ignored. Checking and mapping are here; the caller writes the plan in one transaction.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde::Deserialize;

use crate::calendar::CalendarSpec;
use crate::client::{ClientDraft, ContactDraft, NewClient, NewContact};
use crate::csv::RowError;
use crate::ids::{ClientId, MemberId};
use crate::message::Direction;
use crate::request::{Kind, Priority, Status};
use crate::validate;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Export {
    #[serde(default)]
    pub organizations: Vec<Organization>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub tickets: Vec<Ticket>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// `end-user`, `agent` or `admin`.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ticket {
    pub id: i64,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub requester_id: Option<i64>,
    #[serde(default)]
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    #[serde(default)]
    pub author_id: Option<i64>,
    pub body: String,
    #[serde(default = "yes")]
    pub public: bool,
    pub created_at: Timestamp,
}

fn yes() -> bool {
    true
}

/// Zendesk's ticket status in ours: `open` is triaged work, `hold` in progress, `pending` waits on
/// the client, `solved` is delivered.
pub fn status(s: Option<&str>) -> Result<Status, String> {
    Ok(match s.unwrap_or("new") {
        "new" => Status::New,
        "open" => Status::Triaged,
        "hold" => Status::InProgress,
        "pending" => Status::WaitingOnClient,
        "solved" => Status::Delivered,
        "closed" => Status::Closed,
        other => return Err(format!("unknown status {other:?}")),
    })
}

pub fn kind(s: Option<&str>) -> Result<Kind, String> {
    Ok(match s {
        None => Kind::Other,
        Some("problem" | "incident") => Kind::Bug,
        Some("question") => Kind::Question,
        Some("task") => Kind::Feature,
        Some(other) => return Err(format!("unknown type {other:?}")),
    })
}

pub fn priority(s: Option<&str>) -> Result<Priority, String> {
    match s {
        None => Ok(Priority::Normal),
        Some(p) => p.parse().map_err(|_| format!("unknown priority {p:?}")),
    }
}

/// Who wrote a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// A contact (by index into the plan's contacts).
    Contact(usize),
    Member(MemberId),
    /// An agent with no member of the same email here.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct PlannedMessage {
    pub direction: Direction,
    pub author: Author,
    pub body: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct PlannedRequest {
    pub zendesk_id: i64,
    /// Index into the plan's clients, or an existing client.
    pub client: ClientRef,
    pub contact: Option<usize>,
    pub title: String,
    pub body: String,
    pub kind: Kind,
    pub priority: Priority,
    pub status: Status,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub messages: Vec<PlannedMessage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientRef {
    New(usize),
    Existing(ClientId),
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub clients: Vec<ClientDraft>,
    /// Contacts and the client each belongs to (by index into `clients`).
    pub contacts: Vec<(usize, ContactDraft)>,
    pub requests: Vec<PlannedRequest>,
}

/// What the database already holds.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    pub client_names: HashSet<String>,
    pub contact_emails: HashSet<String>,
    pub members_by_email: HashMap<String, MemberId>,
}

/// Check everything and map it; every problem is reported with its place in the file.
pub fn plan(export: &Export, tz: &str, existing: &Existing) -> Result<Plan, Vec<RowError>> {
    let mut errors = Vec::new();
    let err = |errors: &mut Vec<RowError>, at: String, message: String| {
        errors.push(RowError {
            line: 0,
            column: at,
            message,
        })
    };
    let mut plan = Plan::default();
    let mut org_index: HashMap<i64, usize> = HashMap::new();
    for (i, o) in export.organizations.iter().enumerate() {
        let notes = [o.details.as_deref(), o.notes.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let draft = NewClient {
            name: o.name.clone(),
            calendar: CalendarSpec {
                tz: tz.to_string(),
                hours: Vec::new(),
                holidays: Vec::new(),
                countries: Vec::new(),
            },
            locale: None,
            etiquette: None,
            notes: (!notes.is_empty()).then_some(notes),
        }
        .validate();
        match draft {
            Ok(d) if existing.client_names.contains(&d.name) => err(
                &mut errors,
                format!("organizations[{i}].name"),
                format!("a client named {:?} already exists", d.name),
            ),
            Ok(d) => {
                if org_index.insert(o.id, plan.clients.len()).is_some() {
                    err(
                        &mut errors,
                        format!("organizations[{i}].id"),
                        format!("organization {} appears twice", o.id),
                    );
                }
                plan.clients.push(d);
            }
            Err(v) => {
                for f in v.0 {
                    err(
                        &mut errors,
                        format!("organizations[{i}].{}", f.field),
                        f.message,
                    );
                }
            }
        }
    }
    let mut user_contact: HashMap<i64, usize> = HashMap::new();
    let mut user_member: HashMap<i64, MemberId> = HashMap::new();
    let mut emails = HashSet::new();
    for (i, u) in export.users.iter().enumerate() {
        let email = u.email.as_deref().map(|e| e.trim().to_lowercase());
        if u.role.as_deref().is_some_and(|r| r != "end-user") {
            if let Some(m) = email
                .as_ref()
                .and_then(|e| existing.members_by_email.get(e))
            {
                user_member.insert(u.id, *m);
            }
            continue;
        }
        let Some(org) = u.organization_id else {
            err(
                &mut errors,
                format!("users[{i}].organization_id"),
                "an end user needs an organization (Rapport's contacts belong to a client)".into(),
            );
            continue;
        };
        let Some(&ci) = org_index.get(&org) else {
            err(
                &mut errors,
                format!("users[{i}].organization_id"),
                format!("no organization {org} in the file"),
            );
            continue;
        };
        let Some(email) = email else {
            err(&mut errors, format!("users[{i}].email"), "required".into());
            continue;
        };
        if existing.contact_emails.contains(&email) || !emails.insert(email.clone()) {
            err(
                &mut errors,
                format!("users[{i}].email"),
                format!("a contact with email {email} already exists"),
            );
            continue;
        }
        let draft = NewContact {
            client_id: ClientId(0),
            name: u.name.clone(),
            email,
            phone: u.phone.clone().filter(|p| !p.trim().is_empty()),
            etiquette: None,
            role: None,
        }
        .validate();
        match draft {
            Ok(d) => {
                user_contact.insert(u.id, plan.contacts.len());
                plan.contacts.push((ci, d));
            }
            Err(v) => {
                for f in v.0 {
                    err(&mut errors, format!("users[{i}].{}", f.field), f.message);
                }
            }
        }
    }
    for (i, t) in export.tickets.iter().enumerate() {
        let at = |f: &str| format!("tickets[{i}].{f}");
        let contact = t.requester_id.and_then(|r| user_contact.get(&r).copied());
        let client = match (t.organization_id, contact) {
            (Some(o), _) => match org_index.get(&o) {
                Some(ci) => Some(ClientRef::New(*ci)),
                None => {
                    err(
                        &mut errors,
                        at("organization_id"),
                        format!("no organization {o} in the file"),
                    );
                    None
                }
            },
            (None, Some(c)) => Some(ClientRef::New(plan.contacts[c].0)),
            (None, None) => {
                err(
                    &mut errors,
                    at("organization_id"),
                    "neither the ticket nor its requester has an organization".into(),
                );
                None
            }
        };
        let Some(client) = client else { continue };
        if let (ClientRef::New(ci), Some(c)) = (client, contact)
            && plan.contacts[c].0 != ci
        {
            err(
                &mut errors,
                at("requester_id"),
                "the requester belongs to another organization".into(),
            );
            continue;
        }
        let title = t.subject.clone().unwrap_or_default();
        let title = match validate::line(&title, validate::limits::TITLE) {
            Ok(s) => s,
            Err(m) => {
                err(&mut errors, at("subject"), m);
                continue;
            }
        };
        let (status, kind, priority) = match (
            status(t.status.as_deref()),
            kind(t.kind.as_deref()),
            priority(t.priority.as_deref()),
        ) {
            (Ok(s), Ok(k), Ok(p)) => (s, k, p),
            (s, k, p) => {
                for (f, e) in [
                    ("status", s.err()),
                    ("type", k.err()),
                    ("priority", p.err()),
                ] {
                    if let Some(e) = e {
                        err(&mut errors, at(f), e);
                    }
                }
                continue;
            }
        };
        let mut tag_errors = crate::validate::Violations::new();
        let tags = validate::tags(&t.tags, &at("tags"), &mut tag_errors);
        if !tag_errors.is_empty() {
            for f in tag_errors.0 {
                err(&mut errors, f.field, f.message);
            }
            continue;
        }
        let body = t.description.clone().unwrap_or_default();
        let mut messages = Vec::new();
        for (j, c) in t.comments.iter().enumerate() {
            // The first comment is the description Zendesk shows as the ticket's body.
            if j == 0 && c.body.trim() == body.trim() {
                continue;
            }
            let author = match c.author_id {
                Some(a) if user_contact.contains_key(&a) => Author::Contact(user_contact[&a]),
                Some(a) if user_member.contains_key(&a) => Author::Member(user_member[&a]),
                _ => Author::Unknown,
            };
            let direction = match (author, c.public) {
                (_, false) => Direction::Note,
                (Author::Contact(_), true) => Direction::Inbound,
                _ => Direction::Outbound,
            };
            if c.body.trim().is_empty() {
                continue;
            }
            messages.push(PlannedMessage {
                direction,
                author,
                body: c.body.clone(),
                at: c.created_at,
            });
        }
        plan.requests.push(PlannedRequest {
            zendesk_id: t.id,
            client,
            contact,
            title,
            body,
            kind,
            priority,
            status,
            tags,
            created_at: t.created_at,
            updated_at: t.updated_at.unwrap_or(t.created_at),
            messages,
        });
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Export {
        serde_json::from_str(include_str!("../../../samples/zendesk-export.json")).unwrap()
    }

    #[test]
    fn the_sample_maps_to_clients_contacts_and_requests() {
        let existing = Existing {
            members_by_email: HashMap::from([("owner@acme.example".to_string(), MemberId(1))]),
            ..Default::default()
        };
        let p = plan(&sample(), "Europe/London", &existing).unwrap();
        assert_eq!(p.clients.len(), 2);
        assert_eq!(p.clients[0].notes, "Bakery chain, Mumbai\nPrefers mail");
        assert_eq!(p.contacts.len(), 2);
        assert_eq!(p.requests.len(), 3);
        let r = &p.requests[0];
        assert_eq!(
            (r.status, r.kind, r.priority),
            (Status::Delivered, Kind::Question, Priority::High)
        );
        // The description is not repeated as a message; the internal comment is a note; the
        // admin known here is the author of the reply.
        assert_eq!(r.messages.len(), 2);
        assert_eq!(r.messages[0].direction, Direction::Note);
        assert_eq!(r.messages[1].direction, Direction::Outbound);
        assert_eq!(r.messages[1].author, Author::Member(MemberId(1)));
        // A ticket without an organization goes to its requester's.
        assert_eq!(p.requests[1].client, ClientRef::New(1));
        assert_eq!(p.requests[1].messages[0].direction, Direction::Inbound);
        assert_eq!(p.requests[2].status, Status::WaitingOnClient);
    }

    #[test]
    fn problems_name_their_place() {
        let mut e = sample();
        e.tickets[0].status = Some("escalated".into());
        e.users[0].email = None;
        let existing = Existing {
            client_names: HashSet::from(["Nordlys AS".to_string()]),
            ..Default::default()
        };
        let errs = plan(&e, "Europe/London", &existing).unwrap_err();
        let places: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
        assert!(places.contains(&"organizations[1].name"), "{places:?}");
        assert!(places.contains(&"users[0].email"), "{places:?}");
        assert!(places.contains(&"tickets[0].status"), "{places:?}");
        // Its organization was refused, so its ticket has none to go to.
        assert!(places.contains(&"tickets[2].organization_id"), "{places:?}");
        let mut e = sample();
        e.tickets[1].subject = Some("  ".into());
        let errs = plan(&e, "Europe/London", &Existing::default()).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].column, "tickets[1].subject");
    }
}
