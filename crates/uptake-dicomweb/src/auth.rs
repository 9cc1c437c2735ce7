//! Credentials supplied by the caller. They live in memory only, are never written anywhere by
//! this crate, and every `Debug` output redacts them.

use base64::Engine;

/// How requests authenticate to the DICOMweb service.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// HTTP Basic with user and password.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Bearer(_) => f.write_str("Auth::Bearer(<redacted>)"),
            Auth::Basic { .. } => f.write_str("Auth::Basic(<redacted>)"),
        }
    }
}

impl Auth {
    /// The value of the `Authorization` header, if any.
    pub fn header_value(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Bearer(token) => Some(format!("Bearer {token}")),
            Auth::Basic { user, password } => {
                let raw = format!("{user}:{password}");
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_and_redaction() {
        let a = Auth::Basic {
            user: "alice".into(),
            password: "s3cret".into(),
        };
        assert_eq!(a.header_value().as_deref(), Some("Basic YWxpY2U6czNjcmV0"));
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("s3cret") && !dbg.contains("alice"));
        let b = Auth::Bearer("tok123".into());
        assert_eq!(b.header_value().as_deref(), Some("Bearer tok123"));
        assert!(!format!("{b:?}").contains("tok123"));
        assert_eq!(Auth::None.header_value(), None);
    }
}
