//! Alerts: what Rapport raised (breached clocks, broken promises, failing mailboxes, budgets),
//! newest first, acknowledged ("someone is on it") or resolved through the same use case as the
//! API's.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::alerts::AlertFilter;
use rapport_core::alert::{Alert, AlertStatus};
use serde::Deserialize;

use super::super::{me, page, parse_id};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, UiError, UiResult, csrf_field};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AlertsQuery {
    /// `resolved` shows the resolved ones; anything else the open and acknowledged.
    show: String,
    done: String,
}

/// Where an alert's subject is seen in the workspace.
fn subject_link(a: &Alert) -> Option<String> {
    let id = a.subject_id?;
    match a.subject_kind.as_deref()? {
        "request" => Some(format!("/app/requests/{id}")),
        "engagement" => Some(format!("/app/engagements/{id}")),
        "mailbox" => Some("/app/admin/mailboxes".into()),
        // The absence is listed on its member's page.
        "absence" => a
            .details
            .get("member_id")
            .and_then(serde_json::Value::as_i64)
            .map(|m| format!("/app/members/{m}#absences")),
        _ => None,
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<AlertsQuery>,
) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let resolved = q.show == "resolved";
    let statuses = if resolved {
        vec![AlertStatus::Resolved]
    } else {
        vec![AlertStatus::Open, AlertStatus::Acknowledged]
    };
    let alerts = state
        .app
        .list_alerts(
            &s.ctx,
            AlertFilter {
                statuses,
                limit: Some(rapport_app::MAX_PAGE),
                ..Default::default()
            },
        )
        .await?;
    let notice = match q.done.as_str() {
        "acknowledged" => Some("Acknowledged: the team sees someone is on it."),
        "resolved" => Some("Resolved."),
        _ => None,
    };
    let body = html! {
        h1 { "Alerts" }
        @if let Some(n) = notice { p class="notice ok" role="status" { (n) } }
        p {
            @if resolved { a href="/app/alerts" { "Show open alerts" } }
            @else { a href="/app/alerts?show=resolved" { "Show resolved alerts" } }
        }
        @if alerts.items.is_empty() {
            p class="muted" { @if resolved { "No resolved alerts." } @else { "Nothing needs attention." } }
        }
        ul class="cards alerts" {
            @for a in &alerts.items {
                li class={ "alert sev-" (a.severity.as_str()) } {
                    p {
                        strong { (a.severity.as_str()) } " · " (a.kind) " · " (a.status.as_str())
                        " · " (me.at(a.created_at))
                    }
                    p class="cell-wrap" {
                        (a.message)
                        @if let Some(href) = subject_link(a) { " " a href=(href) { "Open" } }
                    }
                    @if a.status != AlertStatus::Resolved {
                        form method="post" action={ "/app/alerts/" (a.id) } class="row" {
                            (csrf_field(&s.csrf))
                            @if a.status == AlertStatus::Open {
                                button type="submit" name="status" value="acknowledged" class="secondary" { "Acknowledge" }
                            }
                            button type="submit" name="status" value="resolved" { "Resolve" }
                        }
                    }
                }
            }
        }
    };
    page(&state, &s, &me, "Alerts", "alerts", body).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AlertForm {
    csrf: String,
    status: String,
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<AlertForm>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    s.check(&f.csrf)?;
    let status = match f.status.as_str() {
        "acknowledged" => AlertStatus::Acknowledged,
        "resolved" => AlertStatus::Resolved,
        _ => {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose Acknowledge or Resolve.",
            ));
        }
    };
    state.app.set_alert_status(&s.ctx, id, status).await?;
    Ok(Redirect::to(&format!("/app/alerts?done={}", status.as_str())).into_response())
}
