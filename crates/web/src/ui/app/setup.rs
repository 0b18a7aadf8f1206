//! "Get started": what a new firm sets up first, shown above the queue until it is done, so an
//! owner landing in an empty workspace has something to click.

use maud::{Markup, html};
use rapport_app::pages::GetStarted;

/// The list, or nothing once every step is done (or for members who cannot set things up:
/// the queue page's model has no `GetStarted` for them).
pub(super) fn get_started(done: Option<&GetStarted>) -> Markup {
    let Some(done) = done else {
        return html! {};
    };
    let admin = done.admin;
    let first_client = done.first_client.map(|c| c.0);
    let steps = [
        (
            admin,
            done.team_invited,
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
            done.has_contacts,
            "Add the client's contacts and invite them to the portal".to_string(),
            first_client.map(|c| format!("/app/clients/{c}/contacts/new")),
        ),
        (
            true,
            done.has_engagements,
            "Write an engagement: its brief, budget and service levels".to_string(),
            first_client.map(|c| format!("/app/clients/{c}/engagements/new")),
        ),
        (
            admin,
            done.has_mailbox,
            "Connect a mailbox, so the clients' mail becomes requests".to_string(),
            Some("/app/admin/mailboxes/new".to_string()),
        ),
        (
            admin,
            done.has_canned,
            "Write canned replies for what you answer often".to_string(),
            Some("/app/admin/canned/new".to_string()),
        ),
    ];
    if steps.iter().all(|(shown, done, _, _)| !shown || *done) {
        return html! {};
    }
    html! {
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
    }
}
