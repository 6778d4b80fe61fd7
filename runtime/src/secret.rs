//! Secrets that never show up in `Debug` output, errors or logs, and are wiped from memory
//! when the last copy is dropped.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

/// A secret string (token, password, secret key).
///
/// - `Debug` prints `Secret(***)`; there is deliberately no `Display`. Read the value with
///   [`Secret::expose`] at the one place that must send it.
/// - The value is kept in one place: cloning a `Secret` shares it (a reference count), it
///   never copies the text. When the last clone is dropped the memory is overwritten with
///   zeros before it is freed (with the `zeroize` crate), so a token or password does not
///   linger in freed memory.
#[derive(Clone)]
pub struct Secret(Arc<Zeroizing<String>>);

impl Secret {
    /// Wraps a secret value. The `String` is moved, not copied: its buffer is the one wiped.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::new(Zeroizing::new(value.into())))
    }

    /// The secret value itself. Call this only where the value is put on the wire.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Whether two handles share one value (a clone), rather than holding equal copies.
    pub fn shares_value_with(&self, other: &Secret) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Equal when the values are equal, compared in time that does not depend on where they
/// first differ.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// On the wire a secret is its plain value: this is how generated request bodies send a
/// password (`format: password` in the spec).
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// `url` as it may be shown (in `Debug`, errors, logs): a user name and password in it
/// (`https://user:password@host/`) are replaced by `***`. A URL that does not parse (a
/// password with `/` or `#` in it breaks the authority) is redacted up to its last `@`, which
/// may hide more than the userinfo but never less.
pub fn redact_url(url: &str) -> Cow<'_, str> {
    let Some(scheme_end) = url.find("://") else {
        return Cow::Borrowed(url);
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    if let Ok(parsed) = reqwest::Url::parse(url) {
        if parsed.username().is_empty() && parsed.password().is_none() {
            return Cow::Borrowed(url);
        }
        // The userinfo of a parsed URL ends at the `@` before its host.
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_len].rfind('@') {
            return Cow::Owned(format!("{}***{}", &url[..authority_start], &rest[at..]));
        }
    }
    match rest.rfind('@') {
        Some(at) => Cow::Owned(format!("{}***{}", &url[..authority_start], &rest[at..])),
        None => Cow::Borrowed(url),
    }
}

/// Removes the user name and password from the URL a `reqwest` error carries, so that its
/// `Display` and `Debug` cannot show them.
pub(crate) fn redact_reqwest_error(mut error: reqwest::Error) -> reqwest::Error {
    if let Some(url) = error.url_mut()
        && (!url.username().is_empty() || url.password().is_some())
    {
        let _ = url.set_password(None);
        let _ = url.set_username("***");
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_userinfo() {
        for (url, shown) in [
            ("http://user:SECRET@host:8/p?q#f", "http://***@host:8/p?q#f"),
            ("https://SECRET@host", "https://***@host"),
            ("https://a:b@c@host/x@y", "https://***@host/x@y"),
            ("https://host/path@x", "https://host/path@x"),
            ("https://host", "https://host"),
            ("not a url", "not a url"),
            ("x://u:SECRET@h?a=@b", "x://***@h?a=@b"),
            // A password that breaks the authority: redacted up to the last `@`.
            ("https://user:pa/SECRET@host", "https://***@host"),
            ("https://user:pa#SECRET@host/x", "https://***@host/x"),
            ("https://user:pa?SECRET@host", "https://***@host"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn clones_share_one_value_and_debug_hides_it() {
        let a = Secret::new("pw-SECRET");
        let b = a.clone();
        assert!(a.shares_value_with(&b));
        assert!(!a.shares_value_with(&Secret::new("pw-SECRET")));
        assert_eq!(a, Secret::new("pw-SECRET"));
        assert_ne!(a, Secret::new("pw-SECRET2"));
        assert_ne!(a, Secret::new("pw-SECREt"));
        assert_eq!(format!("{a:?} {b:#?}"), "Secret(***) Secret(***)");
    }

    #[test]
    fn serializes_as_the_plain_value() {
        let s = Secret::new("x\"y");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""x\"y""#);
        let back: Secret = serde_json::from_str(r#""x\"y""#).unwrap();
        assert_eq!(back.expose(), "x\"y");
    }
}
