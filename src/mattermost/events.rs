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
//! Posts written while the socket was down are not fetched afterwards.

use super::api::MattermostApi;
use crate::clock::Clock;
use crate::commands::Engine;
use crate::domain::{EventId, TeamId, UserId};
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The DM answers of one Mattermost team, as the engine reads them.
pub struct Events {
    pub engine: Engine,
    pub clock: Clock,
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
        let mut heard = false;
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
            let (engine, team, now) = (self.engine.clone(), self.team.clone(), self.clock.now());
            let answered = tokio::task::spawn_blocking(move || {
                engine.direct_message(&team, &said.user, Some(&said.post), &said.text, now)
            })
            .await;
            if !matches!(answered, Ok(Ok(_))) {
                tracing::error!("a Mattermost DM could not be recorded");
            }
        }
        Ok(heard)
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
