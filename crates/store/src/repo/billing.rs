//! What the billing export reads: time entries and approved change orders in a period.

use jiff::Timestamp;
use rapport_core::billing::Item;
use rapport_core::ids::{ClientId, EngagementId, OrgId};
use rapport_core::money::Currency;

use crate::db::Db;
use crate::error::StoreError;
use crate::repo::Filter;
use crate::value::Param;

#[derive(Debug, Clone, Default)]
pub struct BillingQuery {
    pub client: Option<ClientId>,
    pub engagement: Option<EngagementId>,
    /// Instants from (inclusive) and until (exclusive).
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

fn currency(code: Option<String>) -> Result<Option<Currency>, StoreError> {
    code.map(|c| Currency::parse(&c).map_err(StoreError::decode))
        .transpose()
}

/// Time entries then approved change orders, each in time order.
pub fn items(db: &mut Db<'_>, org: OrgId, q: &BillingQuery) -> Result<Vec<Item>, StoreError> {
    // `Filter` names columns bare: each query filters its table in a derived table.
    let scoped = || {
        let mut f = Filter::new(org);
        if let Some(c) = q.client {
            f.and("client_id = {}", Param::Int(c.0));
        }
        if let Some(e) = q.engagement {
            f.and("engagement_id = {}", Param::Int(e.0));
        }
        f
    };
    let mut time = scoped();
    if let Some(t) = q.from {
        time.and("started_at >= {}", Param::Int(t.as_millisecond()));
    }
    if let Some(t) = q.until {
        time.and("started_at < {}", Param::Int(t.as_millisecond()));
    }
    // Time on a request an approved change order pays for is listed for the record, never
    // billed: the change order's own line bills that work at its agreed price.
    let sql = format!(
        "SELECT t.started_at, t.client_id, c.name AS client, t.engagement_id, e.name AS engagement, t.request_id, m.name AS member, t.note, t.minutes,
                t.billable, e.currency, e.hourly_rate_minor, {} AS paid
         FROM (SELECT * FROM time_entries WHERE {}) t
         JOIN members m ON m.org_id = t.org_id AND m.id = t.member_id
         LEFT JOIN clients c ON c.org_id = t.org_id AND c.id = t.client_id
         LEFT JOIN engagements e ON e.org_id = t.org_id AND e.id = t.engagement_id
         ORDER BY t.started_at, t.id",
        crate::repo::budget::paying_change_order("t", "request_id"),
        time.sql()
    );
    let mut out = db.query_map(&sql, &time.params(), |r| {
        let paid = r.get::<Option<i64>>("paid")?.is_some();
        Ok(Item {
            kind: if paid { "change_order_time" } else { "time" },
            at: r.get("started_at")?,
            client_id: r.get("client_id")?,
            client: r.get::<Option<String>>("client")?.unwrap_or_default(),
            engagement_id: r.get("engagement_id")?,
            engagement: r.get::<Option<String>>("engagement")?.unwrap_or_default(),
            request_id: r.get("request_id")?,
            member: r.get("member")?,
            description: r.get("note")?,
            minutes: r.get("minutes")?,
            billable: r.get::<bool>("billable")? && !paid,
            currency: currency(r.get("currency")?)?,
            rate_minor: r.get("hourly_rate_minor")?,
            price_minor: None,
        })
    })?;
    let mut co = scoped();
    co.and_raw("status = 'approved'");
    if let Some(t) = q.from {
        co.and("decided_at >= {}", Param::Int(t.as_millisecond()));
    }
    if let Some(t) = q.until {
        co.and("decided_at < {}", Param::Int(t.as_millisecond()));
    }
    let sql = format!(
        "SELECT o.decided_at, o.client_id, c.name AS client, o.engagement_id, e.name AS engagement, o.title, o.estimate_minutes, o.currency,
                o.rate_minor, o.price_minor
         FROM (SELECT * FROM change_orders WHERE {}) o
         JOIN clients c ON c.org_id = o.org_id AND c.id = o.client_id
         JOIN engagements e ON e.org_id = o.org_id AND e.id = o.engagement_id
         ORDER BY o.decided_at, o.id",
        co.sql()
    );
    out.extend(db.query_map(&sql, &co.params(), |r| {
        Ok(Item {
            kind: "change_order",
            at: r.get("decided_at")?,
            client_id: r.get("client_id")?,
            client: r.get("client")?,
            engagement_id: r.get("engagement_id")?,
            engagement: r.get("engagement")?,
            request_id: None,
            member: String::new(),
            description: r.get("title")?,
            minutes: r.get("estimate_minutes")?,
            billable: true,
            currency: currency(Some(r.get("currency")?))?,
            rate_minor: Some(r.get("rate_minor")?),
            price_minor: Some(r.get("price_minor")?),
        })
    })?);
    Ok(out)
}
