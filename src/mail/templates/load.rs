//! Loading and checking the templates: the built-in ones, then the
//! operator's directory (`ACCOUNTS_MAIL_TEMPLATES`): files at its top for
//! the default locale, and a subdirectory per locale (`de/`, `pt-BR/`).
//! Each template must parse, name only the variables declared for it, and
//! render with sample values; the first that does not stops start-up with
//! one line naming the file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};

use super::Source;
use super::builtin::BUILTIN;
use crate::domain::locale::Locale;
use crate::mail::kinds::{COMMON_VARIABLES, template_files};

/// Names MiniJinja itself defines, which a template may call.
const GLOBALS: &[&str] = &[
    "range",
    "dict",
    "namespace",
    "debug",
    "loop",
    "self",
    "super",
];

/// A template that cannot be used; the service does not start with it.
#[derive(Debug)]
pub struct TemplateError {
    /// The file (or `built-in en/...`).
    pub file: String,
    /// What is wrong with it, on one line.
    pub reason: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ACCOUNTS_MAIL_TEMPLATES: {}: {}", self.file, self.reason)
    }
}

impl std::error::Error for TemplateError {}

/// The name a template is registered under. It ends with the file name,
/// so MiniJinja escapes values in `.html` templates and not in `.txt`.
pub(super) fn name(source: Source, locale: &str, file: &str) -> String {
    let source = match source {
        Source::Builtin => "builtin",
        Source::Operator => "operator",
    };
    format!("{source}:{locale}/{file}")
}

/// Every template, checked.
pub(super) fn environment(dir: Option<&Path>) -> Result<Environment<'static>, TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(formatter);
    for (locale, file, source) in BUILTIN {
        add(
            &mut env,
            name(Source::Builtin, locale, file),
            file,
            source.to_string(),
            || format!("built-in {locale}/{file}"),
        )?;
    }
    if let Some(dir) = dir {
        add_directory(&mut env, dir)?;
    }
    Ok(env)
}

/// The operator's templates: files at the top, and one level of locale
/// subdirectories. Other files and directories are ignored with a warning.
fn add_directory(env: &mut Environment<'static>, dir: &Path) -> Result<(), TemplateError> {
    for path in sorted_entries(dir)? {
        let entry_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            match Locale::parse(entry_name) {
                Some(locale) => {
                    for file in sorted_entries(&path)? {
                        add_file(env, &file, locale.as_str())?;
                    }
                }
                None => log::warn!(
                    "{}: not a language tag (such as de or pt-BR); ignored",
                    path.display()
                ),
            }
        } else {
            add_file(env, &path, "")?;
        }
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, TemplateError> {
    let entries = std::fs::read_dir(dir).map_err(|e| TemplateError {
        file: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    Ok(paths)
}

/// One operator file under `locale` (`""`: the top of the directory).
fn add_file(
    env: &mut Environment<'static>,
    path: &Path,
    locale: &str,
) -> Result<(), TemplateError> {
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !template_files().any(|(known, _)| known == file) {
        log::warn!(
            "{}: not a template this version uses; ignored",
            path.display()
        );
        return Ok(());
    }
    let source = std::fs::read_to_string(path).map_err(|e| TemplateError {
        file: path.display().to_string(),
        reason: e.to_string(),
    })?;
    add(
        env,
        name(Source::Operator, locale, file),
        file,
        source,
        || path.display().to_string(),
    )
}

/// Parses, checks and sample-renders one template, then keeps it.
fn add(
    env: &mut Environment<'static>,
    name: String,
    file: &str,
    source: String,
    shown: impl Fn() -> String,
) -> Result<(), TemplateError> {
    let error = |reason: String| TemplateError {
        file: shown(),
        reason: one_line(&reason),
    };
    let declared = template_files()
        .find(|(known, _)| known == file)
        .map_or(&[][..], |(_, variables)| variables);
    env.add_template_owned(name.clone(), source)
        .map_err(|e| error(describe(&e)))?;
    let template = env.get_template(&name).map_err(|e| error(describe(&e)))?;
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| {
            !COMMON_VARIABLES.contains(&v.as_str())
                && !declared.contains(&v.as_str())
                && !GLOBALS.contains(&v.as_str())
        })
        .collect();
    unknown.sort();
    if let Some(variable) = unknown.first() {
        let mut known: Vec<&str> = COMMON_VARIABLES.iter().chain(declared).copied().collect();
        known.sort();
        return Err(error(format!(
            "unknown variable `{variable}` (this template knows: {})",
            known.join(", ")
        )));
    }
    template
        .render(sample_context())
        .map_err(|e| error(describe(&e)))?;
    Ok(())
}

/// MiniJinja's formatter, except that text in HTML escapes only what HTML
/// needs (`& < > " '`) and leaves `/` alone, so a link reads the same in
/// the HTML's source as in the text part.
fn formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() => out
            .write_str(&escape_html(text))
            .map_err(|e| minijinja::Error::new(ErrorKind::WriteFailure, e.to_string())),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A value for every variable any template may use, to render each once.
fn sample_context() -> Value {
    let mut context = BTreeMap::new();
    let text = |s: &str| Value::from(s);
    for (name, value) in [
        ("product_name", text("Chat")),
        ("app_url", text("https://chat.example")),
        ("email", text("alice@example.com")),
        ("username", text("alice")),
        ("locale", text("en")),
        (
            "link",
            text("https://accounts.example/api/confirm-email/0123/"),
        ),
        ("code", text("ABCD-EFGH")),
        ("valid_for", text("1 hour")),
        ("changed_at", text("2026-01-01 12:00 UTC")),
        (
            "new_email_masked",
            text("n\u{2022}\u{2022}\u{2022}@example.net"),
        ),
        ("already_confirmed", Value::from(false)),
        ("page_style", text(super::PAGE_STYLE)),
        ("action", text("/api/password-reset/0123/")),
        (
            "errors",
            Value::from(vec![Value::from("This password is too common.")]),
        ),
        ("min_length", Value::from(8)),
    ] {
        context.insert(name.to_string(), value);
    }
    Value::from(context)
}

/// A MiniJinja error as one sentence with its line.
fn describe(e: &minijinja::Error) -> String {
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    match e.line() {
        Some(line) => format!("line {line}: {}{detail}", e.kind()),
        None => format!("{}{detail}", e.kind()),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
