//! Text at the boundary: what PostgreSQL would refuse (NUL, answered with SQLSTATE 22021 or
//! 22P05) and what no person types (the other C0 controls) is refused where the request is
//! read, once, for every field; what is kept is normalised to NFC, with `\n` line breaks.
//!
//! Where it is applied: JSON bodies (`web::json::Json`), urlencoded forms
//! (`web::csrf::CsrfForm`), paths and query strings (`web::refusals`), CSV lists (per line, by
//! their importers). Invalid UTF-8 is refused by the same readers; a lone surrogate cannot be
//! a Rust `str`, and serde_json refuses a `\uD800` escape without its pair.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The longest value any single field may hold, in characters (each field has its own,
/// smaller limit where it is handled; this one stops what no field would accept).
pub const MAX_CHARS: usize = 100_000;

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// A control character: NUL or another C0 control besides tab, line feed and carriage return.
    Control,
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// Longer than [`MAX_CHARS`].
    TooLong,
}

impl TextError {
    /// The French message shown next to the field or in the problem document.
    pub fn message(self) -> &'static str {
        match self {
            TextError::Control => {
                "Ce texte contient un caractère de contrôle non autorisé (par exemple un caractère nul)."
            }
            TextError::NotUtf8 => "Ce texte n’est pas encodé en UTF-8.",
            TextError::TooLong => "Ce texte est trop long.",
        }
    }
}

/// Whether a character may appear in a text: everything but the C0 controls other than tab,
/// line feed and carriage return.
pub fn allowed(c: char) -> bool {
    c >= ' ' || matches!(c, '\t' | '\n' | '\r')
}

/// Checks a text and returns it in NFC with its line breaks as `\n` (borrowed when it already
/// is, which is the usual case). Browsers send a textarea's line breaks as `\r\n` and count
/// each as one character against `maxlength`: stored as `\n`, they count the same here.
pub fn clean(text: &str) -> Result<Cow<'_, str>, TextError> {
    if !text.chars().all(allowed) {
        return Err(TextError::Control);
    }
    // Bytes bound characters: most texts need no count.
    if text.len() > MAX_CHARS && text.chars().count() > MAX_CHARS {
        return Err(TextError::TooLong);
    }
    Ok(match nfc(text) {
        Cow::Borrowed(text) => unify_line_breaks(text).map_or(Cow::Borrowed(text), Cow::Owned),
        Cow::Owned(text) => Cow::Owned(unify_line_breaks(&text).unwrap_or(text)),
    })
}

/// `\r\n` and a lone `\r` as `\n`; `None` when the text has no `\r`.
fn unify_line_breaks(text: &str) -> Option<String> {
    text.contains('\r')
        .then(|| text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The text in NFC, borrowed when it already is.
pub fn nfc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// Checks bytes that should be a text (a decoded form value, a path segment).
pub fn clean_bytes(bytes: &[u8]) -> Result<Cow<'_, str>, TextError> {
    clean(std::str::from_utf8(bytes).map_err(|_| TextError::NotUtf8)?)
}

/// Checks the raw text of a JSON document for escapes of refused characters (`\u0000`, `\b`,
/// `\f`...): serde_json already refuses them unescaped. Cheap: a scan for backslashes.
pub fn json_escapes_allowed(json: &str) -> bool {
    let bytes = json.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'b' | b'f') => return false,
            Some(b'u') => {
                let code = json.get(i + 2..i + 6).and_then(|hex| u32::from_str_radix(hex, 16).ok());
                if code.and_then(char::from_u32).is_some_and(|c| !allowed(c)) {
                    return false;
                }
                i += 6;
            }
            _ => i += 2,
        }
    }
    true
}

/// The JSON pointer (RFC 6901) of the first string (value or key) a validator refuses.
pub fn find_refused(value: &serde_json::Value) -> Option<(String, TextError)> {
    use serde_json::Value;
    fn escape(token: &str) -> String {
        token.replace('~', "~0").replace('/', "~1")
    }
    match value {
        Value::String(s) => clean(s).err().map(|e| (String::new(), e)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_refused(item).map(|(pointer, e)| (format!("/{i}{pointer}"), e))),
        Value::Object(map) => map.iter().find_map(|(key, item)| match clean(key) {
            Err(e) => Some((format!("/{}", escape(key)), e)),
            Ok(_) => find_refused(item).map(|(pointer, e)| (format!("/{}{pointer}", escape(key)), e)),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Refused exactly when a refused control is present; otherwise NFC and idempotent.
        #[test]
        fn clean_refuses_controls_and_normalises(text in "\\PC{0,40}[\\x00-\\x1f]?\\PC{0,40}") {
            let has_control = text.chars().any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'));
            match clean(&text) {
                Err(e) => {
                    prop_assert!(has_control);
                    prop_assert_eq!(e, TextError::Control);
                }
                Ok(cleaned) => {
                    prop_assert!(!has_control);
                    prop_assert!(unicode_normalization::is_nfc(&cleaned));
                    let nfc: String = text.nfc().collect();
                    let nfc = nfc.replace("\r\n", "\n").replace('\r', "\n");
                    prop_assert_eq!(cleaned.as_ref(), nfc.as_str());
                    prop_assert!(!cleaned.contains('\r'));
                    let again = clean(&cleaned).unwrap();
                    prop_assert_eq!(again.as_ref(), cleaned.as_ref());
                }
            }
        }

        /// The raw JSON scan agrees with a check of the decoded strings.
        #[test]
        fn json_scan_agrees_with_the_decoded_value(text in "\\PC{0,20}[\\x00-\\x1f]?\\PC{0,20}") {
            let json = serde_json::to_string(&serde_json::json!({ "f": [text.clone()] })).unwrap();
            let decoded: serde_json::Value = serde_json::from_str(&json).unwrap();
            let refused = find_refused(&decoded);
            prop_assert_eq!(json_escapes_allowed(&json), refused.is_none());
            if let Some((pointer, _)) = refused {
                prop_assert_eq!(pointer, "/f/0");
            }
        }
    }

    #[test]
    fn examples() {
        assert_eq!(clean("a\u{0}b"), Err(TextError::Control));
        assert_eq!(
            clean("ligne\r\nsuivante\tfin\rdernière").unwrap(),
            "ligne\nsuivante\tfin\ndernière"
        );
        assert!(matches!(clean("ligne\nsuivante").unwrap(), Cow::Borrowed(_)));
        let composed = clean("e\u{301}t\u{e9}").unwrap();
        assert!(matches!(&composed, Cow::Owned(s) if s == "\u{e9}t\u{e9}"));
        assert!(matches!(clean("déjà").unwrap(), Cow::Borrowed(_)));
        assert_eq!(clean_bytes(b"\xed\xa0\x80"), Err(TextError::NotUtf8));
        assert_eq!(clean(&"a".repeat(MAX_CHARS + 1)), Err(TextError::TooLong));
        assert!(!json_escapes_allowed(r#"{"t":"a\u0000"}"#));
        assert!(!json_escapes_allowed(r#"{"t":"a\f"}"#));
        assert!(json_escapes_allowed(r#"{"t":"a\\u0000\n\u00e9"}"#));
        let value = serde_json::json!({"answers": {"q/1": ["ok", "x\u{1}"]}});
        assert_eq!(
            find_refused(&value),
            Some(("/answers/q~11/1".into(), TextError::Control))
        );
    }
}
