//! Ratings of delivered work, from the client and from the team: the gap between them matters.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ContactId, MemberId, OrgId, RatingId, RequestId};
use crate::label_enum;
use crate::validate::{self, Violations, limits};

label_enum!(RatingSource {
    Client => "client",
    Team => "team",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    pub id: RatingId,
    pub org_id: OrgId,
    pub request_id: RequestId,
    pub source: RatingSource,
    pub contact_id: Option<ContactId>,
    pub member_id: Option<MemberId>,
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    pub comment: String,
    pub created_at: Timestamp,
}

/// A score and comment, validated.
pub fn score_and_comment(score: i64, comment: &str) -> Result<(i64, String), Violations> {
    let mut v = Violations::new();
    let s = v.check("score", validate::range(score, 1, 5));
    let c = v.check("comment", validate::optional_text(comment, limits::NOTE));
    v.finish(|| (s.unwrap_or_default(), c.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn scores_are_one_to_five() {
        assert!(super::score_and_comment(0, "").is_err());
        assert!(super::score_and_comment(6, "").is_err());
        assert_eq!(
            super::score_and_comment(5, " great ").unwrap(),
            (5, "great".into())
        );
    }
}
