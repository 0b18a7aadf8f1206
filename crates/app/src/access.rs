//! Who may see what: the checks every use case makes before it reads or changes a record. A
//! leaf module, so that any use case can ask without importing another use case.

use rapport_core::access::{Permission, Principal};
use rapport_core::client::Contact;
use rapport_core::ids::{ClientId, ContactId, MemberId, OrgId, RequestId};
use rapport_core::request::Request;
use rapport_store::Db;
use rapport_store::repo::{members, requests};

use crate::{AppError, AppResult, Ctx};

/// Whose work a listing shows, once [`work_scope`] has checked the caller.
pub(crate) struct WorkScope {
    /// The one client whose work is listed, or `None` for all of the organisation's.
    pub client: Option<ClientId>,
    /// The caller is a client's contact: internal notes and drafts are not theirs to see.
    pub contact: bool,
    /// The caller is a requester: only work on the requests of this contact (their own).
    pub requester: Option<ContactId>,
}

/// What a listing of work (requests, promises, change orders, search) may show the caller who
/// asked for `asked` (a client filter). A contact sees their own client's work only, and asking
/// for another client's finds nothing, as if it did not exist (`None`: list nothing); a
/// requester sees only work on their own requests. A member needs [`Permission::ReadOrgWork`]
/// and gets the filter as asked.
pub(crate) fn work_scope(ctx: &Ctx, asked: Option<ClientId>) -> AppResult<Option<WorkScope>> {
    match ctx.principal.client_scope() {
        Some(own) if asked.is_some_and(|c| c != own) => Ok(None),
        Some(own) => Ok(Some(WorkScope {
            client: Some(own),
            contact: true,
            requester: ctx.principal.own_requests_only(),
        })),
        None => {
            ctx.require(Permission::ReadOrgWork)?;
            Ok(Some(WorkScope {
                client: asked,
                contact: false,
                requester: None,
            }))
        }
    }
}

/// Load a request the caller may see: other orgs' and (for contacts) other clients' requests
/// do not exist for them, nor, for a requester, a colleague's.
pub(crate) fn visible_request(
    db: &mut Db<'_>,
    p: &Principal,
    id: RequestId,
    for_update: bool,
) -> AppResult<Request> {
    let org = p.org_id();
    let r = if for_update {
        requests::get_for_update(db, org, id)
    } else {
        requests::get(db, org, id)
    }
    .map_err(|e| match e {
        rapport_store::StoreError::NotFound => AppError::NotFound("request"),
        other => other.into(),
    })?;
    if let Some(own) = p.client_scope()
        && r.client_id != own
    {
        return Err(AppError::NotFound("request"));
    }
    if let Some(me) = p.own_requests_only()
        && r.contact_id != Some(me)
    {
        return Err(AppError::NotFound("request"));
    }
    Ok(client_view(p, r))
}

/// A request as a principal may see it: the scope verdict, its evidence and the team's reasons
/// are internal, so a client's contact sees none of them (change orders tell the client).
pub(crate) fn client_view(p: &Principal, mut r: Request) -> Request {
    if p.client_scope().is_some() {
        r.scope = None;
    }
    r
}

/// For a client admin, the contact `c` must be of their own client: anyone else's contact does
/// not exist for them. Members pass (their own permission checks apply).
pub(crate) fn check_manages(ctx: &Ctx, c: &Contact) -> AppResult<()> {
    match ctx.principal.client_scope() {
        None => Ok(()),
        Some(own) => {
            ctx.require(Permission::ManageClientContacts)?;
            if c.client_id == own {
                Ok(())
            } else {
                Err(AppError::NotFound("contact"))
            }
        }
    }
}

/// A member that can be given work (an assignee, a manager): in this organisation and active.
pub(crate) fn check_member(
    db: &mut Db<'_>,
    org: OrgId,
    id: MemberId,
    field: &str,
) -> AppResult<()> {
    match members::find(db, org, id)? {
        Some(m) if m.active => Ok(()),
        Some(_) => Err(AppError::invalid(
            field,
            format!("member {id} is deactivated"),
        )),
        None => Err(AppError::invalid(
            field,
            format!("no member {id} in this organisation"),
        )),
    }
}
