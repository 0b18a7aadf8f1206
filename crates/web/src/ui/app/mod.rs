//! The agent workspace: queues, the request page, the quick lane, the dashboard and search, the
//! member's own account, and setting the firm up: members, clients, contacts and engagements; administration (alerts,
//! mailboxes, triage).

mod account;
mod admin;
mod change_orders;
mod clients;
mod contacts;
mod dashboard;
mod engagement_form;
mod engagements;
mod fields;
mod inbox;
mod login;
mod members;
mod new_request;
mod oversight;
mod promises;
mod queue;
mod quick;
mod request;
mod search;
mod setup;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::{get, post};
use maud::{Markup, html};
use rapport_app::AppResult;
use rapport_app::pages::{COUNT_CAP, Nav};
use rapport_app::requests::RequestFilter;
use rapport_core::ids::{ClientId, MemberId};
use rapport_core::request::Status;

pub use self::login::{
    CsrfOnly, LoginForm, NextQuery, login_form, sign_out, signed_in, with_login_cookie,
};
use super::{Agent, Session, UiError, UiResult, bare_page, csrf_field};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    admin::routes(Router::new())
        .route("/app", get(queue::queue))
        .route("/app/queue/bulk", post(queue::bulk))
        .route("/app/", get(|| async { Redirect::to("/app") }))
        .route("/app/login", get(login::login_page).post(login::login))
        .route("/app/account", get(account::account))
        .route("/app/inbox", get(inbox::inbox))
        .route("/app/inbox/read-all", post(inbox::read_all))
        .route("/app/inbox/settings", post(inbox::settings))
        .route("/app/inbox/{id}/read", post(inbox::read))
        .route("/app/account/password", post(account::change_password))
        .route(
            "/app/account/sign-out-everywhere",
            post(account::sign_out_everywhere),
        )
        .route("/app/account/totp", post(account::totp_begin))
        .route("/app/account/totp/enable", post(account::totp_enable))
        .route("/app/account/totp/disable", post(account::totp_disable))
        .route("/app/account/tokens", post(account::create_token))
        .route("/app/account/signature", post(account::set_signature))
        .route(
            "/app/account/tokens/{id}/revoke",
            post(account::revoke_token),
        )
        .route("/app/logout", post(login::logout))
        .route(
            "/app/requests/new",
            get(new_request::new_page).post(new_request::create),
        )
        .route("/app/requests/{id}", get(request::request_page))
        .route("/app/requests/{id}/reply", post(request::reply))
        .route("/app/requests/{id}/lint", post(request::lint))
        .route("/app/requests/{id}/presence", post(request::presence))
        .route("/app/requests/{id}/canned", post(request::canned))
        .route(
            "/app/requests/{id}/canned-preview",
            get(request::canned_preview_fragment),
        )
        .route("/app/requests/{id}/status", post(request::set_status))
        .route("/app/requests/{id}/assign", post(request::assign))
        .route("/app/requests/{id}/snooze", post(request::snooze))
        .route("/app/requests/{id}/unsnooze", post(request::unsnooze))
        .route("/app/requests/{id}/promises", post(request::make_promise))
        .route("/app/requests/{id}/scope", post(request::confirm_scope))
        .route("/app/promises", get(promises::promises_page))
        .route("/app/promises/{id}/keep", post(request::keep_promise))
        .route("/app/promises/{id}/renegotiate", post(request::renegotiate_promise))
        .route("/app/quick", get(quick::quick_page).post(quick::quick))
        .route("/app/members", get(members::list))
        .route("/app/members/new", get(members::new_page).post(members::invite))
        .route("/app/members/{id}", get(members::edit_page).post(members::update))
        .route("/app/members/{id}/invite", post(members::reinvite))
        .route("/app/members/{id}/absences", post(members::add_absence))
        .route("/app/absences/{id}/remove", post(members::remove_absence))
        .route("/app/invite", get(members::accept_page).post(members::accept))
        .route("/app/clients", get(clients::list))
        .route("/app/clients/new", get(clients::new_page).post(clients::create))
        .route("/app/clients/{id}", get(clients::client_page))
        .route(
            "/app/clients/{id}/edit",
            get(clients::edit_page).post(clients::update),
        )
        .route(
            "/app/clients/{id}/contacts/new",
            get(contacts::new_page).post(contacts::create),
        )
        .route(
            "/app/contacts/{id}/edit",
            get(contacts::edit_page).post(contacts::update),
        )
        .route("/app/contacts/{id}/portal", post(clients::contact_portal))
        .route(
            "/app/clients/{id}/engagements/new",
            get(engagement_form::new_page).post(engagement_form::create),
        )
        .route("/app/engagements/{id}", get(engagements::engagement_page))
        .route("/app/engagements/{id}/assignment", post(engagements::set_assignment))
        .route(
            "/app/engagements/{id}/edit",
            get(engagement_form::edit_page).post(engagement_form::update),
        )
        .route(
            "/app/engagements/{id}/change-orders/new",
            get(change_orders::new_page).post(change_orders::create),
        )
        .route("/app/change-orders/{id}", get(change_orders::co_page))
        .route(
            "/app/change-orders/{id}/edit",
            get(change_orders::edit_page).post(change_orders::update),
        )
        .route("/app/change-orders/{id}/send", post(change_orders::send))
        .route("/app/change-orders/{id}/withdraw", post(change_orders::withdraw))
        .route(
            "/app/engagements/scope-preview",
            post(engagement_form::scope_preview),
        )
        .route("/app/requests/{id}/time", post(request::log_time))
        .route("/app/time/{id}/edit", post(request::edit_time))
        .route("/app/time/{id}/delete", post(request::delete_time))
        .route("/app/requests/{id}/rating", post(request::team_rating))
        .route("/app/dashboard", get(dashboard::dashboard))
        .route("/app/audit", get(oversight::audit))
        .route("/app/capacity", get(oversight::capacity))
        .route("/app/at-risk", get(oversight::at_risk))
        .route("/app/scope-report", get(oversight::scope_report))
        .route("/app/search", get(search::search))
        .route(
            "/app/attachments/{id}",
            get(
                |State(state): State<AppState>, Agent(s): Agent, Path(raw): Path<String>| async move {
                    super::download(&state, &s, &raw).await
                },
            ),
        )
}

pub use rapport_app::pages::OPEN;

pub const ALL_STATUSES: [Status; 6] = [
    Status::New,
    Status::Triaged,
    Status::InProgress,
    Status::WaitingOnClient,
    Status::Delivered,
    Status::Closed,
];

/// The queues in the navigation: id (those of `rapport_app::pages::QUEUES`, whose counts the
/// navigation reads), label.
pub const VIEWS: [(&str, &str); 9] = [
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("sla", "At SLA risk"),
    ("silence", "Waiting in silence"),
    ("change-orders", "Awaiting change order"),
    ("complaints", "Complaints"),
    ("quick", "Quick lane"),
    ("open", "All open"),
    ("snoozed", "Snoozed"),
];

pub fn parse_id(raw: &str) -> UiResult<i64> {
    match raw.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(UiError::not_found()),
    }
}

fn status_label(s: Status) -> String {
    s.as_str().replace('_', " ")
}

/// Who is signed in: their name and zone, and the moment the page is drawn at.
struct Me {
    name: String,
    tz: String,
    id: MemberId,
    now: jiff::Timestamp,
}

impl Me {
    /// The member a page model read, drawn at `now`.
    fn of(m: &rapport_core::member::Member, now: jiff::Timestamp) -> Me {
        Me {
            name: m.name.clone(),
            tz: m.tz.clone(),
            id: m.id,
            now,
        }
    }

    /// An instant in the workspace's one date style: in the member's zone, with how far it is
    /// from now ("Tue 3 Mar 2026, 14:00 GMT (2 days ago)").
    fn at(&self, ts: jiff::Timestamp) -> maud::Markup {
        super::relative::when_el(ts, self.now, &self.tz)
    }
}

async fn me(state: &AppState, s: &Session) -> UiResult<Me> {
    let id = s.ctx.principal.member_id().ok_or_else(UiError::not_found)?;
    let m = state.app.get_member(&s.ctx, id).await?;
    Ok(Me::of(&m, state.app.now()))
}

fn view_filter(view: &str) -> Option<RequestFilter> {
    rapport_app::pages::queue_filter(view)
}

/// A workspace page: header with search, navigation with counts, and the content. The
/// navigation is one read of its own; pages with a model (`rapport_app::pages`) read it in
/// their snapshot and call [`page_with`].
async fn page(
    state: &AppState,
    s: &Session,
    me: &Me,
    title: &str,
    current: &str,
    body: Markup,
) -> UiResult<Markup> {
    let nav = state.app.nav(&s.ctx).await?;
    Ok(page_with(state, s, me, &nav, title, current, body))
}

/// [`page`] around a navigation already read.
fn page_with(
    state: &AppState,
    s: &Session,
    me: &Me,
    nav: &Nav,
    title: &str,
    current: &str,
    body: Markup,
) -> Markup {
    let counts = &nav.counts;
    let banner = admin::banner(state, s, nav);
    bare_page(
        title,
        html! {
            header class="top" {
                a class="brand" href="/app" { "Rapport" }
                form class="search" role="search" method="get" action="/app/search" {
                    label for="q" class="sr-only" { "Search requests" }
                    input id="q" type="search" name="q" placeholder="Search requests (press /)"
                        autocomplete="off"
                        hx-get="/app/search" hx-trigger="input changed delay:250ms, search"
                        hx-target="#search-results" hx-swap="innerHTML";
                    button type="submit" { "Search" }
                    div id="search-results" class="search-results" aria-live="polite" {}
                }
                button type="button" id="shortcuts-open" class="link" hidden { "Keyboard shortcuts" }
                a class="who" href="/app/account" aria-current=[(current == "account").then_some("page")]
                    title="Your account: password, two-factor sign-in, API tokens" { (me.name) }
                form method="post" action="/app/logout" class="inline" {
                    (csrf_field(&s.csrf))
                    button type="submit" class="link" { "Sign out" }
                }
            }
            div class="layout" {
                nav aria-label="Views" class="side" {
                    ul {
                        li { a href="/app/inbox" aria-current=[(current == "inbox").then_some("page")] {
                            "Inbox " span class="count" id="inbox-count" aria-label={ (nav.unread) " unread" } {
                                (nav.unread)
                            }
                        } }
                        @for (view, label) in VIEWS {
                            @let n = counts.get(view).copied().unwrap_or(0);
                            li {
                                a href={ "/app?view=" (view) }
                                    aria-current=[(current == view).then_some("page")] {
                                    (label) " "
                                    span class="count" aria-label={ (n) " items" } {
                                        (n) @if n >= COUNT_CAP { "+" }
                                    }
                                }
                            }
                        }
                        li { a href="/app/quick" aria-current=[(current == "quick-form").then_some("page")] { "Log quick work" } }
                        li { a href="/app/promises" aria-current=[(current == "promises").then_some("page")] { "Promises" } }
                        li { a href="/app/dashboard" aria-current=[(current == "dashboard").then_some("page")] { "Dashboard" } }
                        li { a href="/app/clients" aria-current=[(current == "clients").then_some("page")] { "Clients" } }
                        li { a href="/app/members" aria-current=[(current == "members").then_some("page")] { "Members" } }
                        li { a href="/app/capacity" aria-current=[(current == "capacity").then_some("page")] { "Capacity" } }
                        li { a href="/app/at-risk" aria-current=[(current == "at-risk").then_some("page")] { "Clients at risk" } }
                        li { a href="/app/scope-report" aria-current=[(current == "scope-report").then_some("page")] { "Scope report" } }
                        @if oversight::reads_audit(s) {
                            li { a href="/app/audit" aria-current=[(current == "audit").then_some("page")] { "Audit log" } }
                        }
                        li { a href="/app/alerts" aria-current=[(current == "alerts").then_some("page")] {
                            "Alerts " span class="count" id="alert-count" aria-label={ (nav.alerts) " open" } {
                                (nav.alerts) @if nav.alerts >= COUNT_CAP { "+" }
                            }
                        } }
                        @if admin::is_admin(s) { (admin::nav_group(current, nav)) }
                    }
                }
                main id="main" tabindex="-1" { (banner) (body) }
            }
            (shortcuts_dialog())
        },
    )
}

/// The shortcuts ui.js handles, listed where "?" opens them.
fn shortcuts_dialog() -> Markup {
    const KEYS: [(&str, &str); 6] = [
        (
            "j",
            "Next request (in the queue, or the next one in the queue you came from)",
        ),
        ("k", "Previous request"),
        ("r", "Reply: go to the composer"),
        ("a", "Assign: go to the assignee list"),
        ("/", "Search requests"),
        ("?", "Show or hide this list"),
    ];
    html! {
        dialog id="shortcuts" aria-labelledby="shortcuts-h" {
            h2 id="shortcuts-h" { "Keyboard shortcuts" }
            dl class="shortcuts" {
                @for (key, what) in KEYS { dt { kbd { (key) } } dd { (what) } }
            }
            form method="dialog" { button type="submit" { "Close" } }
        }
    }
}

async fn client_names(state: &AppState, s: &Session) -> AppResult<HashMap<ClientId, String>> {
    let list = state
        .app
        .list_clients(&s.ctx, None, None, rapport_app::MAX_PAGE)
        .await?;
    Ok(list.items.into_iter().map(|c| (c.id, c.name)).collect())
}

/// The members work can go to: the active ones, by name.
async fn active_members(state: &AppState, s: &Session) -> AppResult<Vec<(MemberId, String)>> {
    let list = state
        .app
        .list_members(&s.ctx, None, rapport_app::MAX_PAGE)
        .await?;
    Ok(active(&list.items))
}

/// The active ones of `members`, by name.
fn active(members: &[rapport_core::member::Member]) -> Vec<(MemberId, String)> {
    let mut out: Vec<_> = members
        .iter()
        .filter(|m| m.active)
        .map(|m| (m.id, m.name.clone()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_navigation_labels_every_queue_the_model_counts() {
        assert_eq!(super::VIEWS.map(|(v, _)| v), rapport_app::pages::QUEUES);
    }
}
