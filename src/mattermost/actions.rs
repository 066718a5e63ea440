//! `POST /mattermost/actions`: a button of a post was pressed.
//!
//! Mattermost signs nothing it sends here, so the click is believed only if
//! its `context` carries our HMAC over what it acts on
//! (`render::verify_context`); otherwise 403 and nothing changes. The
//! acting person is the request's `user_id`, checked by the engine's rules
//! as on Slack (only the person a message is for can press its buttons).
//! The engine replaces the pressed post in place through the outbox (a
//! `PUT` of the post), so no stale button stays; the answer here is `{}`,
//! or an `ephemeral_text` where Slack would open a form or a date picker,
//! which Mattermost's dialogs will do later: it names the typed command.

use super::command::Commands;
use super::render::verify_context;
use crate::commands::buttons::{AfterClick, Click};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

fn answer(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(super) async fn action(State(state): State<Arc<Commands>>, body: Bytes) -> Response {
    let Some(secret) = state.actions_secret.clone() else {
        return (StatusCode::NOT_FOUND, "buttons are not set up").into_response();
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let Some(clicked) = verify_context(secret.expose().as_bytes(), &request["context"]) else {
        tracing::warn!("a Mattermost button press whose context does not verify was refused");
        return (StatusCode::FORBIDDEN, "forbidden").into_response();
    };
    let field = |name: &str| request[name].as_str().unwrap_or_default();
    let Some((team, user)) = state.who(field("team_id"), field("user_id"), field("user_name"))
    else {
        return super::command::not_mattermost();
    };
    if clicked.date {
        return answer(json!({
            "ephemeral_text": "Picking a date needs a form, which Alliance does not open on Mattermost yet: type the command the message names, with the date (like `/tour snooze 3 until 2027-01-15`)."
        }));
    }
    let now = state.clock.now();
    let click = Click {
        team,
        user,
        action_id: clicked.action_id,
        value: clicked.value,
        block_id: clicked.block_id,
        selected_date: None,
        channel: Some(field("channel_id").to_string()).filter(|c| !c.is_empty()),
        message_ts: Some(field("post_id").to_string()).filter(|p| !p.is_empty()),
        // Unique per press, as Slack's action_ts.
        action_ts: format!("{}.{}", field("post_id"), now.timestamp_micros()),
    };
    let worker = state.clone();
    let after = tokio::task::spawn_blocking(move || worker.engine.click(&click, now)).await;
    match after {
        Ok(AfterClick::OpenForm(_)) => answer(json!({
            "ephemeral_text": "That needs a form, which Alliance does not open on Mattermost yet: type the command the message names instead."
        })),
        Ok(_) => answer(json!({})),
        Err(_) => answer(json!({
            "ephemeral_text": "Sorry, something went wrong on my side; nothing was changed. Please try again."
        })),
    }
}
