//! Change orders: out-of-scope work, priced and sent to the client for approval before it is done.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::ids::{ChangeOrderId, ClientId, ContactId, EngagementId, OrgId, RequestId};
use crate::label_enum;
use crate::money::Currency;

label_enum!(ChangeOrderStatus {
    Draft => "draft",
    Sent => "sent",
    Approved => "approved",
    Declined => "declined",
    Withdrawn => "withdrawn",
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a change order cannot go from {from} to {to}")]
pub struct ChangeOrderTransitionError {
    pub from: ChangeOrderStatus,
    pub to: ChangeOrderStatus,
}

impl ChangeOrderStatus {
    /// draft -> sent -> approved | declined; draft or sent -> withdrawn. The rest is final.
    pub fn can_become(self, to: ChangeOrderStatus) -> Result<(), ChangeOrderTransitionError> {
        use ChangeOrderStatus::*;
        let ok = matches!(
            (self, to),
            (Draft, Sent)
                | (Sent, Approved)
                | (Sent, Declined)
                | (Draft, Withdrawn)
                | (Sent, Withdrawn)
        );
        if ok {
            Ok(())
        } else {
            Err(ChangeOrderTransitionError { from: self, to })
        }
    }

    pub const fn is_final(self) -> bool {
        matches!(self, Self::Approved | Self::Declined | Self::Withdrawn)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeOrder {
    pub id: ChangeOrderId,
    pub org_id: OrgId,
    pub engagement_id: EngagementId,
    pub client_id: ClientId,
    pub title: String,
    pub description: String,
    pub request_ids: Vec<RequestId>,
    pub estimate_minutes: i64,
    pub rate_minor: i64,
    /// estimate x rate, rounded half up to the minor unit.
    pub price_minor: i64,
    pub currency: Currency,
    pub status: ChangeOrderStatus,
    pub created_by: Actor,
    pub sent_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<ContactId>,
    pub decision_note: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::ChangeOrderStatus::*;

    #[test]
    fn lifecycle() {
        assert!(Draft.can_become(Sent).is_ok());
        assert!(Sent.can_become(Approved).is_ok());
        assert!(Sent.can_become(Declined).is_ok());
        assert!(
            Draft.can_become(Approved).is_err(),
            "must be sent before approval"
        );
        assert!(Declined.can_become(Approved).is_err(), "declined is final");
        assert!(Approved.can_become(Withdrawn).is_err());
        assert!(Approved.is_final() && !Sent.is_final());
    }
}
