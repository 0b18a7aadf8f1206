//! "Get started": what a new firm sets up first, shown above the queue until it is done, so an
//! owner landing in an empty workspace has something to click.

use maud::{Markup, html};
use rapport_app::AppResult;
use rapport_core::access::Permission;

use crate::state::AppState;
use crate::ui::Session;

/// The list, or nothing once every step is done (or for members who cannot set things up).
pub(super) async fn get_started(state: &AppState, s: &Session) -> AppResult<Markup> {
    if !s.ctx.principal.allows(Permission::ManageClients) {
        return Ok(html! {});
    }
    let admin = s.ctx.principal.allows(Permission::ManageMembers);
    let app = &state.app;
    let members = app.list_members(&s.ctx, None, 2).await?.items.len();
    let clients = app.list_clients(&s.ctx, None, None, 1).await?.items;
    let contacts = app.list_contacts(&s.ctx, None, None, 1).await?.items.len();
    let engagements = app
        .list_engagements(&s.ctx, None, None, 1)
        .await?
        .items
        .len();
    let first_client = clients.first().map(|c| c.id.0);
    // The mail set-up is the admins' part: only they can see it, so only they are asked.
    let (mailboxes, canned) = if admin {
        (
            !app.list_mailboxes(&s.ctx).await?.is_empty(),
            !app.list_canned_replies(&s.ctx, None, 1)
                .await?
                .items
                .is_empty(),
        )
    } else {
        (true, true)
    };
    let steps = [
        (
            admin,
            members > 1,
            "Invite your team".to_string(),
            Some("/app/members/new".to_string()),
        ),
        (
            true,
            first_client.is_some(),
            "Add a client, with their calendar and etiquette".to_string(),
            Some("/app/clients/new".to_string()),
        ),
        (
            true,
            contacts > 0,
            "Add the client's contacts and invite them to the portal".to_string(),
            first_client.map(|c| format!("/app/clients/{c}/contacts/new")),
        ),
        (
            true,
            engagements > 0,
            "Write an engagement: its brief, budget and service levels".to_string(),
            first_client.map(|c| format!("/app/clients/{c}/engagements/new")),
        ),
        (
            admin,
            mailboxes,
            "Connect a mailbox, so the clients' mail becomes requests".to_string(),
            Some("/app/admin/mailboxes/new".to_string()),
        ),
        (
            admin,
            canned,
            "Write canned replies for what you answer often".to_string(),
            Some("/app/admin/canned/new".to_string()),
        ),
    ];
    if steps.iter().all(|(shown, done, _, _)| !shown || *done) {
        return Ok(html! {});
    }
    Ok(html! {
        section class="get-started" aria-labelledby="start-h" {
            h2 id="start-h" { "Get started" }
            ol {
                @for (shown, done, label, href) in &steps {
                    @if *shown {
                        li class=[done.then_some("done")] {
                            @if *done { (label) " — done" }
                            @else if let Some(h) = href { a href=(h) { (label) } }
                            @else { (label) span class="muted" { " (after the step above)" } }
                        }
                    }
                }
            }
        }
    })
}
