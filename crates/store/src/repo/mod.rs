//! Repositories: the SQL for each entity, written once for both engines. Every function takes
//! the org it works in and every query is scoped by it.

pub mod absences;
pub mod accounts;
pub mod aggregates;
pub mod alerts;
pub mod assign;
pub mod audit;
pub mod auth;
pub mod automation;
pub mod billing;
pub mod budget;
pub mod care;
pub mod change_orders;
pub mod clients;
pub mod clocks;
pub mod engagements;
pub mod health;
pub mod import_holds;
pub mod jobs;
pub mod mail;
pub mod members;
pub mod merge;
pub mod messages;
pub mod notifications;
pub mod orgs;
pub mod presence;
pub mod promises;
pub mod ratings;
pub mod requests;
pub mod scope;
pub mod search;
pub mod snoozes;
pub mod time_entries;

/// Every unique key a write maps to the field it protects (`StoreError::on_unique`), so a test
/// can check that each engine knows it by the names given.
pub const UNIQUE_KEYS: &[crate::UniqueKey] = &[
    orgs::UNIQUE_SLUG,
    members::UNIQUE_EMAIL,
    clients::UNIQUE_NAME,
    clients::UNIQUE_CONTACT_EMAIL,
    ratings::UNIQUE_CLIENT_RATING,
    ratings::UNIQUE_TEAM_RATING,
    mail::UNIQUE_MAILBOX_NAME,
    automation::UNIQUE_CANNED_NAME,
    automation::UNIQUE_RULE_NAME,
];

/// A page of a list, plus the key to continue after its last item.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `(sort key, id)` of the last item when more may follow.
    pub next: Option<(i64, i64)>,
}

impl<T> Page<T> {
    /// Build a page from `limit + 1` fetched rows: the extra row only says that more exist.
    pub fn from_rows(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> (i64, i64)) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(key) } else { None };
        Page { items, next }
    }
}

/// Builds the `WHERE` clause of a list query, numbering placeholders as it goes.
pub(crate) struct Filter<'a> {
    sql: String,
    params: Vec<crate::value::Param<'a>>,
}

impl<'a> Filter<'a> {
    pub(crate) fn new(org: rapport_core::ids::OrgId) -> Self {
        Filter {
            sql: "org_id = $1".to_string(),
            params: vec![crate::value::Param::Int(org.0)],
        }
    }

    /// The next placeholder, e.g. `$3`, bound to `value`.
    pub(crate) fn bind(&mut self, value: crate::value::Param<'a>) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    /// `AND <condition>`, where `{}` in `condition` is replaced by a new placeholder for `value`.
    pub(crate) fn and(&mut self, condition: &str, value: crate::value::Param<'a>) {
        let p = self.bind(value);
        self.sql.push_str(" AND ");
        self.sql.push_str(&condition.replace("{}", &p));
    }

    /// `AND <condition>` with no parameter.
    pub(crate) fn and_raw(&mut self, condition: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
    }

    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    pub(crate) fn params(&self) -> Vec<&dyn crate::value::ToParam> {
        self.params
            .iter()
            .map(|p| p as &dyn crate::value::ToParam)
            .collect()
    }
}

/// The most rows any list returns in one page.
pub const MAX_PAGE: usize = 200;
