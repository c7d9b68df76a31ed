//! Rendering the mails and the pages from templates: the built-in ones,
//! which an operator may replace file by file in `ACCOUNTS_MAIL_TEMPLATES`,
//! per locale.
//!
//! The engine is MiniJinja (Jinja2 syntax): `.html` templates escape every
//! value, `.txt` templates do not, and a variable that is not declared for
//! the template (in [`kinds`](super::kinds)) stops start-up. Every template
//! is checked, and rendered once with sample values, when the service
//! starts, so a broken one is found by the operator, not by a user.
//!
//! Lookup, for a file and a user's locale (`pt-BR`): the operator's
//! `pt-BR/` then the built-in `pt-BR/`, the same for `pt`, then for the
//! default locale (whose operator files may also sit at the top of the
//! directory), and last the built-in English.

mod builtin;
mod load;

use std::collections::BTreeMap;

use minijinja::{Environment, Value};

use super::kinds::{MailKind, Page};
use crate::config::MailConfig;
use crate::domain::locale::Locale;
use crate::domain::mail::{Mail, format_utc, human_duration};
pub use load::TemplateError;

/// The style sheet of the built-in pages (`page_style`); the pages'
/// Content-Security-Policy allows each style sheet a page holds by its hash.
pub const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;\
padding:0 1rem;color:#222;line-height:1.5}h1{font-size:1.4rem}.product{color:#555;font-weight:bold;\
margin:0}input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box;margin:.5rem 0}\
button,.button{display:inline-block;font-size:1rem;padding:.5rem 1rem;background:#2563eb;\
color:#fff;border:0;border-radius:.3rem;text-decoration:none}.error{color:#a00}.rules{color:#555;\
font-size:.9rem;margin:.25rem 0}";

/// Where a template comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Builtin,
    Operator,
}

/// The loaded templates and what every rendering needs.
pub struct Templates {
    env: Environment<'static>,
    default_locale: Locale,
    product_name: String,
    app_url: Option<String>,
}

/// Who a mail is for, or whose page is shown.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub email: &'a str,
    pub username: Option<&'a str>,
    /// `None`: the default locale.
    pub locale: Option<&'a Locale>,
}

/// What a mail says beyond its recipient (only what its kind declares is
/// used).
#[derive(Debug, Clone, Default)]
pub struct MailValues {
    pub link: Option<String>,
    /// Shown grouped (`ABCD-EFGH`).
    pub code: Option<String>,
    pub valid_for_secs: Option<u64>,
    pub changed_at: Option<u64>,
    /// The address an account moved to, masked (`n•••@example.net`).
    pub new_email_masked: Option<String>,
}

impl Templates {
    /// The built-in templates and the operator's, all checked; the error
    /// names the first file that does not parse, uses an unknown variable
    /// or fails to render.
    pub fn load(config: &MailConfig) -> Result<Templates, TemplateError> {
        let env = load::environment(config.templates.as_deref())?;
        Ok(Templates {
            env,
            default_locale: config.default_locale.clone(),
            product_name: config.product_name.clone(),
            app_url: config.app_url.clone(),
        })
    }

    /// The mail of `kind` for `to`, in their language.
    pub fn mail(&self, kind: &'static MailKind, to: &Recipient<'_>, values: &MailValues) -> Mail {
        let mut context = self.common(Some(to));
        let language = self.locale_of(to.locale).language().to_string();
        if let Some(link) = &values.link {
            context.insert("link".into(), Value::from(link.as_str()));
        }
        if let Some(code) = &values.code {
            context.insert("code".into(), Value::from(code.as_str()));
        }
        if let Some(secs) = values.valid_for_secs {
            context.insert(
                "valid_for".into(),
                Value::from(human_duration(secs, &language)),
            );
        }
        if let Some(at) = values.changed_at {
            context.insert("changed_at".into(), Value::from(format_utc(at)));
        }
        if let Some(masked) = &values.new_email_masked {
            context.insert("new_email_masked".into(), Value::from(masked.as_str()));
        }
        let context = Value::from(context);
        let part =
            |suffix: &str| self.render(&format!("{}.{suffix}", kind.name), to.locale, &context);
        let subject = part("subject.txt")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut text = part("txt");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Mail {
            kind: kind.name,
            to: to.email.to_string(),
            subject,
            text,
            html: Some(part("html")),
        }
    }

    /// A page in the language of `user` (or `locale`, when there is no
    /// user), with the page's own `values`.
    pub fn page(
        &self,
        page: &'static Page,
        user: Option<&Recipient<'_>>,
        locale: Option<&Locale>,
        values: &[(&'static str, Value)],
    ) -> String {
        let mut context = self.common(user);
        context.insert("page_style".into(), Value::from(PAGE_STYLE));
        for (name, value) in values {
            context.insert((*name).into(), value.clone());
        }
        let locale = user.and_then(|u| u.locale).or(locale);
        context.insert(
            "locale".into(),
            Value::from(self.locale_of(locale).as_str()),
        );
        self.render(
            &format!("{}.html", page.name),
            locale,
            &Value::from(context),
        )
    }

    /// The variables every template has.
    fn common(&self, user: Option<&Recipient<'_>>) -> BTreeMap<String, Value> {
        let mut context = BTreeMap::new();
        context.insert(
            "product_name".into(),
            Value::from(self.product_name.as_str()),
        );
        context.insert("app_url".into(), Value::from(self.app_url.clone()));
        context.insert("email".into(), Value::from(user.map(|u| u.email)));
        context.insert(
            "username".into(),
            Value::from(user.and_then(|u| u.username)),
        );
        let locale = self.locale_of(user.and_then(|u| u.locale));
        context.insert("locale".into(), Value::from(locale.as_str()));
        context
    }

    fn locale_of<'a>(&'a self, locale: Option<&'a Locale>) -> &'a Locale {
        locale.unwrap_or(&self.default_locale)
    }

    /// Renders the first template found for `file` in the user's locale
    /// chain. Templates were all rendered once at start-up, so a failure
    /// here is unexpected: it is logged and the built-in template is used.
    fn render(&self, file: &str, locale: Option<&Locale>, context: &Value) -> String {
        let mut tried_operator = false;
        for (source, name) in self.candidates(file, locale) {
            if source == Source::Operator && tried_operator {
                continue;
            }
            let Ok(template) = self.env.get_template(&name) else {
                continue;
            };
            match template.render(context) {
                Ok(text) => return text,
                Err(e) => {
                    log::error!("template {name} failed to render: {e}");
                    tried_operator = true;
                }
            }
        }
        String::new()
    }

    /// Every template name to try for `file`, in order.
    fn candidates(&self, file: &str, locale: Option<&Locale>) -> Vec<(Source, String)> {
        let mut tags: Vec<&str> = locale.map(|l| l.fallbacks().collect()).unwrap_or_default();
        let default: Vec<&str> = self.default_locale.fallbacks().collect();
        tags.extend(&default);
        tags.push(builtin::LAST_RESORT);
        let mut seen = Vec::new();
        let mut names = Vec::new();
        for tag in tags {
            if seen.contains(&tag) {
                continue;
            }
            seen.push(tag);
            names.push((Source::Operator, load::name(Source::Operator, tag, file)));
            if default.first() == Some(&tag) {
                names.push((Source::Operator, load::name(Source::Operator, "", file)));
            }
            names.push((Source::Builtin, load::name(Source::Builtin, tag, file)));
        }
        names
    }
}

#[cfg(test)]
mod tests;
