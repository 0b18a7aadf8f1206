//! Creating and editing an engagement: the brief with its in and out items (and a preview of
//! what the scope check says of a sample request), money, dates, manager, SLA targets per
//! priority and the silence policy.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_core::access::Permission;
use rapport_core::engagement::{Engagement, EngagementPatch, EngagementStatus, NewEngagement};
use rapport_core::ids::{ClientId, EngagementId, MemberId};
use rapport_core::member::Member;
use rapport_core::money::Currency;
use rapport_core::request::Priority;
use rapport_core::scope::{Brief, MAX_ID_CHARS, ScopeItem, ScopeKind};
use rapport_core::silence::SilencePolicy;
use rapport_core::sla::{SlaPolicy, SlaTargets};
use serde::Deserialize;

use super::fields::{self, Labels, is_form_error, say};
use super::{me, page, parse_id};
use crate::state::AppState;
use crate::ui::form::{UiForm, split_repeated};
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("name", "Name"),
    ("status", "State"),
    ("manager_id", "Manager"),
    ("team_member_ids", "Team"),
    ("brief", "Brief"),
    ("brief.text", "What the engagement is for"),
    ("currency", "Currency"),
    ("hourly_rate_minor", "Hourly rate"),
    ("budget_minutes", "Budget (hours)"),
    ("budget_fee_minor", "Fixed fee"),
    ("starts_on", "Starts on"),
    ("ends_on", "Ends on"),
    ("sla_policy", "Service levels"),
    ("sla_policy.targets.urgent", "Urgent targets"),
    ("sla_policy.targets.high", "High-priority targets"),
    ("sla_policy.targets.normal", "Normal-priority targets"),
    ("sla_policy.targets.low", "Low-priority targets"),
    ("sla_policy.at_risk_percent", "At risk after"),
    ("silence_policy", "Longest silence"),
    ("client_id", "Client"),
];

/// Currencies offered as you type (any supported ISO 4217 code is accepted).
const CURRENCIES: [&str; 9] = [
    "EUR", "GBP", "USD", "INR", "JPY", "AUD", "CAD", "SGD", "CHF",
];

/// What the engagement form holds, as typed. Targets are in business hours.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct EngagementForm {
    csrf: String,
    /// `preview` checks the sample against the brief without saving.
    intent: String,
    name: String,
    status: String,
    manager: String,
    /// Member ids, one per ticked box (read by [`EngagementForm::of_pairs`]).
    #[serde(skip)]
    team: Vec<String>,
    brief_text: String,
    in_items: String,
    out_items: String,
    sample: String,
    currency: String,
    rate: String,
    budget_hours: String,
    fee: String,
    starts_on: String,
    ends_on: String,
    urgent_first: String,
    urgent_next: String,
    urgent_resolution: String,
    high_first: String,
    high_next: String,
    high_resolution: String,
    normal_first: String,
    normal_next: String,
    normal_resolution: String,
    low_first: String,
    low_next: String,
    low_resolution: String,
    at_risk_percent: String,
    silence_hours: String,
    /// Remind the assignee when a client waited on has not answered for this long; empty: off.
    follow_up_hours: String,
}

fn hours_of(m: Option<i64>) -> String {
    m.map(fields::as_hours).unwrap_or_default()
}

impl EngagementForm {
    /// From the posted pairs: the ticked team boxes repeat `team`.
    fn of_pairs(pairs: Vec<(String, String)>) -> UiResult<Self> {
        let (mut f, team): (Self, _) = split_repeated(pairs, "team")?;
        f.team = team;
        Ok(f)
    }

    fn with_policy(mut self, sla: &SlaPolicy, silence: &SilencePolicy) -> Self {
        let t = &sla.targets;
        for (p, first, next, res) in [
            (
                &t.urgent,
                &mut self.urgent_first,
                &mut self.urgent_next,
                &mut self.urgent_resolution,
            ),
            (
                &t.high,
                &mut self.high_first,
                &mut self.high_next,
                &mut self.high_resolution,
            ),
            (
                &t.normal,
                &mut self.normal_first,
                &mut self.normal_next,
                &mut self.normal_resolution,
            ),
            (
                &t.low,
                &mut self.low_first,
                &mut self.low_next,
                &mut self.low_resolution,
            ),
        ] {
            *first = hours_of(p.first_response_minutes);
            *next = hours_of(p.next_response_minutes);
            *res = hours_of(p.resolution_minutes);
        }
        self.at_risk_percent = sla.at_risk_percent.to_string();
        self.silence_hours = fields::as_hours(silence.max_business_minutes);
        self.follow_up_hours = hours_of(silence.follow_up_after_business_minutes);
        self
    }

    fn of(e: &Engagement) -> Self {
        let exp = e.currency.exponent();
        let items = |kind: ScopeKind| {
            e.brief
                .items
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| i.text.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        EngagementForm {
            name: e.name.clone(),
            status: e.status.as_str().into(),
            manager: e.manager_id.map(|m| m.0.to_string()).unwrap_or_default(),
            team: e.team.iter().map(|m| m.0.to_string()).collect(),
            brief_text: e.brief.text.clone(),
            in_items: items(ScopeKind::In),
            out_items: items(ScopeKind::Out),
            currency: e.currency.code().into(),
            rate: e
                .hourly_rate_minor
                .map(|r| fields::money_value(r, exp))
                .unwrap_or_default(),
            budget_hours: hours_of(e.budget_minutes),
            fee: e
                .budget_fee_minor
                .map(|r| fields::money_value(r, exp))
                .unwrap_or_default(),
            starts_on: e.starts_on.map(|d| d.to_string()).unwrap_or_default(),
            ends_on: e.ends_on.map(|d| d.to_string()).unwrap_or_default(),
            ..Default::default()
        }
        .with_policy(&e.sla_policy_or_default(), &e.silence_policy_or_default())
    }

    /// The brief as written; item ids come from their text, keeping the ids of items whose
    /// text is unchanged so earlier verdicts' evidence still names them.
    fn brief(&self, before: Option<&Brief>) -> Brief {
        let mut used: Vec<String> = Vec::new();
        let mut items = Vec::new();
        for (kind, text) in [
            (ScopeKind::In, &self.in_items),
            (ScopeKind::Out, &self.out_items),
        ] {
            for line in fields::lines(text) {
                let kept = before.and_then(|b| {
                    b.items
                        .iter()
                        .find(|i| i.kind == kind && i.text == line && !used.contains(&i.id))
                        .map(|i| i.id.clone())
                });
                let id = kept.unwrap_or_else(|| unique_id(&slug(&line), &used, before));
                used.push(id.clone());
                items.push(ScopeItem {
                    id,
                    kind,
                    text: line,
                });
            }
        }
        Brief {
            text: self.brief_text.trim().to_string(),
            items,
        }
    }

    fn currency(&self) -> Result<Currency, AppError> {
        Currency::parse(self.currency.trim())
            .map_err(|e| AppError::invalid("currency", e.to_string()))
    }

    fn sla(&self) -> Result<SlaPolicy, AppError> {
        let targets =
            |p: &str, first: &str, next: &str, res: &str| -> Result<SlaTargets, AppError> {
                let field = format!("sla_policy.targets.{p}");
                Ok(SlaTargets {
                    first_response_minutes: fields::hours(&field, first)?,
                    next_response_minutes: fields::hours(&field, next)?,
                    resolution_minutes: fields::hours(&field, res)?,
                })
            };
        let mut policy = SlaPolicy::default();
        policy.targets.urgent = targets(
            "urgent",
            &self.urgent_first,
            &self.urgent_next,
            &self.urgent_resolution,
        )?;
        policy.targets.high = targets(
            "high",
            &self.high_first,
            &self.high_next,
            &self.high_resolution,
        )?;
        policy.targets.normal = targets(
            "normal",
            &self.normal_first,
            &self.normal_next,
            &self.normal_resolution,
        )?;
        policy.targets.low = targets("low", &self.low_first, &self.low_next, &self.low_resolution)?;
        if let Some(p) = fields::whole("sla_policy.at_risk_percent", &self.at_risk_percent)? {
            policy.at_risk_percent = u8::try_from(p).map_err(|_| {
                AppError::invalid("sla_policy.at_risk_percent", "a percentage from 1 to 99")
            })?;
        }
        Ok(policy)
    }

    fn silence(&self) -> Result<Option<SilencePolicy>, AppError> {
        let max = fields::hours("silence_policy", &self.silence_hours)?;
        let follow_up = fields::hours(
            "silence_policy.follow_up_after_business_minutes",
            &self.follow_up_hours,
        )?;
        Ok(match (max, follow_up) {
            (None, None) => None,
            (max, follow_up) => Some(SilencePolicy {
                max_business_minutes: max.unwrap_or(rapport_core::silence::DEFAULT_SILENCE_MINUTES),
                follow_up_after_business_minutes: follow_up,
            }),
        })
    }

    fn manager(&self) -> Result<Option<MemberId>, AppError> {
        Ok(fields::whole("manager_id", &self.manager)?.map(MemberId))
    }

    fn team(&self) -> Result<Vec<MemberId>, AppError> {
        self.team
            .iter()
            .map(|t| {
                t.trim().parse().map_err(|_| {
                    AppError::invalid("team_member_ids", "choose members from the list")
                })
            })
            .collect()
    }

    fn on_team(&self, m: MemberId) -> bool {
        self.team.iter().any(|t| t.trim() == m.0.to_string())
    }
}

/// A brief-local id from an item's text: `Sales dashboards` -> `sales-dashboards`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out
        .trim_end_matches('-')
        .chars()
        .take(MAX_ID_CHARS - 4)
        .collect();
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "item".into() } else { out }
}

fn unique_id(base: &str, used: &[String], before: Option<&Brief>) -> String {
    let taken = |id: &str| {
        used.iter().any(|u| u == id) || before.is_some_and(|b| b.items.iter().any(|i| i.id == id))
    };
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.to_string())
}

/// The limits read from the in items, so their author sees how the check reads the wording,
/// then what the check says of the sample, as a sentence.
fn preview(state: &AppState, s: &Session, f: &EngagementForm, before: Option<&Brief>) -> Markup {
    let brief = f.brief(before);
    html! {
        (limits_read(&brief))
        (sample_verdict(state, s, f, &brief))
    }
}

fn limits_read(brief: &Brief) -> Markup {
    let limits = rapport_core::scope::brief_limits(brief);
    html! {
        @if !limits.is_empty() {
            p id="limits-read" {
                "Limits read from the in items (reword an item if one is wrong): "
                @for (i, l) in limits.iter().enumerate() {
                    @if i > 0 { "; " }
                    @let item = brief.items.iter().find(|it| it.id == l.item_id).map_or(l.item_id.as_str(), |it| it.text.as_str());
                    q { (item) } " includes " strong { (l.describe()) }
                }
                "."
            }
        }
    }
}

fn sample_verdict(state: &AppState, s: &Session, f: &EngagementForm, brief: &Brief) -> Markup {
    if f.sample.trim().is_empty() {
        return html! { p class="muted" { "Type a request a client might send; the verdict the scope check would give appears here." } };
    }
    match state.app.preview_scope(&s.ctx, brief.clone(), &f.sample) {
        Ok(a) => {
            let text_of = |id: &str| {
                brief
                    .items
                    .iter()
                    .find(|i| i.id == id)
                    .map(|i| i.text.clone())
                    .unwrap_or_else(|| "the brief's text".into())
            };
            html! {
                p class="verdict" {
                    "The scope check would say " strong { (a.verdict.as_str()) }
                    " (confidence " (format!("{:.0}%", a.confidence * 100.0)) ")."
                }
                @if let Some(why) = &a.reason { p { "Why: " (why) "." } }
                @if a.evidence.is_empty() {
                    @if brief.items.is_empty() { p class="muted" { "Add in and out items: with none the check cannot decide." } }
                    @else { p class="muted" { "No item of the brief shares words with it." } }
                } @else {
                    ul class="evidence-list" {
                        @for ev in a.evidence.iter().take(3) {
                            li {
                                (match ev.kind { ScopeKind::In => "in: ", ScopeKind::Out => "out: " })
                                q { (text_of(&ev.item_id)) }
                                @if !ev.terms.is_empty() { span class="muted" { " — matched " (ev.terms.join(", ")) } }
                            }
                        }
                    }
                }
            }
        }
        Err(e) => html! { p class="notice error" { (say(&e, LABELS).1) } },
    }
}

fn target_row(p: &str, label: &str, first: &str, next: &str, res: &str) -> Markup {
    html! {
        tr {
            th scope="row" { (label) }
            td { input id={ "sla-" (p) "-first" } name={ (p) "_first" } inputmode="decimal" size="5" aria-label={ (label) ": first reply, business hours" } value=(first); }
            td { input name={ (p) "_next" } inputmode="decimal" size="5" aria-label={ (label) ": next reply, business hours" } value=(next); }
            td { input name={ (p) "_resolution" } inputmode="decimal" size="5" aria-label={ (label) ": delivery, business hours" } value=(res); }
        }
    }
}

struct FormCtx<'a> {
    action: String,
    members: &'a [Member],
    editing: bool,
    preview: Markup,
}

fn engagement_form(s: &Session, f: &EngagementForm, c: &FormCtx<'_>) -> Markup {
    html! {
        form method="post" action=(c.action) class="stack" id="engagement-form" {
            (csrf_field(&s.csrf))
            label for="e-name" { "Name" }
            input id="e-name" name="name" required maxlength="200" autocomplete="off" value=(f.name);
            @if c.editing {
                label for="e-status" { "State" }
                select id="e-status" name="status" {
                    @for st in EngagementStatus::ALL { option value=(st.as_str()) selected[f.status == st.as_str()] { (st.as_str()) } }
                }
            }
            label for="e-manager" { "Manager" }
            select id="e-manager" name="manager" {
                option value="" { "nobody yet" }
                @for m in c.members.iter().filter(|m| m.active) { option value=(m.id.0) selected[f.manager == m.id.0.to_string()] { (m.name) } }
            }
            fieldset class="stack" id="e-team" {
                legend { "Team: who works on it" }
                // A deactivated member stays listed while on the team, so saving keeps them.
                @for m in c.members.iter().filter(|m| m.active || f.on_team(m.id)) {
                    label {
                        input type="checkbox" name="team" value=(m.id.0) checked[f.on_team(m.id)];
                        " " (m.name)
                        @if !m.active { span class="muted" { " (deactivated)" } }
                    }
                }
            }
            fieldset class="stack" {
                legend { "Brief: what is in and out of scope" }
                label for="e-brief" { "What the engagement is for" }
                textarea id="e-brief" name="brief_text" rows="3" { (f.brief_text) }
                label for="e-in" { "In scope (one item per line)" }
                textarea id="e-in" name="in_items" rows="4" placeholder="Weekly sales dashboards"
                    hx-post="/app/engagements/scope-preview" hx-trigger="input changed delay:600ms"
                    hx-target="#scope-preview" hx-swap="innerHTML" aria-describedby="scope-preview" { (f.in_items) }
                label for="e-out" { "Out of scope (one item per line)" }
                textarea id="e-out" name="out_items" rows="3" placeholder="Anything on the mobile app" { (f.out_items) }
                label for="e-sample" { "Try a sample request (not saved)" }
                textarea id="e-sample" name="sample" rows="2"
                    hx-post="/app/engagements/scope-preview" hx-trigger="input changed delay:400ms"
                    hx-target="#scope-preview" hx-swap="innerHTML" aria-describedby="scope-preview" { (f.sample) }
                div id="scope-preview" class="lint" aria-live="polite" { (c.preview) }
                button type="submit" name="intent" value="preview" class="secondary" { "Check the sample" }
            }
            fieldset class="stack" {
                legend { "Money and dates" }
                label for="e-currency" { "Currency" }
                input id="e-currency" name="currency" required list="currencies" maxlength="3" size="4" autocomplete="off" value=(f.currency);
                datalist id="currencies" { @for code in CURRENCIES { option value=(code) {} } }
                label for="e-rate" { "Hourly rate (optional; prices change orders)" }
                input id="e-rate" name="rate" inputmode="decimal" autocomplete="off" value=(f.rate);
                label for="e-budget" { "Budget (hours, optional)" }
                input id="e-budget" name="budget_hours" inputmode="decimal" autocomplete="off" value=(f.budget_hours);
                label for="e-fee" { "Fixed fee (optional)" }
                input id="e-fee" name="fee" inputmode="decimal" autocomplete="off" value=(f.fee);
                label for="e-starts" { "Starts on" }
                input id="e-starts" name="starts_on" type="date" value=(f.starts_on);
                label for="e-ends" { "Ends on" }
                input id="e-ends" name="ends_on" type="date" value=(f.ends_on);
            }
            fieldset class="stack" {
                legend { "Service levels (business hours of the client's calendar; blank: no target)" }
                div class="table-wrap" {
                    table class="queue sla-targets" {
                        caption class="sr-only" { "Targets per priority, in business hours" }
                        thead { tr { th scope="col" { "Priority" } th scope="col" { "First reply" } th scope="col" { "Next reply" } th scope="col" { "Delivery" } } }
                        tbody {
                            (target_row("urgent", "Urgent", &f.urgent_first, &f.urgent_next, &f.urgent_resolution))
                            (target_row("high", "High", &f.high_first, &f.high_next, &f.high_resolution))
                            (target_row("normal", "Normal", &f.normal_first, &f.normal_next, &f.normal_resolution))
                            (target_row("low", "Low", &f.low_first, &f.low_next, &f.low_resolution))
                        }
                    }
                }
                label for="e-risk" { "At risk after (% of a target)" }
                input id="e-risk" name="at_risk_percent" inputmode="numeric" size="4" value=(f.at_risk_percent);
                label for="e-silence" { "Longest silence: the client never waits on us longer than (business hours)" }
                input id="e-silence" name="silence_hours" inputmode="decimal" size="5" value=(f.silence_hours);
                label for="e-follow-up" { "Follow-up reminder: waiting on the client, remind the assignee after (business hours without a reply; empty: off)" }
                input id="e-follow-up" name="follow_up_hours" inputmode="decimal" size="5" value=(f.follow_up_hours);
            }
            button type="submit" name="intent" value="save" { @if c.editing { "Save" } @else { "Create the engagement" } }
        }
    }
}

async fn member_choices(state: &AppState, s: &Session) -> UiResult<Vec<Member>> {
    Ok(state
        .app
        .list_members(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?
        .items)
}

async fn form_page(
    state: &AppState,
    s: &Session,
    client: ClientId,
    f: &EngagementForm,
    engagement: Option<&Engagement>,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let c = state.app.client_record(&s.ctx, client).await?;
    let members = member_choices(state, s).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let (title, action) = match engagement {
        Some(e) => (
            format!("Edit {}", e.name),
            format!("/app/engagements/{}/edit", e.id.0),
        ),
        None => (
            format!("New engagement for {}", c.name),
            format!("/app/clients/{}/engagements/new", client.0),
        ),
    };
    let ctx = FormCtx {
        action,
        members: &members,
        editing: engagement.is_some(),
        preview: preview(state, s, f, engagement.map(|e| &e.brief)),
    };
    let body = html! {
        p class="crumbs" { a href="/app/clients" { "Clients" } " › " a href={ "/app/clients/" (client.0) } { (c.name) } " › " (title) }
        h1 { (title) }
        (fields::notice(error.as_deref()))
        (engagement_form(s, f, &ctx))
    };
    let markup = page(state, s, &me, &title, "clients", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let client = ClientId(parse_id(&raw)?);
    s.ctx.require(Permission::ManageClients)?;
    let f = EngagementForm {
        currency: "EUR".into(),
        manager: s
            .ctx
            .principal
            .member_id()
            .map(|m| m.0.to_string())
            .unwrap_or_default(),
        ..Default::default()
    }
    .with_policy(&SlaPolicy::default(), &SilencePolicy::default());
    form_page(&state, &s, client, &f, None, None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let client = ClientId(parse_id(&raw)?);
    let f = EngagementForm::of_pairs(pairs)?;
    s.check(&f.csrf)?;
    if f.intent == "preview" {
        return form_page(&state, &s, client, &f, None, None).await;
    }
    let result = async {
        let currency = f.currency()?;
        let exp = currency.exponent();
        let input = NewEngagement {
            client_id: client,
            name: f.name.clone(),
            manager_id: f.manager()?,
            team_member_ids: f.team()?,
            brief: Some(f.brief(None)),
            hourly_rate_minor: fields::money("hourly_rate_minor", &f.rate, exp)?,
            budget_minutes: fields::hours("budget_minutes", &f.budget_hours)?,
            budget_fee_minor: fields::money("budget_fee_minor", &f.fee, exp)?,
            starts_on: fields::date("starts_on", &f.starts_on)?,
            ends_on: fields::date("ends_on", &f.ends_on)?,
            sla_policy: Some(f.sla()?),
            silence_policy: f.silence()?,
            calendar: None,
            currency,
        };
        state.app.create_engagement(&s.ctx, input).await
    }
    .await;
    match result {
        Ok(e) => Ok(Redirect::to(&format!("/app/engagements/{}", e.id.0)).into_response()),
        Err(e) if is_form_error(&e) => {
            form_page(&state, &s, client, &f, None, Some(say(&e, LABELS))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = EngagementId(parse_id(&raw)?);
    let e = state.app.get_engagement(&s.ctx, id).await?;
    form_page(
        &state,
        &s,
        e.client_id,
        &EngagementForm::of(&e),
        Some(&e),
        None,
    )
    .await
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Response> {
    let id = EngagementId(parse_id(&raw)?);
    let f = EngagementForm::of_pairs(pairs)?;
    s.check(&f.csrf)?;
    let before = state.app.get_engagement(&s.ctx, id).await?;
    if f.intent == "preview" {
        return form_page(&state, &s, before.client_id, &f, Some(&before), None).await;
    }
    let result = async {
        let currency = f.currency()?;
        let exp = currency.exponent();
        let status: EngagementStatus = f
            .status
            .parse()
            .map_err(|_| AppError::invalid("status", "choose a state"))?;
        let patch = EngagementPatch {
            name: Some(f.name.clone()),
            status: Some(status),
            manager_id: Some(f.manager()?),
            team_member_ids: Some(f.team()?),
            brief: Some(f.brief(Some(&before.brief))),
            hourly_rate_minor: Some(fields::money("hourly_rate_minor", &f.rate, exp)?),
            budget_minutes: Some(fields::hours("budget_minutes", &f.budget_hours)?),
            budget_fee_minor: Some(fields::money("budget_fee_minor", &f.fee, exp)?),
            starts_on: Some(fields::date("starts_on", &f.starts_on)?),
            ends_on: Some(fields::date("ends_on", &f.ends_on)?),
            sla_policy: Some(Some(f.sla()?)),
            silence_policy: Some(f.silence()?),
            calendar: None,
            currency: (currency != before.currency).then_some(currency),
        };
        state.app.update_engagement(&s.ctx, id, patch).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/app/engagements/{}", id.0)).into_response()),
        Err(e) if is_form_error(&e) => {
            form_page(
                &state,
                &s,
                before.client_id,
                &f,
                Some(&before),
                Some(say(&e, LABELS)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The verdict for the sample as you type (an htmx fragment; without JavaScript the form's
/// own "Check the sample" button re-renders the whole form instead).
pub(super) async fn scope_preview(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> UiResult<Markup> {
    let f = EngagementForm::of_pairs(pairs)?;
    s.check(&f.csrf)?;
    Ok(preview(&state, &s, &f, None))
}

/// The targets of one priority in words, for the engagement page.
pub(super) fn targets_in_words(t: &SlaTargets) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = t.first_response_minutes {
        out.push(format!("first reply within {}", fields::business_time(m)));
    }
    if let Some(m) = t.next_response_minutes {
        out.push(format!(
            "each later reply within {}",
            fields::business_time(m)
        ));
    }
    if let Some(m) = t.resolution_minutes {
        out.push(format!("delivery within {}", fields::business_time(m)));
    }
    out
}

/// Priorities, most urgent first, with their labels.
pub(super) const PRIORITIES: [(Priority, &str); 4] = [
    (Priority::Urgent, "Urgent"),
    (Priority::High, "High priority"),
    (Priority::Normal, "Normal priority"),
    (Priority::Low, "Low priority"),
];
