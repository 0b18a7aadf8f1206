//! The promises page: every open promise, per member, overdue first, then due today, this week
//! and later, so nobody learns of a broken promise from the client.

use axum::extract::State;
use maud::{Markup, html};
use rapport_core::promise::Promise;

use super::{client_names, me, page};
use crate::state::AppState;
use crate::ui::{Agent, UiResult, relative::due_el};

pub(super) async fn promises_page(
    State(state): State<AppState>,
    Agent(s): Agent,
) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let board = state.app.promise_board(&s.ctx).await?;
    let clients = client_names(&state, &s).await?;
    let now = state.app.now();
    let list = |title: &str, class: &str, items: &[Promise]| {
        html! {
            @if !items.is_empty() {
                h3 class={ "bucket " (class) } { (title) " (" (items.len()) ")" }
                ul class={ "promises " (class) } {
                    @for p in items {
                        li {
                            strong { (p.kind.as_str()) } " by " (due_el(p.due_at, now, &me.tz))
                            " · " a href={ "/app/clients/" (p.client_id.0) } { (clients.get(&p.client_id).map(String::as_str).unwrap_or("?")) }
                            @if let Some(r) = p.request_id { " · " a href={ "/app/requests/" (r.0) "#promises-h" } { "request " (r.0) } }
                            @if !p.description.is_empty() { " · " (p.description) }
                            @if p.renegotiations > 0 { " · " span class="muted" { "moved " (p.renegotiations) "×" } }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { "Promises" }
        p class="muted" { "Open promises, per member who made them; each member's days are in their own time zone." }
        @if board.partial { p class="notice error" role="status" { "Only the first 1,000 open promises are shown." } }
        @if board.members.is_empty() { p class="empty" { "No open promises." } }
        @for m in &board.members {
            section aria-labelledby={ "pm-" (m.member_id.0) } class="member-promises" {
                h2 id={ "pm-" (m.member_id.0) } { (m.name) " " span class="muted" { "(" (m.tz) ")" } }
                (list("Overdue", "overdue", &m.overdue))
                (list("Due today", "today", &m.today))
                (list("Due this week", "week", &m.this_week))
                (list("Later", "later", &m.later))
            }
        }
    };
    page(&state, &s, &me, "Promises", "promises", body).await
}
