//! Deep links: `/?study=<UID>[&series=<UID>][&at=x,y,z][&lesion=x,y,z or name]`, the link a
//! report carries. Coordinates are LPS mm. Parsing percent-decodes, validates every value and
//! returns a typed [`DeepLinkError`]; it never panics.

use serde::Serialize;
use thiserror::Error;

/// The lesion a link points at.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum LesionRef {
    /// A seed point, LPS mm.
    Point([f64; 3]),
    /// A lesion name from the table.
    Name(String),
}

/// A parsed deep link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeepLink {
    /// StudyInstanceUID.
    pub study: String,
    /// SeriesInstanceUID to show (optional).
    pub series: Option<String>,
    /// Cursor position, LPS mm.
    pub at: Option<[f64; 3]>,
    /// Lesion to measure / select.
    pub lesion: Option<LesionRef>,
}

/// Why a link was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeepLinkError {
    /// No `study=` parameter.
    #[error("the link has no study parameter")]
    MissingStudy,
    /// A UID is not a valid DICOM UID (digits and dots, ≤ 64 characters).
    #[error("the {param} parameter is not a valid DICOM UID: {value:?}")]
    BadUid {
        /// Which parameter.
        param: &'static str,
        /// The decoded value.
        value: String,
    },
    /// A coordinate triple is malformed.
    #[error("the {param} parameter must be three finite numbers x,y,z in mm: {value:?}")]
    BadPoint {
        /// Which parameter.
        param: &'static str,
        /// The decoded value.
        value: String,
    },
    /// A `%` escape is malformed or the result is not UTF-8.
    #[error("bad percent-encoding in {0:?}")]
    BadEncoding(String),
    /// A parameter appears twice.
    #[error("the {0} parameter appears more than once")]
    Duplicate(String),
    /// An empty lesion name.
    #[error("the lesion parameter is empty")]
    EmptyLesion,
}

/// Decodes `%XX` escapes and `+` (space).
pub fn percent_decode(s: &str) -> Result<String, DeepLinkError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| DeepLinkError::BadEncoding(s.to_string()))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| DeepLinkError::BadEncoding(s.to_string()))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `s` is a DICOM UID: 1–64 characters, components of digits separated by dots, no
/// empty component, no leading zero in a multi-digit component.
pub fn is_valid_uid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && !(c.len() > 1 && c.starts_with('0'))
        })
}

fn parse_point(param: &'static str, v: &str) -> Result<[f64; 3], DeepLinkError> {
    let bad = || DeepLinkError::BadPoint {
        param,
        value: v.to_string(),
    };
    let parts: Vec<&str> = v.split(',').collect();
    if parts.len() != 3 {
        return Err(bad());
    }
    let mut p = [0.0; 3];
    for (slot, s) in p.iter_mut().zip(parts) {
        let x: f64 = s.trim().parse().map_err(|_| bad())?;
        if !x.is_finite() {
            return Err(bad());
        }
        *slot = x;
    }
    Ok(p)
}

fn looks_numeric(v: &str) -> bool {
    v.contains(',')
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | 'e' | 'E' | ' '))
}

fn fmt_num(x: f64) -> String {
    // Shortest representation that round-trips.
    format!("{x}")
}

impl DeepLink {
    /// Parses a link: a path with a query (`/?study=…`), a bare query (`?study=…` or
    /// `study=…`) or a full URL (everything before `?` is ignored). Unknown parameters are
    /// ignored (forward compatibility); a fragment (`#…`) is dropped.
    pub fn parse(link: &str) -> Result<DeepLink, DeepLinkError> {
        let no_fragment = link.split('#').next().unwrap_or("");
        let query = match no_fragment.split_once('?') {
            Some((_, q)) => q,
            None => no_fragment,
        };
        let mut study = None;
        let mut series = None;
        let mut at = None;
        let mut lesion = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(k)?;
            let value = percent_decode(v)?;
            let dup = |seen: bool| {
                if seen {
                    Err(DeepLinkError::Duplicate(key.clone()))
                } else {
                    Ok(())
                }
            };
            match key.as_str() {
                "study" => {
                    dup(study.is_some())?;
                    let v = value.trim().to_string();
                    if !is_valid_uid(&v) {
                        return Err(DeepLinkError::BadUid {
                            param: "study",
                            value: v,
                        });
                    }
                    study = Some(v);
                }
                "series" => {
                    dup(series.is_some())?;
                    let v = value.trim().to_string();
                    if !is_valid_uid(&v) {
                        return Err(DeepLinkError::BadUid {
                            param: "series",
                            value: v,
                        });
                    }
                    series = Some(v);
                }
                "at" => {
                    dup(at.is_some())?;
                    at = Some(parse_point("at", &value)?);
                }
                "lesion" => {
                    dup(lesion.is_some())?;
                    let v = value.trim();
                    if v.is_empty() {
                        return Err(DeepLinkError::EmptyLesion);
                    }
                    lesion = Some(if looks_numeric(v) {
                        LesionRef::Point(parse_point("lesion", v)?)
                    } else {
                        LesionRef::Name(v.to_string())
                    });
                }
                _ => {}
            }
        }
        Ok(DeepLink {
            study: study.ok_or(DeepLinkError::MissingStudy)?,
            series,
            at,
            lesion,
        })
    }

    /// The link as `/?study=…[&series=…][&at=x,y,z][&lesion=…]` (values percent-encoded,
    /// numbers in their shortest round-tripping form).
    pub fn to_link(&self) -> String {
        let mut s = format!("/?study={}", percent_encode(&self.study));
        if let Some(series) = &self.series {
            s.push_str(&format!("&series={}", percent_encode(series)));
        }
        let pt = |p: &[f64; 3]| p.iter().map(|x| fmt_num(*x)).collect::<Vec<_>>().join(",");
        if let Some(at) = &self.at {
            s.push_str(&format!("&at={}", pt(at)));
        }
        match &self.lesion {
            Some(LesionRef::Point(p)) => s.push_str(&format!("&lesion={}", pt(p))),
            Some(LesionRef::Name(n)) => s.push_str(&format!("&lesion={}", percent_encode(n))),
            None => {}
        }
        s
    }
}
