//! One change applied to many requests (the queue's ticked rows): each request goes through
//! its own single-request use case, so permissions, the status machine and the audit trail are
//! exactly those of changing it alone. Requests that cannot change are reported, not hidden.

use rapport_core::access::Permission;
use rapport_core::ids::RequestId;
use rapport_core::request::{
    AssignInput, BULK_MAX, BulkAction, BulkInput, RequestPatch, TransitionInput,
};
use serde::Serialize;

use crate::{App, AppError, AppResult, Ctx};

/// What a bulk change did: the requests it changed and why the others did not change.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkOutcome {
    pub changed: Vec<RequestId>,
    pub failed: Vec<BulkFailure>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkFailure {
    pub request_id: RequestId,
    /// Why, in the words the single change would have answered with.
    pub message: String,
}

impl App {
    pub async fn bulk_requests(&self, ctx: &Ctx, input: BulkInput) -> AppResult<BulkOutcome> {
        ctx.require(Permission::DoWork)?;
        let mut ids = input.request_ids;
        if ids.is_empty() {
            return Err(AppError::invalid(
                "request_ids",
                "choose at least one request",
            ));
        }
        if ids.len() > BULK_MAX {
            return Err(AppError::invalid(
                "request_ids",
                format!("at most {BULK_MAX} requests at once"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(*id));
        let mut action = input.action;
        if let BulkAction::Tag { tag } = &mut action {
            *tag =
                rapport_core::validate::tag(tag).map_err(|m| AppError::invalid("action.tag", m))?;
        }
        let mut out = BulkOutcome {
            changed: Vec::new(),
            failed: Vec::new(),
        };
        for id in ids {
            match self.bulk_one(ctx, id, &action).await {
                Ok(()) => out.changed.push(id),
                Err(e) => match refusal(&e) {
                    Some(message) => out.failed.push(BulkFailure {
                        request_id: id,
                        message,
                    }),
                    None => return Err(e),
                },
            }
        }
        Ok(out)
    }

    async fn bulk_one(&self, ctx: &Ctx, id: RequestId, action: &BulkAction) -> AppResult<()> {
        match action {
            BulkAction::Assign { assignee_id } => self
                .assign_request(
                    ctx,
                    id,
                    AssignInput {
                        assignee_id: *assignee_id,
                        if_unassigned: None,
                    },
                )
                .await
                .map(|_| ()),
            BulkAction::Status { status, reason } => self
                .transition_request(
                    ctx,
                    id,
                    TransitionInput {
                        status: *status,
                        reason: reason.clone().filter(|r| !r.trim().is_empty()),
                        override_reason: None,
                    },
                )
                .await
                .map(|_| ()),
            BulkAction::Tag { tag } => self
                .update_request(
                    ctx,
                    id,
                    RequestPatch {
                        add_tags: vec![tag.clone()],
                        ..Default::default()
                    },
                )
                .await
                .map(|_| ()),
        }
    }
}

/// The refusals one request may meet without stopping the others; anything else (the store
/// failing) stops the batch.
fn refusal(e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(v) => Some(
            v.0.iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        AppError::Conflict { message, .. } | AppError::Forbidden(message) => Some(message.clone()),
        AppError::NotFound(what) => Some(format!("no such {what}")),
        _ => None,
    }
}
