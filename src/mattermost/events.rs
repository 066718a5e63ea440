//! Check-in answers on Mattermost: what people write to the bot in its DM.
//!
//! Decision: the bot's WebSocket event stream (`/api/v4/websocket`,
//! `posted` events), not an outgoing webhook — Mattermost's outgoing
//! webhooks fire only in public channels, never in a DM. The socket
//! authenticates with the bot token (`Authorization: Bearer …` on the
//! upgrade), and reconnects after a drop, waiting 1 s, then twice as long
//! each time up to 30 s.
//!
//! A post is handed to the engine's `direct_message` with its post id as
//! the event id, so a post seen twice — the server sending it again, or a
//! reconnect or restart in between — is answered once (the engine keeps
//! the ids it handled). Only posts in a DM (`channel_type` `D`) by someone
//! other than the bot, of the ordinary kind (no system messages), count.
//!
//! **What was written while the stream was down** (a drop, a restart, the
//! bot not running) is read when it connects again: for each person a
//! check-in is talking to now, the DM's posts since that conversation
//! opened — and at most [`CATCH_UP`] back, well within the day the engine
//! remembers post ids for — are handed over oldest first, before any new
//! frame. A post read live and again here is answered once (its id), and
//! nothing written before the conversation opened is taken for an answer.

use super::api::MattermostApi;
use crate::clock::Clock;
use crate::commands::Engine;
use crate::domain::{EventId, TeamId, UserId};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// How far back a reconnect reads what people wrote (less than the day the
/// engine keeps the ids of the posts it read).
pub const CATCH_UP: chrono::Duration = chrono::Duration::hours(12);

/// The DM answers of one Mattermost team, as the engine reads them.
pub struct Events {
    pub engine: Engine,
    pub clock: Clock,
    /// Wakes delivery once an answer owes the next question.
    pub wake: crate::delivery::Wake,
    pub api: Arc<MattermostApi>,
    pub team: TeamId,
}

/// A post the engine should read: who wrote it, its id, its text.
#[derive(Debug, PartialEq, Eq)]
pub struct Said {
    pub user: UserId,
    pub post: EventId,
    pub text: String,
}

/// The DM post in one WebSocket frame, if it is one someone wrote to the bot.
pub fn said(frame: &str, bot: &UserId) -> Option<Said> {
    let event: Value = serde_json::from_str(frame).ok()?;
    if event["event"] != "posted" || event["data"]["channel_type"] != "D" {
        return None;
    }
    // The post travels as a JSON string inside the event.
    let post: Value = serde_json::from_str(event["data"]["post"].as_str()?).ok()?;
    said_in(&post, bot)
}

/// A post of a DM channel, if someone other than the bot wrote it.
fn said_in(post: &Value, bot: &UserId) -> Option<Said> {
    if !post["type"].as_str().unwrap_or_default().is_empty() {
        return None;
    }
    let user = UserId::mattermost(post["user_id"].as_str()?)?;
    if &user == bot {
        return None;
    }
    Some(Said {
        user,
        post: EventId::parse(post["id"].as_str()?)?,
        // The engine reads text escaped as Slack escapes it.
        text: post["message"]
            .as_str()?
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
    })
}

impl Events {
    /// Reads the stream until `shutdown` turns true, reconnecting.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut wait = Duration::from_secs(1);
        loop {
            let read = tokio::select! {
                read = self.read_once() => read,
                _ = shutdown.changed() => return,
            };
            match read {
                // Read for a while: the next drop starts the waits again.
                Ok(true) => wait = Duration::from_secs(1),
                Ok(false) => {}
                Err(why) => tracing::warn!(%why, "the Mattermost event stream failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
            wait = (wait * 2).min(Duration::from_secs(30));
        }
    }

    /// One connection, read until it closes; whether any post came.
    async fn read_once(&self) -> Result<bool, String> {
        let bot = self.api.bot_id().await.map_err(|e| e.code().to_string())?;
        let mut request = self
            .api
            .websocket_url()
            .into_client_request()
            .map_err(|_| "the WebSocket URL is not usable".to_string())?;
        request.headers_mut().insert(
            "authorization",
            self.api
                .bearer()
                .parse()
                .map_err(|_| "the bot token is not a header value".to_string())?,
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        tracing::info!("Mattermost event stream connected");
        let mut heard = self.catch_up(&bot).await;
        while let Some(frame) = socket.next().await {
            let Ok(Frame::Text(text)) = frame else {
                if frame.is_err() {
                    break;
                }
                continue;
            };
            let Some(said) = said(&text, &bot) else {
                continue;
            };
            heard = true;
            self.hand_over(said).await;
        }
        Ok(heard)
    }

    /// One post to the engine.
    async fn hand_over(&self, said: Said) {
        let (engine, team, now) = (self.engine.clone(), self.team.clone(), self.clock.now());
        let answered = tokio::task::spawn_blocking(move || {
            engine.direct_message(&team, &said.user, Some(&said.post), &said.text, now)
        })
        .await;
        if !matches!(answered, Ok(Ok(_))) {
            tracing::error!("a Mattermost DM could not be recorded");
        }
        self.wake.notify();
    }

    /// Reads what the people a check-in is talking to wrote while the
    /// stream was down (see the module doc); whether anything was read. A
    /// person whose DM cannot be read now is passed over (logged).
    async fn catch_up(&self, bot: &UserId) -> bool {
        use crate::surface::Surface;
        let store = self.engine.store().clone();
        let team = self.team.clone();
        let chatting = tokio::task::spawn_blocking(move || store.chatting(&team)).await;
        let Ok(Ok(chatting)) = chatting else {
            tracing::error!("could not read whom the check-ins are talking to");
            return false;
        };
        let earliest = self.clock.now() - CATCH_UP;
        let mut heard = false;
        for (person, opened_at) in chatting {
            let since: DateTime<Utc> = opened_at.max(earliest);
            let posts = match self.api.open_dm(&person).await {
                Ok(channel) => {
                    self.api
                        .posts_since(&channel, since.timestamp_millis())
                        .await
                }
                Err(e) => Err(e),
            };
            let posts = match posts {
                Ok(posts) => posts,
                Err(e) => {
                    tracing::warn!(error = %e.code(), "could not read a Mattermost DM to catch up");
                    continue;
                }
            };
            for post in posts {
                // Created since (an edit of an older post is not a new answer).
                if post["create_at"].as_i64().unwrap_or_default() < since.timestamp_millis()
                    || post["delete_at"].as_i64().unwrap_or_default() != 0
                {
                    continue;
                }
                if let Some(said) = said_in(&post, bot).filter(|s| s.user == person) {
                    heard = true;
                    self.hand_over(said).await;
                }
            }
        }
        heard
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(channel_type: &str, user: &str, kind: &str) -> String {
        let post = json!({"id": "p0000000000000000000000001", "user_id": user,
            "channel_id": "dm", "message": "Shipped <both> & more", "type": kind});
        json!({"event": "posted", "seq": 3,
            "data": {"channel_type": channel_type, "post": post.to_string()}})
        .to_string()
    }

    #[test]
    fn only_what_people_write_in_a_dm_is_read() {
        let bot = UserId::mattermost("b0tb0tb0tb0tb0tb0tb0tb0tb0").unwrap();
        let ana = "p8ue5iqx7fgkdmrf9n4xkh3tsw";
        assert_eq!(
            said(&frame("D", ana, ""), &bot),
            Some(Said {
                user: UserId::mattermost(ana).unwrap(),
                post: EventId::parse("p0000000000000000000000001").unwrap(),
                text: "Shipped &lt;both&gt; &amp; more".into(),
            })
        );
        assert_eq!(said(&frame("O", ana, ""), &bot), None, "a channel");
        assert_eq!(
            said(&frame("D", bot.as_str(), ""), &bot),
            None,
            "the bot's own"
        );
        assert_eq!(said(&frame("D", ana, "system_join_channel"), &bot), None);
        assert_eq!(said("{\"event\":\"typing\"}", &bot), None);
        assert_eq!(said("not json", &bot), None);
    }
}
