//! SimpleJWT's endpoints: `POST /api/token/` (obtain a pair),
//! `/api/token/refresh/` and `/api/token/verify/`, and the credential check
//! that `/api/login/` shares.

use serde_json::json;

use crate::domain::jwt::{TokenType, VerifiedToken};
use crate::domain::password::Password;
use crate::domain::{User, Username, now};
use crate::http::Ctx;
use crate::http::auth::{start_login, user_of_access_token};
use crate::http::error::ApiError;
use crate::http::fields::{FieldErrors, Fields};
use crate::http::handlers::throttled;
use crate::http::response::Reply;

/// `POST /api/token/` with `password` and `email` or `username`.
pub fn obtain(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let (login, password) = parse_credentials(&fields, &["email", "username"])?;
    let user = check_credentials(ctx, &login, &password)?.ok_or(ApiError::NoActiveAccount)?;
    let tokens = start_login(ctx, user.id, false)?;
    let refresh = tokens.refresh.map(|r| r.token).unwrap_or_default();
    Ok(Reply::json(
        200,
        &json!({"refresh": refresh, "access": tokens.access.token}),
    ))
}

/// Reads the login value (the first present of `login_fields`; errors are
/// reported under the first name) and the password.
pub fn parse_credentials(
    fields: &Fields,
    login_fields: &[&str],
) -> Result<(String, Password), ApiError> {
    let mut errors = FieldErrors::default();
    // Problems are reported under the name the client used.
    let field = login_fields
        .iter()
        .copied()
        .find(|n| fields.has(n))
        .unwrap_or(login_fields[0]);
    let login = fields.required(field, &mut errors).map(str::to_string);
    if login.as_deref().is_some_and(|l| l.trim().is_empty()) {
        errors.add(field, "This field may not be blank.");
    }
    let password = fields.required("password", &mut errors).and_then(|raw| {
        Password::parse(raw)
            .map_err(|m| errors.add("password", m))
            .ok()
    });
    errors.into_result()?;
    match (login, password) {
        (Some(login), Some(password)) => Ok((login, password)),
        _ => Err(ApiError::Internal(
            "credentials parsed without errors but incomplete".into(),
        )),
    }
}

/// Finds the user and checks the password, throttled per account and per
/// client address. An unknown user costs the same hash as a wrong password;
/// a throttled request costs none. `None` means the credentials are wrong
/// or the account is inactive: callers answer both the same way.
pub fn check_credentials(
    ctx: &mut Ctx<'_>,
    login: &str,
    password: &Password,
) -> Result<Option<User>, ApiError> {
    let throttles = &ctx.app.throttles;
    let address = ctx.client_address();
    let user = ctx.store.user_by_login(login)?;
    let account = match &user {
        Some(u) => format!("user:{}", u.id),
        None => format!("login:{}", Username::key_of(login)),
    };
    throttles.login_account.check(&account).map_err(throttled)?;
    throttles.login_address.check(&address).map_err(throttled)?;
    let verification = ctx
        .app
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))?;
    match user {
        Some(user) if verification.matches && user.is_active => {
            throttles.login_account.clear(&account);
            if verification.needs_rehash {
                rehash(ctx, &user, password);
            }
            Ok(Some(user))
        }
        _ => {
            throttles.login_account.record(&account);
            throttles.login_address.record(&address);
            Ok(None)
        }
    }
}

/// Stores the password again at the configured cost and scheme. Best
/// effort: the login succeeds even if this fails.
fn rehash(ctx: &mut Ctx<'_>, user: &User, password: &Password) {
    let result = ctx
        .app
        .hasher
        .hash(password)
        .map_err(|e| format!("{e:?}"))
        .and_then(|hash| {
            ctx.store
                .update_password_hash(user.id, &user.password_hash, &hash)
                .map_err(|e| e.to_string())
        });
    match result {
        Ok(()) => log::info!(
            "user {}'s password was rehashed at cost {}",
            user.id,
            ctx.app.hasher.cost()
        ),
        Err(e) => log::warn!("user {}'s password could not be rehashed: {e}", user.id),
    }
}

/// `POST /api/token/refresh/` with `refresh`.
pub fn refresh(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let raw = fields.required("refresh", &mut errors);
    errors.into_result()?;
    let token = ctx
        .app
        .keys
        .verify(raw.unwrap_or(""), Some(TokenType::Refresh))
        .map_err(|e| {
            log::debug!("refresh token refused: {e:?}");
            ApiError::TokenInvalid
        })?;
    let now = now();
    let family = token.family();
    let user = match refresh_standing(ctx, &token, now)? {
        RefreshStanding::Honoured(user) => user,
        RefreshStanding::Reused(user) => {
            log::warn!(
                "a spent refresh token of user {} was presented again: ending that login",
                user.id
            );
            ctx.store
                .revoke_family(user.id, family.as_str(), token.exp, now)?;
            return Err(ApiError::TokenInvalid);
        }
        RefreshStanding::Refused => return Err(ApiError::TokenInvalid),
    };
    let config = &ctx.app.config;
    let access = ctx.app.keys.issue(
        TokenType::Access,
        user.id,
        &family,
        now,
        config.access_ttl.as_secs(),
    )?;
    if !config.rotate_refresh {
        return Ok(Reply::json(200, &json!({"access": access.token})));
    }
    let next = ctx.app.keys.issue(
        TokenType::Refresh,
        user.id,
        &family,
        now,
        config.refresh_ttl.as_secs(),
    )?;
    ctx.store.rotate_refresh(
        user.id,
        family.as_str(),
        (&token.jti, token.exp),
        (&next.jti, next.exp),
        now,
    )?;
    Ok(Reply::json(
        200,
        &json!({"access": access.token, "refresh": next.token}),
    ))
}

/// How a signed, unexpired refresh token stands against the stored state.
/// Refresh acts on it and verify reports it, so the two never disagree.
enum RefreshStanding {
    /// Refresh would answer 200 (a token spent within the reuse grace
    /// included).
    Honoured(User),
    /// Spent by rotation longer than the reuse grace ago: refresh refuses it
    /// and ends its login, since a spent token coming back means a copy.
    Reused(User),
    /// Its user is gone or inactive, its login ended, or it is older than
    /// the user's last password change.
    Refused,
}

fn refresh_standing(
    ctx: &Ctx<'_>,
    token: &VerifiedToken,
    now: u64,
) -> Result<RefreshStanding, ApiError> {
    let Some(user) = ctx.store.user_by_id(token.user_id)? else {
        return Ok(RefreshStanding::Refused);
    };
    if !user.is_active || token.iat < user.tokens_valid_after {
        return Ok(RefreshStanding::Refused);
    }
    let spent_at = match ctx.store.refresh_row(&token.jti)? {
        Some(row) if row.family_revoked => return Ok(RefreshStanding::Refused),
        Some(row) => row.spent_at,
        None if ctx.store.family_revoked(token.family().as_str())? => {
            return Ok(RefreshStanding::Refused);
        }
        None => None,
    };
    let config = &ctx.app.config;
    let reused = config.rotate_refresh
        && spent_at
            .is_some_and(|spent| now.saturating_sub(spent) >= config.refresh_reuse_grace.as_secs());
    Ok(if reused {
        RefreshStanding::Reused(user)
    } else {
        RefreshStanding::Honoured(user)
    })
}

/// `POST /api/token/verify/` with `token` (access or refresh): valid means
/// it would be accepted right now, by refresh for a refresh token and by
/// authentication for an access token. Verifying changes nothing: a spent
/// refresh token is reported, not treated as reuse.
pub fn verify(ctx: &mut Ctx<'_>) -> Result<Reply, ApiError> {
    let fields = ctx.req.fields()?;
    let mut errors = FieldErrors::default();
    let raw = fields.required("token", &mut errors);
    errors.into_result()?;
    let token = ctx
        .app
        .keys
        .verify(raw.unwrap_or(""), None)
        .map_err(|_| ApiError::TokenInvalid)?;
    let honoured = match token.token_type {
        TokenType::Refresh => matches!(
            refresh_standing(ctx, &token, now())?,
            RefreshStanding::Honoured(_)
        ),
        TokenType::Access => match user_of_access_token(ctx, &token) {
            Ok(_) => true,
            Err(ApiError::AccessTokenInvalid | ApiError::UserNotFound | ApiError::UserInactive) => {
                false
            }
            Err(other) => return Err(other),
        },
    };
    if honoured {
        Ok(Reply::json(200, &json!({})))
    } else {
        Err(ApiError::TokenInvalid)
    }
}
