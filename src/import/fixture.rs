//! Reading a `manage.py dumpdata` JSON fixture (`--json PATH`), streaming:
//! the top-level array is visited one entry at a time, so a fixture of any
//! size is read in constant memory.
//!
//! An entry is `{"model": "accounts.user", "pk": 7, "fields": {...}}`. User
//! entries are recognised by their `password` and `email` fields (any user
//! model: `auth.user` or a custom one); `account.emailaddress` (allauth)
//! and SimpleJWT's `token_blacklist.*` entries are staged beside them;
//! every other model is skipped. Which user model to import is decided
//! once the whole fixture is read.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use super::row::{SourceUser, Value};
use super::staging::Staging;
use super::{ImportError, Options, SourceRead};

/// One entry of the fixture.
#[derive(Deserialize)]
struct Entry {
    model: String,
    #[serde(default)]
    pk: Json,
    #[serde(default)]
    fields: Map<String, Json>,
}

/// Per user model: rows seen, and rows that carried the confirmation flag.
#[derive(Default)]
struct ModelCounts {
    rows: u64,
    with_confirmed: u64,
}

/// Stages every entry the import uses from the fixture in `reader`.
pub fn read(
    name: &str,
    reader: impl Read,
    options: &Options,
    staging: &mut Staging,
) -> Result<SourceRead, ImportError> {
    let mut reading = Reading {
        staging,
        confirmed: options.confirmed_column(),
        models: BTreeMap::new(),
        position: 0,
        failure: None,
    };
    let mut deserializer =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let parsed = Entries(&mut reading)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    if let Some(failure) = reading.failure.take() {
        return Err(failure);
    }
    parsed.map_err(|e| ImportError::source(name, format!("not a dumpdata fixture: {e}")))?;
    choose_model(name, options, &reading.models)
}

/// The state of one pass over the fixture.
struct Reading<'a> {
    staging: &'a mut Staging,
    confirmed: &'a str,
    models: BTreeMap<String, ModelCounts>,
    position: u64,
    /// A staging failure, kept aside: serde's error type carries only text.
    failure: Option<ImportError>,
}

impl Reading<'_> {
    fn entry(&mut self, entry: Entry) -> Result<(), ImportError> {
        let fields = &entry.fields;
        let field = |name: &str| fields.get(name).map_or(Value::Missing, Value::from_json);
        let id = |value: Option<&Json>| value.and_then(Json::as_i64);
        match entry.model.as_str() {
            _ if fields.contains_key("password") && fields.contains_key("email") => {
                self.position += 1;
                let counts = self.models.entry(entry.model.clone()).or_default();
                counts.rows += 1;
                counts.with_confirmed += u64::from(fields.contains_key(self.confirmed));
                let user = SourceUser {
                    id: Value::from_json(&entry.pk),
                    email: field("email"),
                    username: field("username"),
                    password: field("password"),
                    is_active: field("is_active"),
                    date_joined: field("date_joined"),
                    last_login: field("last_login"),
                    confirmed: field(self.confirmed),
                    ..SourceUser::at(self.position)
                };
                self.staging.add_user(&entry.model, &user)
            }
            "account.emailaddress" => match (id(fields.get("user")), fields.get("email")) {
                (Some(user), Some(Json::String(email)))
                    if fields.get("verified") == Some(&Json::Bool(true)) =>
                {
                    self.staging.add_verified(user, email)
                }
                _ => Ok(()),
            },
            "token_blacklist.outstandingtoken" => match (entry.pk.as_i64(), fields.get("jti")) {
                (Some(pk), Some(Json::String(jti))) => self.staging.add_outstanding(
                    pk,
                    id(fields.get("user")),
                    jti,
                    &field("expires_at"),
                ),
                _ => Ok(()),
            },
            "token_blacklist.blacklistedtoken" => match id(fields.get("token")) {
                Some(token) => self.staging.add_blacklisted(token),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// The top-level array, visited entry by entry.
struct Entries<'r, 'a>(&'r mut Reading<'a>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of {\"model\", \"pk\", \"fields\"} objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Entry>()? {
            if let Err(e) = self.0.entry(entry) {
                self.0.failure = Some(e);
                return Err(de::Error::custom("the staging file failed"));
            }
        }
        Ok(())
    }
}

/// The model `--table` names (`accounts.user` or `accounts_user`), or the
/// only user model in the fixture.
fn choose_model(
    name: &str,
    options: &Options,
    models: &BTreeMap<String, ModelCounts>,
) -> Result<SourceRead, ImportError> {
    let source = |problem: String| ImportError::source(name, problem);
    let chosen = match &options.table {
        Some(wanted) => {
            let as_label = |m: &str| {
                m.replace('.', "_")
                    .eq_ignore_ascii_case(&wanted.replace('.', "_"))
            };
            models
                .keys()
                .find(|m| as_label(m))
                .ok_or_else(|| source(format!("no user entries of the model {wanted}")))?
        }
        None => match models.keys().collect::<Vec<_>>().as_slice() {
            [model] => *model,
            [] => {
                return Err(source(
                    "no user entries found (entries of a model such as accounts.user or auth.user, \
                     with password and email fields)"
                        .into(),
                ));
            }
            several => {
                let names: Vec<&str> = several.iter().map(|m| m.as_str()).collect();
                return Err(source(format!(
                    "several user models ({}); name one with --table",
                    names.join(", ")
                )));
            }
        },
    };
    let counts = &models[chosen];
    let mut notes = Vec::new();
    if counts.with_confirmed == 0 {
        if options.confirmed_column.is_some() {
            return Err(source(format!(
                "the {chosen} entries have no field {}",
                options.confirmed_column()
            )));
        }
        notes.push(format!(
            "the {chosen} entries have no field {}: addresses are confirmed only by --all-confirmed or django-allauth",
            options.confirmed_column()
        ));
    }
    Ok(SourceRead {
        model: chosen.clone(),
        notes,
    })
}
