//! Oversight for managers and admins: the audit log (who did what, when), capacity by member
//! for the weeks ahead, the clients at risk with their reasons, and the scope report (extra work
//! billed through change orders against work absorbed).

use std::collections::HashMap;

use axum::extract::{Query, State};
use jiff::civil::Date;
use maud::{Markup, html};
use rapport_app::org::AuditFilter;
use rapport_core::access::{Actor, Permission};
use rapport_core::ids::MemberId;
use serde::Deserialize;

use super::{me, page};
use crate::state::AppState;
use crate::ui::{Agent, Session, UiError, UiResult, urlencode};

/// Who may open the audit log; the navigation shows the link only to them.
pub(super) fn reads_audit(s: &Session) -> bool {
    s.ctx.require(Permission::ReadAudit).is_ok()
}

fn hours(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.abs();
    match m % 60 {
        0 => format!("{sign}{} h", m / 60),
        r => format!("{sign}{} h {r:02}", m / 60),
    }
}

async fn member_names(state: &AppState, s: &Session) -> UiResult<HashMap<MemberId, String>> {
    let list = state
        .app
        .list_members(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?;
    Ok(list.items.into_iter().map(|m| (m.id, m.name)).collect())
}

// ---------------------------------------------------------------------------------------------
// The audit log

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AuditForm {
    /// A member's id, "system", or empty for anyone.
    who: String,
    /// An action or an entity ("request.").
    what: String,
    /// Dates in the viewer's zone, inclusive.
    from: String,
    to: String,
    cursor: String,
}

/// The entities people filter by most, as "what" choices.
const WHAT: [(&str, &str); 10] = [
    ("", "Anything"),
    ("request.", "Requests"),
    ("message.", "Messages"),
    ("promise.", "Promises"),
    ("change_order.", "Change orders"),
    ("client.", "Clients"),
    ("engagement.", "Engagements"),
    ("member.", "Members"),
    ("auth.", "Signing in"),
    ("rating.", "Ratings"),
];

/// The start of `date` in `tz`.
fn day_start(date: Date, tz: &str) -> Result<jiff::Timestamp, String> {
    date.to_datetime(jiff::civil::Time::midnight())
        .in_tz(tz)
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

fn parse_date(label: &str, v: &str) -> Result<Option<Date>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<Date>()
        .map(Some)
        .map_err(|_| format!("{label}: {v:?} is not a date (YYYY-MM-DD)."))
}

/// The form's words as a filter, or the first thing wrong with them in the form's labels.
fn audit_filter(f: &AuditForm, tz: &str) -> Result<AuditFilter, String> {
    let actor = match f.who.trim() {
        "" => None,
        "system" => Some(Actor::System),
        id => Some(Actor::Member(MemberId(
            id.parse()
                .map_err(|_| "Who: choose someone from the list.")?,
        ))),
    };
    let from = parse_date("From", &f.from)?;
    let to = parse_date("To", &f.to)?;
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        return Err("To: the last day must not be before the first.".into());
    }
    let since = from.map(|d| day_start(d, tz)).transpose()?;
    let until = to
        .and_then(|d| d.tomorrow().ok())
        .map(|d| day_start(d, tz))
        .transpose()?;
    let what = f.what.trim();
    Ok(AuditFilter {
        action: (!what.is_empty()).then(|| what.to_string()),
        actor,
        since,
        until,
        cursor: (!f.cursor.is_empty()).then(|| f.cursor.clone()),
        limit: Some(50),
        ..Default::default()
    })
}

fn actor_name(a: &Actor, names: &HashMap<MemberId, String>) -> String {
    match a {
        Actor::Member(id) => names
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("member {}", id.0)),
        Actor::Contact(id) => format!("client contact {}", id.0),
        Actor::System => "Rapport".into(),
    }
}

/// A link to what an event was about, where there is a page for it.
fn target(kind: Option<&str>, id: Option<i64>) -> Markup {
    let Some(id) = id else {
        return html! { (kind.unwrap_or("")) };
    };
    let path = match kind {
        Some("request") => Some("requests"),
        Some("client") => Some("clients"),
        Some("engagement") => Some("engagements"),
        Some("change_order") => Some("change-orders"),
        Some("member") => Some("members"),
        _ => None,
    };
    let label = format!("{} #{id}", kind.unwrap_or("item").replace('_', " "));
    html! {
        @if let Some(p) = path { a href={ "/app/" (p) "/" (id) } { (label) } } @else { (label) }
    }
}

/// What changed, briefly: the detail fields as `name: value`.
fn details(v: &serde_json::Value) -> String {
    let Some(map) = v.as_object() else {
        return String::new();
    };
    let mut parts: Vec<String> = map
        .iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let v: String = if v.chars().count() > 80 {
                v.chars().take(79).chain(['…']).collect()
            } else {
                v
            };
            format!("{}: {v}", k.replace('_', " "))
        })
        .collect();
    parts.truncate(6);
    parts.join(" · ")
}

pub(super) async fn audit(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(f): Query<AuditForm>,
) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    if !reads_audit(&s) {
        return Err(UiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "The audit log is for admins and owners.",
        ));
    }
    let names = member_names(&state, &s).await?;
    let mut members: Vec<(&MemberId, &String)> = names.iter().collect();
    members.sort_by(|a, b| a.1.cmp(b.1));
    let (list, error) = match audit_filter(&f, &me.tz) {
        Ok(filter) => (Some(state.app.list_audit(&s.ctx, filter).await?), None),
        Err(e) => (None, Some(e)),
    };
    let next = list.as_ref().and_then(|l| l.next_cursor.clone()).map(|c| {
        format!(
            "/app/audit?who={}&what={}&from={}&to={}&cursor={}",
            urlencode(&f.who),
            urlencode(&f.what),
            urlencode(&f.from),
            urlencode(&f.to),
            urlencode(&c)
        )
    });
    let body = html! {
        h1 { "Audit log" }
        p class="muted" { "Everything done in this workspace, newest first. Nothing deletes it. Dates in " (me.tz) "." }
        form method="get" action="/app/audit" class="filters" id="audit-filters" {
            label for="who" { "Who" }
            select id="who" name="who" {
                option value="" selected[f.who.is_empty()] { "Anyone" }
                option value="system" selected[f.who == "system"] { "Rapport (jobs, mail)" }
                @for (id, name) in &members {
                    @let v = id.0.to_string();
                    option value=(v) selected[f.who == v] { (name) }
                }
            }
            label for="what" { "What" }
            select id="what" name="what" {
                @for (v, label) in WHAT {
                    option value=(v) selected[f.what == v] { (label) }
                }
                @if !f.what.is_empty() && !WHAT.iter().any(|(v, _)| *v == f.what) {
                    option value=(f.what) selected { (f.what) }
                }
            }
            label for="from" { "From" }
            input id="from" name="from" type="date" value=(f.from);
            label for="to" { "To" }
            input id="to" name="to" type="date" value=(f.to);
            button type="submit" { "Show" }
        }
        @if let Some(e) = &error { p class="notice error" role="alert" { (e) } }
        @if let Some(list) = &list {
            @if list.items.is_empty() { p class="empty" id="audit-empty" { "Nothing matches." } }
            @else {
                div class="table-wrap" {
                    table class="queue" id="audit" {
                        caption class="sr-only" { "Audit events" }
                        thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "About" } th scope="col" { "Details" } } }
                        tbody {
                            @for e in &list.items {
                                tr {
                                    td { (me.at(e.at)) }
                                    td { (actor_name(&e.actor, &names)) }
                                    td { code { (e.action) } }
                                    td { (target(e.target_kind.as_deref(), e.target_id)) }
                                    td class="details" { (details(&e.details)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(n) = next {
            nav aria-label="Pages" class="pager" { a rel="next" href=(n) { "Older events →" } }
        }
    };
    page(&state, &s, &me, "Audit log", "audit", body).await
}

// ---------------------------------------------------------------------------------------------
// Capacity for the weeks ahead

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct WeeksQuery {
    weeks: Option<u32>,
}

pub(super) async fn capacity(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<WeeksQuery>,
) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let weeks = q.weeks.unwrap_or(6).clamp(1, 12);
    let team = state.app.team_capacity(&s.ctx, weeks, None).await?;
    let starts: Vec<Date> = team
        .first()
        .map(|m| m.weeks.iter().map(|w| w.week_start).collect())
        .unwrap_or_default();
    let body = html! {
        h1 { "Capacity" }
        p class="muted" {
            "Open work committed against each member's capacity, week by week (weeks start on Monday in the member's zone). "
            "Holidays and days off lower a week's capacity. Out of hours: time logged outside the member's working hours."
        }
        form method="get" action="/app/capacity" class="filters" {
            label for="weeks" { "Weeks ahead" }
            select id="weeks" name="weeks" {
                @for n in [2u32, 4, 6, 8, 12] { option value=(n) selected[n == weeks] { (n) } }
            }
            button type="submit" { "Show" }
        }
        @if team.is_empty() { p class="empty" { "No active members." } }
        @else {
            div class="table-wrap" {
                table class="queue capacity" id="capacity" {
                    caption class="sr-only" { "Committed and capacity per member and week" }
                    thead {
                        tr {
                            th scope="col" { "Member" }
                            @for d in &starts { th scope="col" { "w/c " (d.strftime("%-d %b")) } }
                        }
                    }
                    tbody {
                        @for m in &team {
                            tr {
                                th scope="row" { (m.name) br; span class="muted" { (m.tz) } }
                                @for w in &m.weeks {
                                    @let reduced = w.capacity_minutes < m.weekly_capacity_minutes;
                                    td class=[(w.overcommitted_minutes > 0).then_some("over")] {
                                        (hours(w.committed_minutes)) " of " (hours(w.capacity_minutes))
                                        @if reduced { br; span class="muted" { "days off: " (hours(m.weekly_capacity_minutes - w.capacity_minutes)) " less" } }
                                        @if w.overcommitted_minutes > 0 { br; strong { (hours(w.overcommitted_minutes)) " over" } }
                                        @if w.out_of_hours_minutes > 0 { br; span class="ooh" { (hours(w.out_of_hours_minutes)) " out of hours" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&state, &s, &me, "Capacity", "capacity", body).await
}

// ---------------------------------------------------------------------------------------------
// Clients at risk

pub(super) async fn at_risk(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let list = state.app.at_risk(&s.ctx, Some(70), Some(100)).await?;
    let body = html! {
        h1 { "Clients at risk" }
        p class="muted" { "Clients whose health is below 70, lowest first, with what takes most off their score." }
        @if list.is_empty() { p class="empty" id="at-risk-empty" { "No client is below 70." } }
        @else {
            ul class="at-risk" id="at-risk" {
                @for c in &list {
                    li {
                        a href={ "/app/clients/" (c.client_id.0) } { strong { (c.client_name) } }
                        " — health " strong { (c.score) } " / 100"
                        @if !c.reasons.is_empty() {
                            ul { @for r in &c.reasons { li { (r.detail) " (−" (r.points) ")" } } }
                        }
                    }
                }
            }
        }
    };
    page(&state, &s, &me, "Clients at risk", "at-risk", body).await
}

// ---------------------------------------------------------------------------------------------
// The scope report

fn money(currency: &str, minor: i64) -> String {
    match rapport_core::money::Currency::parse(currency) {
        Ok(c) => c.format(minor),
        Err(_) => format!("{minor} {currency} (minor units)"),
    }
}

pub(super) async fn scope_report(
    State(state): State<AppState>,
    Agent(s): Agent,
) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let report = state
        .app
        .scope_report(&s.ctx, rapport_app::scope::ReportQuery::default())
        .await?;
    let body = html! {
        h1 { "Scope report" }
        p class="muted" {
            "Work outside the briefs from " (report.from) " to " (report.to)
            ": billed through approved change orders, absorbed (started without one), or still pending a decision."
        }
        @if report.totals.is_empty() { p class="empty" id="scope-empty" { "No out-of-scope work in this period." } }
        @else {
            div class="table-wrap" {
                table class="queue" id="scope-report" {
                    caption class="sr-only" { "Out-of-scope work per engagement" }
                    thead { tr {
                        th scope="col" { "Client · engagement" }
                        th scope="col" { "Out-of-scope requests" }
                        th scope="col" { "Billed" }
                        th scope="col" { "Absorbed" }
                        th scope="col" { "Pending" }
                    } }
                    tbody {
                        @for t in &report.totals {
                            tr {
                                td { (t.client_name) " · " a href={ "/app/engagements/" (t.engagement_id.0) } { (t.engagement_name) } }
                                td { (t.out_requests) }
                                td { (hours(t.billed_minutes)) br; span class="muted" { (money(&t.currency, t.billed_minor)) " in " (t.billed_orders) " change orders" } }
                                td class=[(t.absorbed_minutes > 0).then_some("over")] {
                                    (hours(t.absorbed_minutes))
                                    @if let Some(m) = t.absorbed_minor { br; span class="muted" { (money(&t.currency, m)) " unbilled" } }
                                }
                                td { (hours(t.pending_minutes)) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&state, &s, &me, "Scope report", "scope-report", body).await
}
