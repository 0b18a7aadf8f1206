//! Inline CSS from mail, cut down to what formats text and never reaches the network.
//!
//! Looking for `url(` in a style is not enough: CSS escapes (`u\72l(`), comments and functions
//! such as `image-set()` spell the same fetch in other ways. So a style is parsed into
//! declarations and each is kept only when its property is on a short list of presentational
//! ones and its value is made of plain words, numbers, colours and quoted font names: no
//! backslash, no comment, no colon, and no function other than the colour ones.

/// Properties that only change how text and boxes look (none positions over the page).
const PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "font-variant",
    "text-align",
    "text-decoration",
    "text-transform",
    "text-indent",
    "letter-spacing",
    "word-spacing",
    "line-height",
    "white-space",
    "vertical-align",
    "direction",
    "width",
    "height",
    "min-width",
    "max-width",
    "min-height",
    "max-height",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-spacing",
    "border-radius",
    "display",
    "float",
    "clear",
    "list-style-type",
    "table-layout",
];

/// The functions a value may call: colours, whose arguments are numbers.
const FUNCTIONS: &[&str] = &["rgb", "rgba", "hsl", "hsla"];

/// The declarations of `style` that are safe to keep, written back as `prop: value`; `None`
/// when none is.
pub fn filter_style(style: &str) -> Option<String> {
    // A comment can hide anything from a naive split; a backslash starts an escape.
    if style.contains("/*") || style.contains('\\') {
        return None;
    }
    let kept: Vec<String> = style
        .split(';')
        .filter_map(|d| {
            let (prop, value) = d.split_once(':')?;
            let prop = prop.trim().to_ascii_lowercase();
            if !PROPERTIES.contains(&prop.as_str()) {
                return None;
            }
            let value = value.trim();
            let value = strip_important(value);
            (!value.is_empty() && safe_value(value)).then(|| format!("{prop}: {value}"))
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

fn strip_important(value: &str) -> &str {
    let lower = value.to_ascii_lowercase();
    match lower.strip_suffix("!important") {
        Some(rest) => value[..rest.len()].trim_end(),
        None => value,
    }
}

/// Words, numbers, `#` colours, `%`, `,`, `.` and `-`; quoted font names of the same; and colour
/// functions with numeric arguments.
fn safe_value(value: &str) -> bool {
    let b = value.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b' ' | b'#' | b'%' | b'.' | b',' | b'-' => {
                i += 1;
            }
            b'"' | b'\'' => {
                let Some(len) = value[i + 1..].find(c as char) else {
                    return false;
                };
                let inner = &value[i + 1..i + 1 + len];
                if !inner
                    .bytes()
                    .all(|x| x.is_ascii_alphanumeric() || x == b' ' || x == b'-')
                {
                    return false;
                }
                i += len + 2;
            }
            b'(' => {
                let name_start = value[..i]
                    .rfind(|ch: char| !(ch.is_ascii_alphabetic()))
                    .map_or(0, |p| p + 1);
                let name = value[name_start..i].to_ascii_lowercase();
                if !FUNCTIONS.contains(&name.as_str()) {
                    return false;
                }
                let Some(len) = value[i + 1..].find(')') else {
                    return false;
                };
                let args = &value[i + 1..i + 1 + len];
                if !args
                    .bytes()
                    .all(|x| x.is_ascii_digit() || b" ,.%".contains(&x))
                {
                    return false;
                }
                i += len + 2;
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presentational_css_stays() {
        assert_eq!(
            filter_style(
                "color: red; FONT-WEIGHT: bold !important; font-family: 'Segoe UI', Arial"
            ),
            Some("color: red; font-weight: bold; font-family: 'Segoe UI', Arial".into())
        );
        assert_eq!(
            filter_style("background-color: rgba(0, 0, 0, 0.5); padding: 4px 8px"),
            Some("background-color: rgba(0, 0, 0, 0.5); padding: 4px 8px".into())
        );
    }

    #[test]
    fn anything_that_could_fetch_or_run_goes() {
        for style in [
            "background:url(https://t.example/x)",
            "background-color: red; background-image: url(https://t.example/x)",
            // The audit's bypass: an escaped `r` in `url(`.
            "background:u\\72l(https://t.example/x)",
            "background-color: u\\72l(https://t.example/x)",
            "color: red /* */; background: url(x)",
            "width: expression(alert(1))",
            "color: image-set('x.png' 1x)",
            "font-family: var(--x)",
            "color: red; behavior: url(x.htc)",
            "-moz-binding: url(x)",
            "color: \"a\\\"b\"",
            "position: fixed; top: 0",
            "color: red; x: javascript:alert(1)",
            "font-family: 'a;b'",
        ] {
            let kept = filter_style(style);
            let text = kept.clone().unwrap_or_default().to_ascii_lowercase();
            assert!(
                !text.contains("url")
                    && !text.contains('(')
                    && !text.contains('\\')
                    && !text.contains("position")
                    && !text.contains("javascript"),
                "{style:?} kept {kept:?}"
            );
        }
        assert_eq!(
            filter_style("background-color: red; background-image: url(https://t.example/x)"),
            Some("background-color: red".into())
        );
        assert_eq!(filter_style("color: red /* */"), None);
    }
}
