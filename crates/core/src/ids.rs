//! Typed identifiers. Every entity has its own id type so a client id can never be passed where a
//! request id is expected. Ids are positive 64-bit integers, unique per table across all orgs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

id_type!(
    /// A firm using Rapport (a tenant). Every row belongs to exactly one org.
    OrgId
);
id_type!(MemberId);
id_type!(ClientId);
id_type!(ContactId);
id_type!(EngagementId);
id_type!(RequestId);
id_type!(MessageId);
id_type!(PromiseId);
id_type!(ChangeOrderId);
id_type!(RatingId);
id_type!(TimeEntryId);
id_type!(AuditEventId);
id_type!(TokenId);
id_type!(CannedReplyId);
id_type!(RuleId);
id_type!(WebhookId);
id_type!(WebhookDeliveryId);
