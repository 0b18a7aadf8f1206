//! The billing export: time entries and approved change orders per client, engagement and
//! period, as CSV for an invoicing tool (columns in `rapport_core::billing::COLUMNS`).

use jiff::civil::Date;
use rapport_core::access::Permission;
use rapport_core::ids::{ClientId, EngagementId};
use rapport_store::repo::billing::{self as store, BillingQuery};

use crate::{App, AppError, AppResult, Ctx};

#[derive(Debug, Clone, Default)]
pub struct BillingFilter {
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    /// First day included (UTC).
    pub from: Option<Date>,
    /// Last day included (UTC).
    pub to: Option<Date>,
}

fn start_of(d: Date) -> AppResult<jiff::Timestamp> {
    jiff::tz::TimeZone::UTC
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| AppError::internal("the start of a billing day", e))
}

impl App {
    /// The export as CSV text (managers and above: it shows rates and amounts).
    pub async fn billing_csv(&self, ctx: &Ctx, f: BillingFilter) -> AppResult<String> {
        ctx.require(Permission::ManageClients)?;
        if let (Some(a), Some(b)) = (f.from, f.to)
            && b < a
        {
            return Err(AppError::invalid("to", format!("{b} is before from ({a})")));
        }
        let until = match f.to {
            Some(d) => Some(start_of(
                d.tomorrow()
                    .map_err(|e| AppError::invalid("to", e.to_string()))?,
            )?),
            None => None,
        };
        let q = BillingQuery {
            client: f.client,
            engagement: f.engagement,
            from: f.from.map(start_of).transpose()?,
            until,
        };
        let org = ctx.org();
        let items = self.store.read(move |db| store::items(db, org, &q)).await?;
        Ok(rapport_core::billing::to_csv(&items))
    }
}
