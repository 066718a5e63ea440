//! `POST /mattermost/actions`: a button of a post was pressed.
//!
//! Mattermost signs nothing it sends here, so the click is believed only if
//! its `context` carries our HMAC over what it acts on
//! (`render::verify_context`); otherwise 403 and nothing changes. The
//! acting person is the request's `user_id`, checked by the engine's rules
//! as on Slack (only the person a message is for can press its buttons).
//! The engine replaces the pressed post in place through the outbox (a
//! `PUT` of the post), so no stale button stays; the answer here is `{}`.
//! A press that opens a form opens it as a dialog, and a date picker's
//! button opens a dialog asking for the date (`dialogs`).

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
    let Some((_, secret)) = state.callbacks.clone() else {
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
        let form = super::dialogs::date_form(&clicked, field("channel_id"), field("post_id"));
        state.open_form(field("trigger_id"), &team, &user, &form);
        return answer(json!({}));
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
    let trigger_id = field("trigger_id").to_string();
    let (team_of_click, user_of_click) = (click.team.clone(), click.user.clone());
    let worker = state.clone();
    let after = tokio::task::spawn_blocking(move || worker.engine.click(&click, now)).await;
    state.wake.notify();
    match after {
        Ok(AfterClick::OpenForm(form)) => {
            state.open_form(&trigger_id, &team_of_click, &user_of_click, &form);
            answer(json!({}))
        }
        Ok(_) => answer(json!({})),
        Err(_) => answer(json!({
            "ephemeral_text": "Sorry, something went wrong on my side; nothing was changed. Please try again."
        })),
    }
}
