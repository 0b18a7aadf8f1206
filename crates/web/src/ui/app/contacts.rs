//! A client's contacts: adding one, and how they wish to be addressed. Portal access is given
//! by an emailed invitation from the client page (staff never type a contact's password).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;
use rapport_core::access::ContactRole;
use rapport_core::client::{ContactPatch, NewContact};
use rapport_core::etiquette::ContactEtiquette;
use rapport_core::ids::{ClientId, ContactId};
use serde::Deserialize;

use super::fields::{self, Labels, is_form_error, say};
use super::{me, page, parse_id};
use crate::state::AppState;
use crate::ui::form::UiForm;
use crate::ui::{Agent, Session, UiResult, csrf_field};

const LABELS: Labels = &[
    ("name", "Name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("etiquette.preferred_name", "Greet them as"),
    ("etiquette.form_of_address", "Form of address"),
    ("etiquette.avoid", "Never call them"),
    ("role", "Role in the portal"),
];

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct ContactForm {
    csrf: String,
    name: String,
    email: String,
    phone: String,
    preferred_name: String,
    form_of_address: String,
    avoid: String,
    role: String,
}

impl ContactForm {
    /// The role chosen; an unknown word is the field's error, named by its label.
    fn role(&self) -> Result<ContactRole, AppError> {
        if self.role.trim().is_empty() {
            return Ok(ContactRole::DEFAULT);
        }
        self.role
            .trim()
            .parse()
            .map_err(|e: String| AppError::invalid("role", e))
    }

    fn etiquette(&self) -> ContactEtiquette {
        ContactEtiquette {
            preferred_name: fields::opt(&self.preferred_name),
            form_of_address: fields::opt(&self.form_of_address),
            avoid: fields::lines(&self.avoid),
        }
    }
}

fn contact_form(s: &Session, f: &ContactForm, action: &str, new: bool) -> Markup {
    html! {
        form method="post" action=(action) class="stack" id="contact-form" {
            (csrf_field(&s.csrf))
            label for="p-name" { "Name" }
            input id="p-name" name="name" required maxlength="200" autocomplete="off" value=(f.name);
            label for="p-email" { "Email" }
            input id="p-email" name="email" type="email" required maxlength="254" autocomplete="off" value=(f.email);
            label for="p-phone" { "Phone (optional)" }
            input id="p-phone" name="phone" type="tel" autocomplete="off" value=(f.phone);
            fieldset class="stack" {
                legend { "How they wish to be addressed" }
                label for="p-preferred" { "Greet them as (e.g. Priya, Dr Mehta)" }
                input id="p-preferred" name="preferred_name" maxlength="200" autocomplete="off" value=(f.preferred_name);
                label for="p-form" { "Form of address (e.g. Dr, Ms, Mx; blank for none)" }
                input id="p-form" name="form_of_address" maxlength="40" autocomplete="off" value=(f.form_of_address);
                label for="p-avoid" { "Never call them (one per line, e.g. ma'am)" }
                textarea id="p-avoid" name="avoid" rows="2" { (f.avoid) }
            }
            (role_select(f.role.parse().unwrap_or(ContactRole::DEFAULT)))
            button type="submit" { @if new { "Add the contact" } @else { "Save" } }
        }
    }
}

/// What the contact may do in the portal; changing it is a manager's (the API refuses others).
fn role_select(current: ContactRole) -> Markup {
    html! {
        label for="p-role" { "Role in the portal" }
        select id="p-role" name="role" aria-describedby="p-role-help" {
            @for r in ContactRole::ALL {
                option value=(r.as_str()) selected[*r == current] { (r.label()) " — " (r.explain()) }
            }
        }
        p id="p-role-help" class="muted" { "A requester sees only their own requests; a viewer all of the client's; an approver also approves change orders; a client admin also manages the client's contacts in the portal." }
    }
}

async fn form_page(
    state: &AppState,
    s: &Session,
    client: ClientId,
    f: &ContactForm,
    contact: Option<ContactId>,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let c = state.app.client_record(&s.ctx, client).await?;
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let (title, action) = match contact {
        Some(id) => (
            format!("Edit {}", f.name),
            format!("/app/contacts/{}/edit", id.0),
        ),
        None => (
            format!("Add a contact at {}", c.name),
            format!("/app/clients/{}/contacts/new", client.0),
        ),
    };
    let body = html! {
        p class="crumbs" { a href="/app/clients" { "Clients" } " › " a href={ "/app/clients/" (client.0) } { (c.name) } " › " (title) }
        h1 { (title) }
        (fields::notice(error.as_deref()))
        (contact_form(s, f, &action, contact.is_none()))
        @if contact.is_none() {
            p class="muted" { "To let them use the portal, invite them from the client page once they are added: they choose their own password from the mail." }
        }
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
    form_page(&state, &s, client, &ContactForm::default(), None, None).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<ContactForm>,
) -> UiResult<Response> {
    let client = ClientId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let made = match f.role() {
        Ok(role) => {
            let input = NewContact {
                client_id: client,
                name: f.name.clone(),
                email: f.email.trim().to_string(),
                phone: fields::opt(&f.phone),
                etiquette: Some(f.etiquette()),
                role: Some(role),
            };
            state.app.create_contact(&s.ctx, input).await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(_) => Ok(Redirect::to(&format!("/app/clients/{}#contacts-h", client.0)).into_response()),
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
    let id = ContactId(parse_id(&raw)?);
    let c = state.app.get_contact(&s.ctx, id).await?;
    let f = ContactForm {
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone().unwrap_or_default(),
        preferred_name: c.etiquette.preferred_name.clone().unwrap_or_default(),
        form_of_address: c.etiquette.form_of_address.clone().unwrap_or_default(),
        avoid: c.etiquette.avoid.join("\n"),
        role: c.role.as_str().to_string(),
        ..Default::default()
    };
    form_page(&state, &s, c.client_id, &f, Some(id), None).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    Agent(s): Agent,
    Path(raw): Path<String>,
    UiForm(f): UiForm<ContactForm>,
) -> UiResult<Response> {
    let id = ContactId(parse_id(&raw)?);
    s.check(&f.csrf)?;
    let before = state.app.get_contact(&s.ctx, id).await?;
    let email = f.email.trim().to_string();
    let done = match f.role() {
        Ok(role) => {
            let patch = ContactPatch {
                name: Some(f.name.clone()),
                // Changing where sign-in links go, or the role, is a manager's; send each only
                // when it changed.
                email: (email != before.email).then_some(email),
                phone: Some(fields::opt(&f.phone)),
                etiquette: Some(f.etiquette()),
                portal_enabled: None,
                role: (role != before.role).then_some(role),
            };
            state.app.update_contact(&s.ctx, id, patch).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(
            Redirect::to(&format!("/app/clients/{}#contacts-h", before.client_id.0))
                .into_response(),
        ),
        Err(e) if is_form_error(&e) => {
            form_page(
                &state,
                &s,
                before.client_id,
                &f,
                Some(id),
                Some(say(&e, LABELS)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
