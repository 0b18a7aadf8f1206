//! Charts as SVG drawn on the server: readable without JavaScript, labelled for screen readers
//! (`role="img"`, a title, and the figures as text in a `<desc>` and visible labels).

use maud::{Markup, html};

/// One group of bars: a label and one value per series.
pub struct Group {
    pub label: String,
    pub values: Vec<f64>,
}

const SERIES_CLASS: [&str; 4] = ["c0", "c1", "c2", "c3"];

/// A "nice" top for an axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(max.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= max {
            return m * p;
        }
    }
    10.0 * p
}

fn fmt(v: f64) -> String {
    if (v - v.round()).abs() < 0.005 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// Grouped bars, one colour per series, with a legend and the value above each bar.
pub fn bars(title: &str, series: &[&str], groups: &[Group], unit: &str) -> Markup {
    let (w, h, left, bottom, top) = (640.0, 260.0, 44.0, 40.0, 28.0);
    let plot_h = h - bottom - top;
    let max = nice_max(
        groups
            .iter()
            .flat_map(|g| g.values.iter().copied())
            .fold(0.0, f64::max),
    );
    let n = groups.len().max(1) as f64;
    let slot = (w - left - 8.0) / n;
    let bar_w = (slot * 0.8 / series.len().max(1) as f64).min(40.0);
    let desc: String = groups
        .iter()
        .map(|g| {
            let parts: Vec<String> = series
                .iter()
                .zip(&g.values)
                .map(|(s, v)| format!("{s} {} {unit}", fmt(*v)))
                .collect();
            format!("{}: {}", g.label, parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        svg class="chart" role="img" viewBox={ "0 0 " (w) " " (h) } xmlns="http://www.w3.org/2000/svg"
            aria-label=(title) {
            title { (title) }
            desc { @if groups.is_empty() { "No data yet." } @else { (desc) } }
            text x="4" y="16" class="ct" { (title) }
            @for i in 0..=4 {
                @let v = max * f64::from(i) / 4.0;
                @let y = top + plot_h - plot_h * f64::from(i) / 4.0;
                line x1=(left) x2=(w - 4.0) y1=(y) y2=(y) class="grid" {}
                text x=(left - 4.0) y=(y + 4.0) class="axis" text-anchor="end" { (fmt(v)) }
            }
            @if groups.is_empty() {
                text x=(w / 2.0) y=(h / 2.0) text-anchor="middle" class="axis" { "No data yet" }
            }
            @for (gi, g) in groups.iter().enumerate() {
                @let x0 = left + slot * gi as f64 + (slot - bar_w * series.len() as f64) / 2.0;
                @for (si, v) in g.values.iter().enumerate() {
                    @let bh = if max > 0.0 { plot_h * v / max } else { 0.0 };
                    @let x = x0 + bar_w * si as f64;
                    rect x=(x) y=(top + plot_h - bh) width=(bar_w - 2.0) height=(bh)
                        class={ "bar " (SERIES_CLASS[si % 4]) } {
                        title { (g.label) ", " (series.get(si).copied().unwrap_or("")) ": " (fmt(*v)) " " (unit) }
                    }
                    text x=(x + bar_w / 2.0 - 1.0) y=(top + plot_h - bh - 3.0) class="val" text-anchor="middle" { (fmt(*v)) }
                }
                text x=(left + slot * gi as f64 + slot / 2.0) y=(h - bottom + 16.0) class="axis" text-anchor="middle" { (g.label) }
            }
            @for (si, s) in series.iter().enumerate() {
                @let lx = w - 4.0 - 85.0 * (series.len() - si) as f64;
                rect x=(lx) y="6" width="12" height="12" class={ "bar " (SERIES_CLASS[si % 4]) } {}
                text x=(lx + 16.0) y="16" class="axis" { (s) }
            }
        }
    }
}

/// A line over time (e.g. a health score per day), y from 0 to `y_max`.
pub fn trend(points: &[(String, f64)], title: &str, y_max: f64) -> Markup {
    let (w, h, left, bottom, top) = (640.0, 180.0, 36.0, 24.0, 24.0);
    let plot_w = w - left - 8.0;
    let plot_h = h - bottom - top;
    let n = points.len();
    let xy = |i: usize, v: f64| {
        let x = if n > 1 {
            left + plot_w * i as f64 / (n - 1) as f64
        } else {
            left + plot_w / 2.0
        };
        let y = top + plot_h - plot_h * (v / y_max).clamp(0.0, 1.0);
        (x, y)
    };
    let path: String = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let (x, y) = xy(i, *v);
            format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" })
        })
        .collect();
    let desc = match (points.first(), points.last()) {
        (Some(a), Some(b)) => format!(
            "{} points from {} ({}) to {} ({})",
            n,
            a.0,
            fmt(a.1),
            b.0,
            fmt(b.1)
        ),
        _ => "No data yet.".into(),
    };
    html! {
        svg class="chart" role="img" viewBox={ "0 0 " (w) " " (h) } xmlns="http://www.w3.org/2000/svg" aria-label=(title) {
            title { (title) }
            desc { (desc) }
            text x="4" y="14" class="ct" { (title) }
            @for i in 0..=2 {
                @let v = y_max * f64::from(i) / 2.0;
                @let y = top + plot_h - plot_h * f64::from(i) / 2.0;
                line x1=(left) x2=(w - 4.0) y1=(y) y2=(y) class="grid" {}
                text x=(left - 4.0) y=(y + 4.0) class="axis" text-anchor="end" { (fmt(v)) }
            }
            @if n == 0 {
                text x=(w / 2.0) y=(h / 2.0) text-anchor="middle" class="axis" { "No data yet" }
            } @else {
                path d=(path) class="line" {}
                @if let (Some(a), Some(b)) = (points.first(), points.last()) {
                    text x=(left) y=(h - 6.0) class="axis" { (a.0) }
                    text x=(w - 8.0) y=(h - 6.0) class="axis" text-anchor="end" { (b.0) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_plainly() {
        assert_eq!(fmt(3.0), "3");
        assert_eq!(fmt(1.25), "1.25");
        assert_eq!(fmt(36.333), "36.33");
        assert_eq!(fmt(2.5), "2.5");
    }

    #[test]
    fn nice_axis_tops() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(nice_max(41.0), 50.0);
        assert_eq!(nice_max(100.0), 100.0);
    }

    #[test]
    fn bars_escape_labels_and_scale_to_the_top() {
        let svg = bars(
            "T",
            &["kept", "broken"],
            &[Group {
                label: "<b>Ann</b>".into(),
                values: vec![10.0, 5.0],
            }],
            "promises",
        )
        .into_string();
        assert!(svg.contains("&lt;b&gt;Ann&lt;/b&gt;"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        // The larger bar fills the plot (10 is the axis top), the other half of it.
        assert!(svg.contains("height=\"192\""), "{svg}");
        assert!(svg.contains("height=\"96\""), "{svg}");
        assert!(svg.contains("kept 10 promises, broken 5 promises"), "{svg}");
    }

    #[test]
    fn trend_draws_one_segment_per_point() {
        let pts = vec![
            ("2026-01-01".to_string(), 100.0),
            ("2026-01-02".to_string(), 50.0),
        ];
        let svg = trend(&pts, "Health", 100.0).into_string();
        assert!(svg.contains("M36.0,24.0 L632.0,90.0"), "{svg}");
    }
}
