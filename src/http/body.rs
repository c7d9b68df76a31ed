//! Request bodies: JSON objects and URL-encoded forms become [`Fields`].
//!
//! No endpoint takes more than a handful of fields, so a body may carry at
//! most [`MAX_FIELDS`]. The count is checked while the body is read, before
//! any field is decoded past the limit, so a 64 KiB body packed with names
//! costs no more than one with a few.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::fields::{FieldErrors, FieldValue, Fields};

/// The most fields a JSON object or form body may carry.
pub const MAX_FIELDS: usize = 32;

/// Why a body could not be read as fields.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyError {
    /// Not JSON; the text is serde's description of where it broke.
    Json(String),
    /// Valid JSON but not an object; names what it was (DRF's wording).
    NotAnObject(&'static str),
    /// A form body with bad percent-encoding or invalid UTF-8.
    Form(&'static str),
    /// A content type we do not read, as the client sent it.
    UnsupportedMediaType(String),
    /// A field given twice.
    Duplicate(FieldErrors),
    /// More than [`MAX_FIELDS`] fields.
    TooManyFields,
    /// The connection failed or timed out while the body was being read.
    Unreadable(String),
}

/// Parses `body` according to `content_type` (the header, if any).
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Fields, BodyError> {
    let media_type = content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    let pairs = match media_type.as_deref() {
        // As DRF: an empty body is no data, whatever its declared type.
        _ if body.is_empty() => Vec::new(),
        Some("application/json") => parse_json(body)?,
        Some("application/x-www-form-urlencoded") => parse_form(body)?,
        _ => {
            return Err(BodyError::UnsupportedMediaType(
                content_type.unwrap_or("").to_string(),
            ));
        }
    };
    Fields::from_pairs(pairs).map_err(BodyError::Duplicate)
}

fn parse_json(body: &[u8]) -> Result<Vec<(String, FieldValue)>, BodyError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let top = de
        .deserialize_any(TopLevel)
        .map_err(|e| BodyError::Json(e.to_string()))?;
    de.end().map_err(|e| BodyError::Json(e.to_string()))?;
    match top {
        Top::Object(pairs) => Ok(pairs),
        Top::TooManyFields => Err(BodyError::TooManyFields),
        Top::Other(kind) => Err(BodyError::NotAnObject(kind)),
    }
}

enum Top {
    Object(Vec<(String, FieldValue)>),
    /// An object with more than [`MAX_FIELDS`] keys; none past the limit kept.
    TooManyFields,
    Other(&'static str),
}

/// Reads the top level of a JSON body, keeping every key of an object in
/// order (duplicates included, to refuse them) and only the kind of anything
/// else. Values are not kept beyond whether they are strings.
struct TopLevel;

impl<'de> Visitor<'de> for TopLevel {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if pairs.len() == MAX_FIELDS {
                // Read the rest without keeping it: the parser must still
                // reach the end of the object, but nothing more is built.
                map.next_value::<IgnoredAny>()?;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Top::TooManyFields);
            }
            let value = map.next_value::<Value>()?.0;
            pairs.push((key, value));
        }
        Ok(Top::Object(pairs))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Top::Other("list"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Other("str"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Other("bool"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Other("int"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Other("int"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Other("float"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
        Ok(Top::Other("NoneType"))
    }
}

/// One field value: a string is kept, anything else only classified.
struct Value(FieldValue);

impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
                Ok(Value(FieldValue::Text(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
                Ok(Value(FieldValue::Text(s)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value(FieldValue::Null))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
                Ok(Value(FieldValue::NotText))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value, E> {
                Ok(Value(FieldValue::NotText))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Value, E> {
                Ok(Value(FieldValue::NotText))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
                Ok(Value(FieldValue::NotText))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Value(FieldValue::NotText))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Value(FieldValue::NotText))
            }
        }
        d.deserialize_any(V)
    }
}

/// `application/x-www-form-urlencoded`, strictly: a `%` must start a valid
/// escape and the decoded bytes must be UTF-8. Empty pairs (`a=1&&b=2`) are
/// not fields.
fn parse_form(body: &[u8]) -> Result<Vec<(String, FieldValue)>, BodyError> {
    let raw_pairs = body.split(|&b| b == b'&').filter(|pair| !pair.is_empty());
    if raw_pairs.clone().nth(MAX_FIELDS).is_some() {
        return Err(BodyError::TooManyFields);
    }
    raw_pairs
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            Ok((
                decode_component(name)?,
                FieldValue::Text(decode_component(value)?),
            ))
        })
        .collect()
}

/// Percent-decodes one form component (`+` is a space).
pub fn decode_component(raw: &[u8]) -> Result<String, BodyError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw
                    .get(i + 1..i + 3)
                    .ok_or(BodyError::Form("truncated percent-escape"))?;
                let byte = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(BodyError::Form("invalid percent-escape"))?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| BodyError::Form("invalid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::fields::NOT_A_STRING;

    fn text(fields: &Fields, name: &str) -> Option<String> {
        fields.text(name).ok().map(str::to_string)
    }

    #[test]
    fn json_objects_become_fields() {
        let f = parse(
            Some("application/json; charset=utf-8"),
            br#"{"email": "a@b.co", "n": 1}"#,
        )
        .unwrap();
        assert_eq!(text(&f, "email").as_deref(), Some("a@b.co"));
        assert_eq!(f.text("n"), Err(FieldErrors::single("n", NOT_A_STRING)));
    }

    #[test]
    fn forms_decode_plus_and_percent() {
        let f = parse(
            Some("application/x-www-form-urlencoded"),
            b"email=a%2Bb%40c.co&password=two+words&flag",
        )
        .unwrap();
        assert_eq!(text(&f, "email").as_deref(), Some("a+b@c.co"));
        assert_eq!(text(&f, "password").as_deref(), Some("two words"));
        assert_eq!(text(&f, "flag").as_deref(), Some(""));
    }

    #[test]
    fn bad_percent_encoding_and_invalid_utf8_are_refused() {
        for body in [&b"a=%zz"[..], b"a=%4", b"a=%ff%fe", b"a=\xff"] {
            assert!(
                matches!(
                    parse(Some("application/x-www-form-urlencoded"), body),
                    Err(BodyError::Form(_))
                ),
                "{body:?}"
            );
        }
    }

    #[test]
    fn duplicates_are_refused_in_both_encodings() {
        assert!(matches!(
            parse(Some("application/json"), br#"{"a":"1","a":"2"}"#),
            Err(BodyError::Duplicate(_))
        ));
        assert!(matches!(
            parse(Some("application/x-www-form-urlencoded"), b"a=1&a=2"),
            Err(BodyError::Duplicate(_))
        ));
    }

    fn form_of(count: usize) -> String {
        (0..count)
            .map(|i| format!("f{i}=v"))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn json_of(count: usize) -> String {
        let pairs: Vec<String> = (0..count).map(|i| format!("\"f{i}\":\"v\"")).collect();
        format!("{{{}}}", pairs.join(","))
    }

    #[test]
    fn a_body_may_carry_at_most_max_fields() {
        let form = Some("application/x-www-form-urlencoded");
        let json = Some("application/json");
        assert!(parse(form, form_of(MAX_FIELDS).as_bytes()).is_ok());
        assert_eq!(
            parse(form, form_of(MAX_FIELDS + 1).as_bytes()),
            Err(BodyError::TooManyFields)
        );
        assert!(parse(json, json_of(MAX_FIELDS).as_bytes()).is_ok());
        assert_eq!(
            parse(json, json_of(MAX_FIELDS + 1).as_bytes()),
            Err(BodyError::TooManyFields)
        );
    }

    #[test]
    fn the_field_limit_comes_before_duplicates_and_bad_escapes_past_it() {
        let form = Some("application/x-www-form-urlencoded");
        let body = format!("{}&a=%zz&a=1", form_of(MAX_FIELDS));
        assert_eq!(parse(form, body.as_bytes()), Err(BodyError::TooManyFields));
    }

    #[test]
    fn a_json_object_over_the_limit_must_still_be_valid_json() {
        let over = json_of(MAX_FIELDS + 1);
        let broken = format!("{},}}", &over[..over.len() - 1]);
        assert!(matches!(
            parse(Some("application/json"), broken.as_bytes()),
            Err(BodyError::Json(_))
        ));
    }

    #[test]
    fn non_objects_and_broken_json_are_refused() {
        assert_eq!(
            parse(Some("application/json"), b"[1,2]"),
            Err(BodyError::NotAnObject("list"))
        );
        assert!(matches!(
            parse(Some("application/json"), b"{\"a\":"),
            Err(BodyError::Json(_))
        ));
        assert!(matches!(
            parse(Some("application/json"), b"{} {}"),
            Err(BodyError::Json(_))
        ));
    }

    #[test]
    fn deep_nesting_is_read_without_recursion_and_refused() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            parse(Some("application/json"), deep.as_bytes()),
            Err(BodyError::NotAnObject("list"))
        );
        let deep_value = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let fields = parse(Some("application/json"), deep_value.as_bytes()).unwrap();
        assert!(
            fields.text("a") == Err(FieldErrors::single("a", NOT_A_STRING)),
            "a nested value is not a string"
        );
    }

    #[test]
    fn an_empty_body_is_no_fields_but_other_types_are_unsupported() {
        assert_eq!(parse(None, b""), Ok(Fields::default()));
        assert_eq!(parse(Some("text/plain"), b""), Ok(Fields::default()));
        assert_eq!(parse(Some("application/json"), b""), Ok(Fields::default()));
        assert_eq!(
            parse(Some("text/plain"), b"hi"),
            Err(BodyError::UnsupportedMediaType("text/plain".into()))
        );
        assert_eq!(
            parse(None, b"hi"),
            Err(BodyError::UnsupportedMediaType("".into()))
        );
    }
}
