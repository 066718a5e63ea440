//! The Mattermost REST API (`/api/v4`) with the bot account's token
//! (`Authorization: Bearer …`, never logged): people by username while a
//! command is answered (`POST /api/v4/users/usernames`), and delivery's
//! [`Surface`]: the DM (`POST /api/v4/channels/direct` with the bot's own
//! id from `GET /api/v4/users/me`), posts (`POST /api/v4/posts`, our
//! outbox key in `props.alliance_key`), updates (`PUT /api/v4/posts/{id}`),
//! whether an uncertain post landed (`GET /api/v4/channels/{id}/posts?since=`),
//! and people (`GET /api/v4/users/{id}`: the zone as the server prefers it,
//! deactivated, username), and files (`POST /api/v4/files` into the DM, then
//! one post that attaches them; `GET /api/v4/files/{id}/info` tells whether
//! an uncertain share landed). There is no home tab (publishing one does
//! nothing).
//!
//! Posts carry buttons when `/mattermost/actions` is served (see
//! `with_actions`); every message names its typed command anyway.

use super::render::Renderer;
use crate::config::Secret;
use crate::domain::{TeamId, UserId};
use crate::message::Message;
use crate::surface::{Answer, ApiError, Posted, Surface, UserInfo};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Usernames the surface has learnt, shared by commands and delivery.
pub type Directory = Arc<Mutex<HashMap<UserId, String>>>;

pub struct MattermostApi {
    client: reqwest::Client,
    /// `https://chat.example.com`, no `/` at the end.
    url: String,
    token: Secret,
    timeout: Duration,
    /// The team delivery works for (`MATTERMOST_TEAM_ID`).
    team: Option<TeamId>,
    /// The bot's own user id, asked once.
    me: Mutex<Option<UserId>>,
    names: Directory,
    /// Where buttons call, and the key that signs them: no buttons without.
    actions: Option<(String, Secret)>,
    /// The event stream's address, when not the server's own.
    websocket: Option<String>,
}

impl std::fmt::Debug for MattermostApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MattermostApi")
            .field("url", &self.url)
            .field("token", &self.token) // Secret's Debug redacts
            .finish()
    }
}

impl MattermostApi {
    pub fn new(url: &str, token: Secret, timeout: Duration) -> MattermostApi {
        // reqwest's rustls needs a process-wide crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("alliance/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        MattermostApi {
            client,
            url: url.trim_end_matches('/').to_string(),
            token,
            timeout,
            team: None,
            me: Mutex::new(None),
            names: Directory::default(),
            actions: None,
            websocket: None,
        }
    }

    /// Reads events from `url` rather than the server's own
    /// `/api/v4/websocket` (a proxy that routes WebSockets apart).
    pub fn with_websocket_url(mut self, url: &str) -> MattermostApi {
        self.websocket = Some(url.to_string());
        self
    }

    /// Posts carry buttons that call `url` (`…/mattermost/actions`),
    /// their context signed with `secret`.
    pub fn with_actions(mut self, actions: Option<(String, Secret)>) -> MattermostApi {
        self.actions = actions;
        self
    }

    /// Delivers for `team`, naming people from `names`.
    pub fn for_team(mut self, team: Option<TeamId>, names: Directory) -> MattermostApi {
        self.team = team;
        self.names = names;
        self
    }

    /// One call: `method` on `/api/v4/{path}`, the answer's JSON.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ApiError> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.answer(request).await
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}/api/v4/{path}", self.url))
            .bearer_auth(self.token.expose())
    }

    /// Sends `request`; the answer's JSON, or the error its status means.
    async fn answer(&self, request: reqwest::RequestBuilder) -> Result<Value, ApiError> {
        let response = request.send().await.map_err(|e| {
            ApiError::Transient(if e.is_timeout() { "timeout" } else { "connect" }.into())
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("x-ratelimit-reset")
            .or(response.headers().get(reqwest::header::RETRY_AFTER))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .clamp(1, 900);
        match status {
            200..=299 => response
                .json()
                .await
                .map_err(|_| ApiError::Transient("unreadable_body".into())),
            429 => Err(ApiError::RateLimited {
                retry_after: Duration::from_secs(retry_after),
            }),
            // A deactivated or unknown person, a channel gone: for good.
            500.. => Err(ApiError::Transient(format!("http_{status}"))),
            _ => Err(ApiError::Permanent(format!("http_{status}"))),
        }
    }

    /// The bot account's own user id.
    pub async fn bot_id(&self) -> Result<UserId, ApiError> {
        self.me().await
    }

    /// The event stream's address (`ws://` or `wss://`).
    pub fn websocket_url(&self) -> String {
        if let Some(url) = &self.websocket {
            return url.clone();
        }
        let url = if let Some(rest) = self.url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.url.clone()
        };
        format!("{url}/api/v4/websocket")
    }

    /// The `Authorization` header's value (a secret: never logged).
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token.expose())
    }

    async fn me(&self) -> Result<UserId, ApiError> {
        if let Some(me) = self
            .me
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(me);
        }
        let answer = self.call(reqwest::Method::GET, "users/me", None).await?;
        let me = answer
            .get("id")
            .and_then(Value::as_str)
            .and_then(UserId::mattermost)
            .ok_or_else(|| ApiError::Transient("unexpected_response".into()))?;
        *self.me.lock().unwrap_or_else(PoisonError::into_inner) = Some(me.clone());
        Ok(me)
    }

    /// `props` with the post's own outbox key kept (a `PUT` replaces all
    /// of a post's props).
    async fn keep_key(&self, post: &str, mut props: Value) -> Value {
        match self
            .call(reqwest::Method::GET, &format!("posts/{post}"), None)
            .await
        {
            Ok(old) if old["props"]["alliance_key"].is_string() => {
                props["alliance_key"] = old["props"]["alliance_key"].clone();
            }
            _ => {
                if let Some(map) = props.as_object_mut() {
                    map.remove("alliance_key");
                }
            }
        }
        props
    }

    /// Learns the usernames of people a message mentions that are not
    /// known yet (`POST /api/v4/users/ids`, best effort: an id is shown
    /// rather than nothing sent).
    async fn learn_names(&self, message: &Message) {
        let unknown: Vec<String> = {
            let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
            let mut ids: Vec<String> = mentioned(message)
                .into_iter()
                .filter(|id| !names.contains_key(id))
                .map(|id| id.as_str().to_string())
                .collect();
            ids.sort();
            ids.dedup();
            ids
        };
        if unknown.is_empty() {
            return;
        }
        match self
            .call(reqwest::Method::POST, "users/ids", Some(json!(unknown)))
            .await
        {
            Ok(users) => {
                let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
                for u in users.as_array().into_iter().flatten() {
                    if let (Some(id), Some(name)) = (
                        u.get("id")
                            .and_then(Value::as_str)
                            .and_then(UserId::mattermost),
                        u.get("username").and_then(Value::as_str),
                    ) {
                        names.insert(id, name.to_string());
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e.code(), "usernames not learnt; ids are shown"),
        }
    }

    /// A message as a post's `message` (Markdown) and `props`: our key,
    /// and the buttons as attachments when buttons are set up.
    fn post_body(&self, message: &Message, key: Option<&str>) -> (String, Value) {
        let names = self
            .names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let username = |u: &UserId| names.get(u).cloned();
        let (url, secret) = match &self.actions {
            Some((url, secret)) => (url.as_str(), secret.expose().as_bytes()),
            None => ("", &b""[..]),
        };
        let renderer = Renderer {
            username: &username,
            actions_url: url,
            secret,
        };
        let rendered = renderer.render(message);
        let mut props = json!({});
        if let Some(key) = key {
            props["alliance_key"] = key.into();
        }
        if self.actions.is_some() {
            props["attachments"] = rendered["attachments"].clone();
        }
        let text = rendered["text"].as_str().unwrap_or_default().to_string();
        (text, props)
    }

    /// The posts of `channel` created or changed since `since_ms` (Unix
    /// milliseconds), oldest first.
    pub async fn posts_since(&self, channel: &str, since_ms: i64) -> Result<Vec<Value>, ApiError> {
        let path = format!("channels/{channel}/posts?since={since_ms}");
        let mut answer = self.call(reqwest::Method::GET, &path, None).await?;
        let mut posts: Vec<Value> = match answer.get_mut("posts").map(Value::take) {
            Some(Value::Object(posts)) => posts.into_iter().map(|(_, p)| p).collect(),
            _ => Vec::new(),
        };
        posts.sort_by_key(|p| p["create_at"].as_i64().unwrap_or_default());
        Ok(posts)
    }

    /// Opens an interactive dialog (`body` from `dialogs::open_body`).
    pub async fn open_dialog(&self, body: Value) -> Result<(), ApiError> {
        self.call(reqwest::Method::POST, "actions/dialogs/open", Some(body))
            .await
            .map(|_| ())
    }

    /// The people with these usernames, as `(username, id)`; a name that is
    /// nobody's is simply not in the answer.
    pub async fn users_by_username(
        &self,
        names: &[String],
    ) -> Result<Vec<(String, UserId)>, ApiError> {
        let users = self
            .call(reqwest::Method::POST, "users/usernames", Some(json!(names)))
            .await?;
        Ok(users
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| {
                let name = u.get("username")?.as_str()?;
                let id = UserId::mattermost(u.get("id")?.as_str()?)?;
                Some((name.to_string(), id))
            })
            .collect())
    }
}

/// The people a message mentions (`<@id>` in its text).
fn mentioned(message: &Message) -> Vec<UserId> {
    use crate::message::{Block, Text};
    let mut texts: Vec<&str> = vec![message.text.as_str()];
    for block in &message.blocks {
        match block {
            Block::Header { text } | Block::Section { text } => texts.push(text_of(text)),
            Block::Context { elements } => texts.extend(elements.iter().map(text_of)),
            _ => {}
        }
    }
    fn text_of(text: &Text) -> &str {
        match text {
            Text::Markdown { text } | Text::Plain { text } => text,
        }
    }
    let mut ids = Vec::new();
    for text in texts {
        let mut rest = text;
        while let Some(i) = rest.find("<@") {
            rest = &rest[i + 2..];
            let end = rest.find(['>', '|']).unwrap_or(rest.len());
            if let Some(id) = UserId::mattermost(&rest[..end]) {
                ids.push(id);
            }
        }
    }
    ids
}

fn id_of(answer: &Value) -> Result<String, ApiError> {
    answer
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| ApiError::Transient("unexpected_response".into()))
}

/// The zone a person's settings say, as the server decides it
/// (`GetPreferredTimezone`): the automatic one when they chose it.
fn preferred_zone(user: &Value) -> Option<String> {
    let zone = user.get("timezone")?;
    let field = |name: &str| zone.get(name).and_then(Value::as_str).unwrap_or_default();
    let chosen = if field("useAutomaticTimezone") == "true" {
        field("automaticTimezone")
    } else {
        field("manualTimezone")
    };
    (!chosen.is_empty()).then(|| chosen.to_string())
}

impl Surface for MattermostApi {
    fn timeout(&self) -> Duration {
        self.timeout
    }
    fn workspace(&self) -> Answer<'_, TeamId> {
        Box::pin(async move {
            self.team
                .clone()
                .ok_or_else(|| ApiError::Permanent("no_team".into()))
        })
    }
    fn open_dm<'a>(&'a self, user: &'a UserId) -> Answer<'a, String> {
        Box::pin(async move {
            let me = self.me().await?;
            let answer = self
                .call(
                    reqwest::Method::POST,
                    "channels/direct",
                    Some(json!([me.as_str(), user.as_str()])),
                )
                .await?;
            id_of(&answer)
        })
    }
    fn post<'a>(
        &'a self,
        channel: &'a str,
        message: &'a Message,
        key: &'a str,
    ) -> Answer<'a, Posted> {
        Box::pin(async move {
            self.learn_names(message).await;
            let (text, props) = self.post_body(message, Some(key));
            let body = json!({ "channel_id": channel, "message": text, "props": props });
            let answer = self
                .call(reqwest::Method::POST, "posts", Some(body))
                .await?;
            Ok(Posted {
                channel: channel.to_string(),
                ts: id_of(&answer)?,
            })
        })
    }
    fn update<'a>(
        &'a self,
        _channel: &'a str,
        ts: &'a str,
        message: &'a Message,
    ) -> Answer<'a, ()> {
        Box::pin(async move {
            self.learn_names(message).await;
            // The key stays with the post: `find_posted` reads it.
            let (text, props) = self.post_body(message, None);
            let props = self.keep_key(ts, props).await;
            let body = json!({ "id": ts, "message": text, "props": props });
            self.call(reqwest::Method::PUT, &format!("posts/{ts}"), Some(body))
                .await
                .map(drop)
        })
    }
    fn find_posted<'a>(
        &'a self,
        channel: &'a str,
        since_unix: i64,
        key: &'a str,
    ) -> Answer<'a, Option<Posted>> {
        Box::pin(async move {
            let posts = self.posts_since(channel, since_unix.max(0) * 1000).await?;
            let found = posts
                .iter()
                .find(|p| p["props"]["alliance_key"].as_str() == Some(key))
                .and_then(|p| p.get("id").and_then(Value::as_str));
            Ok(found.map(|id| Posted {
                channel: channel.to_string(),
                ts: id.to_string(),
            }))
        })
    }
    fn person<'a>(&'a self, user: &'a UserId) -> Answer<'a, UserInfo> {
        Box::pin(async move {
            let answer = self
                .call(reqwest::Method::GET, &format!("users/{user}"), None)
                .await?;
            let name = answer
                .get("username")
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(name) = &name {
                self.names
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(user.clone(), name.clone());
            }
            Ok(UserInfo {
                tz: preferred_zone(&answer),
                deleted: answer.get("delete_at").and_then(Value::as_i64).unwrap_or(0) > 0,
                is_bot: answer
                    .get("is_bot")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                name,
            })
        })
    }
    fn publish_home<'a>(&'a self, _user: &'a UserId, _home: &'a Message) -> Answer<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    /// `POST /api/v4/files?channel_id=…&filename=…` with the bytes as the
    /// body (servers from 4.8): the file belongs to no post until shared.
    fn upload<'a>(
        &'a self,
        filename: &'a str,
        bytes: Vec<u8>,
        channel: &'a str,
    ) -> Answer<'a, String> {
        Box::pin(async move {
            let query =
                serde_urlencoded::to_string([("channel_id", channel), ("filename", filename)])
                    .map_err(|_| ApiError::Permanent("unusable_filename".into()))?;
            let request = self
                .request(reqwest::Method::POST, &format!("files?{query}"))
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes);
            let answer = self.answer(request).await?;
            answer["file_infos"][0]["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| ApiError::Permanent("unexpected_upload_answer".into()))
        })
    }
    /// One post in `channel` with the files attached and `comment` as its
    /// message (the titles are the files' names already).
    fn share<'a>(
        &'a self,
        files: &'a [(String, String)],
        channel: &'a str,
        comment: &'a str,
    ) -> Answer<'a, ()> {
        Box::pin(async move {
            let (message, _) = self.post_body(&Message::new(comment), None);
            let ids: Vec<&str> = files.iter().map(|(id, _)| id.as_str()).collect();
            let body = json!({ "channel_id": channel, "message": message, "file_ids": ids });
            self.call(reqwest::Method::POST, "posts", Some(body))
                .await
                .map(drop)
        })
    }
    /// Whether the file is attached to a post (`GET /api/v4/files/{id}/info`).
    fn file_shared_in<'a>(&'a self, file: &'a str, _channel: &'a str) -> Answer<'a, bool> {
        Box::pin(async move {
            match self
                .call(reqwest::Method::GET, &format!("files/{file}/info"), None)
                .await
            {
                Ok(info) => Ok(info["post_id"].as_str().is_some_and(|p| !p.is_empty())),
                Err(ApiError::Permanent(code)) if code == "http_404" => Ok(false),
                Err(e) => Err(e),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_is_the_one_the_person_chose() {
        let automatic = json!({"timezone": {"useAutomaticTimezone": "true",
            "automaticTimezone": "America/New_York", "manualTimezone": "Europe/Paris"}});
        assert_eq!(
            preferred_zone(&automatic).as_deref(),
            Some("America/New_York")
        );
        let manual = json!({"timezone": {"useAutomaticTimezone": "false",
            "automaticTimezone": "America/New_York", "manualTimezone": "Europe/Paris"}});
        assert_eq!(preferred_zone(&manual).as_deref(), Some("Europe/Paris"));
        let none = json!({"timezone": {"useAutomaticTimezone": "false", "manualTimezone": ""}});
        assert_eq!(preferred_zone(&none), None);
        assert_eq!(preferred_zone(&json!({})), None);
    }
}
