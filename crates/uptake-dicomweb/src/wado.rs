//! WADO-RS retrieve requests (PS3.18 §10.4).

use crate::error::DicomWebError;
use crate::http::HttpRequest;
use crate::url::{check_uid, join};

/// Accept header for DICOM JSON metadata.
pub const ACCEPT_JSON: &str = "application/dicom+json";
/// Accept header for instances in their stored transfer syntax.
pub const ACCEPT_INSTANCES: &str =
    "multipart/related; type=\"application/dicom\"; transfer-syntax=*";
/// Accept header for frames and bulk data in their stored transfer syntax.
pub const ACCEPT_BULK: &str =
    "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*";

/// The metadata of every instance of a series.
pub fn series_metadata(
    base: &str,
    study: &str,
    series: &str,
) -> Result<HttpRequest, DicomWebError> {
    let path = format!(
        "studies/{}/series/{}/metadata",
        check_uid(study)?,
        check_uid(series)?
    );
    Ok(HttpRequest::get(join(base, &path), ACCEPT_JSON))
}

/// The metadata of every instance of a study.
pub fn study_metadata(base: &str, study: &str) -> Result<HttpRequest, DicomWebError> {
    let path = format!("studies/{}/metadata", check_uid(study)?);
    Ok(HttpRequest::get(join(base, &path), ACCEPT_JSON))
}

/// Every instance of a series as `multipart/related; type="application/dicom"`.
pub fn series_instances(
    base: &str,
    study: &str,
    series: &str,
) -> Result<HttpRequest, DicomWebError> {
    let path = format!(
        "studies/{}/series/{}",
        check_uid(study)?,
        check_uid(series)?
    );
    Ok(HttpRequest::get(join(base, &path), ACCEPT_INSTANCES))
}

/// Every instance of a study.
pub fn study_instances(base: &str, study: &str) -> Result<HttpRequest, DicomWebError> {
    let path = format!("studies/{}", check_uid(study)?);
    Ok(HttpRequest::get(join(base, &path), ACCEPT_INSTANCES))
}

/// One instance (a multipart body with one part).
pub fn instance(
    base: &str,
    study: &str,
    series: &str,
    sop: &str,
) -> Result<HttpRequest, DicomWebError> {
    let path = format!(
        "studies/{}/series/{}/instances/{}",
        check_uid(study)?,
        check_uid(series)?,
        check_uid(sop)?
    );
    Ok(HttpRequest::get(join(base, &path), ACCEPT_INSTANCES))
}

/// Frames (1-based numbers) of one instance, as octet-stream parts in the stored syntax.
pub fn frames(
    base: &str,
    study: &str,
    series: &str,
    sop: &str,
    numbers: &[u32],
) -> Result<HttpRequest, DicomWebError> {
    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    let path = format!(
        "studies/{}/series/{}/instances/{}/frames/{}",
        check_uid(study)?,
        check_uid(series)?,
        check_uid(sop)?,
        list.join(",")
    );
    Ok(HttpRequest::get(join(base, &path), ACCEPT_BULK))
}

/// A BulkDataURI from metadata (absolute, or relative to `base`).
pub fn bulk_data(base: &str, uri: &str) -> HttpRequest {
    let url = if uri.contains("://") {
        uri.to_string()
    } else if uri.starts_with('/') {
        // Path-absolute: keep the scheme and authority of the base.
        match base
            .find("://")
            .and_then(|i| base[i + 3..].find('/').map(|j| i + 3 + j))
        {
            Some(end) => format!("{}{}", &base[..end], uri),
            None => format!("{}{}", base.trim_end_matches('/'), uri),
        }
    } else {
        join(base, uri)
    };
    HttpRequest::get(url, ACCEPT_BULK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_accept() {
        let r = series_instances("http://h/dicom-web/", "1.2", "1.3").unwrap();
        assert_eq!(r.url, "http://h/dicom-web/studies/1.2/series/1.3");
        assert_eq!(r.header("Accept"), Some(ACCEPT_INSTANCES));
        let f = frames("http://h/dw", "1", "2", "3", &[1, 2]).unwrap();
        assert_eq!(
            f.url,
            "http://h/dw/studies/1/series/2/instances/3/frames/1,2"
        );
        assert!(f.header("accept").unwrap().contains("transfer-syntax=*"));
        assert_eq!(
            series_metadata("http://h", "1", "2").unwrap().url,
            "http://h/studies/1/series/2/metadata"
        );
        assert_eq!(
            bulk_data("http://h:8/dw", "/dw/x/bulk").url,
            "http://h:8/dw/x/bulk"
        );
        assert_eq!(
            bulk_data("http://h:8/dw", "x/bulk").url,
            "http://h:8/dw/x/bulk"
        );
        assert!(instance("http://h", "1", "2", "3;x").is_err());
    }
}
