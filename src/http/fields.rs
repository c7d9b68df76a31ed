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

    /// A text field that may be absent; a non-text value is recorded as an
    /// error under `name`.
    pub fn optional(&self, name: &str, errors: &mut FieldErrors) -> Option<&str> {
        match self.get(name)? {
            FieldValue::Text(s) => Some(s),
            FieldValue::Null => {
                errors.add(name, NOT_NULL);
                None
            }
            FieldValue::NotText => {
                errors.add(name, NOT_A_STRING);
                None
            }
        }
    }

    /// A text field that must be present.
    pub fn required(&self, name: &str, errors: &mut FieldErrors) -> Option<&str> {
        if !self.has(name) {
            errors.add(name, REQUIRED);
        }
        self.optional(name, errors)
    }

    /// The first present of several accepted names (`oldPassword` or
    /// `old_password`); errors go under `report_as`.
    pub fn required_any(
        &self,
        names: &[&str],
        report_as: &str,
        errors: &mut FieldErrors,
    ) -> Option<&str> {
        match names.iter().find(|n| self.has(n)) {
            Some(name) => {
                let mut own = FieldErrors::default();
                let value = self.optional(name, &mut own);
                for (_, messages) in own.0 {
                    for m in messages {
                        errors.add(report_as, m);
                    }
                }
                value
            }
            None => {
                errors.add(report_as, REQUIRED);
                None
            }
        }
    }
}

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

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
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
        let mut errors = FieldErrors::default();
        assert_eq!(fields.required("missing", &mut errors), None);
        assert_eq!(fields.required("n", &mut errors), None);
        assert_eq!(fields.required("z", &mut errors), None);
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"{"missing":["This field is required."],"n":["Not a valid string."],"z":["This field may not be null."]}"#
        );
    }

    #[test]
    fn alternative_names_report_under_one_key() {
        let fields = Fields::from_pairs(vec![("old_password".into(), text("x"))]).unwrap();
        let mut errors = FieldErrors::default();
        assert_eq!(
            fields.required_any(&["oldPassword", "old_password"], "old", &mut errors),
            Some("x")
        );
        assert_eq!(
            fields.required_any(&["newPassword", "new_password"], "new", &mut errors),
            None
        );
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"{"new":["This field is required."]}"#
        );
    }
}
