//! What every request worker shares: settings, signing keys, the hashing
//! lane, the mail templates, the mail waker, the throttles and the
//! metrics. Built once at start-up.

use std::sync::Arc;

use crate::config::Config;
use crate::domain::jwt::TokenKeys;
use crate::domain::random::{RandomError, random_hex};
use crate::hashing::PasswordHasher;
use crate::mail::templates::Templates;
use crate::mail::{DeliveryCounts, MailWaker};
use crate::metrics::Metrics;
use crate::secret::Secret;
use crate::throttle::Throttle;

pub struct App {
    pub config: Config,
    pub keys: TokenKeys,
    pub hasher: PasswordHasher,
    pub mail: MailWaker,
    /// Every mail and page opened from a mail is rendered from these.
    pub templates: Templates,
    pub throttles: Throttles,
    /// Counted by the mail sender, read by the metrics.
    pub deliveries: Arc<DeliveryCounts>,
    /// Per-request counts; `None` unless `ACCOUNTS_METRICS_LISTEN` is set.
    pub metrics: Option<Metrics>,
}

/// One throttle per limit of `ACCOUNTS_THROTTLE_*`.
pub struct Throttles {
    /// Failed password checks per account (logins, password changes,
    /// address changes, account deletions).
    pub login_account: Throttle,
    /// Failed logins per client address.
    pub login_address: Throttle,
    /// Registrations per client address.
    pub register_address: Throttle,
    /// Requests that send mail, per client address.
    pub mail_address: Throttle,
    /// Mails to one recipient, whatever asked for them.
    pub mail_recipient: Throttle,
    /// Attempts with a mailed code, per client address.
    pub code_address: Throttle,
}

impl Throttles {
    /// Every throttle, named as its `ACCOUNTS_THROTTLE_*` setting is.
    pub fn by_limit(&self) -> [(&'static str, &Throttle); 5] {
        [
            ("login_account", &self.login_account),
            ("login_address", &self.login_address),
            ("register_address", &self.register_address),
            ("mail_address", &self.mail_address),
            ("mail_recipient", &self.mail_recipient),
        ]
    }
}

impl App {
    pub fn new(config: Config, keys: TokenKeys, mail: MailWaker, templates: Templates) -> App {
        let t = &config.throttle;
        let on = |limit| if t.enabled { Some(limit) } else { None };
        let throttles = Throttles {
            login_account: Throttle::new(on(t.login_account)),
            login_address: Throttle::new(on(t.login_address)),
            register_address: Throttle::new(on(t.register_address)),
            mail_address: Throttle::new(on(t.mail_address)),
            mail_recipient: Throttle::new(on(t.mail_recipient)),
            code_address: Throttle::new(on(t.code_address)),
        };
        App {
            keys,
            hasher: PasswordHasher::start(
                config.hash_threads,
                config.hash_queue,
                config.bcrypt_cost,
            ),
            mail,
            templates,
            throttles,
            deliveries: Arc::default(),
            metrics: config
                .metrics_listen
                .map(|_| Metrics::new(crate::http::metric_route_names())),
            config,
        }
    }

    /// The state of an operator command (`accounts user ...`): the server's
    /// settings and a hashing lane like its, so passwords are hashed alike.
    /// Operator commands never sign or check a token, so the signing key is
    /// a random one that never leaves the process (and the key file is left
    /// alone).
    pub fn for_operator(config: Config, templates: Templates) -> Result<App, RandomError> {
        let unused_key = Secret::from(random_hex::<32>()?.as_str());
        Ok(App::new(
            config,
            TokenKeys::new(&unused_key),
            MailWaker::default(),
            templates,
        ))
    }
}
