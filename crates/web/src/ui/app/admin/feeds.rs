//! Calendar feeds (admins): secret iCalendar URLs of promises and SLA deadlines for a member or
//! a client — made (the URL shown once), listed and revoked, the API's use cases.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use rapport_app::AppError;
use rapport_app::calendar_feeds::{CreatedFeed, NewFeed};
use rapport_core::ids::{ClientId, MemberId};
use serde::Deserialize;

use super::super::fields::{Labels, is_form_error, notice, saved_or_refill, say};
use super::super::{CsrfOnly, active_members, client_names, me, page, parse_id};
use super::{admin_post, require_admin};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[("member_id", "For"), ("client_id", "For")];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DoneQuery {
    done: String,
}

async fn render(
    state: &AppState,
    s: &Session,
    created: Option<&CreatedFeed>,
    ok: Option<&str>,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let members = active_members(state, s).await?;
    let clients = client_names(state, s).await?;
    let mut client_list: Vec<_> = clients.iter().collect();
    client_list.sort_by(|a, b| a.1.cmp(b.1));
    let all_members = state
        .app
        .list_members(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?
        .items;
    let subject = |kind: &str, id: i64| -> String {
        match kind {
            "client" => clients
                .get(&ClientId(id))
                .map(|n| format!("client {n}"))
                .unwrap_or_else(|| format!("client {id}")),
            _ => all_members
                .iter()
                .find(|m| m.id.0 == id)
                .map(|m| format!("member {}", m.name))
                .unwrap_or_else(|| format!("member {id}")),
        }
    };
    let feeds = state.app.list_feeds(&s.ctx).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let body = html! {
        h1 { "Calendar feeds" }
        p class="muted" { "A feed is a secret address a calendar app subscribes to: the promises and SLA deadlines of a member or a client. Anyone with the address can read it until it is revoked." }
        @if let Some(n) = ok { p class="notice ok" role="status" { (n) } }
        (notice(error.as_deref()))
        @if let Some(c) = created {
            div class="notice ok" role="status" id="new-feed" {
                p { "Feed made for " (subject(&c.subject_kind, c.subject_id)) ". Copy its address now: it will not be shown again." }
                p { code id="feed-url" { (c.url) } }
            }
        }
        form method="post" action="/app/admin/feeds" class="stack" id="feed-form" {
            (csrf_field(&s.csrf))
            label for="fd-for" { "For" }
            select id="fd-for" name="subject" {
                option value="" { "Me (" (me.name) ")" }
                optgroup label="Members" {
                    @for (id, name) in &members {
                        @if *id != me.id { option value={ "member:" (id.0) } { (name) } }
                    }
                }
                optgroup label="Clients" {
                    @for (id, name) in &client_list { option value={ "client:" (id.0) } { (name) } }
                }
            }
            button type="submit" { "Make a feed" }
        }
        @if feeds.is_empty() {
            p class="muted" { "No calendar feeds yet." }
        } @else {
            div class="table-wrap" {
                table class="queue" id="feed-list" {
                    thead { tr { th { "For" } th { "Made" } th { "State" } } }
                    tbody {
                        @for f in &feeds {
                            @let who = subject(&f.subject_kind, f.subject_id);
                            tr {
                                td { (who) }
                                td { (me.at(f.created_at)) }
                                td {
                                    @if let Some(at) = f.revoked_at {
                                        "revoked " (me.at(at))
                                    } @else {
                                        form method="post" action={ "/app/admin/feeds/" (f.id) "/revoke" } class="inline" {
                                            (csrf_field(&s.csrf))
                                            button type="submit" class="secondary" aria-label={ "Revoke the feed for " (who) } { "Revoke" }
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
    let markup = page(state, s, &me, "Calendar feeds", "feeds", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn list(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(q): Query<DoneQuery>,
) -> UiResult<Response> {
    require_admin(&s)?;
    let ok = (q.done == "revoked").then_some("Feed revoked: its address no longer works.");
    render(&state, &s, None, ok, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FeedForm {
    csrf: String,
    subject: String,
}

impl FeedForm {
    fn input(&self) -> Result<NewFeed, AppError> {
        let bad = || AppError::invalid("member_id", "choose who the feed is for");
        let (member_id, client_id) = match self.subject.split_once(':') {
            None if self.subject.is_empty() => (None, None),
            Some(("member", id)) => (Some(MemberId(id.parse().map_err(|_| bad())?)), None),
            Some(("client", id)) => (None, Some(ClientId(id.parse().map_err(|_| bad())?))),
            _ => return Err(bad()),
        };
        Ok(NewFeed {
            member_id,
            client_id,
        })
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    UiForm(f): UiForm<FeedForm>,
) -> UiResult<Response> {
    admin_post(&s, &f.csrf)?;
    let result = async { state.app.create_feed(&s.ctx, f.input()?).await }.await;
    match result {
        // The address is shown on this answer only: no redirect carries the secret.
        Ok(created) => render(&state, &s, Some(&created), None, None).await,
        Err(e) if is_form_error(&e) => render(&state, &s, None, None, Some(say(&e, LABELS))).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<CsrfOnly>,
) -> UiResult<Response> {
    let id = parse_id(&raw)?;
    admin_post(&s, &f.csrf)?;
    let result = state.app.revoke_feed(&s.ctx, id).await;
    saved_or_refill(result, "/app/admin/feeds?done=revoked", LABELS, |said| {
        render(&state, &s, None, None, Some(said))
    })
    .await
}
