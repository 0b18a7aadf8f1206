//! Members of the firm, clients and their contacts.

use rapport_core::access::{ContactRole, Permission, Principal, Role};
use rapport_core::audit::{self, AuditEntry};
use rapport_core::client::{
    Client, ClientPatch, ClientView, Contact, ContactPatch, NewClient, NewContact, PortalChange,
};
use rapport_core::ids::{ClientId, ContactId, MemberId};
use rapport_core::member::{Member, MemberPatch, NewMember};
use rapport_store::Db;
use rapport_store::repo::{accounts, auth as store_auth, clients, members};

use crate::auth::hash_password_async;
use crate::{App, AppError, AppResult, Ctx, Listing, cursor};

/// A page of clients found and the count of all that match.
#[derive(Debug, Clone)]
pub struct ClientMatches {
    pub page: Listing<ClientView>,
    pub total: i64,
}

/// The longest client search, in characters.
pub const CLIENT_QUERY_MAX: usize = 200;

/// What a client search looks for: trimmed and lower-case, `None` when blank.
fn client_needle(q: Option<&str>) -> AppResult<Option<String>> {
    let q = q.map(str::trim).unwrap_or("");
    if q.chars().count() > CLIENT_QUERY_MAX {
        return Err(AppError::invalid(
            "q",
            format!("at most {CLIENT_QUERY_MAX} characters"),
        ));
    }
    Ok((!q.is_empty()).then(|| q.to_lowercase()))
}

/// [`App::list_members`] inside the caller's snapshot.
pub(crate) fn list_members_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    after: Option<i64>,
    limit: usize,
) -> AppResult<Listing<Member>> {
    ctx.require(Permission::ReadOrgWork)?;
    Ok(members::list(db, ctx.org(), after, limit)?.into())
}

/// [`App::get_member`] inside the caller's snapshot.
pub(crate) fn get_member_in(db: &mut Db<'_>, ctx: &Ctx, id: MemberId) -> AppResult<Member> {
    ctx.require(Permission::ReadOrgWork)?;
    members::get(db, ctx.org(), id).map_err(|_| AppError::NotFound("member"))
}

/// [`App::client_record`] inside the caller's snapshot.
pub(crate) fn client_record_in(db: &mut Db<'_>, ctx: &Ctx, id: ClientId) -> AppResult<Client> {
    ctx.require(Permission::ReadOrgWork)?;
    clients::get(db, ctx.org(), id).map_err(|_| AppError::NotFound("client"))
}

/// [`App::find_clients`] inside the caller's snapshot (`needle` as `client_needle` makes it).
pub(crate) fn find_clients_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    needle: Option<&str>,
    after: Option<i64>,
    limit: usize,
) -> AppResult<ClientMatches> {
    ctx.require(Permission::ReadOrgWork)?;
    let org = ctx.org();
    let page: Listing<Client> = clients::list(db, org, needle, after, limit)?.into();
    let total = clients::count(db, org, needle)?;
    Ok(ClientMatches {
        page: Listing {
            items: page.items.into_iter().map(ClientView::full).collect(),
            next_cursor: page.next_cursor,
        },
        total,
    })
}

/// [`App::list_contacts`] inside the caller's snapshot. A client admin lists their own
/// client's contacts (another client's list is empty, as if it did not exist).
pub(crate) fn list_contacts_in(
    db: &mut Db<'_>,
    ctx: &Ctx,
    client: Option<ClientId>,
    after: Option<i64>,
    limit: usize,
) -> AppResult<Listing<Contact>> {
    if let Some(own) = ctx.principal.client_scope() {
        ctx.require(Permission::ManageClientContacts)?;
        if client.is_some_and(|c| c != own) {
            return Ok(Listing::empty());
        }
        let mut page: Listing<Contact> =
            clients::list_contacts(db, ctx.org(), Some(own), after, limit)?.into();
        page.items.iter_mut().for_each(for_client_admin);
        return Ok(page);
    }
    ctx.require(Permission::ReadOrgWork)?;
    Ok(clients::list_contacts(db, ctx.org(), client, after, limit)?.into())
}

/// A contact as the client's own people may see them: not the words the firm's staff avoid
/// with them.
fn for_client_admin(c: &mut Contact) {
    c.etiquette.avoid.clear();
}

/// What a client admin may change about their colleagues: name, phone, role and access (off).
/// The address (where sign-in links go) and the etiquette the firm keeps are the firm's to set.
fn client_admin_patch(ctx: &Ctx, id: ContactId, patch: &ContactPatch) -> AppResult<()> {
    let Principal::Contact { contact_id, .. } = ctx.principal else {
        return Ok(());
    };
    if patch.email.is_some() {
        return Err(AppError::invalid(
            "email",
            "a contact's address is where their sign-in links go: ask the firm to change it",
        ));
    }
    if patch.etiquette.is_some() {
        return Err(AppError::invalid(
            "etiquette",
            "how the firm addresses a contact is set by the firm",
        ));
    }
    if contact_id == id && (patch.role.is_some() || patch.portal_enabled == Some(false)) {
        return Err(AppError::forbidden(
            "a client admin may not change their own role or access: \
             another client admin, or the firm, can",
        ));
    }
    Ok(())
}

impl App {
    pub async fn list_members(
        &self,
        ctx: &Ctx,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<Member>> {
        let after = cursor::after_id(after)?;
        let ctx = ctx.clone();
        self.store
            .read(move |db| list_members_in(db, &ctx, after, limit))
            .await
    }

    pub async fn get_member(&self, ctx: &Ctx, id: MemberId) -> AppResult<Member> {
        let ctx = ctx.clone();
        self.store.read(move |db| get_member_in(db, &ctx, id)).await
    }

    pub async fn create_member(&self, ctx: &Ctx, input: NewMember) -> AppResult<Member> {
        ctx.require(Permission::ManageMembers)?;
        if !ctx.principal.may_grant(input.role) {
            return Err(AppError::forbidden(format!(
                "you may not make someone {}",
                input.role
            )));
        }
        let draft = input.validate()?;
        let hash = match &draft.password {
            Some(p) => Some(hash_password_async(p.clone()).await?),
            None => None,
        };
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Member> {
                let m = members::insert(db, org, &draft, hash.as_deref(), now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "member.create")
                        .target("member", m.id.0)
                        .details(serde_json::json!({"email": m.email, "role": m.role})),
                )?;
                Ok(m)
            })
            .await
    }

    /// Members edit their own name, zone, hours and capacity; admins edit anyone, and only
    /// they change roles or deactivate. The last active owner cannot be demoted or deactivated.
    pub async fn update_member(
        &self,
        ctx: &Ctx,
        id: MemberId,
        patch: MemberPatch,
    ) -> AppResult<Member> {
        let is_self = ctx.principal.member_id() == Some(id);
        let admin = ctx.principal.allows(Permission::ManageMembers);
        if !ctx.principal.is_member() || (!is_self && !admin) {
            return Err(AppError::forbidden("you may only edit your own profile"));
        }
        if (patch.role.is_some() || patch.active.is_some()) && !admin {
            return Err(AppError::forbidden(
                "only admins and owners change roles or deactivate members",
            ));
        }
        if let Some(r) = patch.role
            && !ctx.principal.may_grant(r)
        {
            return Err(AppError::forbidden(format!("you may not make someone {r}")));
        }
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Member> {
                let before = members::get(db, org, id).map_err(|_| AppError::NotFound("member"))?;
                if before.role == Role::Owner
                    && ctx.principal.role() != Some(Role::Owner)
                    && !is_self
                {
                    return Err(AppError::forbidden("only owners may edit an owner"));
                }
                let mut after = patch.apply(&before)?;
                after.updated_at = now;
                let loses_owner = before.role == Role::Owner
                    && before.active
                    && (after.role != Role::Owner || !after.active);
                if loses_owner && members::count_active_owners(db, org)? <= 1 {
                    return Err(AppError::conflict(
                        "role",
                        "the organisation must keep at least one active owner",
                    ));
                }
                members::update(db, &after)?;
                if before.active && !after.active {
                    store_auth::delete_member_sessions(db, org, id)?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "member.update")
                        .target("member", id.0)
                        .details(audit::diff(&before, &after)),
                )?;
                Ok(after)
            })
            .await
    }

    /// Clients as the caller may see them: a contact gets their own client's contact view.
    /// The firm's clients, oldest first; with `q`, those whose name, notes, or a contact's
    /// name or address contain it (any case). A contact sees only their own client.
    pub async fn list_clients(
        &self,
        ctx: &Ctx,
        q: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<ClientView>> {
        if let Some(own) = ctx.principal.client_scope() {
            let c = self.get_client(ctx, own).await?;
            return Ok(Listing {
                items: vec![c],
                next_cursor: None,
            });
        }
        Ok(self.find_clients(ctx, q, after, limit).await?.page)
    }

    /// A page of the clients matching `q` (as [`App::list_clients`]) and how many match in
    /// all, from one snapshot.
    pub async fn find_clients(
        &self,
        ctx: &Ctx,
        q: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<ClientMatches> {
        let after = cursor::after_id(after)?;
        let needle = client_needle(q)?;
        let ctx = ctx.clone();
        self.store
            .read(move |db| find_clients_in(db, &ctx, needle.as_deref(), after, limit))
            .await
    }

    /// A client as the caller may see it. A contact may read their own client, without what
    /// the firm keeps internally; other clients are "not found" to them.
    pub async fn get_client(&self, ctx: &Ctx, id: ClientId) -> AppResult<ClientView> {
        let own = ctx.principal.client_scope();
        if own.is_some_and(|own| own != id) {
            return Err(AppError::NotFound("client"));
        }
        let org = ctx.org();
        let c = self
            .store
            .read(move |db| clients::get(db, org, id).map_err(|_| AppError::NotFound("client")))
            .await?;
        Ok(match own {
            Some(_) => ClientView::for_contact(c),
            None => ClientView::full(c),
        })
    }

    /// The whole client record, notes and etiquette included: members only.
    pub async fn client_record(&self, ctx: &Ctx, id: ClientId) -> AppResult<Client> {
        let ctx = ctx.clone();
        self.store
            .read(move |db| client_record_in(db, &ctx, id))
            .await
    }

    pub async fn create_client(&self, ctx: &Ctx, input: NewClient) -> AppResult<Client> {
        ctx.require(Permission::ManageClients)?;
        let draft = input.validate()?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Client> {
                let c = clients::insert(db, org, &draft, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "client.create")
                        .target("client", c.id.0)
                        .details(serde_json::json!({"name": c.name})),
                )?;
                Ok(c)
            })
            .await
    }

    pub async fn update_client(
        &self,
        ctx: &Ctx,
        id: ClientId,
        patch: ClientPatch,
    ) -> AppResult<Client> {
        ctx.require(Permission::ManageClients)?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Client> {
                let before = clients::get(db, org, id).map_err(|_| AppError::NotFound("client"))?;
                let mut after = patch.apply(&before)?;
                after.updated_at = now;
                clients::update(db, &after)?;
                if after.calendar != before.calendar {
                    crate::clocks::sla::recheck_client(db, org, id, now)?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "client.update")
                        .target("client", id.0)
                        .details(audit::diff(&before, &after)),
                )?;
                Ok(after)
            })
            .await
    }

    pub async fn list_contacts(
        &self,
        ctx: &Ctx,
        client: Option<ClientId>,
        after: Option<&str>,
        limit: usize,
    ) -> AppResult<Listing<Contact>> {
        let after = cursor::after_id(after)?;
        let ctx = ctx.clone();
        self.store
            .read(move |db| list_contacts_in(db, &ctx, client, after, limit))
            .await
    }

    /// Contacts may read only themselves (a client admin, their client's contacts), without
    /// the words staff avoid with them.
    pub async fn get_contact(&self, ctx: &Ctx, id: ContactId) -> AppResult<Contact> {
        let is_contact = matches!(ctx.principal, Principal::Contact { .. });
        if let Principal::Contact { contact_id, .. } = ctx.principal
            && contact_id != id
            && !ctx.principal.allows(Permission::ManageClientContacts)
        {
            return Err(AppError::NotFound("contact"));
        }
        let org = ctx.org();
        let mut c = self
            .store
            .read(move |db| {
                clients::get_contact(db, org, id).map_err(|_| AppError::NotFound("contact"))
            })
            .await?;
        if is_contact {
            crate::access::check_manages(ctx, &c).or_else(|e| {
                if ctx.principal.actor() == rapport_core::access::Actor::Contact(id) {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
            for_client_admin(&mut c);
        }
        Ok(c)
    }

    /// Add a contact: any member, or a client admin for their own client (the firm's
    /// etiquette for them is the firm's to set).
    pub async fn create_contact(&self, ctx: &Ctx, input: NewContact) -> AppResult<Contact> {
        if let Some(own) = ctx.principal.client_scope() {
            ctx.require(Permission::ManageClientContacts)?;
            if input.client_id != own {
                return Err(AppError::NotFound("client"));
            }
            if input.etiquette.is_some() {
                return Err(AppError::invalid(
                    "etiquette",
                    "how the firm addresses a contact is set by the firm",
                ));
            }
        } else {
            ctx.require(Permission::EditContacts)?;
            // The role opens the client's book and its approvals: a manager's key, like access.
            if input.role.is_some_and(|r| r != ContactRole::DEFAULT) {
                ctx.require(Permission::ManagePortalAccess)?;
            }
        }
        let draft = input.validate()?;
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Contact> {
                if !clients::exists(db, org, draft.client_id)? {
                    return Err(AppError::invalid("client_id", "no such client"));
                }
                let c = clients::insert_contact(db, org, &draft, None, now)?;
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "contact.create")
                        .target("contact", c.id.0)
                        .details(serde_json::json!({"client_id": c.client_id, "email": c.email, "role": c.role})),
                )?;
                Ok(c)
            })
            .await
    }

    /// Edit a contact. Changing their email (where sign-in links go) or revoking portal access
    /// needs a manager; revoking ends their sessions, password and unused links, and a new
    /// address cancels links mailed to the old one.
    pub async fn update_contact(
        &self,
        ctx: &Ctx,
        id: ContactId,
        patch: ContactPatch,
    ) -> AppResult<Contact> {
        let client_admin = ctx.principal.client_scope().is_some();
        if client_admin {
            ctx.require(Permission::ManageClientContacts)?;
            client_admin_patch(ctx, id, &patch)?;
        } else {
            ctx.require(Permission::EditContacts)?;
        }
        let org = ctx.org();
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Contact> {
                let before =
                    clients::get_contact(db, org, id).map_err(|_| AppError::NotFound("contact"))?;
                crate::access::check_manages(&ctx, &before)?;
                let (mut after, portal) = patch.apply(&before)?;
                // The role opens the client's book and its approvals: a manager's key, like
                // access itself (a client admin's own checks were made above).
                if (before.access_changed(&after) || before.role != after.role) && !client_admin {
                    ctx.require(Permission::ManagePortalAccess)?;
                }
                after.updated_at = now;
                clients::update_contact(db, &after)?;
                if portal == PortalChange::Revoke {
                    clients::revoke_portal(db, org, id, now)?;
                    store_auth::delete_contact_sessions(db, org, id)?;
                }
                if before.access_changed(&after) {
                    accounts::cancel_contact_links(db, org, id)?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "contact.update")
                        .target("contact", id.0)
                        .details(audit::diff(&before, &after)),
                )?;
                if client_admin {
                    for_client_admin(&mut after);
                }
                Ok(after)
            })
            .await
    }
}
