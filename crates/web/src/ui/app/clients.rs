//! The clients list (search and health), the client form (calendar, etiquette, notes), a
//! client's page (calendar, health, etiquette, contacts, engagements) and portal access.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_core::access::Permission;
use rapport_core::calendar::CalendarSpec;
use rapport_core::client::{Client, ClientPatch, NewClient};
use rapport_core::etiquette::{ClientEtiquette, GlossaryEntry, Tone};
use rapport_core::ids::ClientId;
use serde::Deserialize;

use super::fields::{self, Labels, is_form_error, say};
use super::{Me, me, page, page_with, parse_id};
use crate::state::AppState;
use crate::ui::charts;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiError, UiResult, csrf_field, urlencode};

pub(super) async fn client_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Markup> {
    let id = ClientId(parse_id(&raw)?);
    let model = state.app.client_page(&s.ctx, id).await?;
    let me = Me::of(&model.nav.me, state.app.now());
    let rapport_app::pages::ClientPage {
        client,
        client_now: now,
        contacts,
        engagements,
        health,
        ..
    } = &model;
    let manages_portal = s
        .ctx
        .principal
        .allows(rapport_core::access::Permission::ManagePortalAccess);
    let stats = model.promise_stats.as_ref();
    let manages = s.ctx.principal.allows(Permission::ManageClients);
    let body = html! {
        p class="crumbs" { a href="/app/clients" { "Clients" } " › " (client.name) }
        h1 { (client.name) }
        @if manages { p { a href={ "/app/clients/" (id.0) "/edit" } { "Edit the client" } } }
        dl class="facts" {
            dt { "Local time" } dd id="client-time" {
                (now.local_time.replace('T', " ")) " " (now.tz) " (" (now.weekday) ") · "
                @if now.in_office { "in office" } @else { "out of office" }
                @if now.holiday_today { " · holiday today" }
            }
            dt { "Calendar" } dd {
                (client.calendar.hours.join(", "))
                @if !client.calendar.countries.is_empty() { " · holidays of " (client.calendar.countries.join(", ")) }
                @if !client.calendar.holidays.is_empty() { " · also off " (client.calendar.holidays.join(", ")) }
            }
            dt { "Locale" } dd { (client.locale) }
            @if !client.notes.is_empty() { dt { "Notes" } dd { (client.notes) } }
            dt { "Promises kept" } dd {
                @match stats.and_then(|s| s.kept_percent) {
                    Some(p) => { (format!("{p:.0}%")) }
                    None => { "none settled yet" }
                }
                @if let Some(st) = stats { " (" (st.kept) " kept, " (st.broken) " broken, " (st.pending) " pending)" }
            }
        }
        section aria-labelledby="health-h" {
            h2 id="health-h" { "Health" }
            @match &health {
                None => p class="empty" { "Not computed yet." },
                Some(h) => {
                    p class="score" { "Score " strong { (h.score) } " / 100" }
                    @if h.reasons.is_empty() { p { "No bad signal." } }
                    ul {
                        @for r in &h.reasons { li { (r.detail) " (−" (r.points) ")" } }
                    }
                    figure class="trend" {
                        (charts::trend(&h.trend.iter().map(|p| (p.date.to_string(), f64::from(p.score))).collect::<Vec<_>>(), "Health over the last 90 days", 100.0))
                        figcaption { "One score a day, from the daily snapshots." }
                    }
                }
            }
        }
        section aria-labelledby="etiquette-h" {
            h2 id="etiquette-h" { "Etiquette" }
            dl class="facts" {
                dt { "Tone" } dd { (format!("{:?}", client.etiquette.tone).to_lowercase()) }
                @if let Some(l) = &client.etiquette.language { dt { "Language" } dd { (l) } }
                dt { "Avoid" } dd { @if client.etiquette.avoid.is_empty() { "—" } (client.etiquette.avoid.join(", ")) }
                dt { "Their words" } dd {
                    @if client.etiquette.glossary.is_empty() { "—" }
                    @for (i, g) in client.etiquette.glossary.iter().enumerate() {
                        @if i > 0 { ", " } q { (g.theirs) } " for " q { (g.ours) }
                    }
                }
            }
            h3 id="contacts-h" { "Contacts" }
            @if manages { p { a href={ "/app/clients/" (id.0) "/contacts/new" } { "Add a contact" } } }
            @if contacts.items.is_empty() { p class="empty" { "None yet." } }
            ul class="contacts" {
                @for c in &contacts.items {
                    li {
                        (c.name) " <" (c.email) ">"
                        @if manages { " · " a href={ "/app/contacts/" (c.id.0) "/edit" } { "edit" } }
                        @if let Some(p) = &c.etiquette.preferred_name { " · greet as " strong { (p) } }
                        @if !c.etiquette.avoid.is_empty() { " · never " (c.etiquette.avoid.join(", ")) }
                        " · " span class="role" { (c.role.label()) }
                        " · portal " @if c.portal_enabled { "on" } @else { "off" }
                        // The keys to the portal are a manager's (the API refuses others too).
                        @if manages_portal {
                            form method="post" action={ "/app/contacts/" (c.id.0) "/portal" } class="inline" {
                                (csrf_field(&s.csrf))
                                @if c.portal_enabled {
                                    input type="hidden" name="action" value="revoke";
                                    button type="submit" { "Revoke portal access" }
                                } @else {
                                    input type="hidden" name="action" value="invite";
                                    button type="submit" { "Invite to the portal" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="eng-h" {
            h2 id="eng-h" { "Engagements" }
            @if manages { p { a href={ "/app/clients/" (id.0) "/engagements/new" } { "New engagement" } } }
            @if engagements.items.is_empty() { p class="empty" { "None." } }
            ul {
                @for e in &engagements.items {
                    li {
                        a href={ "/app/engagements/" (e.id.0) } { strong { (e.name) } } " · " (format!("{:?}", e.status).to_lowercase())
                        @if let Some(b) = e.budget_minutes { " · budget " (b / 60) " h" }
                        p class="muted" { (e.brief.text) }
                    }
                }
            }
        }
        @if manages {
            section aria-labelledby="log-h" {
                h2 id="log-h" { "Log a request for them" }
                p { a class="button" href={ "/app/requests/new?client=" (id.0) } id="log-request-link" { "Log a request" } }
            }
        }
        p { a href={ "/app?view=open" } { "Open requests" } }
    };
    Ok(page_with(
        &state,
        &s,
        &me,
        &model.nav,
        &client.name,
        "clients",
        body,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PortalForm {
    csrf: String,
    /// `invite` or `revoke`.
    action: String,
}

/// Invite a contact to the portal or revoke their access, from the client page.
pub(super) async fn contact_portal(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<PortalForm>,
) -> UiResult<Response> {
    let id = rapport_core::ids::ContactId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    match f.action.as_str() {
        "invite" => state.app.invite_contact(&s.ctx, id).await?,
        "revoke" => {
            let patch = rapport_core::client::ContactPatch {
                portal_enabled: Some(false),
                ..Default::default()
            };
            state.app.update_contact(&s.ctx, id, patch).await?;
        }
        _ => {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown action",
            ));
        }
    }
    let c = state.app.get_contact(&s.ctx, id).await?;
    Ok(Redirect::to(&format!("/app/clients/{}#contacts-h", c.client_id.0)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The clients list and the client form

const LABELS: Labels = &[
    ("name", "Name"),
    ("locale", "Locale"),
    ("calendar", "Calendar"),
    ("calendar.tz", "Time zone"),
    ("calendar.hours", "Working hours"),
    ("calendar.holidays", "Other days off"),
    ("calendar.countries", "Public holidays of"),
    ("etiquette.tone", "Tone"),
    ("etiquette.language", "Language of our mail"),
    ("etiquette.avoid", "Phrases to avoid"),
    ("etiquette.glossary", "Their words for ours"),
    ("notes", "Notes"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ListQuery {
    q: String,
    done: String,
    cursor: String,
}

/// A page of clients per screen: the search runs in the database, so any number can be found.
const CLIENTS_PER_PAGE: usize = 50;

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<ListQuery>,
) -> UiResult<Response> {
    let me = me(&state, &s).await?;
    let cursor = Some(q.cursor.as_str()).filter(|c| !c.is_empty());
    let (found, error) = match state
        .app
        .find_clients(&s.ctx, Some(&q.q), cursor, CLIENTS_PER_PAGE)
        .await
    {
        Ok(found) => (Some(found), None),
        Err(e) if is_form_error(&e) => (None, Some(say(&e, &[("q", "Find a client")]))),
        Err(e) => return Err(e.into()),
    };
    let health = state.app.health_scores(&s.ctx).await?;
    let needle = q.q.trim();
    let manages = s.ctx.principal.allows(Permission::ManageClients);
    let next = found
        .as_ref()
        .and_then(|f| f.page.next_cursor.as_deref())
        .map(|c| format!("/app/clients?q={}&cursor={}", urlencode(&q.q), urlencode(c)));
    let body = html! {
        h1 { "Clients" }
        @if q.done == "saved" { p class="notice ok" role="status" { "Saved." } }
        @if manages { p { a class="button" href="/app/clients/new" { "Add a client" } } }
        form method="get" action="/app/clients" class="row" role="search" {
            label for="client-q" { "Find a client (name, notes, a contact's name or address)" }
            input id="client-q" type="search" name="q" value=(q.q) autocomplete="off";
            button type="submit" { "Find" }
        }
        (fields::notice(error.as_ref().map(|e| e.1.as_str())))
        @if let Some(found) = &found {
            p id="client-count" role="status" {
                @match (found.total, needle.is_empty()) {
                    (0, true) => { "No clients yet." }
                    (0, false) => { "No client matches " q { (needle) } "." }
                    (1, true) => { "1 client." }
                    (n, true) => { (n) " clients." }
                    (1, false) => { "1 client matches " q { (needle) } "." }
                    (n, false) => { (n) " clients match " q { (needle) } "." }
                }
            }
            @if !found.page.items.is_empty() {
                div class="table-wrap" {
                    table class="queue" id="client-list" {
                        caption class="sr-only" { "Clients" }
                        thead { tr {
                            th scope="col" { "Name" } th scope="col" { "Time zone" }
                            th scope="col" { "Health" } th scope="col" { "Why" }
                        } }
                        tbody {
                            @for c in &found.page.items {
                                tr {
                                    td { a href={ "/app/clients/" (c.id.0) } { (c.name) } }
                                    td { (c.calendar.tz) }
                                    @match health.get(&c.id) {
                                        Some(h) => {
                                            td { (h.score) " / 100" }
                                            td { @if let Some(r) = h.reasons.first() { (r.detail) } @else { "no bad signal" } }
                                        }
                                        None => { td { "—" } td class="muted" { "not scored yet" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(href) = &next {
                nav aria-label="Pages" class="pager" { a rel="next" href=(href) { "Next page →" } }
            }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| e.0);
    Ok((
        status,
        page(&state, &s, &me, "Clients", "clients", body).await?,
    )
        .into_response())
}

/// What the client form holds, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct ClientForm {
    csrf: String,
    name: String,
    tz: String,
    hours: String,
    countries: String,
    holidays: String,
    locale: String,
    tone: String,
    language: String,
    avoid: String,
    glossary: String,
    notes: String,
}

impl ClientForm {
    fn of(c: &Client) -> Self {
        ClientForm {
            name: c.name.clone(),
            tz: c.calendar.tz.clone(),
            hours: c.calendar.hours.join("\n"),
            countries: c.calendar.countries.join(", "),
            holidays: c.calendar.holidays.join("\n"),
            locale: c.locale.clone(),
            tone: match c.etiquette.tone {
                Tone::Formal => "formal".into(),
                Tone::Informal => "informal".into(),
            },
            language: c.etiquette.language.clone().unwrap_or_default(),
            avoid: c.etiquette.avoid.join("\n"),
            glossary: c
                .etiquette
                .glossary
                .iter()
                .map(|g| format!("{} = {}", g.theirs, g.ours))
                .collect::<Vec<_>>()
                .join("\n"),
            notes: c.notes.clone(),
            ..Default::default()
        }
    }

    fn calendar(&self) -> CalendarSpec {
        CalendarSpec {
            tz: self.tz.trim().to_string(),
            hours: fields::lines(&self.hours),
            holidays: fields::items(&self.holidays),
            countries: fields::items(&self.countries),
        }
    }

    fn etiquette(&self) -> Result<ClientEtiquette, AppError> {
        let tone = match self.tone.as_str() {
            "" | "formal" => Tone::Formal,
            "informal" => Tone::Informal,
            _ => {
                return Err(AppError::invalid(
                    "etiquette.tone",
                    "choose formal or informal",
                ));
            }
        };
        let mut glossary = Vec::new();
        for line in fields::lines(&self.glossary) {
            let Some((theirs, ours)) = line.split_once('=') else {
                return Err(AppError::invalid(
                    "etiquette.glossary",
                    format!(
                        "{line:?}: write their word, then = and ours (\"brinjal = aubergine\")"
                    ),
                ));
            };
            glossary.push(GlossaryEntry {
                theirs: theirs.trim().to_string(),
                ours: ours.trim().to_string(),
            });
        }
        Ok(ClientEtiquette {
            tone,
            language: fields::opt(&self.language),
            avoid: fields::lines(&self.avoid),
            glossary,
        })
    }
}

fn client_form(s: &Session, f: &ClientForm, action: &str, new: bool) -> Markup {
    html! {
        form method="post" action=(action) class="stack" id="client-form" {
            (csrf_field(&s.csrf))
            label for="c-name" { "Name" }
            input id="c-name" name="name" required maxlength="200" autocomplete="off" value=(f.name);
            fieldset class="stack" {
                legend { "Calendar: when they are at work" }
                label for="c-tz" { "Time zone" }
                input id="c-tz" name="tz" required list="zones" placeholder="Asia/Kolkata" autocomplete="off" value=(f.tz);
                (super::members::zone_list())
                label for="c-hours" { "Working hours (one range per line, in their zone)" }
                textarea id="c-hours" name="hours" rows="2" placeholder="mon-fri 09:00-17:00" { (f.hours) }
                label for="c-countries" { "Public holidays of (country codes, e.g. IN, GB)" }
                input id="c-countries" name="countries" autocomplete="off" value=(f.countries);
                label for="c-holidays" { "Other days off (YYYY-MM-DD, one per line)" }
                textarea id="c-holidays" name="holidays" rows="2" { (f.holidays) }
            }
            fieldset class="stack" {
                legend { "Etiquette: how we write to them" }
                label for="c-locale" { "Locale (dates and numbers, e.g. en-IN)" }
                input id="c-locale" name="locale" autocomplete="off" placeholder="en" value=(f.locale);
                label for="c-tone" { "Tone" }
                select id="c-tone" name="tone" {
                    option value="formal" selected[f.tone != "informal"] { "formal" }
                    option value="informal" selected[f.tone == "informal"] { "informal" }
                }
                label for="c-language" { "Language of our mail (optional, e.g. en-GB)" }
                input id="c-language" name="language" autocomplete="off" value=(f.language);
                label for="c-avoid" { "Phrases to avoid (one per line)" }
                textarea id="c-avoid" name="avoid" rows="2" placeholder="Dear Sir/Madam" { (f.avoid) }
                label for="c-glossary" { "Their words for ours (one per line: their word = our word)" }
                textarea id="c-glossary" name="glossary" rows="2" placeholder="brinjal = aubergine" { (f.glossary) }
            }
            label for="c-notes" { "Notes (for the team only)" }
            textarea id="c-notes" name="notes" rows="3" { (f.notes) }
            button type="submit" { @if new { "Add the client" } @else { "Save" } }
        }
    }
}

async fn form_page(
    state: &AppState,
    s: &Session,
    f: &ClientForm,
    client: Option<&Client>,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let (title, action) = match client {
        Some(c) => (
            format!("Edit {}", c.name),
            format!("/app/clients/{}/edit", c.id.0),
        ),
        None => ("Add a client".to_string(), "/app/clients/new".to_string()),
    };
    let body = html! {
        p class="crumbs" { a href="/app/clients" { "Clients" } " › " (title) }
        h1 { (title) }
        (fields::notice(error.as_deref()))
        (client_form(s, f, &action, client.is_none()))
    };
    let markup = page(state, s, &me, &title, "clients", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn new_page(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Response> {
    s.ctx.require(Permission::ManageClients)?;
    let me = me(&state, &s).await?;
    let f = ClientForm {
        tz: me.tz.clone(),
        hours: "mon-fri 09:00-17:00".into(),
        locale: "en".into(),
        ..Default::default()
    };
    form_page(&state, &s, &f, None, None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<ClientForm>,
) -> UiResult<Response> {
    s.check(&f.csrf)?;
    let result = async {
        let input = NewClient {
            name: f.name.clone(),
            calendar: f.calendar(),
            locale: fields::opt(&f.locale),
            etiquette: Some(f.etiquette()?),
            notes: Some(f.notes.clone()),
        };
        state.app.create_client(&s.ctx, input).await
    }
    .await;
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/app/clients/{}", c.id.0)).into_response()),
        Err(e) if is_form_error(&e) => form_page(&state, &s, &f, None, Some(say(&e, LABELS))).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
) -> UiResult<Response> {
    let id = ClientId(parse_id(&raw)?);
    s.ctx.require(Permission::ManageClients)?;
    let c = state.app.client_record(&s.ctx, id).await?;
    form_page(&state, &s, &ClientForm::of(&c), Some(&c), None).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<ClientForm>,
) -> UiResult<Response> {
    let id = ClientId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let before = state.app.client_record(&s.ctx, id).await?;
    let result = async {
        let patch = ClientPatch {
            name: Some(f.name.clone()),
            locale: Some(fields::opt(&f.locale).unwrap_or_else(|| "en".into())),
            calendar: Some(f.calendar()),
            etiquette: Some(f.etiquette()?),
            notes: Some(f.notes.clone()),
        };
        state.app.update_client(&s.ctx, id, patch).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/app/clients/{}", id.0)).into_response()),
        Err(e) if is_form_error(&e) => {
            form_page(&state, &s, &f, Some(&before), Some(say(&e, LABELS))).await
        }
        Err(e) => Err(e.into()),
    }
}
