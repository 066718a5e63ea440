//! The Slack Web API client: the few methods Alliance calls, one HTTP attempt
//! per call.
//!
//! What it owns: the request shape (`POST {base}{method}`, the bot token as
//! `Authorization: Bearer …`, JSON with a charset for write methods, a form
//! for read methods, which Slack does not accept as JSON) and the reading of
//! Slack's envelope (`ok`, `error`, `warning`) into a typed answer or an
//! [`ApiError`] that says whether the call is worth repeating.
//!
//! What it guarantees:
//! - It never sleeps and never retries. The durable outbox decides when to
//!   try again, with explicit time, so a retry survives a restart and is
//!   visible in tests.
//! - Each call is bounded by the timeout given to [`SlackApi::new`]
//!   (connection, request and the whole response body).
//! - The token is never in `Debug`, a log line or an error; logs name the
//!   method and Slack's error code, never a message body.

use crate::config::Secret;
use crate::domain::{TeamId, UserId};
use crate::message::Message;
use crate::metrics::Metrics;
use crate::slack::blocks::Kit;
use crate::surface::Answer;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The `event_type` of the metadata we attach to outbox messages, so that
/// [`SlackApi::find_posted`] recognises our own posts.
pub const OUTBOX_EVENT_TYPE: &str = "alliance_outbox";

/// Slack's `Retry-After` is in seconds; without a usable one we wait this.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// A `Retry-After` longer than this is treated as this: a garbled header must
/// not park the outbox for days.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);
/// `conversations.history` page size and how many pages `find_posted` reads
/// (Slack allows up to 999 per page but recommends ≤ 200).
const HISTORY_PAGE: u32 = 200;
const HISTORY_MAX_PAGES: usize = 5;
/// Error codes are short snake_case words; anything longer is cut so that a
/// strange answer cannot flood a log line.
const MAX_CODE_LEN: usize = 64;

pub use crate::surface::{ApiError, Posted, UserInfo};

/// `ok:false` codes that describe Slack's trouble, not ours.
const TRANSIENT_CODES: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
    "rate_limited",
];

/// Reads one HTTP answer from Slack: `status`, the `Retry-After` header if
/// any, and the raw body. Pure, so every branch is tested without a server.
fn classify(status: u16, retry_after: Option<&str>, body: &[u8]) -> Result<Value, ApiError> {
    if status == 429 {
        return Err(ApiError::RateLimited {
            retry_after: parse_retry_after(retry_after),
        });
    }
    if status >= 500 {
        return Err(ApiError::Transient(format!("http_{status}")));
    }
    if !(200..300).contains(&status) {
        // A 4xx (or a redirect we did not follow) means the request itself is
        // wrong — a bad base URL, a proxy refusing us — and repeating it
        // cannot help.
        return Err(ApiError::Permanent(format!("http_{status}")));
    }
    let Ok(envelope) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::Transient("unreadable_body".into()));
    };
    match envelope.get("ok").and_then(Value::as_bool) {
        Some(true) => Ok(envelope),
        Some(false) => {
            let code = envelope
                .get("error")
                .and_then(Value::as_str)
                .map(sanitize_code)
                .unwrap_or_else(|| "unknown_error".into());
            if TRANSIENT_CODES.contains(&code.as_str()) {
                Err(ApiError::Transient(code))
            } else {
                Err(ApiError::Permanent(code))
            }
        }
        // JSON, but not Slack's envelope: most likely something in between
        // (a captive portal, a proxy error page) that may go away.
        None => Err(ApiError::Transient("unreadable_body".into())),
    }
}

fn parse_retry_after(header: Option<&str>) -> Duration {
    header
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_RETRY_AFTER)
        .min(MAX_RETRY_AFTER)
}

/// Keeps an error code printable and short whatever the server sent.
fn sanitize_code(code: &str) -> String {
    let clean: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .take(MAX_CODE_LEN)
        .collect();
    if clean.is_empty() {
        "unknown_error".into()
    } else {
        clean
    }
}

/// A transport failure as a short code. reqwest's own message is not used:
/// it is long and names the URL, and a code is all the outbox needs.
fn transport_error(err: &reqwest::Error) -> ApiError {
    let code = if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connect"
    } else if err.is_body() || err.is_decode() {
        "unreadable_body"
    } else {
        "request_failed"
    };
    ApiError::Transient(code.into())
}

/// An `ok:true` answer that lacks what the method promises. Treated as
/// transient like any unreadable body; for `chat.postMessage` the outbox's
/// `find_posted` check keeps a retry from posting twice.
fn unexpected(method: &str, field: &str) -> ApiError {
    tracing::warn!(method, field, "Slack API answer lacks an expected field");
    ApiError::Transient("unexpected_response".into())
}

enum Body {
    /// Write methods: JSON with an explicit charset (without it Slack answers
    /// with a `missing_charset` warning).
    Json(Vec<u8>),
    /// Read methods: Slack only reads form fields for these.
    Form(Vec<(&'static str, String)>),
}

#[derive(Serialize)]
struct Metadata<'a> {
    event_type: &'static str,
    event_payload: MetadataPayload<'a>,
}

#[derive(Serialize)]
struct MetadataPayload<'a> {
    key: &'a str,
}

#[derive(Serialize)]
struct PostMessage<'a> {
    channel: &'a str,
    text: &'a str,
    blocks: Kit<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata<'a>>,
}

#[derive(Serialize)]
struct UpdateMessage<'a> {
    channel: &'a str,
    ts: &'a str,
    text: &'a str,
    blocks: Kit<'a>,
}

pub struct SlackApi {
    client: reqwest::Client,
    /// Always ends with `/`.
    base_url: String,
    token: Secret,
    /// Counts each call by method and outcome, when set.
    metrics: Option<Arc<Metrics>>,
    /// The bound on each call.
    timeout: Duration,
}

impl fmt::Debug for SlackApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackApi")
            .field("base_url", &self.base_url)
            .field("token", &self.token) // Secret's Debug redacts
            .finish_non_exhaustive()
    }
}

/// reqwest is built without a TLS crypto provider (no C build of aws-lc);
/// ring is ours. Call before building any reqwest client. Idempotent: an
/// `Err` means one is installed already, which is just as good.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl SlackApi {
    /// `base_url` is like `"https://slack.com/api/"` (a missing final `/` is
    /// added). `timeout` bounds each call, from connecting to the end of the
    /// answer's body.
    pub fn new(base_url: &str, token: Secret, timeout: Duration) -> SlackApi {
        install_crypto_provider();
        let builder = || {
            reqwest::Client::builder()
                .timeout(timeout)
                .user_agent(concat!("alliance/", env!("CARGO_PKG_VERSION")))
        };
        let client = builder().build().unwrap_or_else(|err| {
            // The platform verifier fails when the system has no CA
            // certificates (a minimal image without `ca-certificates`). Start
            // anyway, so commands keep working and the outbox reports every
            // HTTPS call as failing, rather than refusing to run.
            tracing::error!(
                error = %err,
                "no usable TLS root certificates; calls to Slack over HTTPS will fail \
                 (install the ca-certificates package)"
            );
            builder()
                .tls_certs_only(std::iter::empty())
                .build()
                .expect("an HTTP client with an empty root store always builds")
        });
        let mut base_url = base_url.to_string();
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        SlackApi {
            client,
            base_url,
            token,
            metrics: None,
            timeout,
        }
    }

    /// How long one call may take at most.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The same client, counting its calls in `metrics`.
    pub fn with_metrics(mut self, metrics: Option<Arc<Metrics>>) -> SlackApi {
        self.metrics = metrics;
        self
    }

    /// `chat.postMessage`. With `metadata_key`, the message carries
    /// `{"event_type": "alliance_outbox", "event_payload": {"key": …}}` so a
    /// later [`SlackApi::find_posted`] can tell whether it went out.
    pub async fn post_message(
        &self,
        channel: &str,
        message: &Message,
        metadata_key: Option<&str>,
    ) -> Result<Posted, ApiError> {
        const METHOD: &str = "chat.postMessage";
        let body = json_body(&PostMessage {
            channel,
            text: &message.text,
            blocks: Kit(&message.blocks),
            metadata: metadata_key.map(|key| Metadata {
                event_type: OUTBOX_EVENT_TYPE,
                event_payload: MetadataPayload { key },
            }),
        })?;
        let answer = self.call(METHOD, body).await?;
        let ts = str_field(&answer, "ts").ok_or_else(|| unexpected(METHOD, "ts"))?;
        // Slack echoes the conversation id; if it does not, it is the one
        // we asked for.
        let channel = str_field(&answer, "channel").unwrap_or(channel);
        Ok(Posted {
            channel: channel.to_string(),
            ts: ts.to_string(),
        })
    }

    /// `chat.update` of a message we posted (`channel` must be the `C…`/`D…`
    /// id Slack returned, not a user id).
    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        message: &Message,
    ) -> Result<(), ApiError> {
        let body = json_body(&UpdateMessage {
            channel,
            ts,
            text: &message.text,
            blocks: Kit(&message.blocks),
        })?;
        self.call("chat.update", body).await.map(drop)
    }

    /// `conversations.open(users=U…)` → the `D…` id of the DM with `user`.
    pub async fn open_dm(&self, user: &UserId) -> Result<String, ApiError> {
        const METHOD: &str = "conversations.open";
        let body = json_body(&serde_json::json!({ "users": user.as_str() }))?;
        let answer = self.call(METHOD, body).await?;
        answer
            .get("channel")
            .and_then(|c| str_field(c, "id"))
            .map(str::to_string)
            .ok_or_else(|| unexpected(METHOD, "channel.id"))
    }

    /// `auth.test`: the workspace this token belongs to. The delivery worker
    /// sends nothing owed to any other workspace.
    pub async fn workspace(&self) -> Result<TeamId, ApiError> {
        const METHOD: &str = "auth.test";
        let answer = self.call(METHOD, Body::Form(Vec::new())).await?;
        str_field(&answer, "team_id")
            .and_then(TeamId::parse)
            .ok_or_else(|| unexpected(METHOD, "team_id"))
    }

    /// `apps.connections.open` (with the app-level token): the WebSocket URL
    /// of a new Socket Mode connection. Never logged: it carries a ticket.
    pub async fn open_connection(&self) -> Result<Secret, ApiError> {
        const METHOD: &str = "apps.connections.open";
        let answer = self.call(METHOD, Body::Form(Vec::new())).await?;
        str_field(&answer, "url")
            .filter(|u| u.starts_with("wss://") || u.starts_with("ws://"))
            .map(Secret::new)
            .ok_or_else(|| unexpected(METHOD, "url"))
    }

    /// `users.info`: the person's time zone and whether they are still here.
    pub async fn user_info(&self, user: &UserId) -> Result<UserInfo, ApiError> {
        const METHOD: &str = "users.info";
        let body = Body::Form(vec![("user", user.as_str().to_string())]);
        let answer = self.call(METHOD, body).await?;
        let Some(user) = answer.get("user").filter(|u| u.is_object()) else {
            return Err(unexpected(METHOD, "user"));
        };
        let flag = |name: &str| user.get(name).and_then(Value::as_bool).unwrap_or(false);
        Ok(UserInfo {
            tz: str_field(user, "tz")
                .filter(|tz| !tz.is_empty())
                .map(str::to_string),
            deleted: flag("deleted"),
            is_bot: flag("is_bot"),
            name: ["display_name", "real_name"]
                .iter()
                .filter_map(|field| user.get("profile").and_then(|p| str_field(p, field)))
                .chain(str_field(user, "real_name"))
                .map(str::trim)
                .find(|name| !name.is_empty())
                .map(|name| name.chars().take(80).collect()),
        })
    }

    /// Replaces the message a click came from, through the click's
    /// `response_url` (the only way to change an ephemeral message). The URL
    /// is itself the credential (no token is sent), so it is never logged,
    /// and it is called only if it is Slack's (`https://hooks.slack.com/`)
    /// or under the Web API base URL (a fake Slack in tests).
    pub async fn respond(&self, response_url: &Secret, message: &Message) -> Result<(), ApiError> {
        #[derive(Serialize)]
        struct Replace<'a> {
            replace_original: bool,
            text: &'a str,
            blocks: Kit<'a>,
        }
        let body = serde_json::to_vec(&Replace {
            replace_original: true,
            text: &message.text,
            blocks: Kit(&message.blocks),
        })
        .map_err(|_| ApiError::Permanent("unserializable_request".into()))?;
        self.respond_json(response_url, body).await
    }

    /// Posts a JSON answer to a `response_url` as it is (a command's answer
    /// that came too late for its ack). Called only for Slack's URLs, as
    /// [`SlackApi::respond`].
    pub async fn respond_json(&self, response_url: &Secret, body: Vec<u8>) -> Result<(), ApiError> {
        let url = response_url.expose();
        if !(url.starts_with("https://hooks.slack.com/") || url.starts_with(&self.base_url)) {
            return Err(ApiError::Permanent("response_url_not_slack".into()));
        }
        let response = self
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(ApiError::Permanent(format!("http_{status}"))),
        }
    }

    /// Uploads one file, not yet shared with anyone: `files.getUploadURLExternal`
    /// for a URL and an id, then the bytes to that URL. The URL is itself
    /// a credential (no token is sent to it), so it is never logged, and
    /// it is used only if it is Slack's (`https://files.slack.com/`) or
    /// under the Web API base URL (a fake Slack in tests). Returns the id,
    /// for [`SlackApi::complete_upload`]; a file never completed is
    /// discarded by Slack.
    pub async fn upload_file(&self, filename: &str, bytes: Vec<u8>) -> Result<String, ApiError> {
        const METHOD: &str = "files.getUploadURLExternal";
        let body = Body::Form(vec![
            ("filename", filename.to_string()),
            ("length", bytes.len().to_string()),
        ]);
        let answer = self.call(METHOD, body).await?;
        let (Some(url), Some(id)) = (
            str_field(&answer, "upload_url"),
            str_field(&answer, "file_id"),
        ) else {
            return Err(unexpected(METHOD, "upload_url"));
        };
        if !(url.starts_with("https://files.slack.com/") || url.starts_with(&self.base_url)) {
            return Err(ApiError::Permanent("upload_url_not_slack".into()));
        }
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status().as_u16();
        let outcome = match status {
            200..=299 => Ok(id.to_string()),
            429 => Err(ApiError::RateLimited {
                retry_after: parse_retry_after(
                    response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok()),
                ),
            }),
            500.. => Err(ApiError::Transient(format!("http_{status}"))),
            _ => Err(ApiError::Permanent(format!("http_{status}"))),
        };
        if let Some(metrics) = &self.metrics {
            metrics.api_call(
                "files.upload",
                if outcome.is_ok() { "ok" } else { "retryable" },
                None,
            );
        }
        outcome
    }

    /// `files.completeUploadExternal`: shares uploaded files (with their
    /// titles) in `channel`, with `comment` as the message they go with.
    pub async fn complete_upload(
        &self,
        files: &[(String, String)],
        channel: &str,
        comment: &str,
    ) -> Result<(), ApiError> {
        let files: Vec<Value> = files
            .iter()
            .map(|(id, title)| serde_json::json!({ "id": id, "title": title }))
            .collect();
        let body = json_body(&serde_json::json!({
            "files": files,
            "channel_id": channel,
            "initial_comment": comment,
        }))?;
        self.call("files.completeUploadExternal", body)
            .await
            .map(drop)
    }

    /// Whether the file was shared in `channel` (`files.info`): how a
    /// retry after an uncertain `files.completeUploadExternal` learns that
    /// it arrived. A file Slack no longer knows was not shared.
    pub async fn file_shared_in(&self, file: &str, channel: &str) -> Result<bool, ApiError> {
        let body = Body::Form(vec![("file", file.to_string())]);
        let answer = match self.call("files.info", body).await {
            Ok(answer) => answer,
            Err(ApiError::Permanent(code))
                if code == "file_not_found" || code == "file_deleted" =>
            {
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let Some(file) = answer.get("file") else {
            return Err(unexpected("files.info", "file"));
        };
        let listed = ["ims", "channels", "groups"].iter().any(|list| {
            file.get(*list)
                .and_then(Value::as_array)
                .is_some_and(|ids| ids.iter().any(|id| id.as_str() == Some(channel)))
        });
        let shared = ["private", "public"].iter().any(|kind| {
            file.get("shares")
                .and_then(|s| s.get(*kind))
                .and_then(|s| s.get(channel))
                .is_some()
        });
        Ok(listed || shared)
    }

    /// `views.open` with a `trigger_id` (valid for 3 s, once) and a view.
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), ApiError> {
        let body = json_body(&serde_json::json!({ "trigger_id": trigger_id, "view": view }))?;
        self.call("views.open", body).await.map(drop)
    }

    /// `views.publish`: the person's App Home tab.
    pub async fn publish_view(&self, user: &UserId, view: &Value) -> Result<(), ApiError> {
        let body = json_body(&serde_json::json!({ "user_id": user.as_str(), "view": view }))?;
        self.call("views.publish", body).await.map(drop)
    }

    /// Looks for a message we posted to `channel` since `oldest_unix` whose
    /// metadata carries `metadata_key` (`conversations.history` with
    /// `include_all_metadata`, 200 a page, at most 5 pages).
    ///
    /// This is how delivery recovers after a crash (or a timeout) between
    /// posting and recording "sent": if the message is there, it was sent.
    /// `Ok(None)` after 5 full pages means "not among the last 1000
    /// messages", which for a bot's DM is as good as "not there".
    pub async fn find_posted(
        &self,
        channel: &str,
        oldest_unix: i64,
        metadata_key: &str,
    ) -> Result<Option<Posted>, ApiError> {
        const METHOD: &str = "conversations.history";
        let mut cursor: Option<String> = None;
        for _ in 0..HISTORY_MAX_PAGES {
            let mut form = vec![
                ("channel", channel.to_string()),
                ("oldest", oldest_unix.to_string()),
                // Slack's `oldest` is exclusive unless told otherwise.
                ("inclusive", "true".to_string()),
                ("include_all_metadata", "true".to_string()),
                ("limit", HISTORY_PAGE.to_string()),
            ];
            if let Some(cursor) = cursor.take() {
                form.push(("cursor", cursor));
            }
            let answer = self.call(METHOD, Body::Form(form)).await?;
            let Some(messages) = answer.get("messages").and_then(Value::as_array) else {
                return Err(unexpected(METHOD, "messages"));
            };
            if let Some(ts) = messages.iter().find_map(|m| carries_key(m, metadata_key)) {
                return Ok(Some(Posted {
                    channel: channel.to_string(),
                    ts: ts.to_string(),
                }));
            }
            cursor = answer
                .get("response_metadata")
                .and_then(|m| str_field(m, "next_cursor"))
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            if cursor.is_none() {
                return Ok(None);
            }
        }
        tracing::debug!(
            method = METHOD,
            pages = HISTORY_MAX_PAGES,
            "stopped looking for a posted message"
        );
        Ok(None)
    }

    /// One attempt: send, read, classify, log.
    async fn call(&self, method: &'static str, body: Body) -> Result<Value, ApiError> {
        let request = self
            .client
            .post(format!("{}{method}", self.base_url))
            .bearer_auth(self.token.expose());
        let request = match body {
            Body::Json(bytes) => request
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json; charset=utf-8",
                )
                .body(bytes),
            Body::Form(fields) => request.form(&fields),
        };
        let result = match request.send().await {
            Err(err) => Err(transport_error(&err)),
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                match response.bytes().await {
                    Ok(bytes) => classify(status, retry_after.as_deref(), &bytes),
                    Err(err) => Err(transport_error(&err)),
                }
            }
        };
        if let Some(metrics) = &self.metrics {
            let (outcome, wait) = match &result {
                Ok(_) => ("ok", None),
                Err(ApiError::RateLimited { retry_after }) => ("rate_limited", Some(*retry_after)),
                Err(ApiError::Transient(_)) => ("retryable", None),
                Err(ApiError::Permanent(_)) => ("refused", None),
            };
            metrics.api_call(method, outcome, wait);
        }
        match &result {
            Ok(answer) => {
                if let Some(warning) = answer.get("warning").and_then(Value::as_str) {
                    tracing::debug!(method, warning = %sanitize_code(warning), "Slack API warning");
                }
                tracing::debug!(method, "Slack API call succeeded");
            }
            Err(err @ ApiError::Permanent(_)) => {
                tracing::warn!(method, code = err.code(), "Slack API call refused");
            }
            Err(err) => {
                tracing::info!(
                    method,
                    code = err.code(),
                    "Slack API call failed, may be retried"
                );
            }
        }
        result
    }
}

fn json_body(value: &impl Serialize) -> Result<Body, ApiError> {
    // Our own types always serialise; the error path exists only so that an
    // impossible failure is reported instead of panicking.
    serde_json::to_vec(value)
        .map(Body::Json)
        .map_err(|_| ApiError::Permanent("unserializable_request".into()))
}

fn str_field<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}

/// The message's `ts` if its metadata is our outbox's with `key`.
fn carries_key<'a>(message: &'a Value, key: &str) -> Option<&'a str> {
    let metadata = message.get("metadata")?;
    let ours = str_field(metadata, "event_type") == Some(OUTBOX_EVENT_TYPE)
        && metadata
            .get("event_payload")
            .and_then(|p| str_field(p, "key"))
            == Some(key);
    if ours { str_field(message, "ts") } else { None }
}

/// Slack as a delivery surface: each method is the Web API call of the same
/// name above.
impl crate::surface::Surface for SlackApi {
    fn timeout(&self) -> Duration {
        SlackApi::timeout(self)
    }
    fn workspace(&self) -> Answer<'_, TeamId> {
        Box::pin(SlackApi::workspace(self))
    }
    fn open_dm<'a>(&'a self, user: &'a UserId) -> Answer<'a, String> {
        Box::pin(SlackApi::open_dm(self, user))
    }
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Message,
        key: &'a str,
    ) -> Answer<'a, Posted> {
        Box::pin(self.post_message(channel, message, Some(key)))
    }
    fn update<'a>(&'a self, channel: &'a str, ts: &'a str, message: &'a Message) -> Answer<'a, ()> {
        Box::pin(self.update_message(channel, ts, message))
    }
    fn find_posted<'a>(
        &'a self,
        channel: &'a str,
        since_unix: i64,
        key: &'a str,
    ) -> Answer<'a, Option<Posted>> {
        Box::pin(SlackApi::find_posted(self, channel, since_unix, key))
    }
    fn person<'a>(&'a self, user: &'a UserId) -> Answer<'a, UserInfo> {
        Box::pin(self.user_info(user))
    }
    fn publish_home<'a>(&'a self, user: &'a UserId, home: &'a Message) -> Answer<'a, ()> {
        let view = super::blocks::home_view(home);
        Box::pin(async move { self.publish_view(user, &view).await })
    }
    /// Slack shares the file in its channel only when it is completed.
    fn upload<'a>(
        &'a self,
        filename: &'a str,
        bytes: Vec<u8>,
        _channel: &'a str,
    ) -> Answer<'a, String> {
        Box::pin(self.upload_file(filename, bytes))
    }
    fn share<'a>(
        &'a self,
        files: &'a [(String, String)],
        channel: &'a str,
        comment: &'a str,
    ) -> Answer<'a, ()> {
        Box::pin(self.complete_upload(files, channel, comment))
    }
    fn file_shared_in<'a>(&'a self, file: &'a str, channel: &'a str) -> Answer<'a, bool> {
        Box::pin(SlackApi::file_shared_in(self, file, channel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classify_json(status: u16, body: Value) -> Result<Value, ApiError> {
        classify(status, None, body.to_string().as_bytes())
    }

    #[test]
    fn ok_true_is_the_answer() {
        let answer = classify_json(200, json!({"ok": true, "ts": "1.2"})).unwrap();
        assert_eq!(answer["ts"], "1.2");
        // A warning does not make a success a failure.
        assert!(classify_json(200, json!({"ok": true, "warning": "missing_charset"})).is_ok());
    }

    #[test]
    fn http_429_is_rate_limited_with_the_header_duration() {
        let limited = |header| classify(429, header, br#"{"ok":false,"error":"ratelimited"}"#);
        let after = |secs| {
            Err(ApiError::RateLimited {
                retry_after: Duration::from_secs(secs),
            })
        };
        assert_eq!(limited(Some("30")), after(30));
        assert_eq!(limited(Some(" 7 ")), after(7));
        assert_eq!(limited(None), after(1));
        assert_eq!(limited(Some("soon")), after(1));
        assert_eq!(limited(Some("-5")), after(1));
        assert_eq!(limited(Some("86400")), after(900));
        // The body does not matter: a 429 is a 429.
        assert_eq!(classify(429, Some("2"), b"<html>"), after(2));
    }

    #[test]
    fn server_errors_are_transient() {
        for status in [500, 502, 503, 504] {
            assert_eq!(
                classify(status, None, b"<html>oops</html>"),
                Err(ApiError::Transient(format!("http_{status}")))
            );
        }
    }

    #[test]
    fn other_http_errors_are_permanent() {
        for status in [400, 401, 403, 404, 410, 302] {
            assert_eq!(
                classify(status, None, b"nope"),
                Err(ApiError::Permanent(format!("http_{status}")))
            );
        }
    }

    #[test]
    fn unreadable_bodies_are_transient() {
        let unreadable = Err(ApiError::Transient("unreadable_body".into()));
        assert_eq!(classify(200, None, b"<html>gateway</html>"), unreadable);
        assert_eq!(classify(200, None, b""), unreadable);
        assert_eq!(classify_json(200, json!({"channel": "C1"})), unreadable);
        assert_eq!(classify_json(200, json!({"ok": "yes"})), unreadable);
        assert_eq!(classify_json(200, json!([1, 2])), unreadable);
    }

    #[test]
    fn slack_trouble_codes_are_transient() {
        for code in TRANSIENT_CODES {
            assert_eq!(
                classify_json(200, json!({"ok": false, "error": code})),
                Err(ApiError::Transient(code.to_string())),
                "{code}"
            );
        }
    }

    #[test]
    fn every_other_code_is_permanent() {
        for code in [
            "channel_not_found",
            "user_not_found",
            "account_inactive",
            "invalid_auth",
            "not_authed",
            "token_revoked",
            "missing_scope",
            "is_archived",
            "msg_too_long",
            "no_text",
            "invalid_blocks",
            "expired_trigger_id",
            "some_code_slack_invents_tomorrow",
        ] {
            assert_eq!(
                classify_json(200, json!({"ok": false, "error": code})),
                Err(ApiError::Permanent(code.to_string())),
                "{code}"
            );
        }
    }

    #[test]
    fn strange_error_codes_are_tamed() {
        assert_eq!(
            classify_json(200, json!({"ok": false})),
            Err(ApiError::Permanent("unknown_error".into()))
        );
        assert_eq!(
            classify_json(200, json!({"ok": false, "error": 42})),
            Err(ApiError::Permanent("unknown_error".into()))
        );
        assert_eq!(
            classify_json(200, json!({"ok": false, "error": "bad\ncode <x>"})),
            Err(ApiError::Permanent("badcodex".into()))
        );
        let long = "x".repeat(500);
        let Err(err) = classify_json(200, json!({"ok": false, "error": long})) else {
            panic!("expected an error");
        };
        assert_eq!(err.code().len(), MAX_CODE_LEN);
    }

    #[test]
    fn codes_and_messages() {
        let limited = ApiError::RateLimited {
            retry_after: Duration::from_secs(3),
        };
        assert_eq!(limited.code(), "ratelimited");
        assert_eq!(
            ApiError::Permanent("channel_not_found".into()).to_string(),
            "the chat service refused the call: channel_not_found"
        );
    }

    #[test]
    fn finds_only_our_metadata_with_the_key() {
        let message = |event_type: &str, key: &str| {
            let metadata = json!({"event_type": event_type, "event_payload": {"key": key}});
            json!({"ts": "5.1", "metadata": metadata})
        };
        assert_eq!(
            carries_key(&message(OUTBOX_EVENT_TYPE, "k1"), "k1"),
            Some("5.1")
        );
        assert_eq!(carries_key(&message(OUTBOX_EVENT_TYPE, "k2"), "k1"), None);
        assert_eq!(carries_key(&message("someone_else", "k1"), "k1"), None);
        assert_eq!(carries_key(&json!({"ts": "5.1"}), "k1"), None);
    }

    #[test]
    fn debug_hides_the_token() {
        let api = SlackApi::new(
            "http://127.0.0.1:9/api",
            Secret::new("xoxb-very-secret"),
            Duration::from_secs(1),
        );
        let shown = format!("{api:?}");
        assert!(!shown.contains("xoxb-very-secret"), "{shown}");
        assert!(shown.contains("http://127.0.0.1:9/api/"), "{shown}");
    }
}
