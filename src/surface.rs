//! The port delivery sends through: what a chat surface must do so that the
//! outbox can deliver to it. Slack implements it (`slack::api::SlackApi`);
//! a second surface (Mattermost, issue 13) implements the same methods, and
//! the outbox, pacing, retries and idempotency stay one mechanism that does
//! not know which surface it talks to.
//!
//! Every method is one attempt: it never sleeps and never retries, and says
//! by its [`ApiError`] whether trying again later can help. Messages are the
//! engine's [`Message`]; each surface renders them its own way.
//!
//! What a surface may lack: an App Home tab ([`Surface::publish_home`]
//! answers `Ok` and does nothing), files (`Permanent("no_files")`).

use crate::domain::{TeamId, UserId};
use crate::message::Message;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// A message as posted: what an update in place needs to address it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

/// What delivery needs to know of a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// The IANA zone name (`"Europe/Berlin"`), when the surface has one.
    pub tz: Option<String>,
    /// Deactivated.
    pub deleted: bool,
    pub is_bot: bool,
    /// Their display name, else their real name, when they have one.
    pub name: Option<String>,
}

/// Why a call did not succeed, sorted by what the caller should do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Rate-limited (HTTP 429): wait `retry_after` (from the `Retry-After`
    /// header, in seconds; 1 s if absent or unparseable, capped at 15 min)
    /// before calling again.
    #[error("the chat service rate-limited the call; retry after {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// Worth retrying later: HTTP 5xx, timeouts, connection errors, an
    /// unreadable body, the service saying it is in trouble.
    #[error("temporary chat service failure: {0}")]
    Transient(String),
    /// Never retry: the service refused the call for good (`channel_not_found`,
    /// `invalid_auth`, `account_inactive`, `missing_scope`, …, HTTP 4xx
    /// other than 429).
    #[error("the chat service refused the call: {0}")]
    Permanent(String),
}

impl ApiError {
    /// A short code for logs and metrics: the service's error code or a
    /// transport failure (`timeout`, `connect`, `http_503`). Never a token.
    pub fn code(&self) -> &str {
        match self {
            ApiError::RateLimited { .. } => "ratelimited",
            ApiError::Transient(code) | ApiError::Permanent(code) => code,
        }
    }
}

pub type Answer<'a, T> = BoxFuture<'a, Result<T, ApiError>>;

/// One chat surface, as delivery uses it.
pub trait Surface: Send + Sync {
    /// The bound on each call (delivery sizes its claims by it).
    fn timeout(&self) -> Duration;
    /// The workspace the bot's credentials belong to.
    fn workspace(&self) -> Answer<'_, TeamId>;
    /// The bot's direct-message channel with `user`.
    fn open_dm<'a>(&'a self, user: &'a UserId) -> Answer<'a, String>;
    /// Posts `message` to `channel`, carrying `key` so that
    /// [`Surface::find_posted`] can recognise it.
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Message,
        key: &'a str,
    ) -> Answer<'a, Posted>;
    /// Replaces an earlier message in place.
    fn update<'a>(&'a self, channel: &'a str, ts: &'a str, message: &'a Message) -> Answer<'a, ()>;
    /// A message carrying `key` posted to `channel` since `since_unix`: how
    /// an uncertain post (a crash, a timeout) is known to have landed.
    fn find_posted<'a>(
        &'a self,
        channel: &'a str,
        since_unix: i64,
        key: &'a str,
    ) -> Answer<'a, Option<Posted>>;
    /// What the surface knows of a person (time zone, deactivated, name).
    fn person<'a>(&'a self, user: &'a UserId) -> Answer<'a, UserInfo>;
    /// Publishes `user`'s home tab (a surface without one does nothing).
    fn publish_home<'a>(&'a self, user: &'a UserId, home: &'a Message) -> Answer<'a, ()>;
    /// Uploads a file for `channel`, not yet shared there; its id.
    fn upload<'a>(
        &'a self,
        filename: &'a str,
        bytes: Vec<u8>,
        channel: &'a str,
    ) -> Answer<'a, String>;
    /// Shares uploaded files `(id, title)` in `channel` with `comment`.
    fn share<'a>(
        &'a self,
        files: &'a [(String, String)],
        channel: &'a str,
        comment: &'a str,
    ) -> Answer<'a, ()>;
    /// Whether `file` was shared in `channel`: how an uncertain share is
    /// known to have landed.
    fn file_shared_in<'a>(&'a self, file: &'a str, channel: &'a str) -> Answer<'a, bool>;
}
