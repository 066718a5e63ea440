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
//! [`AppState::answer_budget`] of the envelope's arrival whatever the store
//! does (see *A late answer* below). The answer's JSON is spliced into the
//! ack as it is, and each envelope's task writes its own ack: that keeps
//! Socket Mode's CPU per request at or below HTTP's (`cargo bench --bench
//! socket`). Events are deduplicated on `event_id` by the dispatcher, so
//! an envelope Slack re-sends after a dropped socket has one effect.
//!
//! Connections: two sockets at once ([`SOCKETS`]), since Slack sends each
//! envelope to one of them, so a recycled one never leaves a gap. On
//! `disconnect` with `warning` or `refresh_requested` the socket keeps
//! serving while a replacement opens, and goes [`Timing::linger`] after
//! the replacement has said `hello` (still reading and acking meanwhile,
//! for what Slack had already sent it); on `too_many_websockets` it is
//! closed first and the replacement waits a backoff. A socket that closes, or says nothing for
//! [`Timing::silent`] (we ping every [`Timing::ping_every`]), is replaced;
//! failures back off with jitter up to a minute, `ratelimited` waits its
//! `Retry-After`. An `invalid_auth`-like answer to `apps.connections.open`
//! stops `serve` with a line naming `SLACK_APP_TOKEN`.
//!
//! Shutdown: every socket stops reading, acks what it has in hand (each
//! within the budget), then closes; [`run`] returns when all have.
//!
//! A late answer: when the work outlives the budget, the bare ack goes,
//! and once the work is done its follow-up still runs and a command's
//! answer is posted to the command's `response_url`, so the person sees it.

use super::api::{ApiError, SlackApi};
use super::http::{self, Answer, AppState, InTime};
use crate::config::Secret;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as Frame;

/// How many sockets are kept open (Slack allows 10 per app).
pub const SOCKETS: usize = 2;
/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The times Socket Mode keeps. [`Timing::default`] is what `serve` uses;
/// tests shorten them (time is an argument, never a sleep).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// A socket that says nothing for this long is replaced.
    pub silent: Duration,
    /// How often we ping Slack (so a healthy socket is never silent).
    pub ping_every: Duration,
    /// How long a socket Slack asked to go keeps reading once its
    /// replacement is up.
    pub linger: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            silent: Duration::from_secs(30),
            ping_every: Duration::from_secs(10),
            linger: Duration::from_secs(2),
        }
    }
}

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

/// What a connection tells [`run`].
enum Report {
    /// The socket said `hello`: it carries envelopes.
    Hello(u64),
    /// Slack asked the socket to go soon: it serves until replaced.
    Retiring(u64),
    Ended(u64, End),
    /// The app token was refused: stop for good.
    Fatal(String),
}

/// How a connection ended, which says when to open the next one.
enum End {
    /// It served and closed (or went silent): replace it at once.
    Served,
    /// It never got to `hello`: back off.
    Failed,
    /// `too_many_websockets`: closed first, back off before the next.
    TooMany,
    /// `apps.connections.open` was rate limited: wait as told.
    RateLimited(Duration),
}

/// A connection as [`run`] sees it.
struct Conn {
    retiring: bool,
    /// Tells it to close after reading for this long more (zero: at
    /// once), acking what it holds.
    close: Option<oneshot::Sender<Duration>>,
}

/// Keeps [`SOCKETS`] sockets open until `shutdown` (or a fatal answer
/// about the token), then closes them, each after acking what it holds.
pub async fn run(
    state: Arc<AppState>,
    api: Arc<SlackApi>,
    timing: Timing,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), Fatal> {
    let (reports, mut inbox) = mpsc::unbounded_channel::<Report>();
    let mut conns: BTreeMap<u64, Conn> = BTreeMap::new();
    let mut next_id = 0u64;
    let mut failures = 0u32;
    let mut not_before = Instant::now();
    let result = loop {
        if *shutdown.borrow() {
            break Ok(());
        }
        let serving = conns.values().filter(|c| !c.retiring).count();
        if serving < SOCKETS && Instant::now() >= not_before {
            next_id += 1;
            let (close, closed) = oneshot::channel();
            conns.insert(
                next_id,
                Conn {
                    retiring: false,
                    close: Some(close),
                },
            );
            tokio::spawn(connection(
                next_id,
                state.clone(),
                api.clone(),
                timing,
                reports.clone(),
                closed,
            ));
            continue;
        }
        let report = tokio::select! {
            Some(report) = inbox.recv() => report,
            _ = tokio::time::sleep_until(not_before), if serving < SOCKETS => continue,
            _ = shutdown.changed() => break Ok(()),
        };
        match report {
            Report::Hello(id) => {
                failures = 0;
                // A replacement is up: the oldest socket asked to go, goes.
                if conns.get(&id).is_some_and(|c| !c.retiring)
                    && let Some(old) = conns.values_mut().find(|c| c.retiring && c.close.is_some())
                    && let Some(close) = old.close.take()
                {
                    let _ = close.send(timing.linger);
                }
            }
            Report::Retiring(id) => {
                if let Some(conn) = conns.get_mut(&id) {
                    conn.retiring = true;
                }
            }
            Report::Ended(id, end) => {
                conns.remove(&id);
                let wait = match end {
                    End::Served => Duration::ZERO,
                    End::Failed | End::TooMany => {
                        failures += 1;
                        backoff(failures)
                    }
                    End::RateLimited(wait) => wait,
                };
                not_before = not_before.max(Instant::now() + wait);
            }
            Report::Fatal(code) => break Err(Fatal::Token(code)),
        }
    };
    for conn in conns.values_mut() {
        if let Some(close) = conn.close.take() {
            let _ = close.send(Duration::ZERO);
        }
    }
    drop(reports);
    // Every connection holds a sender; they are all gone when each has
    // acked what it held and closed.
    while inbox.recv().await.is_some() {}
    result
}

/// One connection: a URL from `apps.connections.open`, the socket, and
/// its envelopes until it ends; then its report.
async fn connection(
    id: u64,
    state: Arc<AppState>,
    api: Arc<SlackApi>,
    timing: Timing,
    reports: mpsc::UnboundedSender<Report>,
    mut closed: oneshot::Receiver<Duration>,
) {
    let opened = async {
        let url = api.open_connection().await?;
        tokio_tungstenite::connect_async(url.expose())
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "could not open the Socket Mode connection");
                ApiError::Transient("websocket_connect_failed".into())
            })
    };
    let opened = tokio::select! {
        opened = opened => opened,
        _ = &mut closed => return reports_end(&reports, id, End::Served),
    };
    let end = match opened {
        Ok((socket, _)) => serve_socket(id, &state, socket, timing, &reports, closed).await,
        Err(ApiError::Permanent(code)) if is_token_problem(&code) => {
            let _ = reports.send(Report::Fatal(code));
            return;
        }
        Err(ApiError::RateLimited { retry_after }) => End::RateLimited(retry_after),
        Err(e) => {
            tracing::warn!(error = %e.code(), "apps.connections.open failed; trying again");
            End::Failed
        }
    };
    reports_end(&reports, id, end);
}

fn reports_end(reports: &mpsc::UnboundedSender<Report>, id: u64, end: End) {
    let _ = reports.send(Report::Ended(id, end));
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
            | "team_disabled"
            | "user_removed_from_team"
    )
}

/// 1 s, 2 s, 4 s… up to a minute, each with up to a quarter more at random.
fn backoff(failures: u32) -> Duration {
    let base = Duration::from_secs(1u64 << failures.min(7).saturating_sub(1)).min(MAX_BACKOFF);
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

/// Serves one socket until it closes, goes silent, is told to close or
/// says `too_many_websockets`; acks what it holds before closing.
async fn serve_socket<S>(
    id: u64,
    state: &Arc<AppState>,
    socket: tokio_tungstenite::WebSocketStream<S>,
    timing: Timing,
    reports: &mpsc::UnboundedSender<Report>,
    mut closed: oneshot::Receiver<Duration>,
) -> End
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sink, mut stream) = socket.split();
    // Each envelope's task writes its own ack: no hop through a writer.
    let sink = Arc::new(tokio::sync::Mutex::new(sink));
    let pinger = {
        let sink = sink.clone();
        tokio::spawn(async move {
            let mut ping = tokio::time::interval(timing.ping_every);
            ping.tick().await;
            loop {
                ping.tick().await;
                let sent = sink.lock().await.send(Frame::Ping(Vec::new().into())).await;
                if sent.is_err() {
                    break;
                }
            }
        })
    };
    let mut in_hand = tokio::task::JoinSet::new();
    let mut hello = false;
    // Told to close with a linger: read (and ack) until then.
    let mut closing_at: Option<Instant> = None;
    let end = loop {
        while in_hand.try_join_next().is_some() {}
        let silent_at = Instant::now() + timing.silent;
        let next = tokio::select! {
            next = tokio::time::timeout_at(closing_at.map_or(silent_at, |c| c.min(silent_at)), stream.next()) => next,
            linger = &mut closed, if closing_at.is_none() => {
                let linger = linger.unwrap_or(Duration::ZERO);
                if linger.is_zero() {
                    break End::Served;
                }
                closing_at = Some(Instant::now() + linger);
                continue;
            }
        };
        let text = match next {
            Err(_) if closing_at.is_some_and(|c| Instant::now() >= c) => {
                tracing::info!("closed a socket Slack asked to go: its replacement is up");
                break End::Served;
            }
            Err(_) => {
                tracing::warn!("a Socket Mode connection went silent; replacing it");
                reconnecting(state, "silent");
                break End::Served;
            }
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Frame::Close(_)))) => {
                tracing::info!("a Socket Mode connection closed; opening another");
                reconnecting(state, "closed");
                break End::Served;
            }
            Ok(Some(Ok(Frame::Text(text)))) => text,
            Ok(Some(Ok(_))) => continue,
        };
        let Ok(incoming) = serde_json::from_str::<Incoming>(&text) else {
            tracing::warn!("an unreadable Socket Mode frame; ignored");
            continue;
        };
        match incoming.kind.as_str() {
            "hello" => {
                if !hello {
                    hello = true;
                    if let Some(open) = &state.sockets {
                        open.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = reports.send(Report::Hello(id));
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
                tracing::info!(reason, "Slack asked a socket to go");
                reconnecting(state, reason);
                if reason == "too_many_websockets" {
                    break End::TooMany;
                }
                // It keeps serving until its replacement says hello.
                let _ = reports.send(Report::Retiring(id));
            }
            _ => {
                if let Some(envelope) = incoming.envelope_id.clone() {
                    let state = state.clone();
                    let sink = sink.clone();
                    in_hand.spawn(async move {
                        if let Some(ack) = handle(&state, envelope, incoming).await {
                            let _ = sink.lock().await.send(Frame::Text(ack.into())).await;
                        }
                    });
                }
            }
        }
    };
    if hello && let Some(open) = &state.sockets {
        open.fetch_sub(1, Ordering::SeqCst);
    }
    // Every envelope in hand is acked (each within the budget), then close.
    while in_hand.join_next().await.is_some() {}
    pinger.abort();
    let _ = sink.lock().await.close().await;
    if hello { end } else { End::Failed }
}

fn reconnecting(state: &AppState, reason: &'static str) {
    if let Some(metrics) = &state.metrics {
        metrics.socket_reconnect(reason);
    }
}

/// One envelope: its ack, or `None` when it gets none (a malformed one).
async fn handle(state: &Arc<AppState>, envelope_id: String, incoming: Incoming) -> Option<String> {
    if let Some(retry) = incoming.retry_attempt.filter(|n| *n > 0) {
        tracing::info!(
            retry,
            reason = incoming.retry_reason.as_deref().unwrap_or("unknown"),
            "Slack re-sent an envelope"
        );
    }
    let Some((content_type, body)) = as_http_body(&incoming.kind, &incoming.payload) else {
        tracing::info!(kind = %incoming.kind, "a Socket Mode envelope of a kind we do not take");
        return Some(ack(&envelope_id, None));
    };
    let now = state.clock.now();
    let worker = state.clone();
    let work = tokio::task::spawn_blocking(move || {
        http::respond_unsigned(&worker, content_type, &body, now)
    });
    let late_reply = || {
        (incoming.kind == "slash_commands")
            .then(|| incoming.payload["response_url"].as_str().map(Secret::new))
            .flatten()
    };
    let (answer, follow_up) = match http::in_time(state, work, late_reply).await {
        InTime::Done(answer, follow_up) => (answer, follow_up),
        InTime::Panicked => {
            tracing::error!("envelope handler panicked");
            return None;
        }
        InTime::Late => {
            if let Some(metrics) = &state.metrics {
                metrics.socket_late_ack();
            }
            tracing::warn!(kind = %incoming.kind, "an envelope outlived the answer budget: acked empty, its work goes on");
            return Some(ack(&envelope_id, None));
        }
    };
    http::after_answer(state, follow_up);
    match answer {
        Answer::Json(body) => Some(ack(&envelope_id, String::from_utf8(body).ok().as_deref())),
        Answer::Ack | Answer::Challenge(_) => Some(ack(&envelope_id, None)),
        Answer::Refused(..) => None,
    }
}

/// The ack frame: `{"envelope_id":…}`, with the answer's JSON as its
/// `payload` spliced in as it is (it is ours, already JSON: parsing and
/// writing it again would cost more than the rest of the ack).
fn ack(envelope_id: &str, payload: Option<&str>) -> String {
    let id = Value::String(envelope_id.to_string());
    match payload {
        Some(payload) => format!(r#"{{"envelope_id":{id},"payload":{payload}}}"#),
        None => format!(r#"{{"envelope_id":{id}}}"#),
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
    use serde_json::json;

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
    fn an_ack_carries_the_answer_as_its_payload() {
        let full: Value = serde_json::from_str(&ack("e\"1", Some(r#"{"text":"hi"}"#))).unwrap();
        assert_eq!(
            full,
            json!({"envelope_id": "e\"1", "payload": {"text": "hi"}})
        );
        let bare: Value = serde_json::from_str(&ack("e1", None)).unwrap();
        assert_eq!(bare, json!({"envelope_id": "e1"}));
    }

    #[test]
    fn backoff_grows_to_a_minute() {
        assert!(backoff(1) >= Duration::from_secs(1) && backoff(1) < Duration::from_secs(2));
        assert!(backoff(3) >= Duration::from_secs(4));
        assert!(backoff(30) <= MAX_BACKOFF + MAX_BACKOFF / 4);
    }
}
