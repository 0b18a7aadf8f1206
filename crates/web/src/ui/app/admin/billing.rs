//! The billing export (admins): a form of dates and a client that downloads the CSV an
//! invoicing tool takes — the API's use case, its mistakes told beside the form.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use rapport_app::AppError;
use rapport_app::billing_export::BillingFilter;
use rapport_core::ids::ClientId;
use serde::Deserialize;

use super::super::fields::{self, Labels, is_form_error, notice, say};
use super::super::{client_names, me, page};
use super::require_admin;
use crate::state::AppState;
use crate::ui::{Agent, Session, UiResult};

const LABELS: Labels = &[
    ("from", "First day"),
    ("to", "Last day"),
    ("client_id", "Client"),
];

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct BillingForm {
    from: String,
    to: String,
    client_id: String,
}

impl BillingForm {
    fn filter(&self) -> Result<BillingFilter, AppError> {
        Ok(BillingFilter {
            client: fields::whole("client_id", &self.client_id)?.map(ClientId),
            engagement: None,
            from: fields::date("from", &self.from)?,
            to: fields::date("to", &self.to)?,
        })
    }
}

async fn render(
    state: &AppState,
    s: &Session,
    f: &BillingForm,
    error: Option<(StatusCode, String)>,
) -> UiResult<Response> {
    let me = me(state, s).await?;
    let mut clients: Vec<_> = client_names(state, s).await?.into_iter().collect();
    clients.sort_by(|a, b| a.1.cmp(&b.1));
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let body = html! {
        h1 { "Billing export" }
        p class="muted" { "Time entries and approved change orders as CSV for an invoicing tool: billable and not, with rates and amounts. Days are UTC; blank means from the start or up to today." }
        (notice(error.as_deref()))
        // GET: the answer is a download, and the form's values stay in the address to repeat it.
        form method="get" action="/app/admin/billing.csv" class="stack" id="billing-form" {
            label for="bi-from" { "First day" }
            input id="bi-from" type="date" name="from" value=(f.from);
            label for="bi-to" { "Last day" }
            input id="bi-to" type="date" name="to" value=(f.to);
            label for="bi-client" { "Client" }
            select id="bi-client" name="client_id" {
                option value="" { "All clients" }
                @for (id, name) in &clients {
                    option value=(id.0) selected[f.client_id == id.0.to_string()] { (name) }
                }
            }
            button type="submit" { "Download the CSV" }
        }
    };
    let markup = page(state, s, &me, "Billing export", "billing", body).await?;
    Ok((status, markup).into_response())
}

pub(super) async fn billing_page(
    State(state): State<AppState>,
    Agent(s): Agent,
) -> UiResult<Response> {
    require_admin(&s)?;
    render(&state, &s, &BillingForm::default(), None).await
}

pub(super) async fn download(
    State(state): State<AppState>,
    Agent(s): Agent,
    Query(f): Query<BillingForm>,
) -> UiResult<Response> {
    require_admin(&s)?;
    let result = async { state.app.billing_csv(&s.ctx, f.filter()?).await }.await;
    match result {
        Ok(csv) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"billing.csv\"",
                ),
            ],
            csv,
        )
            .into_response()),
        Err(e) if is_form_error(&e) => render(&state, &s, &f, Some(say(&e, LABELS))).await,
        Err(e) => Err(e.into()),
    }
}
