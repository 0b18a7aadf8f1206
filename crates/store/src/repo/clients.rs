//! Clients and their contacts.

use jiff::Timestamp;
use rapport_core::client::{Client, ClientDraft, Contact, ContactDraft};
use rapport_core::ids::{ClientId, ContactId, OrgId};

use crate::db::Db;
use crate::error::{StoreError, UniqueKey};
use crate::params;
use crate::repo::{Filter, Page};
use crate::value::{Json, Param, Row, ToParam, Word};

/// `UNIQUE (org_id, name)`: two clients of an org are told apart by name.
pub const UNIQUE_NAME: UniqueKey = UniqueKey {
    constraint: "clients_org_id_name_key",
    columns: "clients.org_id, clients.name",
    field: "name",
    message: "a client with this name already exists",
};

/// `UNIQUE (org_id, email)`: mail is routed to a contact by address.
pub const UNIQUE_CONTACT_EMAIL: UniqueKey = UniqueKey {
    constraint: "contacts_org_id_email_key",
    columns: "contacts.org_id, contacts.email",
    field: "email",
    message: "a contact with this email already exists",
};

const COLUMNS: &str =
    "id, org_id, name, locale, calendar, etiquette, notes, created_at, updated_at";

fn from_row(r: &Row) -> Result<Client, StoreError> {
    Ok(Client {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        name: r.get("name")?,
        locale: r.get("locale")?,
        calendar: r.json("calendar")?,
        etiquette: r.json("etiquette")?,
        notes: r.get("notes")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn insert(
    db: &mut Db<'_>,
    org: OrgId,
    d: &ClientDraft,
    now: Timestamp,
) -> Result<Client, StoreError> {
    // The row comes back with the insert: imports write thousands, one round trip each.
    from_row(
        &db.query_one(
            &format!(
                "INSERT INTO clients (org_id, name, locale, calendar, etiquette, notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {COLUMNS}"
            ),
            params![org, d.name, d.locale, Json(&d.calendar), Json(&d.etiquette), d.notes, now],
        )
        .map_err(|e| e.on_unique(&[UNIQUE_NAME]))?,
    )
}

/// Rows per statement when inserting many: well inside both engines' limits on parameters.
const BATCH: usize = 500;

/// Insert many clients, a statement per [`BATCH`] (an import of thousands). Returned by id,
/// which is the order given.
pub fn insert_many(
    db: &mut Db<'_>,
    org: OrgId,
    drafts: &[ClientDraft],
    now: Timestamp,
) -> Result<Vec<Client>, StoreError> {
    let mut out = Vec::with_capacity(drafts.len());
    for chunk in drafts.chunks(BATCH) {
        let json: Vec<_> = chunk
            .iter()
            .map(|d| (Json(&d.calendar), Json(&d.etiquette)))
            .collect();
        let mut params: Vec<&dyn ToParam> = vec![&org, &now];
        let mut values = Vec::with_capacity(chunk.len());
        for (d, (calendar, etiquette)) in chunk.iter().zip(&json) {
            let n = params.len();
            values.push(format!(
                "($1, ${}, ${}, ${}, ${}, ${}, $2, $2)",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
            params.extend([
                &d.name as &dyn ToParam,
                &d.locale,
                calendar,
                etiquette,
                &d.notes,
            ]);
        }
        let sql = format!(
            "INSERT INTO clients (org_id, name, locale, calendar, etiquette, notes, created_at, updated_at)
             VALUES {} RETURNING {COLUMNS}",
            values.join(", ")
        );
        let mut rows = db
            .query_map(&sql, &params, from_row)
            .map_err(|e| e.on_unique(&[UNIQUE_NAME]))?;
        // RETURNING promises no order.
        rows.sort_by_key(|c| c.id);
        out.extend(rows);
    }
    Ok(out)
}

pub fn get(db: &mut Db<'_>, org: OrgId, id: ClientId) -> Result<Client, StoreError> {
    from_row(&db.query_one(
        &format!("SELECT {COLUMNS} FROM clients WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

pub fn exists(db: &mut Db<'_>, org: OrgId, id: ClientId) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM clients WHERE org_id = $1 AND id = $2",
            params![org, id],
        )?
        .is_some())
}

/// The clients whose name, notes, or a contact's name or address contain `needle` (already
/// lower-case), or all of them.
fn matching<'a>(org: OrgId, needle: Option<&str>) -> Filter<'a> {
    let mut f = Filter::new(org);
    if let Some(n) = needle {
        // One placeholder, used four times. SQLite's lower() folds ASCII letters only, so
        // other scripts match in the case they were written in.
        f.and(
            "(lower(name) LIKE {} ESCAPE '\\' OR lower(notes) LIKE {} ESCAPE '\\' OR EXISTS (
                 SELECT 1 FROM contacts c WHERE c.org_id = clients.org_id AND c.client_id = clients.id
                 AND (lower(c.name) LIKE {} ESCAPE '\\' OR lower(c.email) LIKE {} ESCAPE '\\')))",
            Param::Text(contains_pattern(n).into()),
        );
    }
    f
}

/// A LIKE pattern for "contains `text`", its own `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// Clients in the order they were added, those matching `needle` (lower-case) if given.
pub fn list(
    db: &mut Db<'_>,
    org: OrgId,
    needle: Option<&str>,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<Client>, StoreError> {
    let mut f = matching(org, needle);
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {COLUMNS} FROM clients WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), from_row)?;
    Ok(Page::from_rows(rows, limit, |c| (c.id.0, c.id.0)))
}

/// How many clients [`list`] finds over all its pages.
pub fn count(db: &mut Db<'_>, org: OrgId, needle: Option<&str>) -> Result<i64, StoreError> {
    let f = matching(org, needle);
    db.scalar(
        &format!("SELECT COUNT(*) FROM clients WHERE {}", f.sql()),
        &f.params(),
    )
}

pub fn update(db: &mut Db<'_>, c: &Client) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE clients SET name = $3, locale = $4, calendar = $5, etiquette = $6, notes = $7, updated_at = $8
         WHERE org_id = $1 AND id = $2",
        params![c.org_id, c.id, c.name, c.locale, Json(&c.calendar), Json(&c.etiquette), c.notes, c.updated_at],
    ).map_err(|e| e.on_unique(&[UNIQUE_NAME]))?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

const CONTACT_COLUMNS: &str = "id, org_id, client_id, name, email, phone, etiquette, portal_enabled, role, created_at, updated_at";

fn contact_row(r: &Row) -> Result<Contact, StoreError> {
    Ok(Contact {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        client_id: r.get("client_id")?,
        name: r.get("name")?,
        email: r.get("email")?,
        phone: r.get("phone")?,
        etiquette: r.json("etiquette")?,
        portal_enabled: r.get("portal_enabled")?,
        role: r.word("role")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// A new contact. `portal_password_hash` is for operator seeding only (the demo workspace): a
/// contact given one has portal access. Staff add contacts without it and invite them.
pub fn insert_contact(
    db: &mut Db<'_>,
    org: OrgId,
    d: &ContactDraft,
    portal_password_hash: Option<&str>,
    now: Timestamp,
) -> Result<Contact, StoreError> {
    contact_row(&db.query_one(
        &format!(
            "INSERT INTO contacts (org_id, client_id, name, email, phone, etiquette, portal_password_hash, portal_enabled, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $9, $9) RETURNING {CONTACT_COLUMNS}"
        ),
        params![
            org,
            d.client_id,
            d.name,
            d.email,
            d.phone,
            Json(&d.etiquette),
            portal_password_hash,
            portal_password_hash.is_some(),
            now,
            Word(d.role.as_str())
        ],
    ).map_err(|e| e.on_unique(&[UNIQUE_CONTACT_EMAIL]))?)
}

pub fn get_contact(db: &mut Db<'_>, org: OrgId, id: ContactId) -> Result<Contact, StoreError> {
    contact_row(&db.query_one(
        &format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE org_id = $1 AND id = $2"),
        params![org, id],
    )?)
}

/// The contact with this address and their portal password hash (for sign-in and mail routing).
pub fn contact_by_email(
    db: &mut Db<'_>,
    org: OrgId,
    email: &str,
) -> Result<Option<(Contact, Option<String>)>, StoreError> {
    db.query_opt(
        &format!("SELECT {CONTACT_COLUMNS}, portal_password_hash FROM contacts WHERE org_id = $1 AND email = $2"),
        params![org, email],
    )?
    .map(|r| Ok((contact_row(&r)?, r.get("portal_password_hash")?)))
    .transpose()
}

pub fn list_contacts(
    db: &mut Db<'_>,
    org: OrgId,
    client: Option<ClientId>,
    after_id: Option<i64>,
    limit: usize,
) -> Result<Page<Contact>, StoreError> {
    let mut f = Filter::new(org);
    if let Some(c) = client {
        f.and("client_id = {}", Param::Int(c.0));
    }
    if let Some(a) = after_id {
        f.and("id > {}", Param::Int(a));
    }
    let limit = limit.clamp(1, super::MAX_PAGE);
    let sql = format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE {} ORDER BY id LIMIT {}",
        f.sql(),
        limit + 1
    );
    let rows = db.query_map(&sql, &f.params(), contact_row)?;
    Ok(Page::from_rows(rows, limit, |c| (c.id.0, c.id.0)))
}

/// The names of a client's contacts who may approve (approvers and client admins) and can
/// sign in to the portal, for telling a requester whom to ask.
pub fn approver_names(
    db: &mut Db<'_>,
    org: OrgId,
    client: ClientId,
) -> Result<Vec<String>, StoreError> {
    db.query_map(
        "SELECT name FROM contacts
         WHERE org_id = $1 AND client_id = $2 AND role IN ('approver', 'client_admin')
               AND portal_enabled = TRUE
         ORDER BY name, id LIMIT 20",
        params![org, client],
        |r| r.get("name"),
    )
}

/// Save a contact's details (not its portal access: see [`grant_portal`], [`revoke_portal`]).
pub fn update_contact(db: &mut Db<'_>, c: &Contact) -> Result<(), StoreError> {
    let n = db.execute(
        "UPDATE contacts SET name = $3, email = $4, phone = $5, etiquette = $6, updated_at = $7, role = $8 WHERE org_id = $1 AND id = $2",
        params![c.org_id, c.id, c.name, c.email, c.phone, Json(&c.etiquette), c.updated_at, Word(c.role.as_str())],
    ).map_err(|e| e.on_unique(&[UNIQUE_CONTACT_EMAIL]))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Turn portal access on (an invitation was sent).
pub fn grant_portal(
    db: &mut Db<'_>,
    org: OrgId,
    id: ContactId,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE contacts SET portal_enabled = TRUE, updated_at = $3 WHERE org_id = $1 AND id = $2",
        params![org, id, now],
    )?;
    Ok(())
}

/// Turn portal access off: the password goes too, so access comes back only by a new
/// invitation. (Sessions and links are ended by their own repos in the same write.)
pub fn revoke_portal(
    db: &mut Db<'_>,
    org: OrgId,
    id: ContactId,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE contacts SET portal_enabled = FALSE, portal_password_hash = NULL, updated_at = $3
         WHERE org_id = $1 AND id = $2",
        params![org, id, now],
    )?;
    Ok(())
}

/// The password the contact chose when accepting an invitation.
pub fn set_portal_password(
    db: &mut Db<'_>,
    org: OrgId,
    id: ContactId,
    hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE contacts SET portal_password_hash = $3, updated_at = $4 WHERE org_id = $1 AND id = $2",
        params![org, id, hash, now],
    )?;
    Ok(())
}
