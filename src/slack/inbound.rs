//! The shapes of what Slack posts to `/slack/events`, turned into one
//! [`Inbound`] value. Called only after the signature has been verified.
//!
//! - Slash commands: `application/x-www-form-urlencoded` with `command`.
//! - Interactivity: the same form type with a single `payload` field of JSON.
//! - Events API: `application/json` (`url_verification`, `event_callback`, …).
//!   Of the events, a person's message in the bot's DM (`message.im`) and
//!   `app_home_opened` are read into an [`EventDetail`]. A message that is
//!   the bot's own or another bot's (`bot_id`, or the installation's bot
//!   user), has a `subtype` (edits, deletions, joins, `bot_message`…), or
//!   is not in a DM is read as [`EventDetail::Ignored`]: nothing answers it.
//! - `ssl_check=1`: Slack's certificate check.
//!
//! `response_url`s are credentials: they are kept in [`Secret`]s so they can
//! never reach a log through `Debug`.

use crate::config::Secret;
use crate::domain::{EventId, TeamId, UserId};
use serde::Deserialize;

#[derive(Debug)]
pub enum Inbound {
    SslCheck,
    SlashCommand(SlashCommand),
    Interaction(Interaction),
    UrlVerification {
        challenge: String,
    },
    /// An Events API callback.
    Event {
        /// The same across Slack's retries of one event: the dedupe key.
        event_id: EventId,
        team: TeamId,
        kind: String,
        /// For `user_change`: the person, if Slack says they were deactivated.
        deactivated: Option<UserId>,
        detail: EventDetail,
    },
    /// A well-formed envelope of a type we do not handle (e.g. `app_rate_limited`).
    Ignored {
        kind: String,
    },
}

/// What an event asks of the bot.
#[derive(Debug, PartialEq, Eq)]
pub enum EventDetail {
    /// `message.im`: a person wrote to the bot in its DM.
    DirectMessage { user: UserId, text: String },
    /// `app_home_opened`: a person opened the bot's App Home (either tab).
    HomeOpened { user: UserId },
    /// A message nothing answers, and why (never logged with its text).
    Ignored(&'static str),
    /// Any other event.
    Other,
}

#[derive(Debug)]
pub struct SlashCommand {
    pub team: TeamId,
    pub user: UserId,
    pub command: String,
    pub text: String,
    pub trigger_id: Option<String>,
    pub response_url: Option<Secret>,
}

#[derive(Debug)]
pub struct Interaction {
    /// `block_actions`, `view_submission`, …
    pub kind: String,
    pub team: TeamId,
    pub user: UserId,
    pub trigger_id: Option<String>,
    /// Where the clicked message is (`container.channel_id`, `.message_ts`).
    pub channel: Option<String>,
    pub message_ts: Option<String>,
    pub actions: Vec<Action>,
    /// For `view_submission`: the view's `callback_id`, `private_metadata`
    /// and `state.values` (block → action → value object).
    pub view: Option<View>,
    /// Where to send a replacement for the clicked message (the only way
    /// to change an ephemeral one).
    pub response_url: Option<Secret>,
}

#[derive(Debug, Deserialize)]
pub struct Action {
    pub action_id: String,
    #[serde(default)]
    pub block_id: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub selected_date: Option<String>,
    #[serde(default)]
    pub action_ts: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct View {
    #[serde(default)]
    pub callback_id: String,
    #[serde(default)]
    pub private_metadata: String,
    #[serde(default)]
    pub state: ViewState,
}

#[derive(Debug, Default, Deserialize)]
pub struct ViewState {
    #[serde(default)]
    pub values: serde_json::Map<String, serde_json::Value>,
}

/// Why a verified body still could not be read: answered with 400.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    #[error("body is not valid form data")]
    Form,
    #[error("body is not valid JSON")]
    Json,
    #[error("interaction payload is not valid JSON")]
    Payload,
    #[error("missing or invalid field `{0}`")]
    Field(&'static str),
    #[error("unrecognised request")]
    Unrecognised,
}

#[derive(Deserialize)]
struct CommandForm {
    team_id: Option<String>,
    user_id: Option<String>,
    command: Option<String>,
    #[serde(default)]
    text: String,
    trigger_id: Option<String>,
    response_url: Option<String>,
    payload: Option<String>,
    ssl_check: Option<String>,
}

#[derive(Deserialize)]
struct InteractionJson {
    #[serde(rename = "type")]
    kind: String,
    team: Option<IdOnly>,
    user: Option<IdOnly>,
    trigger_id: Option<String>,
    container: Option<ContainerJson>,
    #[serde(default)]
    actions: Vec<Action>,
    view: Option<View>,
    response_url: Option<String>,
}

#[derive(Deserialize)]
struct ContainerJson {
    channel_id: Option<String>,
    message_ts: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct EnvelopeJson {
    #[serde(rename = "type")]
    kind: String,
    challenge: Option<String>,
    event_id: Option<String>,
    team_id: Option<String>,
    event: Option<EventJson>,
    /// The installation the event is for: its `user_id` is our bot user.
    #[serde(default)]
    authorizations: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct EventJson {
    #[serde(rename = "type")]
    kind: String,
    /// An object for `user_change`, a string for messages.
    #[serde(default)]
    user: Option<serde_json::Value>,
    // Values, not strings: other event types use these names for objects,
    // and an event we do not read must not make the envelope a 400.
    #[serde(default)]
    channel_type: Option<serde_json::Value>,
    #[serde(default)]
    text: Option<serde_json::Value>,
    #[serde(default)]
    bot_id: Option<serde_json::Value>,
    #[serde(default)]
    subtype: Option<serde_json::Value>,
    /// For `app_home_opened`: `home` or `messages`.
    #[serde(default)]
    tab: Option<serde_json::Value>,
}

/// What a verified event asks of us (see the module docs).
fn detail(event: &EventJson, bot_user: Option<&str>) -> EventDetail {
    let user = event.user.as_ref().and_then(|u| u.as_str());
    match event.kind.as_str() {
        "message" => {
            if event.channel_type.as_ref().and_then(|c| c.as_str()) != Some("im") {
                return EventDetail::Ignored("not in a direct message");
            }
            if event.bot_id.as_ref().is_some_and(|b| !b.is_null()) {
                return EventDetail::Ignored("a bot's message");
            }
            if event.subtype.as_ref().is_some_and(|s| !s.is_null()) {
                return EventDetail::Ignored("a message subtype");
            }
            if user.is_some() && user == bot_user {
                return EventDetail::Ignored("our own message");
            }
            match (
                user.and_then(UserId::parse),
                event.text.as_ref().and_then(|t| t.as_str()),
            ) {
                (Some(user), Some(text)) => EventDetail::DirectMessage {
                    user,
                    text: text.to_string(),
                },
                _ => EventDetail::Ignored("a message without a person or text"),
            }
        }
        "app_home_opened" if event.tab.as_ref().and_then(|t| t.as_str()) == Some("messages") => {
            EventDetail::Ignored("the Messages tab, not Home")
        }
        "app_home_opened" => match user.and_then(UserId::parse) {
            Some(user) => EventDetail::HomeOpened { user },
            None => EventDetail::Ignored("app_home_opened without a person"),
        },
        _ => EventDetail::Other,
    }
}

/// Reads a verified body. `content_type` is the request's header value.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Inbound, BadRequest> {
    let is_json = content_type.is_some_and(|c| c.trim_start().starts_with("application/json"));
    if is_json {
        parse_json(body)
    } else {
        parse_form(body)
    }
}

/// True for Slack's certificate check (`ssl_check=1`), which Slack may send
/// unsigned. It carries nothing we act on, so answering it 200 unverified is
/// safe (Bolt does the same).
pub fn is_ssl_check(body: &[u8]) -> bool {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .is_ok_and(|fields| fields.iter().any(|(k, v)| k == "ssl_check" && v == "1"))
}

fn parse_form(body: &[u8]) -> Result<Inbound, BadRequest> {
    let form: CommandForm = serde_urlencoded::from_bytes(body).map_err(|_| BadRequest::Form)?;
    if form.ssl_check.as_deref() == Some("1") {
        return Ok(Inbound::SslCheck);
    }
    if let Some(payload) = form.payload {
        return parse_interaction(&payload);
    }
    let Some(command) = form.command else {
        return Err(BadRequest::Unrecognised);
    };
    if !command.starts_with('/') || command.len() > 32 {
        return Err(BadRequest::Field("command"));
    }
    Ok(Inbound::SlashCommand(SlashCommand {
        team: form
            .team_id
            .as_deref()
            .and_then(TeamId::parse)
            .ok_or(BadRequest::Field("team_id"))?,
        user: form
            .user_id
            .as_deref()
            .and_then(UserId::parse)
            .ok_or(BadRequest::Field("user_id"))?,
        command,
        text: form.text,
        trigger_id: form.trigger_id,
        response_url: form.response_url.map(Secret::new),
    }))
}

fn parse_interaction(payload: &str) -> Result<Inbound, BadRequest> {
    let json: InteractionJson = serde_json::from_str(payload).map_err(|_| BadRequest::Payload)?;
    Ok(Inbound::Interaction(Interaction {
        kind: json.kind,
        team: json
            .team
            .and_then(|t| TeamId::parse(&t.id))
            .ok_or(BadRequest::Field("team.id"))?,
        user: json
            .user
            .and_then(|u| UserId::parse(&u.id))
            .ok_or(BadRequest::Field("user.id"))?,
        trigger_id: json.trigger_id,
        channel: json.container.as_ref().and_then(|c| c.channel_id.clone()),
        message_ts: json.container.and_then(|c| c.message_ts),
        actions: json.actions,
        view: json.view,
        response_url: json.response_url.map(Secret::new),
    }))
}

fn parse_json(body: &[u8]) -> Result<Inbound, BadRequest> {
    let json: EnvelopeJson = serde_json::from_slice(body).map_err(|_| BadRequest::Json)?;
    match json.kind.as_str() {
        "url_verification" => Ok(Inbound::UrlVerification {
            challenge: json.challenge.ok_or(BadRequest::Field("challenge"))?,
        }),
        "event_callback" => Ok({
            let event = json.event.ok_or(BadRequest::Field("event"))?;
            let bot_user = json
                .authorizations
                .as_ref()
                .and_then(|a| a.get(0))
                .filter(|a| a["is_bot"] == true)
                .and_then(|a| a["user_id"].as_str());
            let detail = detail(&event, bot_user);
            let event_is_user_change = event.kind == "user_change";
            Inbound::Event {
                // Kept as a key: an id that could not be stored, or not be
                // restored from a backup, is refused here (400), before
                // anything is written.
                event_id: json
                    .event_id
                    .as_deref()
                    .and_then(EventId::parse)
                    .ok_or(BadRequest::Field("event_id"))?,
                team: json
                    .team_id
                    .as_deref()
                    .and_then(TeamId::parse)
                    .ok_or(BadRequest::Field("team_id"))?,
                kind: event.kind,
                deactivated: event
                    .user
                    .filter(|u| event_is_user_change && u["deleted"] == true)
                    .and_then(|u| u["id"].as_str().and_then(UserId::parse)),
                detail,
            }
        }),
        _ => Ok(Inbound::Ignored { kind: json.kind }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slash_command_form_is_read_and_its_response_url_hidden() {
        let body = b"token=x&team_id=T1&user_id=U2&command=%2Ftour&text=list+team&trigger_id=1.2.a&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fsecret";
        let Ok(Inbound::SlashCommand(c)) = parse(Some("application/x-www-form-urlencoded"), body)
        else {
            panic!()
        };
        assert_eq!(
            (
                c.team.as_str(),
                c.user.as_str(),
                c.command.as_str(),
                c.text.as_str()
            ),
            ("T1", "U2", "/tour", "list team")
        );
        assert!(!format!("{c:?}").contains("hooks.slack.com"));
    }

    #[test]
    fn payloads_and_events_are_recognised() {
        let payload = r#"{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U2"},"actions":[{"action_id":"tour_accept","value":"3"}]}"#;
        let body = serde_urlencoded::to_string([("payload", payload)]).unwrap();
        let Ok(Inbound::Interaction(i)) = parse(None, body.as_bytes()) else {
            panic!()
        };
        assert_eq!(
            (i.kind.as_str(), i.actions[0].action_id.as_str()),
            ("block_actions", "tour_accept")
        );
        assert_eq!(i.actions[0].value.as_deref(), Some("3"));

        let Ok(Inbound::UrlVerification { challenge }) = parse(
            Some("application/json"),
            br#"{"type":"url_verification","challenge":"abc","token":"t"}"#,
        ) else {
            panic!()
        };
        assert_eq!(challenge, "abc");
        let event = br#"{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"app_home_opened","user":"U1"}}"#;
        assert!(matches!(
            parse(Some("application/json"), event),
            Ok(Inbound::Event { .. })
        ));
        assert!(matches!(
            parse(None, b"ssl_check=1&token=x"),
            Ok(Inbound::SslCheck)
        ));
        assert!(is_ssl_check(b"token=x&ssl_check=1") && !is_ssl_check(b"ssl_check=0"));
    }

    #[test]
    fn direct_messages_are_read_and_bots_edits_and_channels_ignored() {
        let read = |event: &str| {
            let body = format!(
                r#"{{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{event},
                   "authorizations":[{{"team_id":"T1","user_id":"UBOT","is_bot":true}}]}}"#
            );
            match parse(Some("application/json"), body.as_bytes()) {
                Ok(Inbound::Event { detail, .. }) => detail,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            read(
                r#"{"type":"message","channel_type":"im","channel":"D1","user":"UANA","text":"On track &amp; happy","ts":"1.2"}"#
            ),
            EventDetail::DirectMessage {
                user: UserId::parse("UANA").unwrap(),
                text: "On track &amp; happy".into()
            }
        );
        for (event, why) in [
            (
                r#"{"type":"message","channel_type":"im","user":"UBOT","text":"Question 2","bot_id":"B1"}"#,
                "a bot's message",
            ),
            (
                r#"{"type":"message","channel_type":"im","user":"UBOT","text":"Question 2"}"#,
                "our own message",
            ),
            (
                r#"{"type":"message","subtype":"message_changed","channel_type":"im","message":{"text":"x"}}"#,
                "a message subtype",
            ),
            (
                r#"{"type":"message","channel_type":"channel","user":"UANA","text":"hi"}"#,
                "not in a direct message",
            ),
        ] {
            assert_eq!(read(event), EventDetail::Ignored(why), "{event}");
        }
        assert_eq!(
            read(r#"{"type":"app_home_opened","user":"UANA","channel":"D1","tab":"home"}"#),
            EventDetail::HomeOpened {
                user: UserId::parse("UANA").unwrap()
            }
        );
        assert_eq!(
            read(r#"{"type":"channel_created","channel":{"id":"C1","name":"x"}}"#),
            EventDetail::Other,
            "an object where messages have strings is no 400"
        );
    }

    #[test]
    fn malformed_bodies_are_bad_requests() {
        let cases: Vec<(Option<&str>, &[u8], BadRequest)> = vec![
            (None, b"team_id=T1&user_id=U2", BadRequest::Unrecognised),
            (
                None,
                b"team_id=T1&user_id=U2&command=tour",
                BadRequest::Field("command"),
            ),
            (
                None,
                b"user_id=U2&command=%2Ftour",
                BadRequest::Field("team_id"),
            ),
            (
                None,
                b"team_id=T1&user_id=bob&command=%2Ftour",
                BadRequest::Field("user_id"),
            ),
            (None, b"payload=%7Bnot+json", BadRequest::Payload),
            (
                None,
                b"payload=%7B%22type%22%3A%22block_actions%22%7D",
                BadRequest::Field("team.id"),
            ),
            (Some("application/json"), b"{\"type\":", BadRequest::Json),
            (Some("application/json"), b"[1,2]", BadRequest::Json),
            (
                Some("application/json"),
                br#"{"type":"url_verification"}"#,
                BadRequest::Field("challenge"),
            ),
            (
                Some("application/json"),
                br#"{"type":"event_callback","team_id":"T1","event":{"type":"x"}}"#,
                BadRequest::Field("event_id"),
            ),
        ];
        for (ct, body, expected) in cases {
            assert_eq!(
                parse(ct, body).err(),
                Some(expected),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(parse(None, &[0xff, 0xfe, b'=', b'%']).is_err());
    }
}
