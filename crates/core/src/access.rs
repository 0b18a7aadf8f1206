//! Who is acting, and what they may do. Adapters authenticate; this module decides.

use serde::Serialize;

use crate::ids::{ClientId, ContactId, MemberId, OrgId};
use crate::label_enum;

label_enum!(
    /// A member's role in the firm, from most to least powerful.
    Role {
        /// Runs the firm's account; may make other owners.
        Owner => "owner",
        /// Manages members, tokens and settings.
        Admin => "admin",
        /// Runs engagements: briefs, budgets, change orders, overrides.
        Manager => "manager",
        /// Works the book of work.
        Agent => "agent",
    }
);

impl Role {
    /// Higher is more powerful.
    pub const fn rank(self) -> u8 {
        match self {
            Role::Owner => 4,
            Role::Admin => 3,
            Role::Manager => 2,
            Role::Agent => 1,
        }
    }

    pub fn at_least(self, other: Role) -> bool {
        self.rank() >= other.rank()
    }
}

label_enum!(
    /// What a client's contact may do in the portal, from least to most. Each role can do
    /// everything the ones before it can.
    ContactRole {
        /// Sees and writes on the requests they opened (or were named on), nothing else.
        Requester => "requester",
        /// Sees all of the client's requests, change orders and promises.
        Viewer => "viewer",
        /// May also approve or decline change orders (and accept deliveries).
        Approver => "approver",
        /// May also invite the client's contacts, set their roles and deactivate them.
        ClientAdmin => "client_admin",
    }
);

impl ContactRole {
    /// What a contact could do before roles existed (every client's work, deciding change
    /// orders): existing contacts were migrated to it, and a contact created without a role
    /// gets it, so nobody loses what they had.
    pub const DEFAULT: ContactRole = ContactRole::Approver;

    const fn rank(self) -> u8 {
        match self {
            ContactRole::Requester => 1,
            ContactRole::Viewer => 2,
            ContactRole::Approver => 3,
            ContactRole::ClientAdmin => 4,
        }
    }

    pub fn at_least(self, other: ContactRole) -> bool {
        self.rank() >= other.rank()
    }

    /// The words people read for it ("client admin").
    pub fn label(self) -> &'static str {
        match self {
            ContactRole::Requester => "requester",
            ContactRole::Viewer => "viewer",
            ContactRole::Approver => "approver",
            ContactRole::ClientAdmin => "client admin",
        }
    }

    /// One line on what the role lets a contact do, for forms and the portal.
    pub fn explain(self) -> &'static str {
        match self {
            ContactRole::Requester => "sees only their own requests",
            ContactRole::Viewer => "sees all of the client's requests",
            ContactRole::Approver => "sees all requests and approves change orders",
            ContactRole::ClientAdmin => {
                "approves change orders and manages the client's contacts in the portal"
            }
        }
    }
}

/// The authenticated party behind a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Principal {
    Member {
        org_id: OrgId,
        member_id: MemberId,
        role: Role,
    },
    /// A client's contact signed in to the portal: sees only their own client's work.
    Contact {
        org_id: OrgId,
        contact_id: ContactId,
        client_id: ClientId,
        /// Read from the contact's row on every call, so a change of role takes effect at once.
        role: ContactRole,
    },
}

/// Who did something, as recorded in the audit trail and on rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Member(MemberId),
    Contact(ContactId),
    /// Rapport itself (jobs, mail intake) or an operator at the command line.
    System,
}

impl Actor {
    pub fn kind(self) -> &'static str {
        match self {
            Actor::Member(_) => "member",
            Actor::Contact(_) => "contact",
            Actor::System => "system",
        }
    }

    pub fn id(self) -> Option<i64> {
        match self {
            Actor::Member(m) => Some(m.0),
            Actor::Contact(c) => Some(c.0),
            Actor::System => None,
        }
    }

    pub fn from_parts(kind: &str, id: Option<i64>) -> Option<Actor> {
        match (kind, id) {
            ("member", Some(id)) => Some(Actor::Member(MemberId(id))),
            ("contact", Some(id)) => Some(Actor::Contact(ContactId(id))),
            ("system", _) => Some(Actor::System),
            _ => None,
        }
    }
}

/// Things a principal may be allowed to do. Checked by the application layer before any write
/// and before any read that is not already scoped to the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See clients, engagements, the whole book of work, promises, time.
    ReadOrgWork,
    /// Create and work requests, messages, notes, promises, time entries.
    DoWork,
    /// Create and edit contacts (mail brings new people every day).
    EditContacts,
    /// Create and edit clients and engagements, briefs and budgets.
    ManageClients,
    /// Invite a contact to the portal, revoke their access, or change the address their
    /// sign-in links go to. Editing contacts is every member's job; these are the keys to a
    /// client's portal, so they need a manager.
    ManagePortalAccess,
    /// Members, roles and other people's tokens.
    ManageMembers,
    /// Read the audit trail.
    ReadAudit,
    /// A contact's view: their own client's requests, threads without internal notes.
    PortalAccess,
    /// Approve or decline the client's change orders (and accept deliveries): a contact with
    /// the approver or client admin role.
    ApproveForClient,
    /// Invite the client's own contacts, set their roles, deactivate them: a client admin.
    ManageClientContacts,
}

impl Principal {
    pub fn org_id(&self) -> OrgId {
        match *self {
            Principal::Member { org_id, .. } | Principal::Contact { org_id, .. } => org_id,
        }
    }

    pub fn actor(&self) -> Actor {
        match *self {
            Principal::Member { member_id, .. } => Actor::Member(member_id),
            Principal::Contact { contact_id, .. } => Actor::Contact(contact_id),
        }
    }

    pub fn role(&self) -> Option<Role> {
        match *self {
            Principal::Member { role, .. } => Some(role),
            Principal::Contact { .. } => None,
        }
    }

    pub fn member_id(&self) -> Option<MemberId> {
        match *self {
            Principal::Member { member_id, .. } => Some(member_id),
            Principal::Contact { .. } => None,
        }
    }

    /// For a contact, the only client whose data they may see.
    pub fn client_scope(&self) -> Option<ClientId> {
        match *self {
            Principal::Contact { client_id, .. } => Some(client_id),
            Principal::Member { .. } => None,
        }
    }

    /// A contact's role in the portal; `None` for members.
    pub fn contact_role(&self) -> Option<ContactRole> {
        match *self {
            Principal::Contact { role, .. } => Some(role),
            Principal::Member { .. } => None,
        }
    }

    /// For a requester, the contact whose own requests are all they may see; `None` for
    /// everyone who sees their client's (or the firm's) whole book.
    pub fn own_requests_only(&self) -> Option<ContactId> {
        match *self {
            Principal::Contact {
                contact_id,
                role: ContactRole::Requester,
                ..
            } => Some(contact_id),
            _ => None,
        }
    }

    pub fn is_member(&self) -> bool {
        matches!(self, Principal::Member { .. })
    }

    pub fn allows(&self, permission: Permission) -> bool {
        match *self {
            Principal::Contact { role, .. } => match permission {
                Permission::PortalAccess => true,
                Permission::ApproveForClient => role.at_least(ContactRole::Approver),
                Permission::ManageClientContacts => role == ContactRole::ClientAdmin,
                _ => false,
            },
            Principal::Member { role, .. } => match permission {
                Permission::ReadOrgWork | Permission::DoWork | Permission::EditContacts => true,
                Permission::ManageClients | Permission::ManagePortalAccess => {
                    role.at_least(Role::Manager)
                }
                Permission::ManageMembers | Permission::ReadAudit => role.at_least(Role::Admin),
                Permission::PortalAccess
                | Permission::ApproveForClient
                | Permission::ManageClientContacts => false,
            },
        }
    }

    /// May this principal give `role` to someone? Only owners make owners; admins make the rest.
    pub fn may_grant(&self, role: Role) -> bool {
        match self.role() {
            Some(Role::Owner) => true,
            Some(Role::Admin) => role != Role::Owner,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role) -> Principal {
        Principal::Member {
            org_id: OrgId(1),
            member_id: MemberId(1),
            role,
        }
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Owner.at_least(Role::Admin));
        assert!(Role::Manager.at_least(Role::Agent));
        assert!(!Role::Agent.at_least(Role::Manager));
    }

    #[test]
    fn contact_roles_add_up() {
        let as_role = |role| Principal::Contact {
            org_id: OrgId(1),
            contact_id: ContactId(7),
            client_id: ClientId(3),
            role,
        };
        let requester = as_role(ContactRole::Requester);
        assert_eq!(requester.own_requests_only(), Some(ContactId(7)));
        assert!(!requester.allows(Permission::ApproveForClient));
        assert_eq!(as_role(ContactRole::Viewer).own_requests_only(), None);
        assert!(!as_role(ContactRole::Viewer).allows(Permission::ApproveForClient));
        let approver = as_role(ContactRole::Approver);
        assert!(approver.allows(Permission::ApproveForClient));
        assert!(!approver.allows(Permission::ManageClientContacts));
        let admin = as_role(ContactRole::ClientAdmin);
        assert!(admin.allows(Permission::ApproveForClient));
        assert!(admin.allows(Permission::ManageClientContacts));
        assert!(
            !admin.allows(Permission::ManagePortalAccess),
            "never the firm's keys"
        );
        assert!(!member(Role::Owner).allows(Permission::ApproveForClient));
        assert_eq!(ContactRole::DEFAULT, ContactRole::Approver);
    }

    #[test]
    fn permission_matrix() {
        let contact = Principal::Contact {
            org_id: OrgId(1),
            contact_id: ContactId(7),
            client_id: ClientId(3),
            role: ContactRole::Viewer,
        };
        assert!(contact.allows(Permission::PortalAccess));
        assert!(!contact.allows(Permission::ReadOrgWork));
        assert!(!contact.allows(Permission::DoWork));
        assert_eq!(contact.client_scope(), Some(ClientId(3)));

        assert!(member(Role::Agent).allows(Permission::DoWork));
        assert!(!member(Role::Agent).allows(Permission::ManageClients));
        assert!(member(Role::Agent).allows(Permission::EditContacts));
        assert!(!member(Role::Agent).allows(Permission::ManagePortalAccess));
        assert!(member(Role::Manager).allows(Permission::ManagePortalAccess));
        assert!(!contact.allows(Permission::ManagePortalAccess));
        assert!(member(Role::Manager).allows(Permission::ManageClients));
        assert!(!member(Role::Manager).allows(Permission::ManageMembers));
        assert!(member(Role::Admin).allows(Permission::ReadAudit));
        assert!(!member(Role::Admin).allows(Permission::PortalAccess));
    }

    #[test]
    fn granting_roles() {
        assert!(member(Role::Owner).may_grant(Role::Owner));
        assert!(!member(Role::Admin).may_grant(Role::Owner));
        assert!(member(Role::Admin).may_grant(Role::Manager));
        assert!(!member(Role::Manager).may_grant(Role::Agent));
    }

    #[test]
    fn actor_round_trips_through_parts() {
        for a in [
            Actor::Member(MemberId(4)),
            Actor::Contact(ContactId(9)),
            Actor::System,
        ] {
            assert_eq!(Actor::from_parts(a.kind(), a.id()), Some(a));
        }
        assert_eq!(Actor::from_parts("member", None), None);
    }
}
