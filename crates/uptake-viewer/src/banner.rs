//! The patient banner shown on every view and every export: name, NHS Number (or PatientID
//! with issuer), date of birth, sex, study date, modality/series.

use uptake_dicom::patient::{nhs_digits, nhs_number_is_valid};
use uptake_dicom::PatientInfo;

/// Formats a DICOM PN (`FAMILY^Given^Middle^Prefix^Suffix`, first component group only) as
/// `"FAMILY, Given Middle"`. Empty components are skipped; an empty name gives `"(no name)"`.
pub fn format_person_name(pn: &str) -> String {
    let alphabetic = pn.split('=').next().unwrap_or("");
    let parts: Vec<&str> = alphabetic.split('^').map(str::trim).collect();
    let family = parts.first().copied().unwrap_or("");
    let given: Vec<&str> = parts
        .iter()
        .skip(1)
        .take(2)
        .copied()
        .filter(|s| !s.is_empty())
        .collect();
    let given = given.join(" ");
    match (family.is_empty(), given.is_empty()) {
        (true, true) => "(no name)".to_string(),
        (false, true) => family.to_string(),
        (true, false) => given,
        (false, false) => format!("{family}, {given}"),
    }
}

/// An NHS Number as `"943 476 5919"` (3-3-4) when it has ten digits, with whether its
/// modulus-11 check digit is valid; `None` when it is not ten digits.
pub fn format_nhs_number(raw: &str) -> Option<(String, bool)> {
    let d = nhs_digits(raw)?;
    let valid = nhs_number_is_valid(&d);
    Some((format!("{} {} {}", &d[0..3], &d[3..6], &d[6..10]), valid))
}

/// A DICOM DA (`YYYYMMDD`) as `"12-Mar-1956"`; other text is returned unchanged.
pub fn format_date(da: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = da.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        let m: usize = t[4..6].parse().unwrap_or(0);
        if (1..=12).contains(&m) {
            return format!("{}-{}-{}", &t[6..8], MONTHS[m - 1], &t[0..4]);
        }
    }
    t.to_string()
}

/// The patient identifier line: `"NHS No. 943 476 5919"`, `"NHS No. 123 456 7890 (INVALID
/// check digit)"`, or `"ID 12345 (issuer X)"` when there is no NHS Number.
pub fn identifier_text(p: &PatientInfo) -> String {
    if let Some((formatted, valid)) = p.nhs_number.as_deref().and_then(format_nhs_number) {
        if valid {
            return format!("NHS No. {formatted}");
        }
        return format!("NHS No. {formatted} (INVALID check digit)");
    }
    match (&p.id, &p.id_issuer) {
        (Some(id), Some(issuer)) => format!("ID {id} (issuer {issuer})"),
        (Some(id), None) => format!("ID {id} (issuer not recorded)"),
        _ => "ID not recorded".to_string(),
    }
}

/// The sex as shown: `M` → `Male`, `F` → `Female`, `O` → `Other`, else `Sex unknown`.
pub fn sex_text(sex: Option<&str>) -> &'static str {
    match sex.map(str::trim) {
        Some("M") => "Male",
        Some("F") => "Female",
        Some("O") => "Other",
        _ => "Sex unknown",
    }
}

/// The banner line: `"PHANTOM, Uptake | NHS No. 943 476 5919 | DOB 12-Mar-1956 | Male |
/// Study 28-Nov-2026 | PT/CT: <series>"`, fields separated by `" | "`.
pub fn patient_banner(p: &PatientInfo, study_date: Option<&str>, series: &str) -> String {
    let name = format_person_name(p.name.as_deref().unwrap_or(""));
    let dob = p
        .birth_date
        .as_deref()
        .map(format_date)
        .unwrap_or_else(|| "not recorded".into());
    let date = study_date
        .map(format_date)
        .unwrap_or_else(|| "not recorded".into());
    format!(
        "{name} | {} | DOB {dob} | {} | Study {date} | {series}",
        identifier_text(p),
        sex_text(p.sex.as_deref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(format_person_name("SMITH^John^Paul"), "SMITH, John Paul");
        assert_eq!(format_person_name("SMITH"), "SMITH");
        assert_eq!(format_person_name(""), "(no name)");
        assert_eq!(
            format_nhs_number("9434765919"),
            Some(("943 476 5919".to_string(), true))
        );
        assert_eq!(format_nhs_number("943-476-5918").map(|x| x.1), Some(false));
        assert_eq!(format_nhs_number("12345"), None);
        assert_eq!(format_date("19560312"), "12-Mar-1956");
        assert_eq!(format_date("1956"), "1956");
    }
}
