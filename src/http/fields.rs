//! Request fields, whatever the body's encoding, and DRF-style field errors.

use std::collections::HashSet;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// One field's value as sent.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    Null,
    /// A number, boolean, list or object: never accepted where text belongs.
    NotText,
}

/// The fields of a JSON object or form body, each name at most once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(Vec<(String, FieldValue)>);

pub const REQUIRED: &str = "This field is required.";
pub const NOT_A_STRING: &str = "Not a valid string.";
pub const NOT_NULL: &str = "This field may not be null.";
pub const DUPLICATE: &str = "This field was given more than once.";

impl Fields {
    /// Builds the fields, refusing a name given twice (ambiguous input is a
    /// classic way to slip one value past a check and another into storage).
    /// Linear in the number of pairs: each name is looked up in a set, not
    /// compared with every earlier one.
    pub fn from_pairs(pairs: Vec<(String, FieldValue)>) -> Result<Fields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut seen = HashSet::with_capacity(pairs.len());
        let mut reported = HashSet::new();
        for (name, _) in &pairs {
            if !seen.insert(name.as_str()) && reported.insert(name.as_str()) {
                errors.add(name, DUPLICATE);
            }
        }
        if errors.is_empty() {
            Ok(Fields(pairs))
        } else {
            Err(errors)
        }
    }

    fn get(&self, name: &str) -> Option<&FieldValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Whether the field was sent at all.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A text field that may be absent; `null` or a non-text value is an
    /// error under `name`.
    pub fn optional_text(&self, name: &str) -> Result<Option<&str>, FieldErrors> {
        match self.get(name) {
            None => Ok(None),
            Some(FieldValue::Text(s)) => Ok(Some(s)),
            Some(FieldValue::Null) => Err(FieldErrors::single(name, NOT_NULL)),
            Some(FieldValue::NotText) => Err(FieldErrors::single(name, NOT_A_STRING)),
        }
    }

    /// A text field where `null` means none, as absence does (a value the
    /// API answers as `null` and clients send back).
    pub fn nullable_text(&self, name: &str) -> Result<Option<&str>, FieldErrors> {
        match self.get(name) {
            None | Some(FieldValue::Null) => Ok(None),
            Some(FieldValue::Text(s)) => Ok(Some(s)),
            Some(FieldValue::NotText) => Err(FieldErrors::single(name, NOT_A_STRING)),
        }
    }

    /// The names sent that are not among `accepted`, in the order sent.
    pub fn others<'f>(&'f self, accepted: &'f [&str]) -> impl Iterator<Item = &'f str> {
        self.0
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !accepted.contains(name))
    }

    /// A text field that must be present.
    pub fn text(&self, name: &str) -> Result<&str, FieldErrors> {
        self.optional_text(name)?
            .ok_or_else(|| FieldErrors::single(name, REQUIRED))
    }

    /// The first present of several accepted names (`oldPassword` or
    /// `old_password`); errors go under `report_as`.
    pub fn text_of_any(&self, names: &[&str], report_as: &str) -> Result<&str, FieldErrors> {
        match names.iter().find(|n| self.has(n)) {
            Some(name) => self.text(name).map_err(|e| e.under(report_as)),
            None => Err(FieldErrors::single(report_as, REQUIRED)),
        }
    }
}

/// The fields of a request checked together: every value if all parsed,
/// else every field's errors at once, in field order (as DRF reports them).
pub trait AllFields {
    type Values;
    fn all(self) -> Result<Self::Values, FieldErrors>;
}

macro_rules! all_fields {
    ($($value:ident: $t:ident),+) => {
        impl<$($t),+> AllFields for ($(Result<$t, FieldErrors>,)+) {
            type Values = ($($t,)+);

            fn all(self) -> Result<Self::Values, FieldErrors> {
                let ($($value,)+) = self;
                let mut errors = FieldErrors::default();
                $(let $value = $value.map_err(|e| errors.merge(e)).ok();)+
                match ($($value,)+) {
                    ($(Some($value),)+) => Ok(($($value,)+)),
                    _ => Err(errors),
                }
            }
        }
    };
}

all_fields!(a: A, b: B);
all_fields!(a: A, b: B, c: C);
all_fields!(a: A, b: B, c: C, d: D);

/// `{"field": ["message", ...]}` in the order the fields were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, Vec<String>)>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let message = message.into();
        match self.0.iter_mut().find(|(f, _)| f == field) {
            Some((_, messages)) => messages.push(message),
            None => self.0.push((field.to_string(), vec![message])),
        }
    }

    pub fn add_all<S: Into<String>>(&mut self, field: &str, messages: impl IntoIterator<Item = S>) {
        for m in messages {
            self.add(field, m);
        }
    }

    pub fn single(field: &str, message: impl Into<String>) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add(field, message);
        e
    }

    /// Every message under one field.
    pub fn many<S: Into<String>>(
        field: &str,
        messages: impl IntoIterator<Item = S>,
    ) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add_all(field, messages);
        e
    }

    /// Adds another set of errors after these.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.add_all(&field, messages);
        }
    }

    /// The same messages, all under `field`.
    fn under(self, field: &str) -> FieldErrors {
        FieldErrors::many(field, self.0.into_iter().flat_map(|(_, m)| m))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the errors.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, messages) in &self.0 {
            map.serialize_entry(field, messages)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    #[test]
    fn duplicate_names_are_refused() {
        let err =
            Fields::from_pairs(vec![("a".into(), text("1")), ("a".into(), text("2"))]).unwrap_err();
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            r#"{"a":["This field was given more than once."]}"#
        );
    }

    #[test]
    fn a_name_given_three_times_is_reported_once_in_first_seen_order() {
        let err = Fields::from_pairs(vec![
            ("b".into(), text("1")),
            ("a".into(), text("1")),
            ("b".into(), text("2")),
            ("a".into(), text("2")),
            ("b".into(), text("3")),
        ])
        .unwrap_err();
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            r#"{"b":["This field was given more than once."],"a":["This field was given more than once."]}"#
        );
    }

    #[test]
    fn required_and_type_errors_go_under_the_field() {
        let fields = Fields::from_pairs(vec![
            ("n".into(), FieldValue::NotText),
            ("z".into(), FieldValue::Null),
        ])
        .unwrap();
        let errors = (fields.text("missing"), fields.text("n"), fields.text("z"))
            .all()
            .unwrap_err();
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"{"missing":["This field is required."],"n":["Not a valid string."],"z":["This field may not be null."]}"#
        );
        assert_eq!(fields.optional_text("missing"), Ok(None));
    }

    #[test]
    fn null_is_no_value_where_null_is_allowed() {
        let fields = Fields::from_pairs(vec![
            ("n".into(), FieldValue::Null),
            ("t".into(), text("x")),
            ("o".into(), FieldValue::NotText),
        ])
        .unwrap();
        assert_eq!(fields.nullable_text("n"), Ok(None));
        assert_eq!(fields.nullable_text("missing"), Ok(None));
        assert_eq!(fields.nullable_text("t"), Ok(Some("x")));
        assert_eq!(
            fields.nullable_text("o"),
            Err(FieldErrors::single("o", NOT_A_STRING))
        );
    }

    #[test]
    fn others_are_the_names_not_accepted_in_the_order_sent() {
        let fields = Fields::from_pairs(vec![
            ("b".into(), text("1")),
            ("keep".into(), text("2")),
            ("a".into(), FieldValue::Null),
        ])
        .unwrap();
        assert_eq!(fields.others(&["keep"]).collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn all_fields_give_their_values_when_every_one_parsed() {
        let fields =
            Fields::from_pairs(vec![("a".into(), text("1")), ("b".into(), text("2"))]).unwrap();
        assert_eq!((fields.text("a"), fields.text("b")).all(), Ok(("1", "2")));
    }

    #[test]
    fn alternative_names_report_under_one_key() {
        let fields = Fields::from_pairs(vec![
            ("old_password".into(), text("x")),
            ("new_password".into(), FieldValue::Null),
        ])
        .unwrap();
        assert_eq!(
            fields.text_of_any(&["oldPassword", "old_password"], "old"),
            Ok("x")
        );
        let errors = (
            fields.text_of_any(&["newPassword", "new_password"], "new"),
            fields.text_of_any(&["otherPassword"], "other"),
        )
            .all()
            .unwrap_err();
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"{"new":["This field may not be null."],"other":["This field is required."]}"#
        );
    }
}
