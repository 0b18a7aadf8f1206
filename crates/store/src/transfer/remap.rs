//! New ids for imported rows: each table's ids shift by one offset, so the mapping needs no
//! memory, keeps the rows' order, and every reference can be rewritten on its own.

use std::collections::HashMap;

use serde_json::Value;

use super::spec::{json_key_table, kind_table};

/// Per-table id offsets. Public so a test can undo a renumbering and compare.
#[derive(Debug, Clone, Default)]
pub struct Remap {
    /// table -> what to add to its ids (absent: 0).
    delta: HashMap<&'static str, i64>,
}

impl Remap {
    pub fn set(&mut self, table: &'static str, delta: i64) {
        self.delta.insert(table, delta);
    }

    pub fn is_identity(&self) -> bool {
        self.delta.values().all(|d| *d == 0)
    }

    pub fn id(&self, table: &str, old: i64) -> i64 {
        old + self.delta.get(table).copied().unwrap_or(0)
    }

    /// Rewrite the ids a JSON value names: keys like `request_id` (a number, a list of them,
    /// or a `{from, to}` change), and actors `{"kind": "member", "id": 3}`. Other values are
    /// left as they are.
    pub fn json(&self, v: &mut Value) {
        match v {
            Value::Array(items) => items.iter_mut().for_each(|i| self.json(i)),
            Value::Object(map) => {
                if map.len() == 2
                    && let (Some(Value::String(kind)), Some(Value::Number(_))) =
                        (map.get("kind"), map.get("id"))
                    && let Some(table) = kind_table(kind)
                {
                    if let Some(id) = map.get_mut("id") {
                        self.ids_in(id, table);
                    }
                    return;
                }
                for (k, val) in map.iter_mut() {
                    match json_key_table(k) {
                        Some(table) => self.ids_in(val, table),
                        None => self.json(val),
                    }
                }
            }
            _ => {}
        }
    }

    fn ids_in(&self, v: &mut Value, table: &str) {
        match v {
            Value::Number(n) => {
                if let Some(old) = n.as_i64() {
                    *v = Value::from(self.id(table, old));
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.ids_in(i, table)),
            Value::Object(map) if map.keys().all(|k| k == "from" || k == "to") => {
                map.values_mut().for_each(|x| self.ids_in(x, table));
            }
            other => self.json(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_ids_follow_their_tables() {
        let mut r = Remap::default();
        r.set("requests", 1000);
        r.set("members", 10);
        r.set("contacts", 20);
        r.set("change_orders", 300);
        r.set("rating_invitations", 40);
        r.set("scope_overrides", 50);
        let mut v = json!({
            "request_id": 5,
            "change_order_ids": [1, 2],
            "invitation_id": 4,
            "override_id": 5,
            "source_org_id": 9,
            "assignee_id": {"from": 1, "to": null},
            "confirmed_by": {"kind": "member", "id": 2},
            "author": {"kind": "contact", "id": 3},
            "who": {"kind": "system", "id": null},
            "items": [{"message_id": "not a number"}, {"request_id": [6, 7]}],
            "title": "request 5",
            "count": 5,
        });
        r.json(&mut v);
        assert_eq!(
            v,
            json!({
                "request_id": 1005,
                "change_order_ids": [301, 302],
                "invitation_id": 44,
                "override_id": 55,
                "source_org_id": 9,
                "assignee_id": {"from": 11, "to": null},
                "confirmed_by": {"kind": "member", "id": 12},
                "author": {"kind": "contact", "id": 23},
                "who": {"kind": "system", "id": null},
                "items": [{"message_id": "not a number"}, {"request_id": [1006, 1007]}],
                "title": "request 5",
                "count": 5,
            })
        );
        assert!(!r.is_identity());
        assert!(Remap::default().is_identity());
    }
}
