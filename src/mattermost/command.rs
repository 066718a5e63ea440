//! `POST /mattermost/command`: Mattermost's custom slash commands `/tour`,
//! `/1on1` and `/alumni`, answered by the same engine as Slack's.
//!
//! Decisions:
//! - **Verification.** Mattermost signs nothing; each custom command has a
//!   token, sent as `Authorization: Token …` (and as the `token` field).
//!   It must equal one of `MATTERMOST_COMMAND_TOKENS`, compared in constant
//!   time; otherwise 401 and nothing else is read or written. Then a team
//!   or user id that is not Mattermost's, or a command that is not ours, is
//!   400.
//! - **Who.** The workspace is the team (`mm-<team id>`, see
//!   `domain::people`), the person their Mattermost user id.
//! - **Mentions.** Mattermost sends `@ana` as typed. Every `@name` in the
//!   text is looked up (`POST /api/v4/users/usernames`, the one call made
//!   while answering, bounded by [`LOOKUP_TIMEOUT`]) and handed to the
//!   engine as the mention `<@id>`; a name that is nobody's is answered
//!   with a hint and the command is not run, and a lookup that fails says
//!   to try again (nothing is run either). The text is escaped as Slack
//!   escapes it (`&`, `<`, `>`), which is what the engine reads.
//! - **Answers** are the command's own ephemeral response, in Markdown
//!   (`render`), without buttons: an ephemeral answer cannot be updated in
//!   place, and every answer names its typed command anyway. A command that
//!   opens a form (`/tour propose` alone) opens it as a dialog (`dialogs`)
//!   when buttons and dialogs are set up, and answers with how to type it.

use super::api::{Directory, MattermostApi};
use super::render::Renderer;
use crate::clock::Clock;
use crate::commands::{Engine, Request};
use crate::config::Secret;
use crate::domain::{TeamId, UserId};
use crate::message::Form;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

/// How long a username lookup may take while someone waits.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);
/// Mattermost's commands are small forms.
const MAX_BODY: usize = 64 * 1024;
/// Usernames looked up in one command, at most.
const MAX_NAMES: usize = 10;

pub struct Commands {
    pub(super) engine: Engine,
    pub(super) clock: Clock,
    /// Wakes delivery after a request owed someone a message.
    pub(super) wake: crate::delivery::Wake,
    tokens: Vec<Secret>,
    /// Where Mattermost calls us back (this server's public base URL) and
    /// the secret that signs what a button acts on and a dialog's state:
    /// no buttons and no dialogs without.
    pub(super) callbacks: Option<(String, Secret)>,
    api: Option<Arc<MattermostApi>>,
    /// Usernames learnt from commands and lookups, to name people in
    /// answers (and in what delivery posts).
    names: Directory,
}

impl Commands {
    pub fn new(
        engine: Engine,
        clock: Clock,
        wake: crate::delivery::Wake,
        tokens: Vec<Secret>,
        api: Option<Arc<MattermostApi>>,
        names: Directory,
    ) -> Commands {
        Commands {
            engine,
            clock,
            wake,
            tokens,
            callbacks: None,
            api,
            names,
        }
    }

    /// Buttons and dialogs are served: Mattermost reaches them under
    /// `base_url`, and what they carry is signed with `secret`.
    pub fn with_callbacks(mut self, callbacks: Option<(String, Secret)>) -> Commands {
        self.callbacks =
            callbacks.map(|(url, secret)| (url.trim_end_matches('/').to_string(), secret));
        self
    }

    /// Whether a form can open as a dialog here.
    fn has_dialogs(&self) -> bool {
        self.callbacks.is_some() && self.api.is_some()
    }

    /// Opens `form` as a dialog for `user`, on a task of its own (the
    /// request is answered first); a failure is logged.
    pub(super) fn open_form(&self, trigger_id: &str, team: &TeamId, user: &UserId, form: &Form) {
        let (Some((base, secret)), Some(api)) = (&self.callbacks, &self.api) else {
            return;
        };
        let names = |u: &UserId| self.name_of(u);
        let renderer = Renderer {
            username: &names,
            actions_url: "",
            secret: b"",
        };
        let body = super::dialogs::open_body(
            form,
            trigger_id,
            &format!("{base}/mattermost/dialogs"),
            secret.expose().as_bytes(),
            (team, user),
            &renderer,
        );
        let api = api.clone();
        tokio::spawn(async move {
            if let Err(e) = api.open_dialog(body).await {
                tracing::warn!(error = %e.code(), "could not open a Mattermost dialog");
            }
        });
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/mattermost/command", post(command))
            .route("/mattermost/actions", post(super::actions::action))
            .route("/mattermost/dialogs", post(super::dialogs::submit))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(Arc::new(self))
    }

    /// The workspace and person a request names, and their username
    /// learnt; `None` when the ids are not Mattermost's (answer
    /// [`not_mattermost`]).
    pub(super) fn who(
        &self,
        team_id: &str,
        user_id: &str,
        user_name: &str,
    ) -> Option<(TeamId, UserId)> {
        let team = TeamId::mattermost(team_id)?;
        let user = UserId::mattermost(user_id)?;
        if !user_name.is_empty() {
            self.learn(&user, user_name);
        }
        Some((team, user))
    }

    fn learn(&self, user: &UserId, name: &str) {
        self.names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(user.clone(), name.to_string());
    }

    fn name_of(&self, user: &UserId) -> Option<String> {
        self.names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(user)
            .cloned()
    }

    /// Whether `given` is one of the command tokens, in constant time (each
    /// token is compared whole, whatever matched before).
    fn verified(&self, given: &str) -> bool {
        let mut ok = false;
        for token in &self.tokens {
            ok |= constant_time_eq(token.expose().as_bytes(), given.as_bytes());
        }
        ok
    }
}

/// The answer to a request whose team or user id is not Mattermost's.
pub(super) fn not_mattermost() -> Response {
    (
        StatusCode::BAD_REQUEST,
        "team_id or user_id is not Mattermost's",
    )
        .into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn ephemeral(text: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "response_type": "ephemeral", "text": text }).to_string(),
    )
        .into_response()
}

async fn command(State(state): State<Arc<Commands>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "))
        .or(form.get("token").map(String::as_str))
        .unwrap_or_default();
    if token.is_empty() || !state.verified(token) {
        tracing::warn!("a Mattermost command with a wrong or missing token was refused");
        return (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let Some((team, user)) = state.who(field("team_id"), field("user_id"), field("user_name"))
    else {
        return not_mattermost();
    };
    let command = field("command");
    if !matches!(command, "/tour" | "/1on1" | "/alumni") {
        return (StatusCode::BAD_REQUEST, "not one of Alliance's commands").into_response();
    }
    let text = match mentions(&state, field("text")).await {
        Ok(text) => text,
        Err(answer) => return ephemeral(answer),
    };
    let request = Request {
        team,
        user,
        command: command.to_string(),
        text,
    };
    if state.has_dialogs()
        && let Some(form) = crate::commands::form_for(&request)
    {
        state.open_form(field("trigger_id"), &request.team, &request.user, &form);
        return ephemeral(
            "Opening the form to propose a tour… If it does not appear, type it instead: `/tour propose @person rotational 18m What the tour is for`."
                .into(),
        );
    }
    let now = state.clock.now();
    let worker = state.clone();
    // sled and its fsync are blocking work; keep them off the async workers.
    let answer = tokio::task::spawn_blocking(move || worker.engine.handle(&request, now)).await;
    state.wake.notify();
    let Ok(message) = answer else {
        return ephemeral("Sorry, something went wrong on my side. Please try again.".into());
    };
    let names = |u: &UserId| state.name_of(u);
    let renderer = Renderer {
        username: &names,
        actions_url: "",
        secret: b"",
    };
    let rendered = renderer.render(&message);
    ephemeral(rendered["text"].as_str().unwrap_or_default().to_string())
}

/// The text as the engine reads it: escaped as Slack escapes it, with every
/// `@name` that is somebody's as the mention `<@id>`. `Err`: what to answer
/// instead of running the command.
async fn mentions(state: &Commands, text: &str) -> Result<String, String> {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut names: Vec<String> = Vec::new();
    for word in escaped.split_whitespace() {
        if let Some(name) = username(word)
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
    }
    if names.is_empty() {
        return Ok(escaped);
    }
    if names.len() > MAX_NAMES {
        return Err(format!(
            "That names {} people; a command names at most {MAX_NAMES}.",
            names.len()
        ));
    }
    let Some(api) = &state.api else {
        return Err("Alliance can't look people up on this Mattermost server yet (MATTERMOST_URL and MATTERMOST_BOT_TOKEN are not set): ask your admin.".into());
    };
    let found = match tokio::time::timeout(LOOKUP_TIMEOUT, api.users_by_username(&names)).await {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => {
            tracing::warn!(error = %e.code(), "a username lookup failed");
            return Err("I couldn't look those people up on Mattermost just now, so nothing was done. Please try again in a moment.".into());
        }
        Err(_) => {
            tracing::warn!("a username lookup timed out");
            return Err("Mattermost took too long to tell me who those people are, so nothing was done. Please try again in a moment.".into());
        }
    };
    let ids: HashMap<&str, &UserId> = found.iter().map(|(n, id)| (n.as_str(), id)).collect();
    if let Some(unknown) = names.iter().find(|n| !ids.contains_key(n.as_str())) {
        return Err(format!(
            "No one on this Mattermost server is called `@{unknown}`, so nothing was done: check the spelling (Mattermost suggests names as you type @)."
        ));
    }
    for (name, id) in &found {
        state.learn(id, name);
    }
    let words: Vec<String> = escaped
        .split(' ')
        .map(|word| match username(word).and_then(|n| ids.get(n)) {
            Some(id) => word.replacen(
                &format!("@{}", username(word).unwrap_or_default()),
                &id.mention(),
                1,
            ),
            None => word.to_string(),
        })
        .collect();
    Ok(words.join(" "))
}

/// The username in a word like `@ana` or `@ana.b,` (Mattermost's names are
/// lower-case letters, digits, `.`, `-` and `_`).
fn username(word: &str) -> Option<&str> {
    let name = word.strip_prefix('@')?;
    let end = name
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)))
        .unwrap_or(name.len());
    let name = name[..end].trim_end_matches('.');
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_read_from_words() {
        assert_eq!(username("@ana"), Some("ana"));
        assert_eq!(username("@ana.b,"), Some("ana.b"));
        assert_eq!(username("@ana."), Some("ana"));
        assert_eq!(username("ana"), None);
        assert_eq!(username("@"), None);
        assert_eq!(username("@Ana"), None, "Mattermost's names are lower case");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
