-- Schema of the accounts database, version 5.
--
-- Applied at start-up when the file's `user_version` is 0; a file of an
-- older version is brought here by the numbered migrations in
-- src/store/migrate.rs, which bump `user_version`.

-- One row per account. `email_key` and `username_key` are the NFKC-normalised,
-- case-folded forms that uniqueness and look-ups use (version 2 brought
-- `email_key` to NFKC); `email` and `username` keep what the user typed
-- (domain lower-cased, username NFKC-normalised) for display.
-- Ids imported from Django are kept; AUTOINCREMENT then gives every later
-- registration an id above the largest ever stored.
CREATE TABLE users (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    email              TEXT    NOT NULL,
    email_key          TEXT    NOT NULL UNIQUE,
    username           TEXT,
    username_key       TEXT    UNIQUE,
    password_hash      TEXT    NOT NULL,
    is_email_confirmed INTEGER NOT NULL DEFAULT 0,
    is_active          INTEGER NOT NULL DEFAULT 1,
    -- Access and refresh tokens whose `iat` is before this second are refused:
    -- bumped by password changes, resets, logout-all and deactivation.
    tokens_valid_after INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    -- Unix time of the last successful login (version 3); NULL for never.
    last_login_at      INTEGER,
    -- The user's language as a BCP 47 tag (`de`, `pt-BR`; version 5); NULL:
    -- the default locale.
    locale             TEXT
);

-- Single-use tokens mailed to users (email confirmation, password reset).
-- Only the SHA-256 of the token is stored; the plain token lives in the
-- outbox until the mail is delivered. Beside it, the SHA-256 of the short
-- code mailed with the link (version 5) and how many wrong codes were
-- tried: the code is void (NULL) after the fifth.
CREATE TABLE one_time_tokens (
    token_hash    BLOB    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT    NOT NULL CHECK (purpose IN ('confirm_email', 'reset_password')),
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    code_hash     BLOB,
    code_failures INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX one_time_tokens_by_user ON one_time_tokens (user_id, purpose);
CREATE INDEX one_time_tokens_by_expiry ON one_time_tokens (expires_at);

-- One row per login ("refresh family"): every token issued for that login
-- carries the family in the first 16 hex characters of its `jti`.
-- Revoking the row ends the login: its refresh and access tokens are refused.
-- The user sees their logins with where they were made from and when they
-- were last used (version 4): `last_used_at` moves at login and at each
-- refresh, `user_agent` (cleaned, at most 256 characters) and `ip` are the
-- client's at login. All three are NULL for logins recorded before version 4
-- and for the rows of imported tokens.
CREATE TABLE sessions (
    family       TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER,
    user_agent   TEXT,
    ip           TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- An address change waiting for its link to be followed (version 4), one
-- unused row per user at most (a new request replaces it). As with
-- one_time_tokens, only the SHA-256 of the link's token is stored. A used row
-- is kept until it expires, so a second click on the link finds it spent
-- rather than unknown.
CREATE TABLE email_changes (
    token_hash    BLOB    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email     TEXT    NOT NULL,
    new_email_key TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
) WITHOUT ROWID;
CREATE INDEX email_changes_by_user ON email_changes (user_id);
CREATE INDEX email_changes_by_expiry ON email_changes (expires_at);

-- Every refresh token issued, so rotation can spend them and detect reuse.
CREATE TABLE refresh_tokens (
    jti        TEXT    PRIMARY KEY,
    family     TEXT    NOT NULL REFERENCES sessions (family) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    spent_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- Mail waiting for (or past) delivery. Written in the same transaction as the
-- change that causes it; a background sender delivers it. The body (text,
-- and its HTML alternative since version 5) holds a one-time link, so it is
-- erased once the message is delivered, and a day after it was abandoned.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT,
    html_body       TEXT,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    failed_at       INTEGER,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
