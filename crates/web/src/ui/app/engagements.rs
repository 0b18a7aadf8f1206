//! An engagement's page: its terms and service levels in words, brief with its limits and their
//! use, budget burn and change orders.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use rapport_core::change_order::ChangeOrderStatus;

use super::engagement_form::{PRIORITIES, targets_in_words};
use super::fields;
use super::{Me, page_with, parse_id};
use crate::state::AppState;
use crate::ui::charts;
use crate::ui::form::UiForm;
use crate::ui::{Agent, UiResult, csrf_field};

pub(super) async fn engagement_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Markup> {
    let id = rapport_core::ids::EngagementId(parse_id(&raw)?);
    let model = state.app.engagement_page(&s.ctx, id).await?;
    let me = Me::of(&model.nav.me, state.app.now());
    let rapport_app::pages::EngagementPage {
        engagement: e,
        burn,
        client,
        limits,
        change_orders: cos,
        team,
        assignment,
        ..
    } = &model;
    let hours = |m: i64| m as f64 / 60.0;
    let mut groups = vec![
        charts::Group {
            label: "burnt".into(),
            values: vec![hours(burn.burn_minutes)],
        },
        charts::Group {
            label: "forecast".into(),
            values: vec![hours(burn.forecast_minutes)],
        },
    ];
    if let Some(b) = burn.budget_minutes {
        groups.push(charts::Group {
            label: "budget".into(),
            values: vec![hours(b)],
        });
    }
    let manager = model.manager.as_ref().map(|m| m.name.clone());
    let whose = match &e.calendar {
        Some(_) => "the engagement's own calendar".to_string(),
        None => possessive(&client.name) + " calendar",
    };
    let sla = e.sla_policy_or_default();
    let silence = e.silence_policy_or_default();
    let manages = s
        .ctx
        .principal
        .allows(rapport_core::access::Permission::ManageClients);
    let money = |m: Option<i64>| m.map(|v| e.currency.format(v));
    let body = html! {
        p class="crumbs" { a href="/app/clients" { "Clients" } " › " a href={ "/app/clients/" (client.id.0) } { (client.name) } " › engagement" }
        h1 { (e.name) }
        @if manages { p { a href={ "/app/engagements/" (id.0) "/edit" } { "Edit the engagement" } } }
        dl class="facts" {
            dt { "State" } dd { (e.status.as_str()) }
            dt { "Manager" } dd { (manager.as_deref().unwrap_or("nobody yet")) }
            dt { "Team" } dd id="team" {
                @if team.is_empty() { "nobody yet" }
                @for (i, m) in team.iter().enumerate() {
                    @if i > 0 { ", " }
                    (m.name) @if !m.active { " (deactivated)" }
                }
            }
            dt { "Rate" } dd { (money(e.hourly_rate_minor).map(|r| r + " an hour").unwrap_or_else(|| "none".into())) }
            @if let Some(f) = money(e.budget_fee_minor) { dt { "Fixed fee" } dd { (f) } }
            dt { "Dates" } dd {
                @match (e.starts_on, e.ends_on) {
                    (Some(a), Some(b)) => { (a) " to " (b) }
                    (Some(a), None) => { "from " (a) }
                    (None, Some(b)) => { "until " (b) }
                    (None, None) => { "open-ended" }
                }
            }
        }
        section aria-labelledby="sla-h" {
            h2 id="sla-h" { "Service levels" }
            ul id="sla-words" {
                @for (p, label) in PRIORITIES {
                    @let words = targets_in_words(sla.targets.get(p));
                    li {
                        strong { (label) } ": "
                        @if words.is_empty() { "no target" }
                        @else { (words.join(", ")) " of " (whose) }
                        "."
                    }
                }
                li { "A clock is at risk once " (sla.at_risk_percent) "% of its target has passed." }
                li { "The client never waits more than " (fields::business_time(silence.max_business_minutes)) " for word from us." }
            }
        }
        section id="assignment" aria-labelledby="assign-h" {
            h2 id="assign-h" { "Assignment" }
            p id="assign-words" {
                @if assignment.effective {
                    "New requests are assigned automatically to a member of the team: nobody away or over capacity, those in their working hours first, then the most free capacity this week, taking turns among equals."
                } @else { "New requests wait in the queue for someone to take them." }
                @if assignment.auto_assign.is_none() { " (The organisation's default.)" }
            }
            @if manages {
                form method="post" action={ "/app/engagements/" (id.0) "/assignment" } class="row" {
                    (csrf_field(&s.csrf))
                    label for="auto-assign" { "Assign new requests automatically" }
                    select id="auto-assign" name="auto_assign" {
                        option value="default" selected[assignment.auto_assign.is_none()] {
                            "as the organisation does (" (if assignment.org_default { "yes" } else { "no" }) ")"
                        }
                        option value="on" selected[assignment.auto_assign == Some(true)] { "yes" }
                        option value="off" selected[assignment.auto_assign == Some(false)] { "no" }
                    }
                    button type="submit" class="secondary" { "Save" }
                }
            }
        }
        section aria-labelledby="brief-h" {
            h2 id="brief-h" { "Brief" }
            p { (e.brief.text) }
            ul {
                @for item in &e.brief.items {
                    li { strong { (format!("{:?}", item.kind).to_lowercase()) } ": " (item.text) }
                }
            }
        }
        @if !limits.is_empty() {
            section aria-labelledby="limits-h" {
                h2 id="limits-h" { "Limits and their use" }
                p class="muted" { "Quantities and caps read from the in items; in-scope requests (and, for hours, the time logged on them) use them up, and one beyond is out of scope." }
                ul id="limit-use" {
                    @for u in limits.iter() {
                        li {
                            @let item = e.brief.items.iter().find(|i| i.id == u.item_id).map_or(u.item_id.as_str(), |i| i.text.as_str());
                            strong { (item) } ": " (u.summary())
                            @if !u.is_hours() && !u.requests.is_empty() {
                                " ("
                                @for (i, r) in u.requests.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    a href={ "/app/requests/" (r) } { "#" (r) }
                                }
                                ")"
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="budget-h" {
            h2 id="budget-h" { "Budget" }
            p {
                (format!("{:.1}", hours(burn.burn_minutes))) " h of billable base work"
                @if let Some(b) = burn.budget_minutes { " of " (b / 60) " h" }
                @if let Some(p) = burn.used_minutes_percent { " (" (format!("{p:.1}")) "%)" }
                @if burn.non_billable_minutes > 0 {
                    "; " (format!("{:.1}", hours(burn.non_billable_minutes))) " h non-billable, not counted"
                }
                @if burn.change_order_minutes > 0 {
                    "; " (format!("{:.1}", hours(burn.change_order_minutes))) " h on approved change orders, billed on them"
                }
                "; forecast " (format!("{:.1}", hours(burn.forecast_minutes))) " h with "
                (burn.open_requests) " open requests"
                @if burn.unestimated_open_requests > 0 { " (" (burn.unestimated_open_requests) " without an estimate)" }
                "."
            }
            figure class="trend" {
                (charts::bars("Budget burn, hours", &["hours"], &groups, "hours"))
                figcaption { "Billable base hours burnt, burnt plus remaining estimates, and the budget." }
            }
        }
        section aria-labelledby="co-h" {
            h2 id="co-h" { "Change orders" }
            @if manages { p { a href={ "/app/engagements/" (id.0) "/change-orders/new" } { "Draft a change order" } } }
            @if cos.items.is_empty() { p class="empty" { "None." } }
            @else {
                p id="co-totals" {
                    @for (label, st) in [("approved", ChangeOrderStatus::Approved), ("awaiting the client", ChangeOrderStatus::Sent), ("in draft", ChangeOrderStatus::Draft), ("declined", ChangeOrderStatus::Declined)] {
                        @let (n, sum) = cos.items.iter().filter(|c| c.status == st).fold((0, 0i64), |(n, t), c| (n + 1, t + c.price_minor));
                        @if n > 0 { span class="total" { (label) ": " strong { (e.currency.format(sum)) } " (" (n) ")" } " · " }
                    }
                }
                div class="table-wrap" {
                    table class="queue" id="co-list" {
                        caption class="sr-only" { "Change orders" }
                        thead { tr { th scope="col" { "Title" } th scope="col" { "Price" } th scope="col" { "State" } th scope="col" { "Decision" } } }
                        tbody {
                            @for co in &cos.items {
                                tr {
                                    td { a href={ "/app/change-orders/" (co.id.0) } { (co.title) } }
                                    td { (co.currency.format(co.price_minor)) }
                                    td { (co.status.as_str()) }
                                    td {
                                        @if let Some(t) = co.decided_at {
                                            @if let Some(n) = &co.decided_by_name { (n) " " }
                                            (me.at(t))
                                            @if let Some(note) = &co.decision_note { ": " q { (note) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page_with(
        &state, &s, &me, &model.nav, &e.name, "clients", body,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AssignForm {
    csrf: String,
    auto_assign: String,
}

/// The engagement's automatic assignment, from its page.
pub(super) async fn set_assignment(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<AssignForm>,
) -> UiResult<Response> {
    let id = rapport_core::ids::EngagementId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let auto_assign = match f.auto_assign.as_str() {
        "on" => Some(true),
        "off" => Some(false),
        "default" => None,
        other => {
            return Err(rapport_app::AppError::invalid(
                "auto_assign",
                format!("{other:?} is not one of: default, on, off"),
            )
            .into());
        }
    };
    state
        .app
        .set_engagement_assignment(
            &s.ctx,
            id,
            rapport_app::assignment::AutoAssignInput { auto_assign },
        )
        .await?;
    Ok(Redirect::to(&format!("/app/engagements/{}#assignment", id.0)).into_response())
}

/// "Kaveri Foods'" and "Acme's".
fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}
