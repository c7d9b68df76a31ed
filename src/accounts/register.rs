//! Creating an account, by sign-up (`POST /api/register/`) or by the
//! operator (`accounts user create`): one path for both.

use crate::app::App;
use crate::domain::locale::Locale;
use crate::domain::one_time::Purpose;
use crate::domain::{Email, NewPassword, User, Username, now};
use crate::mail::templates::Recipient;
use crate::store::{NewUser, RegisterOutcome, Store};

use super::links::{LinkMail, reserve_recipient};
use super::{ClientAddress, Error};

/// A new account, parsed.
pub struct NewAccount {
    pub email: Email,
    pub username: Option<Username>,
    pub password: NewPassword,
    /// The user's language; `None`: the default.
    pub locale: Option<Locale>,
}

/// How the new account's address comes to be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// A confirmation link is mailed to it (sign-up).
    MailLink,
    /// It stays unconfirmed, without a mail (the operator may confirm it).
    Later,
    /// The operator vouches for it.
    Confirmed,
}

/// Which of a new account's address and username already belong to someone
/// (ignoring case).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taken {
    pub email: bool,
    pub username: bool,
}

impl Taken {
    pub fn any(self) -> bool {
        self.email || self.username
    }
}

/// How a registration ended.
#[derive(Debug)]
pub enum Registered {
    Created(User),
    /// Taken meanwhile by a concurrent registration: nothing was written.
    Taken(Taken),
}

/// Counts a sign-up attempt against the client's address
/// (`ACCOUNTS_THROTTLE_REGISTER_ADDRESS`) and refuses it when the address
/// has used up its window. Every attempt counts, whatever it contains, so
/// probing which addresses are taken costs the prober.
pub fn admit(app: &App, client: ClientAddress) -> Result<(), Error> {
    app.throttles.register_address.hit(client.throttle_key())?;
    Ok(())
}

/// Whether the address and the username are in use already: reported with
/// the other problems of a sign-up, before any password is hashed. The
/// insert checks again in its transaction.
pub fn taken(
    store: &Store,
    email: Option<&Email>,
    username: Option<&Username>,
) -> Result<Taken, Error> {
    let (email, username) = store.taken(email, username)?;
    Ok(Taken { email, username })
}

/// Creates the account (and, with [`Confirmation::MailLink`], its
/// confirmation mail, in the same transaction). The mail counts against the
/// address's recipient limit; past it the account is created without one,
/// and the answer says nothing of it: the user can ask for a link once the
/// window has passed.
pub fn register(
    app: &App,
    store: &mut Store,
    account: &NewAccount,
    confirmation: Confirmation,
) -> Result<Registered, Error> {
    let hash = app.hasher.hash(account.password.as_password())?;
    let now = now();
    let wants_mail = confirmation == Confirmation::MailLink;
    let mailing = wants_mail
        .then(|| reserve_recipient(app, &account.email))
        .flatten();
    let link = match mailing {
        Some(_) => {
            let to = Recipient {
                email: account.email.as_str(),
                username: account.username.as_ref().map(Username::as_str),
                locale: account.locale.as_ref(),
            };
            Some(LinkMail::new(app, Purpose::ConfirmEmail, &to, now)?)
        }
        None => None,
    };
    let new_user = NewUser {
        email: &account.email,
        username: account.username.as_ref(),
        password_hash: &hash,
        is_email_confirmed: confirmation == Confirmation::Confirmed,
        locale: account.locale.as_ref(),
    };
    let mail = link.as_ref().map(|l| (&l.token, l.expires_at, &l.mail));
    match store.insert_user(&new_user, mail, now)? {
        RegisterOutcome::Created(user) => {
            match mailing {
                Some(mailing) => {
                    mailing.keep();
                    app.mail.wake();
                }
                None if wants_mail => log::info!(
                    "user {}'s confirmation mail was withheld: recipient limit",
                    user.id
                ),
                None => {}
            }
            log::info!("user {} registered", user.id);
            Ok(Registered::Created(user))
        }
        RegisterOutcome::Taken { email, username } => {
            Ok(Registered::Taken(Taken { email, username }))
        }
    }
}
