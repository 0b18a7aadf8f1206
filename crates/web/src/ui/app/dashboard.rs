//! The dashboard: promises, workload, ratings, scope and SLA breaches as charts.

use axum::extract::State;
use maud::{Markup, html};
use rapport_app::clocks::ledger::GroupBy;
use rapport_core::ids::ClientId;

use super::{client_names, me, page};
use crate::state::AppState;
use crate::ui::charts;
use crate::ui::{Agent, UiResult};

pub(super) async fn dashboard(State(state): State<AppState>, Agent(s): Agent) -> UiResult<Markup> {
    let me = me(&state, &s).await?;
    let ledger = state
        .app
        .promise_stats(&s.ctx, Some(GroupBy::Member))
        .await?;
    let team = state.app.team_capacity(&s.ctx, 1, None).await?;
    let promise_bars: Vec<charts::Group> = ledger
        .groups
        .iter()
        .map(|g| charts::Group {
            label: g.name.clone(),
            values: vec![g.stats.kept as f64, g.stats.broken as f64],
        })
        .collect();
    let load_bars: Vec<charts::Group> = team
        .iter()
        .map(|m| {
            let w = m.weeks.first();
            charts::Group {
                label: m.name.clone(),
                values: vec![
                    w.map(|w| w.committed_minutes).unwrap_or(0) as f64 / 60.0,
                    w.map(|w| w.capacity_minutes)
                        .unwrap_or(m.weekly_capacity_minutes) as f64
                        / 60.0,
                ],
            }
        })
        .collect();
    let mut clients: Vec<(ClientId, String)> =
        client_names(&state, &s).await?.into_iter().collect();
    clients.sort_by_key(|c| c.0);
    let mut gap_bars = Vec::new();
    for (id, name) in clients {
        let g = state
            .app
            .perception_gap(&s.ctx, rapport_app::ratings::GapSubject::Client(id), None)
            .await?;
        if g.current.pairs > 0 {
            gap_bars.push(charts::Group {
                label: name,
                values: vec![
                    g.current.client_average.unwrap_or(0.0),
                    g.current.team_average.unwrap_or(0.0),
                ],
            });
        }
    }
    // Out-of-scope work over the last twelve months, per engagement: billed through approved
    // change orders, or absorbed (started anyway by a manager's override).
    let scope = state
        .app
        .scope_report(&s.ctx, rapport_app::scope::ReportQuery::default())
        .await?;
    let scope_bars: Vec<charts::Group> = scope
        .totals
        .iter()
        .filter(|t| t.billed_minutes + t.absorbed_minutes + t.pending_minutes > 0)
        .map(|t| charts::Group {
            label: t.engagement_name.clone(),
            values: vec![
                t.billed_minutes as f64 / 60.0,
                t.absorbed_minutes as f64 / 60.0,
                t.pending_minutes as f64 / 60.0,
            ],
        })
        .collect();
    let promise_weeks: Vec<charts::Group> = state
        .app
        .promises_by_week(&s.ctx, 8)
        .await?
        .into_iter()
        .map(|w| charts::Group {
            label: w.week.strftime("%b %d").to_string(),
            values: vec![w.kept as f64, w.broken as f64],
        })
        .collect();
    let breach_bars: Vec<charts::Group> = state
        .app
        .sla_breaches_by_week(&s.ctx, 8)
        .await?
        .into_iter()
        .map(|(week, n)| charts::Group {
            label: week.strftime("%b %d").to_string(),
            values: vec![n as f64],
        })
        .collect();
    let body = html! {
        h1 { "Dashboard" }
        p {
            "Promises overall: " (ledger.overall.kept) " kept, " (ledger.overall.broken) " broken, "
            (ledger.overall.pending) " pending"
            @if let Some(p) = ledger.overall.kept_percent { " — " strong { (format!("{p:.0}% kept")) } }
            "."
        }
        div class="charts" {
            figure {
                (charts::bars("Promises kept and broken, per member", &["kept", "broken"], &promise_bars, "promises"))
                figcaption { "Promises kept (first bar) and broken (second) by the member who made them." }
            }
            figure {
                (charts::bars("Promises kept and broken, per week", &["kept", "broken"], &promise_weeks, "promises"))
                figcaption { "Promises kept and broken each week (weeks from Monday, UTC), the last eight weeks, by when they were kept or broken." }
            }
            figure {
                (charts::bars("Workload and capacity this week, hours", &["committed", "capacity"], &load_bars, "hours"))
                figcaption { "Hours of open work committed this week against each member's capacity." }
            }
            figure {
                (charts::bars("Ratings: the client's and the team's own, per client", &["client", "team"], &gap_bars, "of 5"))
                figcaption { "Average ratings of the same delivered work (1-5): where the team rates itself higher, the perception gap." }
            }
            figure {
                (charts::bars("Out-of-scope hours, last 12 months", &["billed", "absorbed", "undecided"], &scope_bars, "hours"))
                figcaption { "Hours of out-of-scope work per engagement: billed through approved change orders, absorbed as goodwill, or not yet decided." }
            }
            figure {
                (charts::bars("SLA breaches per week", &["breaches"], &breach_bars, "breaches"))
                figcaption { "SLA targets breached each week (weeks from Monday, UTC), the last eight weeks." }
            }
        }
    };
    page(&state, &s, &me, "Dashboard", "dashboard", body).await
}
