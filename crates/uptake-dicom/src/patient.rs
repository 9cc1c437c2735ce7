//! Patient identity as the viewer must display it: name, NHS Number (validated), other IDs.

use crate::attrs::{self, Object};
use dicom_dictionary_std::tags;
use serde::Serialize;

/// Who the images belong to. Every field is as found in the header (trimmed), `None` if absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PatientInfo {
    /// PatientName (PN, components separated by `^`).
    pub name: Option<String>,
    /// PatientID.
    pub id: Option<String>,
    /// IssuerOfPatientID.
    pub id_issuer: Option<String>,
    /// The NHS Number, when the header names one (PatientID or OtherPatientIDsSequence with an
    /// NHS issuer), digits only.
    pub nhs_number: Option<String>,
    /// Whether `nhs_number` passes the modulus-11 check digit.
    pub nhs_number_valid: Option<bool>,
    /// Other identifiers: (id, issuer).
    pub other_ids: Vec<(String, Option<String>)>,
    /// PatientBirthDate (DA, `YYYYMMDD`).
    pub birth_date: Option<String>,
    /// PatientSex (`M`, `F`, `O`).
    pub sex: Option<String>,
    /// PatientAge (AS, e.g. `045Y`).
    pub age: Option<String>,
    /// PatientWeight in kg.
    pub weight_kg: Option<f64>,
    /// PatientSize (height) in m.
    pub size_m: Option<f64>,
}

/// OID of the NHS Number namespace (England and Wales), seen as an issuer in HL7/DICOM.
const NHS_NUMBER_OID: &str = "2.16.840.1.113883.2.1.4.1";

fn issuer_is_nhs(issuer: &str) -> bool {
    let upper = issuer.to_ascii_uppercase();
    upper == NHS_NUMBER_OID
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "NHS" || w == "NHSN")
}

/// Digits of a candidate NHS Number (spaces and dashes removed), if there are exactly ten.
pub fn nhs_digits(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 10 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// The NHS Number modulus-11 check: weights 10..2 over the first nine digits; check digit is
/// `11 - (sum mod 11)`, with 11 → 0 and 10 invalid.
pub fn nhs_number_is_valid(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(v, w)| v * w).sum();
    let check = match 11 - (sum % 11) {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == d[9]
}

impl PatientInfo {
    /// Reads the patient module of a data set.
    pub fn from_object(obj: &Object) -> Self {
        let id = attrs::string(obj, tags::PATIENT_ID);
        let id_issuer = attrs::string(obj, tags::ISSUER_OF_PATIENT_ID);
        let other_ids: Vec<(String, Option<String>)> =
            attrs::items(obj, tags::OTHER_PATIENT_I_DS_SEQUENCE)
                .iter()
                .filter_map(|item| {
                    let oid = attrs::string(item, tags::PATIENT_ID)?;
                    Some((oid, attrs::string(item, tags::ISSUER_OF_PATIENT_ID)))
                })
                .collect();
        let mut nhs_number = None;
        if let (Some(pid), Some(issuer)) = (&id, &id_issuer) {
            if issuer_is_nhs(issuer) {
                nhs_number = nhs_digits(pid).or_else(|| Some(pid.clone()));
            }
        }
        if nhs_number.is_none() {
            nhs_number = other_ids
                .iter()
                .find(|(_, issuer)| issuer.as_deref().is_some_and(issuer_is_nhs))
                .map(|(oid, _)| nhs_digits(oid).unwrap_or_else(|| oid.clone()));
        }
        let nhs_number_valid = nhs_number.as_deref().map(nhs_number_is_valid);
        PatientInfo {
            name: attrs::string(obj, tags::PATIENT_NAME),
            id,
            id_issuer,
            nhs_number,
            nhs_number_valid,
            other_ids,
            birth_date: attrs::string(obj, tags::PATIENT_BIRTH_DATE),
            sex: attrs::string(obj, tags::PATIENT_SEX),
            age: attrs::string(obj, tags::PATIENT_AGE),
            weight_kg: attrs::number(obj, tags::PATIENT_WEIGHT),
            size_m: attrs::number(obj, tags::PATIENT_SIZE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_check_digit() {
        // Published example NHS Numbers used in documentation and testing.
        assert!(nhs_number_is_valid("9434765919"));
        assert!(nhs_number_is_valid("4010232137"));
        assert!(!nhs_number_is_valid("9434765918"));
        assert!(!nhs_number_is_valid("123"));
        assert_eq!(nhs_digits("943 476 5919").as_deref(), Some("9434765919"));
        assert!(issuer_is_nhs("NHS"));
        assert!(issuer_is_nhs("NHS Number"));
        assert!(!issuer_is_nhs("HOSPITAL"));
    }
}
