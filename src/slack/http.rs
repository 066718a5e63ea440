//! The HTTP receiver: `POST /slack/events` takes everything Slack sends (as
//! Bolt does), `GET /healthz` answers while the process lives and `GET
//! /readyz` while the store is open, `GET /metrics` (unless
//! `server.metrics` is off) shows the figures of `crate::metrics`.
//!
//! Order of work for every Slack request: cap the body (64 KiB → 413),
//! verify the signature over the raw bytes (→ 401), parse (→ 400), then
//! dispatch. A command's change is committed and flushed before its answer
//! is sent. No Slack Web API call happens on this path.
//!
//! Events API callbacks get the same order. A direct message's effect (a
//! check-in answer and the messages it owes, all through the outbox) is
//! committed in one transaction with its `event_id`, so the same event
//! arriving again — Slack retries with `X-Slack-Retry-Num` when an answer
//! took over 3 s or failed — is acknowledged with 200 and changes nothing.
//! If that transaction fails, the answer is 500 and nothing was written, so
//! Slack's retry does the work.
//!
//! What is logged: for every request one line with its method, route,
//! status and latency (a 413 and a 401 too); for a command its workspace,
//! user and command name. Never a signature, token, `response_url`, command
//! text or raw body.

use super::api::SlackApi;
use super::inbound::{self, EventDetail, Inbound, Interaction};
use super::verify::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::clock::Clock;
use crate::commands::buttons::{AfterClick, Click};
use crate::commands::events::AfterEvent;
use crate::commands::{self, Engine, Request};
use crate::config::Secret;
use crate::metrics::Metrics;
use axum::Router;
use axum::body::Bytes;
use axum::extract::MatchedPath;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

/// The largest body Slack has reason to send us.
pub const MAX_BODY: usize = 64 * 1024;

pub struct AppState {
    pub engine: Engine,
    /// Slack's signing secret; without it `/slack/events` is not served.
    pub signing_secret: Option<Secret>,
    pub clock: Clock,
    /// Wakes the delivery worker when a request owed someone a message.
    pub wake: crate::delivery::Wake,
    /// For what must happen right after the answer (opening a modal within
    /// the trigger's 3 seconds); `None` without a bot token.
    pub api: Option<Arc<SlackApi>>,
    /// What `GET /metrics` shows; `None` when `server.metrics` is off.
    pub metrics: Option<Arc<Metrics>>,
    /// How long the request path may take before Slack is answered anyway
    /// ([`ANSWER_BUDGET`]; tests shorten it).
    pub answer_budget: Duration,
    /// In Socket Mode, how many sockets are connected (`/readyz` needs
    /// one); `None` over HTTP, where `POST /slack/events` is served instead.
    pub sockets: Option<Arc<std::sync::atomic::AtomicUsize>>,
}

/// Work that must follow the answer at once, outside the request path.
#[derive(Debug, PartialEq)]
pub enum FollowUp {
    /// Open a form as a modal.
    OpenView {
        trigger_id: String,
        form: crate::message::Form,
    },
    /// Publish someone's App Home tab.
    PublishView {
        user: crate::domain::UserId,
        view: crate::message::Message,
    },
    /// Replace the clicked message through the click's `response_url`.
    Respond {
        response_url: Secret,
        message: crate::message::Message,
    },
}

pub fn router(state: Arc<AppState>, request_timeout: Duration) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.sockets.is_none() && state.signing_secret.is_some() {
        router = router.route("/slack/events", post(events));
    }
    if state.metrics.is_some() {
        router = router.route("/metrics", get(metrics));
    }
    router
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            request_timeout,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Every request, once answered: one log line with its method, route,
/// status and latency (never a header, body or query), and the metrics.
/// Probes (`/healthz`, `/readyz`, `/metrics`) log at debug.
async fn observe(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    // In milliseconds to two places: `latency_ms=4.32`, not 4.3204009999999995.
    let latency_ms = (took.as_micros() as f64 / 10.0).round() / 100.0;
    if route == "/slack/events" || route == "unmatched" {
        tracing::info!(%method, route, status, latency_ms, "answered");
    } else {
        tracing::debug!(%method, route, status, latency_ms, "answered");
    }
    if let Some(metrics) = &state.metrics {
        metrics.request(&route, status, took);
    }
    response
}

/// Ready to take Slack's requests: the store is open and, in Socket Mode,
/// a socket is connected. (Liveness is `/healthz`.)
async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, &'static str) {
    let connected =
        |s: &std::sync::atomic::AtomicUsize| s.load(std::sync::atomic::Ordering::SeqCst) > 0;
    if !state.engine.store().healthy() {
        (StatusCode::SERVICE_UNAVAILABLE, "the store is not open\n")
    } else if state.sockets.as_deref().is_some_and(|s| !connected(s)) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "no Socket Mode connection to Slack is open\n",
        )
    } else {
        (StatusCode::OK, "ready\n")
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let Some(metrics) = state.metrics.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let store = state.engine.store().clone();
    let now = state.clock.now();
    if let Some(open) = &state.sockets {
        metrics.socket_connections(open.load(std::sync::atomic::Ordering::SeqCst));
    }
    match tokio::task::spawn_blocking(move || metrics.render(&store, now)).await {
        Ok(text) => ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Serves until `shutdown` resolves, then flushes the store.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    request_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, request_timeout, Router::new(), shutdown).await
}

/// [`serve`], with another surface's routes (`others`) on the same port.
pub async fn serve_with(
    listener: TcpListener,
    state: Arc<AppState>,
    request_timeout: Duration,
    others: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.engine.store().clone();
    axum::serve(listener, router(state, request_timeout).merge(others))
        .with_graceful_shutdown(shutdown)
        .await?;
    tokio::task::spawn_blocking(move || store.flush())
        .await
        .map_err(std::io::Error::other)?
        .map_err(std::io::Error::other)
}

async fn healthz(State(state): State<Arc<AppState>>) -> StatusCode {
    if state.engine.store().healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn events(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let now = state.clock.now();
    let worker = state.clone();
    let kept = body.clone();
    // sled and its fsync are blocking work; keep them off the async workers.
    let work = tokio::task::spawn_blocking(move || respond(&worker, &headers, &body, now));
    match in_time(&state, work, || command_response_url(&kept)).await {
        InTime::Done(answer, follow_up) => {
            after_answer(&state, follow_up);
            answer.into_response()
        }
        InTime::Late => {
            tracing::warn!(
                "a request outlived the answer budget: answered empty, its work goes on"
            );
            StatusCode::OK.into_response()
        }
        InTime::Panicked => {
            tracing::error!("request handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The longest the request path may take before Slack is answered anyway
/// (Slack waits 3 s), over HTTP and Socket Mode alike.
pub const ANSWER_BUDGET: Duration = Duration::from_millis(2500);

/// How the request path's work ended, seen from the answer.
pub(crate) enum InTime {
    Done(Answer, Option<FollowUp>),
    /// Past [`AppState::answer_budget`]: answer empty now. The work goes on;
    /// once done, its follow-up runs and a message for the person is posted
    /// to the command's `response_url`, so they still see it.
    Late,
    Panicked,
}

/// Waits for `work` up to the budget (see [`InTime`]). `late_reply` names
/// where a late answer goes: only ever called for a late one, and only a
/// message (never a refusal, so nothing from a forged request) is posted.
pub(crate) async fn in_time(
    state: &Arc<AppState>,
    mut work: tokio::task::JoinHandle<(Answer, Option<FollowUp>)>,
    late_reply: impl FnOnce() -> Option<Secret>,
) -> InTime {
    match tokio::time::timeout(state.answer_budget, &mut work).await {
        Ok(Ok((answer, follow_up))) => InTime::Done(answer, follow_up),
        Ok(Err(_)) => InTime::Panicked,
        Err(_) => {
            let reply_to = late_reply();
            let state = state.clone();
            tokio::spawn(async move {
                if let Ok((answer, follow_up)) = work.await {
                    after_answer(&state, follow_up);
                    if let (Answer::Json(body), Some(url), Some(api)) =
                        (answer, reply_to, state.api.clone())
                        && let Err(e) = api.respond_json(&url, body).await
                    {
                        tracing::warn!(error = %e.code(), "could not send a late answer");
                    }
                }
            });
            InTime::Late
        }
    }
}

/// A slash command's `response_url`, read from its form (for a late answer).
fn command_response_url(body: &[u8]) -> Option<Secret> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    if !fields.iter().any(|(k, _)| k == "command") {
        return None;
    }
    fields
        .into_iter()
        .find(|(k, _)| k == "response_url")
        .map(|(_, v)| Secret::new(v))
}

/// What follows an answer, on its own task: the requests woke the delivery
/// worker, and a form, a Home tab or a clicked message's update go to
/// Slack (for HTTP and Socket Mode alike).
pub(crate) fn after_answer(state: &AppState, follow_up: Option<FollowUp>) {
    state.wake.notify();
    if let (Some(follow_up), Some(api)) = (follow_up, state.api.clone()) {
        tokio::spawn(async move {
            match follow_up {
                FollowUp::OpenView { trigger_id, form } => {
                    if let Err(e) = api
                        .open_view(&trigger_id, &super::blocks::modal(&form))
                        .await
                    {
                        tracing::warn!(error = %e.code(), "could not open the form");
                    }
                }
                FollowUp::PublishView { user, view } => {
                    if let Err(e) = api
                        .publish_view(&user, &super::blocks::home_view(&view))
                        .await
                    {
                        tracing::warn!(error = %e.code(), "could not publish the Home tab");
                    }
                }
                FollowUp::Respond {
                    response_url,
                    message,
                } => {
                    if let Err(e) = api.respond(&response_url, &message).await {
                        tracing::warn!(error = %e.code(), "could not update the clicked message");
                    }
                }
            }
        });
    }
}

/// What the receiver answers, before it becomes an HTTP response.
#[derive(Debug, PartialEq)]
pub enum Answer {
    /// A message for the person (JSON, `application/json`).
    Json(Vec<u8>),
    /// `url_verification`'s challenge, as `text/plain`.
    Challenge(String),
    /// An acknowledgement with nothing to say.
    Ack,
    Refused(StatusCode, &'static str),
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Json(body) => {
                ([(header::CONTENT_TYPE, "application/json")], body).into_response()
            }
            Answer::Challenge(c) => ([(header::CONTENT_TYPE, "text/plain")], c).into_response(),
            Answer::Ack => StatusCode::OK.into_response(),
            Answer::Refused(status, why) => (status, why).into_response(),
        }
    }
}

/// The whole request path, synchronous and clock-free: verify, parse,
/// dispatch, render. Public so the benchmark measures exactly this.
pub fn respond(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> (Answer, Option<FollowUp>) {
    match verified(state, headers, body, now) {
        Ok(inbound) => {
            if let Some(retry) = headers
                .get("x-slack-retry-num")
                .and_then(|v| v.to_str().ok())
            {
                let reason = headers
                    .get("x-slack-retry-reason")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("unknown");
                tracing::info!(%retry, %reason, "Slack retried a delivery");
            }
            dispatch(state, inbound, now)
        }
        Err(refusal) => (refusal, None),
    }
}

/// [`respond`] for what came over an authenticated Socket Mode connection:
/// no signature to check (the socket is the app token's), the same parse
/// and dispatch.
pub(crate) fn respond_unsigned(
    state: &AppState,
    content_type: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> (Answer, Option<FollowUp>) {
    match inbound::parse(content_type, body) {
        Ok(inbound) => dispatch(state, inbound, now),
        Err(why) => {
            tracing::warn!(reason = %why, "refused a malformed Socket Mode envelope");
            (
                Answer::Refused(StatusCode::BAD_REQUEST, "malformed request"),
                None,
            )
        }
    }
}

fn verified(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Inbound, Answer> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(secret) = &state.signing_secret else {
        return Err(Answer::Refused(StatusCode::NOT_FOUND, "not served"));
    };
    if let Err(why) = verify::verify(
        secret.expose().as_bytes(),
        text(TIMESTAMP_HEADER),
        text(SIGNATURE_HEADER),
        body,
        now.timestamp(),
    ) {
        if inbound::is_ssl_check(body) {
            return Err(Answer::Ack);
        }
        tracing::warn!(reason = %why, "refused a request that is not signed by Slack");
        if let Some(metrics) = &state.metrics {
            metrics.signature_refused(why.reason());
        }
        return Err(Answer::Refused(
            StatusCode::UNAUTHORIZED,
            "invalid request signature",
        ));
    }
    inbound::parse(text(header::CONTENT_TYPE.as_str()), body).map_err(|why| {
        tracing::warn!(reason = %why, "refused a malformed request");
        Answer::Refused(StatusCode::BAD_REQUEST, "malformed request")
    })
}

fn dispatch(state: &AppState, inbound: Inbound, now: DateTime<Utc>) -> (Answer, Option<FollowUp>) {
    match inbound {
        Inbound::SslCheck => (Answer::Ack, None),
        Inbound::UrlVerification { challenge } => (Answer::Challenge(challenge), None),
        Inbound::SlashCommand(cmd) => {
            tracing::info!(team = %cmd.team, user = %cmd.user, command = %cmd.command, "slash command");
            let request = Request {
                team: cmd.team,
                user: cmd.user,
                command: cmd.command,
                text: cmd.text,
            };
            if state.api.is_some()
                && let Some(form) = commands::form_for(&request)
                && let Some(trigger_id) = cmd.trigger_id
            {
                return (Answer::Ack, Some(FollowUp::OpenView { trigger_id, form }));
            }
            (
                Answer::Json(super::blocks::ephemeral_json(
                    &state.engine.handle(&request, now),
                )),
                None,
            )
        }
        Inbound::Interaction(i) => interaction(state, i, now),
        Inbound::Event {
            event_id,
            team,
            kind,
            deactivated,
            detail,
        } => {
            tracing::info!(%team, %event_id, %kind, "event");
            if let Some(user) = deactivated {
                // Their messages go to their alumni liaison from now on.
                if let Err(e) = state.engine.store().mark_inactive(&team, &user) {
                    tracing::error!(error = %e, "could not record a deactivated account");
                }
            }
            match detail {
                EventDetail::DirectMessage { user, text } => {
                    match state
                        .engine
                        .direct_message(&team, &user, Some(&event_id), &text, now)
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::info!(%team, %event_id, "event handled before; nothing to do")
                        }
                        Err(e) => {
                            tracing::error!(error = %e, %team, %event_id, "direct message failed");
                            return (
                                Answer::Refused(
                                    StatusCode::INTERNAL_SERVER_ERROR,
                                    "internal error",
                                ),
                                None,
                            );
                        }
                    }
                }
                EventDetail::HomeOpened { user } => {
                    if let AfterEvent::PublishHome { user } =
                        state.engine.home_opened(&team, &user, now)
                    {
                        // Rendered now (from the store), published after the answer.
                        match state.engine.home_view(&team, &user, 0, now) {
                            Ok(view) => {
                                return (Answer::Ack, Some(FollowUp::PublishView { user, view }));
                            }
                            Err(e) => tracing::error!(error = %e, "could not render the Home tab"),
                        }
                    }
                }
                EventDetail::Ignored(why) => tracing::debug!(%event_id, why, "event ignored"),
                EventDetail::Other => {}
            }
            (Answer::Ack, None)
        }
        Inbound::Ignored { kind } => {
            tracing::info!(%kind, "envelope ignored");
            (Answer::Ack, None)
        }
    }
}

fn interaction(state: &AppState, i: Interaction, now: DateTime<Utc>) -> (Answer, Option<FollowUp>) {
    tracing::info!(team = %i.team, user = %i.user, kind = %i.kind, "interaction");
    match i.kind.as_str() {
        "block_actions" => {
            let mut follow_up = None;
            for action in &i.actions {
                let click = Click {
                    team: i.team.clone(),
                    user: i.user.clone(),
                    action_id: action.action_id.clone(),
                    value: action.value.clone(),
                    block_id: action.block_id.clone(),
                    selected_date: action.selected_date.clone(),
                    channel: i.channel.clone(),
                    message_ts: i.message_ts.clone(),
                    action_ts: action
                        .action_ts
                        .clone()
                        .unwrap_or_else(|| now.timestamp_micros().to_string()),
                };
                match state.engine.click(&click, now) {
                    AfterClick::OpenForm(form) => {
                        if let Some(trigger_id) = i.trigger_id.clone() {
                            follow_up = Some(FollowUp::OpenView { trigger_id, form });
                        }
                    }
                    AfterClick::Respond(message) => {
                        if let Some(response_url) = i.response_url.clone() {
                            follow_up = Some(FollowUp::Respond {
                                response_url,
                                message,
                            });
                        }
                    }
                    AfterClick::PublishView { view } => {
                        follow_up = Some(FollowUp::PublishView {
                            user: i.user.clone(),
                            view,
                        });
                    }
                    AfterClick::Nothing => {}
                }
            }
            (Answer::Ack, follow_up)
        }
        "view_submission" => match &i.view {
            Some(view) => match state.engine.submit_form(
                &i.team,
                &i.user,
                &super::blocks::submission(
                    &view.callback_id,
                    &view.private_metadata,
                    &view.state.values,
                ),
                now,
            ) {
                Some(answer) => (
                    Answer::Json(super::blocks::form_answer(&answer).to_string().into_bytes()),
                    None,
                ),
                None => (Answer::Ack, None),
            },
            None => (Answer::Ack, None),
        },
        _ => (Answer::Ack, None),
    }
}
