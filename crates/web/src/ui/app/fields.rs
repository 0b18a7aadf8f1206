//! What the set-up forms share: reading typed text into the API's shapes, and errors told in
//! the words of the form's labels rather than the API's field names.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rapport_app::AppError;

use crate::ui::{UiResult, describe};

/// Form labels for API field paths. The longest matching path wins: `calendar.hours` before
/// `calendar`, and `brief.items[2].text` falls back to `brief`.
pub(super) type Labels = &'static [(&'static str, &'static str)];

fn label_for(field: &str, labels: Labels) -> Option<&'static str> {
    labels
        .iter()
        .filter(|(path, _)| {
            field == *path
                || field
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
        .max_by_key(|(path, _)| path.len())
        .map(|(_, label)| *label)
}

/// An application error as one sentence a person filling the form understands.
pub(super) fn say(e: &AppError, labels: Labels) -> (StatusCode, String) {
    match e {
        AppError::Invalid(v) => {
            let parts: Vec<String> =
                v.0.iter()
                    .map(|f| match label_for(&f.field, labels) {
                        Some(label) => format!("{label}: {}", f.message),
                        None => format!("{}: {}", f.field.replace('_', " "), f.message),
                    })
                    .collect();
            (StatusCode::UNPROCESSABLE_ENTITY, parts.join("; "))
        }
        AppError::Conflict { message, errors } => {
            match errors.first().and_then(|f| label_for(&f.field, labels)) {
                Some(label) => (StatusCode::CONFLICT, format!("{label}: {message}")),
                None => describe(e),
            }
        }
        _ => describe(e),
    }
}

/// Whether the error is the person's to fix in the form (shown beside it), not a page error.
pub(super) fn is_form_error(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid(_)
            | AppError::Conflict { .. }
            | AppError::Forbidden(_)
            | AppError::NotConfigured(_)
    )
}

/// After a form's save: on success go to `done`; a refusal the person can fix shows the form
/// again (`refill`) with it told in the form's words; anything else is an error page.
pub(super) async fn saved_or_refill<T, Fut>(
    result: Result<T, AppError>,
    done: &str,
    labels: Labels,
    refill: impl FnOnce((StatusCode, String)) -> Fut,
) -> UiResult<Response>
where
    Fut: Future<Output = UiResult<Response>>,
{
    match result {
        Ok(_) => Ok(Redirect::to(done).into_response()),
        Err(e) if is_form_error(&e) => refill(say(&e, labels)).await,
        Err(e) => Err(e.into()),
    }
}

/// The error notice above a form.
pub(super) fn notice(error: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error { p class="notice error" role="alert" { (e) } }
    }
}

/// Non-empty trimmed lines.
pub(super) fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A list typed with commas or one per line.
pub(super) fn items(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Some trimmed text, or nothing when blank.
pub(super) fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|t| !t.is_empty())
}

/// Hours typed as a number (`2`, `1.5`, `0,5`) as whole minutes; blank is nothing.
pub(super) fn hours(field: &str, s: &str) -> Result<Option<i64>, AppError> {
    let t = s.trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(h) if (0.0..1e7).contains(&h) => Ok(Some((h * 60.0).round() as i64)),
        _ => Err(AppError::invalid(
            field,
            format!("{:?} is not a number of hours", s.trim()),
        )),
    }
}

/// Minutes as hours for a form field (`90` -> `1.5`).
pub(super) fn as_hours(minutes: i64) -> String {
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        let h = format!("{:.2}", minutes as f64 / 60.0);
        h.trim_end_matches('0').to_string()
    }
}

/// An amount typed in major units (`1500`, `95.50`) as minor units of a currency with
/// `exponent` decimals; blank is nothing.
pub(super) fn money(field: &str, s: &str, exponent: u8) -> Result<Option<i64>, AppError> {
    let t = s.trim().replace([' ', '_'], "");
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        AppError::invalid(
            field,
            format!(
                "{:?} is not an amount (digits, with at most {exponent} after the point)",
                s.trim()
            ),
        )
    };
    let (whole, frac) = t.split_once(['.', ',']).unwrap_or((t.as_str(), ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > usize::from(exponent)
        || whole.len() > 15
    {
        return Err(bad());
    }
    let scale = 10i64.pow(u32::from(exponent));
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = usize::from(exponent))
            .parse()
            .map_err(|_| bad())?
    };
    Ok(Some(whole * scale + frac_value))
}

/// Minor units as the major-unit text the money field takes back.
pub(super) fn money_value(minor: i64, exponent: u8) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(u32::from(exponent));
    format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = usize::from(exponent)
    )
}

/// A whole number; blank is nothing.
pub(super) fn whole(field: &str, s: &str) -> Result<Option<i64>, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, format!("{t:?} is not a whole number")))
}

/// A date (`YYYY-MM-DD`, as date inputs send it); blank is nothing.
pub(super) fn date(field: &str, s: &str) -> Result<Option<jiff::civil::Date>, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, format!("{t:?} is not a date (YYYY-MM-DD)")))
}

/// Business minutes in words: `90` -> "1.5 business hours", `960` -> "16 business hours (2
/// working days of 8 hours)".
pub(super) fn business_time(minutes: i64) -> String {
    let h = as_hours(minutes);
    let unit = if minutes == 60 { "hour" } else { "hours" };
    if minutes >= 8 * 60 && minutes % (8 * 60) == 0 {
        let days = minutes / (8 * 60);
        let d = if days == 1 { "day" } else { "days" };
        format!("{h} business {unit} ({days} working {d} of 8 hours)")
    } else {
        format!("{h} business {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_major_units() {
        assert_eq!(money("x", "95.5", 2).unwrap(), Some(9550));
        assert_eq!(money("x", "1500", 2).unwrap(), Some(150_000));
        assert_eq!(money("x", "1500", 0).unwrap(), Some(1500));
        assert_eq!(money("x", "", 2).unwrap(), None);
        assert!(money("x", "1.234", 2).is_err());
        assert!(money("x", "-3", 2).is_err());
        assert!(money("x", "ten", 2).is_err());
        assert_eq!(money_value(9550, 2), "95.50");
    }

    #[test]
    fn hours_read_as_minutes() {
        assert_eq!(hours("x", "1,5").unwrap(), Some(90));
        assert_eq!(as_hours(90), "1.5");
        assert_eq!(as_hours(120), "2");
        assert!(hours("x", "soon").is_err());
    }

    #[test]
    fn fields_are_named_by_their_labels() {
        const L: Labels = &[
            ("calendar", "Calendar"),
            ("calendar.hours", "Working hours"),
        ];
        assert_eq!(label_for("calendar.hours", L), Some("Working hours"));
        assert_eq!(label_for("calendar.tz", L), Some("Calendar"));
        assert_eq!(label_for("calendars", L), None);
    }
}
