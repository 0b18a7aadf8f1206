//! Writing CSV for spreadsheets: every export's cells go through here. A leaf module, so that
//! exports anywhere in the domain (the scope report, say) need not depend on the importers in
//! `csv`.

/// A cell for a CSV line: quoted when it holds a comma, quote or line break. Cells that a
/// spreadsheet would run as a formula get a leading apostrophe: those starting with `=`, `+`,
/// `-` (unless a plain number), `@`, or a tab or carriage return (spreadsheets skip those and
/// read the formula after them). Every CSV export writes its cells with this.
pub fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@', '\t', '\r'])
        || (s.starts_with('-') && s.parse::<f64>().is_err())
    {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One line of cells, ending in CRLF (RFC 4180).
pub fn line(cells: &[String]) -> String {
    let mut out = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}
