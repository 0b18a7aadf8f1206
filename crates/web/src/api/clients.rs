use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_core::client::{
    Client, ClientPatch, ClientView, Contact, ContactPatch, NewClient, NewContact,
};
use rapport_core::ids::{ClientId, ContactId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Errors, list_type};
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::ApiResult;
use crate::state::AppState;

list_type!(ClientList, ClientView);
list_type!(ContactList, Contact);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClientQuery {
    /// Only clients whose name, notes, or a contact's name or address contain this (any
    /// case; at most 200 characters).
    pub q: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<usize>,
}

/// Clients, oldest first (a contact sees only their own).
#[utoipa::path(get, operation_id = "listClients", path = "/api/v1/clients", tag = "clients", params(ClientQuery),
    responses((status = 200, body = ClientList), Errors))]
async fn list(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ClientQuery>,
) -> ApiResult<Json<ClientList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_clients(&auth.0, q.q.as_deref(), q.cursor.as_deref(), limit)
            .await?
            .into(),
    ))
}

/// Add a client (managers and above).
#[utoipa::path(post, operation_id = "createClient", path = "/api/v1/clients", tag = "clients", request_body = NewClient,
    responses((status = 201, body = Client), Errors))]
async fn create(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewClient>,
) -> ApiResult<(StatusCode, Json<Client>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_client(&auth.0, input).await?),
    ))
}

/// One client. A contact gets their own client without the firm's notes and etiquette.
#[utoipa::path(get, operation_id = "getClient", path = "/api/v1/clients/{id}", tag = "clients", params(("id" = i64, Path)),
    responses((status = 200, body = ClientView), Errors))]
async fn get(State(s): State<AppState>, auth: Auth, Id(id): Id) -> ApiResult<Json<ClientView>> {
    Ok(Json(s.app.get_client(&auth.0, ClientId(id)).await?))
}

/// Change a client; omitted fields keep their value.
#[utoipa::path(patch, operation_id = "updateClient", path = "/api/v1/clients/{id}", tag = "clients", params(("id" = i64, Path)),
    request_body = ClientPatch, responses((status = 200, body = Client), Errors))]
async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<ClientPatch>,
) -> ApiResult<Json<Client>> {
    Ok(Json(
        s.app.update_client(&auth.0, ClientId(id), patch).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContactQuery {
    pub client_id: Option<i64>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

/// The contacts of the firm's clients, paginated.
#[utoipa::path(get, operation_id = "listContacts", path = "/api/v1/contacts", tag = "clients", params(ContactQuery),
    responses((status = 200, body = ContactList), Errors))]
async fn list_contacts(
    State(s): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Json<ContactList>> {
    let limit = rapport_app::limit(q.limit)?;
    Ok(Json(
        s.app
            .list_contacts(
                &auth.0,
                q.client_id.map(ClientId),
                q.cursor.as_deref(),
                limit,
            )
            .await?
            .into(),
    ))
}

/// Add a contact to a client. They have no portal access until a manager invites them.
#[utoipa::path(post, operation_id = "createContact", path = "/api/v1/contacts", tag = "clients", request_body = NewContact,
    responses((status = 201, body = Contact), Errors))]
async fn create_contact(
    State(s): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<NewContact>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_contact(&auth.0, input).await?),
    ))
}

/// One contact, with their etiquette profile.
#[utoipa::path(get, operation_id = "getContact", path = "/api/v1/contacts/{id}", tag = "clients", params(("id" = i64, Path)),
    responses((status = 200, body = Contact), Errors))]
async fn get_contact(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<Json<Contact>> {
    Ok(Json(s.app.get_contact(&auth.0, ContactId(id)).await?))
}

/// Change a contact; omitted fields keep their value, `null` clears an optional one.
#[utoipa::path(patch, operation_id = "updateContact", path = "/api/v1/contacts/{id}", tag = "clients", params(("id" = i64, Path)),
    request_body = ContactPatch, responses((status = 200, body = Contact), Errors))]
async fn update_contact(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(
        s.app.update_contact(&auth.0, ContactId(id), patch).await?,
    ))
}

/// Invite a contact to the client portal (managers and above). Access is on from now; the
/// contact is mailed a link, valid for a week, to choose their own password. A new invitation
/// replaces their unused links.
#[utoipa::path(post, operation_id = "inviteContact", path = "/api/v1/contacts/{id}/invite", tag = "clients", params(("id" = i64, Path)),
    responses((status = 202), Errors))]
async fn invite_contact(
    State(s): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    s.app.invite_contact(&auth.0, ContactId(id)).await?;
    Ok(StatusCode::ACCEPTED)
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact))
        .routes(routes!(invite_contact))
}
