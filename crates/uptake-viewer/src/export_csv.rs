//! CSV export of the lesion table (RFC 4180: CRLF line ends, fields with `,` `"` CR or LF
//! quoted, `"` doubled).
//!
//! Layout: a header block of `key,value` records whose keys start with `#` — `#patient_name`,
//! `#nhs_number` (3-3-4, or empty), `#patient_id`, `#patient_id_issuer`, `#birth_date`,
//! `#sex`, `#study_date`, `#study_uid`, `#pet_series_uid`, `#ct_series_uid`, `#suv_type`,
//! `#suv_factor`, `#suv_refused`, `#banner` — then an empty record, then the table with
//! these stable column names: [`COLUMNS`]. Numbers are written with full precision.

use crate::lesions::Lesion;

/// The table's column names, in order.
pub const COLUMNS: [&str; 13] = [
    "name",
    "suvmax",
    "suvpeak",
    "suvmean",
    "mtv_ml",
    "tlg",
    "seed_x_mm",
    "seed_y_mm",
    "seed_z_mm",
    "threshold",
    "threshold_suv",
    "suv_type",
    "error",
];

/// Quotes a field when RFC 4180 requires it.
pub fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn record(fields: &[String]) -> String {
    let mut s = fields
        .iter()
        .map(|f| quote(f))
        .collect::<Vec<_>>()
        .join(",");
    s.push_str("\r\n");
    s
}

fn num(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| format!("{v}"))
}

/// Writes the CSV: `header` is the `(key without '#', value)` block, `suv_type` the label
/// written on every row.
pub fn write_csv(header: &[(&str, String)], lesions: &[Lesion], suv_type: &str) -> String {
    let mut out = String::new();
    for (k, v) in header {
        out.push_str(&record(&[format!("#{k}"), v.clone()]));
    }
    out.push_str("\r\n");
    out.push_str(&record(
        &COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
    ));
    for l in lesions {
        let r = l.row();
        out.push_str(&record(&[
            r.name,
            num(r.suvmax),
            num(r.suvpeak),
            num(r.suvmean),
            num(r.mtv_ml),
            num(r.tlg),
            format!("{}", r.seed[0]),
            format!("{}", r.seed[1]),
            format!("{}", r.seed[2]),
            r.threshold,
            num(r.threshold_suv),
            suv_type.to_string(),
            r.error.unwrap_or_default(),
        ]));
    }
    out
}

/// Parses RFC 4180 text into records (for tests and round trips). Returns `None` on an
/// unterminated quote.
pub fn parse_csv(text: &str) -> Option<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut rec));
                any = false;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return None;
    }
    if any {
        rec.push(field);
        records.push(rec);
    }
    Some(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips() {
        let h = [("patient_name", "SMITH, \"Jo\"".to_string())];
        let csv = write_csv(&h, &[], "SUVbw");
        let recs = parse_csv(&csv).expect("parses");
        assert_eq!(recs[0], vec!["#patient_name", "SMITH, \"Jo\""]);
        assert_eq!(recs[1], vec![""]);
        assert_eq!(recs[2].len(), COLUMNS.len());
    }
}
