//! What each endpoint reads from its body: one typed request per endpoint,
//! parsed from the body's fields into domain values, with DRF's messages. A
//! request that does not parse is answered 400 with every field's problems
//! at once; one that parses holds nothing left to check.

use super::fields::{AllFields, FieldErrors, Fields, REQUIRED};
use crate::accounts::codes::TypedCode;
use crate::accounts::login::Credentials;
use crate::accounts::password::Proposed;
use crate::accounts::register::{NewAccount, Taken};
use crate::accounts::session::LogoutToken;
use crate::domain::code::Code;
use crate::domain::locale::Locale;
use crate::domain::login_name::LoginName;
use crate::domain::one_time::OneTimeToken;
use crate::domain::password::BLANK_MESSAGE;
use crate::domain::{Email, NewPassword, Password, Username};

pub const INVALID_TOKEN: &str = "Invalid or expired token.";
/// The one answer to a code that does not work, whatever the reason.
pub const INVALID_CODE: &str = "Invalid or expired code.";
pub const EMAIL_TAKEN: &str = "user with this email already exists.";
pub const USERNAME_TAKEN: &str = "user with this username already exists.";

/// `POST /api/register/`: `email`, `password`, optional `username` (blank
/// or `null` means none).
pub struct RegisterRequest {
    pub account: NewAccount,
}

impl RegisterRequest {
    /// Reports a taken address or username with the other problems, as
    /// DRF's serializer does; `taken` is asked about the values that parsed.
    /// The user's language is the `locale` field, else the request's
    /// `Accept-Language`; a value that is not a language tag is ignored,
    /// never refused.
    pub fn parse(
        fields: &Fields,
        accept_language: Option<&str>,
        taken: impl FnOnce(Option<&Email>, Option<&Username>) -> Taken,
    ) -> Result<RegisterRequest, FieldErrors> {
        let locale = fields
            .optional_text("locale")
            .ok()
            .flatten()
            .and_then(Locale::parse)
            .or_else(|| accept_language.and_then(Locale::from_accept_language));
        let email = fields.text("email").and_then(|raw| {
            Email::parse(raw).map_err(|e| FieldErrors::single("email", e.message()))
        });
        let username = optional_username(fields);
        let password = fields.text("password").and_then(|raw| {
            NewPassword::parse(raw).map_err(|problems| FieldErrors::many("password", problems))
        });
        let in_use = taken(
            email.as_ref().ok(),
            username.as_ref().ok().and_then(Option::as_ref),
        );
        let (email, username, password, ()) = (
            email,
            username,
            password,
            taken_errors(in_use).into_result(),
        )
            .all()?;
        Ok(RegisterRequest {
            account: NewAccount {
                email,
                username,
                password,
                locale,
            },
        })
    }
}

/// The `username` field where it may be absent, `null` or blank (none).
fn optional_username(fields: &Fields) -> Result<Option<Username>, FieldErrors> {
    let raw = fields.nullable_text("username")?;
    let parsed = raw.map(Username::parse_optional).transpose();
    parsed
        .map(Option::flatten)
        .map_err(|e| FieldErrors::single("username", e.message()))
}

/// The field errors of a taken address or username.
pub fn taken_errors(taken: Taken) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if taken.email {
        errors.add("email", EMAIL_TAKEN);
    }
    if taken.username {
        errors.add("username", USERNAME_TAKEN);
    }
    errors
}

/// `POST /api/confirm-email/`: `token`, or `email` and `code`. A value
/// that cannot be a token we issued gets the same answer as an unknown one.
pub enum ConfirmRequest {
    Token(OneTimeToken),
    Code(TypedCode),
}

impl ConfirmRequest {
    pub fn parse(fields: &Fields) -> Result<ConfirmRequest, FieldErrors> {
        if by_code(fields) {
            let (email, code) = (fields.text("email"), fields.text("code")).all()?;
            return Ok(ConfirmRequest::Code(typed_code(email, code)));
        }
        let token = one_time_token(fields.text("token")?)?;
        Ok(ConfirmRequest::Token(token))
    }
}

/// A body with a `code` or an `email` and no `token` asks to use a code.
fn by_code(fields: &Fields) -> bool {
    !fields.has("token") && (fields.has("code") || fields.has("email"))
}

/// Values that cannot be an address or a code are kept as `None`: they get
/// the answer of a wrong code, never a message of their own.
fn typed_code(email: &str, code: &str) -> TypedCode {
    TypedCode {
        email: Email::parse(email).ok(),
        code: Code::parse(code),
    }
}

fn one_time_token(raw: &str) -> Result<OneTimeToken, FieldErrors> {
    OneTimeToken::parse(raw).ok_or_else(|| FieldErrors::single("token", INVALID_TOKEN))
}

/// `POST /api/resend-confirmation/` and `POST /api/password-reset/`:
/// `email`. A value that is not an address is no error (`None`): the answer
/// must not differ from that for an unknown address.
pub struct EmailRequest {
    pub email: Option<Email>,
}

impl EmailRequest {
    pub fn parse(fields: &Fields) -> Result<EmailRequest, FieldErrors> {
        let email = Email::parse(fields.text("email")?).ok();
        Ok(EmailRequest { email })
    }
}

/// `POST /api/token/`: `password` and `email` or `username` (either may
/// hold an address or a username); problems are reported under the name
/// the client used.
pub struct TokenRequest {
    pub credentials: Credentials,
}

impl TokenRequest {
    pub fn parse(fields: &Fields) -> Result<TokenRequest, FieldErrors> {
        let login_field = if !fields.has("email") && fields.has("username") {
            "username"
        } else {
            "email"
        };
        let credentials = credentials(fields, login_field)?;
        Ok(TokenRequest { credentials })
    }
}

/// `POST /api/login/`: `username` (a username or an address) and `password`.
pub struct LoginRequest {
    pub credentials: Credentials,
}

impl LoginRequest {
    pub fn parse(fields: &Fields) -> Result<LoginRequest, FieldErrors> {
        let credentials = credentials(fields, "username")?;
        Ok(LoginRequest { credentials })
    }
}

fn credentials(fields: &Fields, login_field: &str) -> Result<Credentials, FieldErrors> {
    let login = fields
        .text(login_field)
        .and_then(|raw| LoginName::parse(raw).map_err(|m| FieldErrors::single(login_field, m)));
    let password = fields
        .text("password")
        .and_then(|raw| Password::parse(raw).map_err(|m| FieldErrors::single("password", m)));
    let (login, password) = (login, password).all()?;
    Ok(Credentials { login, password })
}

/// `POST /api/token/refresh/`: `refresh`.
pub struct RefreshRequest<'f> {
    pub refresh: &'f str,
}

impl<'f> RefreshRequest<'f> {
    pub fn parse(fields: &'f Fields) -> Result<RefreshRequest<'f>, FieldErrors> {
        let refresh = fields.text("refresh")?;
        Ok(RefreshRequest { refresh })
    }
}

/// `POST /api/token/verify/`: `token`, of either type.
pub struct VerifyRequest<'f> {
    pub token: &'f str,
}

impl<'f> VerifyRequest<'f> {
    pub fn parse(fields: &'f Fields) -> Result<VerifyRequest<'f>, FieldErrors> {
        let token = fields.text("token")?;
        Ok(VerifyRequest { token })
    }
}

/// `POST /api/logout/`: `refresh`, or no body and the `access_token` cookie.
pub struct LogoutRequest<'f> {
    pub by: LogoutToken<'f>,
}

impl<'f> LogoutRequest<'f> {
    pub fn parse(
        fields: &'f Fields,
        cookie: Option<&'f str>,
    ) -> Result<LogoutRequest<'f>, FieldErrors> {
        let refresh = fields.optional_text("refresh")?.filter(|r| !r.is_empty());
        let by = match (refresh, cookie.filter(|c| !c.is_empty())) {
            (Some(refresh), _) => LogoutToken::Refresh(refresh),
            (None, Some(cookie)) => LogoutToken::Cookie(cookie),
            (None, None) => return Err(FieldErrors::single("refresh", REQUIRED)),
        };
        Ok(LogoutRequest { by })
    }
}

/// `DELETE /api/user/`: `password`.
pub struct DeleteRequest {
    pub password: Password,
}

impl DeleteRequest {
    pub fn parse(fields: &Fields) -> Result<DeleteRequest, FieldErrors> {
        let password = Password::parse(fields.text("password")?)
            .map_err(|m| FieldErrors::single("password", m))?;
        Ok(DeleteRequest { password })
    }
}

/// `PATCH /api/user/`: `username` and nothing else (`null` or blank
/// removes it). Any other field is refused by name, so a client that
/// expects to change something here learns that it did not.
pub struct UsernameRequest {
    pub username: Option<Username>,
}

pub const NOT_CHANGEABLE: &str = "This field cannot be changed here.";

impl UsernameRequest {
    pub fn parse(fields: &Fields) -> Result<UsernameRequest, FieldErrors> {
        let mut others = FieldErrors::default();
        for name in fields.others(&["username"]) {
            others.add(name, NOT_CHANGEABLE);
        }
        let username = if fields.has("username") {
            optional_username(fields)
        } else {
            Err(FieldErrors::single("username", REQUIRED))
        };
        let (username, ()) = (username, others.into_result()).all()?;
        Ok(UsernameRequest { username })
    }
}

/// `POST /api/user/change-email/`: `password` and `new_email`, whose
/// problems are the registration's address problems.
pub struct ChangeEmailRequest {
    pub password: Password,
    pub new_email: Email,
}

impl ChangeEmailRequest {
    pub fn parse(fields: &Fields) -> Result<ChangeEmailRequest, FieldErrors> {
        let password = fields
            .text("password")
            .and_then(|raw| Password::parse(raw).map_err(|m| FieldErrors::single("password", m)));
        let new_email = fields.text("new_email").and_then(|raw| {
            Email::parse(raw).map_err(|e| FieldErrors::single("new_email", e.message()))
        });
        let (password, new_email) = (password, new_email).all()?;
        Ok(ChangeEmailRequest {
            password,
            new_email,
        })
    }
}

/// `PUT /api/user/change-password/`: `oldPassword` and `newPassword` (or
/// `old_password` and `new_password`).
pub struct ChangePasswordRequest {
    /// `None`: blank, which is never the current password.
    pub current: Option<Password>,
    pub new: Proposed,
}

impl ChangePasswordRequest {
    pub fn parse(fields: &Fields) -> Result<ChangePasswordRequest, FieldErrors> {
        let (current, new) = (
            fields.text_of_any(&["oldPassword", "old_password"], "oldPassword"),
            fields.text_of_any(&["newPassword", "new_password"], "newPassword"),
        )
            .all()?;
        Ok(ChangePasswordRequest {
            current: Password::parse(current).ok(),
            new: NewPassword::parse(new),
        })
    }
}

/// `POST /api/password-reset/confirm/`: `token` and `new_password`, or
/// `email`, `code` and `new_password`.
pub struct ResetRequest {
    pub by: ResetBy,
    pub new_password: Proposed,
}

/// What proves the reset may happen.
pub enum ResetBy {
    Token(OneTimeToken),
    Code(TypedCode),
}

impl ResetRequest {
    pub fn parse(fields: &Fields) -> Result<ResetRequest, FieldErrors> {
        if by_code(fields) {
            let (email, code, new_password) = (
                fields.text("email"),
                fields.text("code"),
                fields.text("new_password"),
            )
                .all()?;
            return Ok(ResetRequest {
                by: ResetBy::Code(typed_code(email, code)),
                new_password: NewPassword::parse(new_password),
            });
        }
        let (token, new_password) = (fields.text("token"), fields.text("new_password")).all()?;
        Ok(ResetRequest {
            by: ResetBy::Token(one_time_token(token)?),
            new_password: NewPassword::parse(new_password),
        })
    }
}

/// The reset form's submission: `new_password`.
pub struct ResetFormRequest {
    pub new_password: Proposed,
}

impl ResetFormRequest {
    /// The form always sends the field: anything else counts as blank, and
    /// the form is shown again with that problem.
    pub fn parse(fields: &Fields) -> ResetFormRequest {
        let new_password = match fields.text("new_password") {
            Ok(raw) => NewPassword::parse(raw),
            Err(_) => Err(vec![BLANK_MESSAGE]),
        };
        ResetFormRequest { new_password }
    }
}
