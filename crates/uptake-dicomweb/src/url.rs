//! URL helpers: percent-encoding of query values, UID validation, query redaction.

use crate::error::DicomWebError;

/// Percent-encodes a query parameter value (RFC 3986: everything but unreserved characters and
/// the DICOM wildcards `*` and `?` is encoded).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'*' | b'?' => {
                out.push(b as char)
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
    out
}

/// Checks that `uid` is a DICOM UID (digits and dots, 1–64 characters) so it can be placed in a
/// URL path without escaping.
pub fn check_uid(uid: &str) -> Result<&str, DicomWebError> {
    let ok =
        !uid.is_empty() && uid.len() <= 64 && uid.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if ok {
        Ok(uid)
    } else {
        Err(DicomWebError::InvalidUid(uid.chars().take(80).collect()))
    }
}

/// The URL without its query string (queries may hold patient identifiers: never put them in
/// errors or logs).
pub fn without_query(url: &str) -> String {
    match url.find('?') {
        Some(i) => url[..i].to_string(),
        None => url.to_string(),
    }
}

/// Joins a base URL (with or without trailing `/`) and a relative path without leading `/`.
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved() {
        assert_eq!(encode_query_value("DOE^JO*"), "DOE%5EJO*");
        assert_eq!(encode_query_value("CT\\PT"), "CT%5CPT");
        assert_eq!(encode_query_value("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_query_value("é"), "%C3%A9");
    }

    #[test]
    fn uids() {
        assert!(check_uid("1.2.840.10008.1.2").is_ok());
        assert!(check_uid("1.2/../x").is_err());
        assert!(check_uid("").is_err());
        assert!(check_uid(&"1".repeat(65)).is_err());
    }

    #[test]
    fn query_removed() {
        assert_eq!(without_query("http://h/s?PatientID=1"), "http://h/s");
        assert_eq!(
            join("http://h/dicom-web/", "/studies"),
            "http://h/dicom-web/studies"
        );
    }
}
