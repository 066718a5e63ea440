//! Socket Mode: Slack without a public URL. With `SLACK_APP_TOKEN` (an
//! `xapp-` app-level token with `connections:write`) the bot asks
//! `apps.connections.open` for a WebSocket URL, connects out, and takes
//! every envelope — `slash_commands`, `interactive`, `events_api` — through
//! the same parse and dispatch as `POST /slack/events`
//! ([`http::respond_unsigned`]): no rule, parser or renderer is written
//! twice. An envelope's payload is turned back into the body Slack would
//! have posted (a form for a command, `payload=` for an interaction, JSON
//! for an event), so even the parser is the HTTP one.
//!
//! The ack maps the HTTP answer as Bolt does: a message → `payload`; an
//! empty 200 → a bare ack; a refusal (a malformed envelope) → no ack, so
//! Slack retries or tells the person. The ack leaves within
//! [`ACK_BUDGET`] of the envelope's arrival whatever the store does: if the
//! work is not done by then, a bare ack goes and the work finishes after
//! it (its effects are committed as over HTTP; only the inline answer is
//! lost, and that is logged). Events are deduplicated on `event_id` by the
//! dispatcher, so an envelope Slack re-sends after a dropped socket has
//! one effect.
//!
//! Connection: one socket at a time. On `disconnect` (any reason), a
//! closed socket or a silent one (nothing received for [`SILENT`]; we ping
//! every [`PING_EVERY`]), it opens a new one, with jittered backoff after
//! failures. An `invalid_auth`-like answer to `apps.connections.open`
//! stops `serve` with a line naming `SLACK_APP_TOKEN`. Not yet built (issue
//! 11): a second connection held open so that a refresh leaves no gap.

use super::api::{ApiError, SlackApi};
use super::http::{self, Answer, AppState};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message as Frame;

/// How long an envelope may take before its ack goes anyway (Slack allows 3 s).
pub const ACK_BUDGET: Duration = Duration::from_millis(2500);
/// A socket that says nothing for this long is replaced.
pub const SILENT: Duration = Duration::from_secs(30);
/// How often we ping Slack.
pub const PING_EVERY: Duration = Duration::from_secs(10);
/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Why Socket Mode stopped for good.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error(
        "Slack refused SLACK_APP_TOKEN ({0}): it must be an app-level token (xapp-…) with the connections:write scope"
    )]
    Token(String),
}

/// One frame from Slack: `hello`, `disconnect` or an envelope.
#[derive(Deserialize)]
struct Incoming {
    #[serde(rename = "type")]
    kind: String,
    envelope_id: Option<String>,
    #[serde(default)]
    payload: Value,
    reason: Option<String>,
    retry_attempt: Option<u32>,
    retry_reason: Option<String>,
}

/// Runs until `shutdown` (or a fatal answer about the token).
pub async fn run(
    state: Arc<AppState>,
    api: Arc<SlackApi>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), Fatal> {
    let mut failures: u32 = 0;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let wait = match api.open_connection().await {
            Ok(url) => match tokio_tungstenite::connect_async(url.expose()).await {
                Ok((socket, _)) => {
                    failures = 0;
                    if serve_socket(&state, socket, &mut shutdown).await {
                        return Ok(());
                    }
                    Duration::ZERO
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not open the Socket Mode connection");
                    failures += 1;
                    backoff(failures)
                }
            },
            Err(ApiError::Permanent(code)) if is_token_problem(&code) => {
                return Err(Fatal::Token(code));
            }
            Err(ApiError::RateLimited { retry_after }) => retry_after,
            Err(e) => {
                tracing::warn!(error = %e.code(), "apps.connections.open failed; trying again");
                failures += 1;
                backoff(failures)
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

fn is_token_problem(code: &str) -> bool {
    matches!(
        code,
        "invalid_auth"
            | "not_authed"
            | "token_revoked"
            | "token_expired"
            | "account_inactive"
            | "not_allowed_token_type"
            | "missing_scope"
    )
}

/// 1 s, 2 s, 4 s… up to a minute, each with up to a quarter more at random.
fn backoff(failures: u32) -> Duration {
    let base = Duration::from_secs(1u64 << failures.min(6).saturating_sub(1)).min(MAX_BACKOFF);
    let jitter = rand_fraction() * base.as_secs_f64() / 4.0;
    base + Duration::from_secs_f64(jitter)
}

/// A number in [0, 1) from the clock's nanoseconds: enough to spread
/// reconnects, no generator needed.
fn rand_fraction() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1000) / 1000.0
}

/// Serves one socket until it closes, goes silent or is asked to go;
/// true when it ended because of `shutdown`.
async fn serve_socket<S>(
    state: &Arc<AppState>,
    socket: tokio_tungstenite::WebSocketStream<S>,
    shutdown: &mut watch::Receiver<bool>,
) -> bool
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = socket.split();
    let (acks, mut outgoing) = mpsc::channel::<Frame>(256);
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            let frame = tokio::select! {
                frame = outgoing.recv() => match frame {
                    Some(frame) => frame,
                    None => break,
                },
                _ = ping.tick() => Frame::Ping(Vec::new().into()),
            };
            if sink.send(frame).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let sockets = state.sockets.clone();
    let connected = || {
        if let Some(s) = &sockets {
            s.fetch_add(1, Ordering::SeqCst);
        }
    };
    let mut counted = false;
    let stopped_by_shutdown = loop {
        let next = tokio::select! {
            next = tokio::time::timeout(SILENT, stream.next()) => next,
            _ = shutdown.changed() => break true,
        };
        let frame = match next {
            Err(_) => {
                tracing::warn!("the Socket Mode connection went silent; replacing it");
                reconnecting(state, "silent");
                break false;
            }
            Ok(None) | Ok(Some(Err(_))) => {
                tracing::info!("the Socket Mode connection closed; opening another");
                reconnecting(state, "closed");
                break false;
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let text = match frame {
            Frame::Text(text) => text,
            Frame::Close(_) => {
                reconnecting(state, "closed");
                break false;
            }
            _ => continue,
        };
        let Ok(incoming) = serde_json::from_str::<Incoming>(&text) else {
            tracing::warn!("an unreadable Socket Mode frame; ignored");
            continue;
        };
        match incoming.kind.as_str() {
            "hello" => {
                if !counted {
                    counted = true;
                    connected();
                }
                tracing::info!("Socket Mode connected");
            }
            "disconnect" => {
                let reason = match incoming.reason.as_deref() {
                    Some("warning") => "warning",
                    Some("refresh_requested") => "refresh_requested",
                    Some("too_many_websockets") => "too_many_websockets",
                    _ => "other",
                };
                tracing::info!(reason, "Slack asked to reconnect");
                reconnecting(state, reason);
                break false;
            }
            _ => {
                if let Some(id) = incoming.envelope_id.clone() {
                    let state = state.clone();
                    let acks = acks.clone();
                    tokio::spawn(async move {
                        if let Some(ack) = handle(&state, id, incoming).await {
                            let _ = acks.send(Frame::Text(ack.to_string().into())).await;
                        }
                    });
                }
            }
        }
    };
    if counted && let Some(s) = &sockets {
        s.fetch_sub(1, Ordering::SeqCst);
    }
    drop(acks);
    let _ = writer.await;
    stopped_by_shutdown
}

fn reconnecting(state: &AppState, reason: &'static str) {
    if let Some(metrics) = &state.metrics {
        metrics.socket_reconnect(reason);
    }
}

/// One envelope: its ack, or `None` when it gets none (a malformed one).
async fn handle(state: &Arc<AppState>, envelope_id: String, incoming: Incoming) -> Option<Value> {
    if let Some(retry) = incoming.retry_attempt.filter(|n| *n > 0) {
        tracing::info!(
            retry,
            reason = incoming.retry_reason.as_deref().unwrap_or("unknown"),
            "Slack re-sent an envelope"
        );
    }
    let Some((content_type, body)) = as_http_body(&incoming.kind, &incoming.payload) else {
        tracing::info!(kind = %incoming.kind, "a Socket Mode envelope of a kind we do not take");
        return Some(json!({ "envelope_id": envelope_id }));
    };
    let now = state.clock.now();
    let worker = state.clone();
    let work = tokio::task::spawn_blocking(move || {
        http::respond_unsigned(&worker, content_type, &body, now)
    });
    let (answer, follow_up) = match tokio::time::timeout(ACK_BUDGET, work).await {
        Ok(Ok(done)) => done,
        Ok(Err(_)) => {
            tracing::error!("envelope handler panicked");
            return None;
        }
        Err(_) => {
            if let Some(metrics) = &state.metrics {
                metrics.socket_late_ack();
            }
            tracing::warn!(kind = %incoming.kind, "an envelope took over 2.5 s: acked empty, its work goes on");
            return Some(json!({ "envelope_id": envelope_id }));
        }
    };
    http::after_answer(state, follow_up);
    match answer {
        Answer::Json(bytes) => {
            let payload: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            Some(json!({ "envelope_id": envelope_id, "payload": payload }))
        }
        Answer::Ack | Answer::Challenge(_) => Some(json!({ "envelope_id": envelope_id })),
        Answer::Refused(..) => None,
    }
}

/// The body Slack would have posted over HTTP for this envelope.
fn as_http_body(kind: &str, payload: &Value) -> Option<(Option<&'static str>, Vec<u8>)> {
    match kind {
        "slash_commands" => {
            let fields: Vec<(&str, String)> = payload
                .as_object()?
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.as_str(), v)
                })
                .collect();
            let body = serde_urlencoded::to_string(fields).ok()?;
            Some((Some("application/x-www-form-urlencoded"), body.into_bytes()))
        }
        "interactive" => {
            let body = serde_urlencoded::to_string([("payload", payload.to_string())]).ok()?;
            Some((Some("application/x-www-form-urlencoded"), body.into_bytes()))
        }
        "events_api" => Some((Some("application/json"), payload.to_string().into_bytes())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_envelope_becomes_the_form_slack_would_post() {
        let payload =
            json!({"team_id": "T1", "user_id": "U1", "command": "/tour", "text": "list all"});
        let (ct, body) = as_http_body("slash_commands", &payload).unwrap();
        assert_eq!(ct, Some("application/x-www-form-urlencoded"));
        let body = String::from_utf8(body).unwrap();
        assert!(
            body.contains("command=%2Ftour") && body.contains("text=list+all"),
            "{body}"
        );
        assert!(as_http_body("something_new", &payload).is_none());
    }

    #[test]
    fn backoff_grows_to_a_minute() {
        assert!(backoff(1) >= Duration::from_secs(1) && backoff(1) < Duration::from_secs(2));
        assert!(backoff(3) >= Duration::from_secs(4));
        assert!(backoff(30) <= MAX_BACKOFF + MAX_BACKOFF / 4);
    }
}
