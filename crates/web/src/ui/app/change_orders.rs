//! The commercial flow: a change order drafted from one or several out-of-scope requests
//! (price = estimate x rate), edited while a draft, sent, withdrawn, and the client's decision
//! with their note.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use rapport_app::AppError;
use rapport_app::requests::RequestFilter;
use rapport_core::change_order::{
    ChangeOrderEdit, ChangeOrderStatus, DecisionInput, NewChangeOrder,
};
use rapport_core::engagement::Engagement;
use rapport_core::ids::{ChangeOrderId, EngagementId, RequestId};
use rapport_core::request::Request;
use rapport_core::scope::Verdict;
use serde::Deserialize;

use super::fields::{self, Labels, is_form_error, saved_or_refill, say};
use super::{OPEN, me, page, parse_id};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("request_ids", "Requests covered"),
    ("title", "Title"),
    ("description", "What will be done"),
    ("estimate_minutes", "Estimate (hours)"),
    ("rate_minor", "Hourly rate"),
    ("engagement_id", "Engagement"),
    ("note", "Note"),
];

/// The verdict that stands: a person's over the check's.
pub(super) fn effective_verdict(r: &Request) -> Option<Verdict> {
    r.scope
        .as_ref()
        .map(|s| s.confirmed_verdict.unwrap_or(s.verdict))
}

// ---------------------------------------------------------------------------------------------
// Drafting a change order

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewQuery {
    request: String,
}

#[derive(Default, Clone)]
pub(super) struct CoForm {
    csrf: String,
    /// `price` shows the price without saving.
    intent: String,
    /// Request ids, one per ticked box.
    requests: Vec<String>,
    title: String,
    description: String,
    estimate_hours: String,
    rate: String,
}

impl CoForm {
    /// From the posted pairs: the ticked boxes repeat `requests`, which a struct cannot hold.
    fn of(pairs: Vec<(String, String)>) -> Self {
        let mut f = CoForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "intent" => f.intent = v,
                "requests" => f.requests.push(v),
                "title" => f.title = v,
                "description" => f.description = v,
                "estimate_hours" => f.estimate_hours = v,
                "rate" => f.rate = v,
                _ => {}
            }
        }
        f
    }
}

/// What a change order drafted from a request beyond a limit proposes: the extra quantity when
/// it can be counted ("1 half-day strategy workshop over the 3 included"), else what was asked.
fn proposed_line(title: &str, x: &rapport_core::scope::Excess) -> String {
    match x.extra_phrase() {
        Some(extra) => format!("{title}: {extra} (item {}: {}).", x.item_id, x.limit),
        None => format!(
            "{title}: {} beyond item {} ({}).",
            x.asked, x.item_id, x.limit
        ),
    }
}

/// The engagement's requests whose standing verdict is "out", open or not.
async fn out_of_scope(state: &AppState, s: &Session, e: EngagementId) -> UiResult<Vec<Request>> {
    let list = state
        .app
        .list_requests_with_sla(
            &s.ctx,
            RequestFilter {
                engagement: Some(e),
                statuses: OPEN.to_vec(),
                limit: Some(rapport_app::MAX_PAGE),
                ..Default::default()
            },
        )
        .await?;
    Ok(list
        .items
        .into_iter()
        .map(|r| r.request)
        .filter(|r| effective_verdict(r) == Some(Verdict::Out))
        .collect())
}

fn price_of(f: &CoForm, e: &Engagement) -> Result<Option<(i64, i64, i64)>, AppError> {
    let exp = e.currency.exponent();
    let estimate = fields::hours("estimate_minutes", &f.estimate_hours)?;
    let rate = fields::money("rate_minor", &f.rate, exp)?.or(e.hourly_rate_minor);
    Ok(match (estimate, rate) {
        // As the use case prices it: estimate x rate, half up to the minor unit.
        (Some(m), Some(r)) => Some((m, r, (m * r + 30) / 60)),
        _ => None,
    })
}

async fn co_form_page(
    state: &AppState,
    s: &Session,
    e: &Engagement,
    f: &CoForm,
    editing: Option<ChangeOrderId>,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let client = state.app.client_record(&s.ctx, e.client_id).await?;
    let action = match editing {
        Some(id) => format!("/app/change-orders/{}/edit", id.0),
        None => format!("/app/engagements/{}/change-orders/new", e.id.0),
    };
    let candidates = out_of_scope(state, s, e.id).await?;
    let (status, error) = match error {
        Some((st, m)) => (st, Some(m)),
        None => (StatusCode::OK, None),
    };
    let price = price_of(f, e);
    let title = match editing {
        Some(id) => format!("Edit change order {} for {}", id.0, e.name),
        None => format!("Change order for {}", e.name),
    };
    let body = html! {
        p class="crumbs" { a href={ "/app/clients/" (client.id.0) } { (client.name) } " › " a href={ "/app/engagements/" (e.id.0) } { (e.name) } " › change order" }
        h1 { (title) }
        (fields::notice(error.as_deref()))
        form method="post" action=(action) class="stack" id="co-form" {
            (csrf_field(&s.csrf))
            fieldset class="stack" {
                legend { "Requests it covers (out of scope)" }
                @if candidates.is_empty() { p class="empty" { "No open request of this engagement is out of scope." } }
                @for r in &candidates {
                    label {
                        input type="checkbox" name="requests" value=(r.id.0) checked[f.requests.contains(&r.id.0.to_string())];
                        " " (r.reference) " " (r.title)
                        @if let Some(m) = r.estimate_minutes { span class="muted" { " (estimate " (fields::as_hours(m)) " h)" } }
                    }
                }
            }
            label for="co-title" { "Title" }
            input id="co-title" name="title" required maxlength="300" autocomplete="off" value=(f.title);
            label for="co-description" { "What will be done (the client reads this)" }
            textarea id="co-description" name="description" rows="4" required { (f.description) }
            label for="co-estimate" { "Estimate (hours)" }
            input id="co-estimate" name="estimate_hours" inputmode="decimal" required autocomplete="off" value=(f.estimate_hours);
            label for="co-rate" { "Hourly rate in " (e.currency.code()) " (blank: the engagement's"
                @if let Some(r) = e.hourly_rate_minor { ", " (e.currency.format(r)) } ")" }
            input id="co-rate" name="rate" inputmode="decimal" autocomplete="off" value=(f.rate);
            p id="co-price" aria-live="polite" {
                @match &price {
                    Ok(Some((m, r, p))) => { "Price: " (fields::as_hours(*m)) " h × " (e.currency.format(*r)) " = " strong { (e.currency.format(*p)) } }
                    Ok(None) => { "Price: estimate × rate, once both are known." }
                    Err(err) => { (say(err, LABELS).1) }
                }
            }
            div class="row" {
                button type="submit" name="intent" value="price" class="secondary" { "Compute the price" }
                button type="submit" name="intent" value="save" { "Save the draft" }
            }
        }
    };
    let markup = page(state, s, &me, &title, "clients", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    Query(q): Query<NewQuery>,
) -> UiResult<Response> {
    let id = EngagementId(parse_id(&raw)?);
    s.ctx
        .require(rapport_core::access::Permission::ManageClients)?;
    let e = state.app.get_engagement(&s.ctx, id).await?;
    let mut f = CoForm::default();
    if let Ok(rid) = parse_id(&q.request) {
        let r = state.app.get_request(&s.ctx, RequestId(rid)).await?;
        f.requests.push(rid.to_string());
        f.title = r.title.clone();
        f.estimate_hours = r.estimate_minutes.map(fields::as_hours).unwrap_or_default();
        if let Some(x) = r.scope.as_ref().and_then(|sc| sc.excess.as_ref()) {
            f.description = proposed_line(&r.title, x);
            // Extra hours asked for are the estimate until someone writes one.
            if let Some(extra) = x.extra
                && f.estimate_hours.is_empty()
                && rapport_core::scope::unit_is_hours(&x.unit)
            {
                f.estimate_hours = fields::as_hours((extra * 60.0).round() as i64);
            }
        }
    }
    co_form_page(&state, &s, &e, &f, None, None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let id = EngagementId(parse_id(&raw)?);
    let f = CoForm::of(pairs);
    s.check(&f.csrf)?;
    let e = state.app.get_engagement(&s.ctx, id).await?;
    if f.intent == "price" {
        return co_form_page(&state, &s, &e, &f, None, None).await;
    }
    let result = async {
        let input = NewChangeOrder {
            engagement_id: id,
            request_ids: request_ids(&f)?,
            title: f.title.clone(),
            description: f.description.clone(),
            estimate_minutes: fields::hours("estimate_minutes", &f.estimate_hours)?
                .unwrap_or_default(),
            rate_minor: fields::money("rate_minor", &f.rate, e.currency.exponent())?,
        };
        state.app.create_change_order(&s.ctx, input).await
    }
    .await;
    match result {
        Ok(co) => Ok(Redirect::to(&format!("/app/change-orders/{}", co.id.0)).into_response()),
        Err(err) if is_form_error(&err) => {
            co_form_page(&state, &s, &e, &f, None, Some(say(&err, LABELS))).await
        }
        Err(err) => Err(err.into()),
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = ChangeOrderId(parse_id(&raw)?);
    s.ctx
        .require(rapport_core::access::Permission::ManageClients)?;
    let co = state.app.get_change_order(&s.ctx, id).await?;
    let e = state.app.get_engagement(&s.ctx, co.engagement_id).await?;
    let f = CoForm {
        requests: co.request_ids.iter().map(|r| r.0.to_string()).collect(),
        title: co.title.clone(),
        description: co.description.clone(),
        estimate_hours: fields::as_hours(co.estimate_minutes),
        rate: fields::money_value(co.rate_minor, co.currency.exponent()),
        ..Default::default()
    };
    co_form_page(&state, &s, &e, &f, Some(id), None).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let id = ChangeOrderId(parse_id(&raw)?);
    let f = CoForm::of(pairs);
    s.check(&f.csrf)?;
    let co = state.app.get_change_order(&s.ctx, id).await?;
    let e = state.app.get_engagement(&s.ctx, co.engagement_id).await?;
    if f.intent == "price" {
        return co_form_page(&state, &s, &e, &f, Some(id), None).await;
    }
    let result = async {
        let edit = ChangeOrderEdit {
            request_ids: request_ids(&f)?,
            title: f.title.clone(),
            description: f.description.clone(),
            estimate_minutes: fields::hours("estimate_minutes", &f.estimate_hours)?
                .unwrap_or_default(),
            rate_minor: fields::money("rate_minor", &f.rate, e.currency.exponent())?,
        };
        state.app.edit_change_order(&s.ctx, id, edit).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/app/change-orders/{}", id.0)).into_response()),
        Err(err) if is_form_error(&err) => {
            co_form_page(&state, &s, &e, &f, Some(id), Some(say(&err, LABELS))).await
        }
        Err(err) => Err(err.into()),
    }
}

fn request_ids(f: &CoForm) -> Result<Vec<RequestId>, AppError> {
    let mut out = Vec::new();
    for r in &f.requests {
        out.push(RequestId(
            fields::whole("request_ids", r)?.unwrap_or_default(),
        ));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// A change order: send, withdraw, the client's decision

pub(super) async fn co_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = ChangeOrderId(parse_id(&raw)?);
    show(&state, &s, id, None).await
}

async fn show(
    state: &AppState,
    s: &Session,
    id: ChangeOrderId,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let co = state.app.get_change_order(&s.ctx, id).await?;
    let e = state.app.get_engagement(&s.ctx, co.engagement_id).await?;
    let client = state.app.client_record(&s.ctx, co.client_id).await?;
    let mut covered = Vec::new();
    for r in &co.request_ids {
        if let Ok(r) = state.app.get_request(&s.ctx, *r).await {
            covered.push(r);
        }
    }
    let (status, error) = match error {
        Some((st, m)) => (st, Some(m)),
        None => (StatusCode::OK, None),
    };
    let manages = s
        .ctx
        .principal
        .allows(rapport_core::access::Permission::ManageClients);
    let body = html! {
        p class="crumbs" { a href={ "/app/clients/" (client.id.0) } { (client.name) } " › " a href={ "/app/engagements/" (e.id.0) } { (e.name) } " › change order" }
        h1 { (co.title) }
        (fields::notice(error.as_deref()))
        dl class="facts" id="co-facts" {
            dt { "State" } dd id="co-state" { (co.status.as_str()) }
            dt { "Price" } dd { (fields::as_hours(co.estimate_minutes)) " h × " (co.currency.format(co.rate_minor)) " = " strong { (co.currency.format(co.price_minor)) } }
            dt { "Requests" } dd {
                @for (i, r) in covered.iter().enumerate() {
                    @if i > 0 { ", " } a href={ "/app/requests/" (r.id.0) } { (r.reference) " " (r.title) }
                }
            }
            @if let Some(t) = co.sent_at { dt { "Sent" } dd { (me.at(t)) } }
        }
        @if matches!(co.status, ChangeOrderStatus::Approved | ChangeOrderStatus::Declined) {
            section aria-labelledby="decision-h" id="co-decision" {
                h2 id="decision-h" { "The client's decision" }
                p {
                    strong { (co.status.as_str()) }
                    @if let Some(n) = &co.decided_by_name { " by " (n) }
                    @if let Some(t) = co.decided_at { " on " (me.at(t)) }
                    "."
                }
                @if let Some(note) = &co.decision_note { blockquote { (note) } }
            }
        }
        section aria-labelledby="desc-h" {
            h2 id="desc-h" { "What will be done" }
            p { (co.description) }
        }
        @if manages {
            @if co.status == ChangeOrderStatus::Draft {
                p { a href={ "/app/change-orders/" (co.id.0) "/edit" } { "Edit the draft" } }
                form method="post" action={ "/app/change-orders/" (co.id.0) "/send" } class="row" id="co-send" {
                    (csrf_field(&s.csrf))
                    span class="muted" { "Sending mails it on every request it covers; the client approves or declines in the portal." }
                    button type="submit" { "Send to the client" }
                }
            }
            @if matches!(co.status, ChangeOrderStatus::Draft | ChangeOrderStatus::Sent) {
                form method="post" action={ "/app/change-orders/" (co.id.0) "/withdraw" } class="stack" id="co-withdraw" {
                    (csrf_field(&s.csrf))
                    label for="co-note" { "Why it is withdrawn (optional, for the team)" }
                    textarea id="co-note" name="note" rows="2" {}
                    button type="submit" class="secondary" { "Withdraw" }
                }
            }
        }
    };
    let markup = page(state, s, &me, &co.title, "clients", body).await?;
    Ok((status, markup).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NoteForm {
    csrf: String,
    note: String,
}

pub(super) async fn send(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<NoteForm>,
) -> UiResult<Response> {
    let id = ChangeOrderId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let result = state.app.send_change_order(&s.ctx, id).await;
    saved_or_refill(
        result,
        &format!("/app/change-orders/{}", id.0),
        LABELS,
        |said| show(&state, &s, id, Some(said)),
    )
    .await
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<NoteForm>,
) -> UiResult<Response> {
    let id = ChangeOrderId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let input = DecisionInput {
        note: fields::opt(&f.note),
    };
    let result = state.app.withdraw_change_order(&s.ctx, id, input).await;
    saved_or_refill(
        result,
        &format!("/app/change-orders/{}", id.0),
        LABELS,
        |said| show(&state, &s, id, Some(said)),
    )
    .await
}
