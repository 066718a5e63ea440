//! A fake Slack Web API for tests: one axum server on `127.0.0.1:0`, started
//! inside the test, shared by every test that talks to Slack.
//!
//! It records every call (even those it fails), keeps the messages it was
//! sent so that `chat.update` and `conversations.history` behave like Slack,
//! and fails on command: a 429 with `Retry-After`, an HTTP status, a Slack
//! error code, or no answer at all. A call that hangs holds only its own
//! connection; the server keeps answering everyone else.
//!
//! Slack's rules it keeps: the bearer token must be [`FakeSlack::TOKEN`]
//! (`invalid_auth` otherwise), JSON and form bodies are both read, `ts`
//! values are unique and increasing, history is newest first and paginated
//! with a cursor, metadata is returned only with `include_all_metadata`.
//!
//! Socket Mode too: `apps.connections.open` (with [`FakeSlack::APP_TOKEN`])
//! hands out a `ws://` URL on a second loopback listener, whose sockets say
//! `hello`, carry the envelopes a test sends ([`FakeSlack::send_envelope`])
//! and record the acks that come back. A test can tell the newest open
//! socket to `disconnect` (it stays open: closing is the client's job),
//! to lose an ack and drop, to drop abruptly, or to go silent (no frame,
//! no pong); every socket's opening and closing is logged in order.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Call {
    /// `chat.postMessage`, `users.info`, …
    pub method: String,
    /// The JSON body, or the form decoded into a JSON object of strings.
    pub body: Value,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// The `Content-Type` header as sent.
    pub content_type: Option<String>,
}

/// A message as the fake stored it.
#[derive(Clone, Debug)]
pub struct PostedMessage {
    pub channel: String,
    pub ts: String,
    pub text: String,
    pub blocks: Value,
    /// `metadata.event_payload.key`, when the message carried one.
    pub metadata_key: Option<String>,
}

/// How a call should fail.
#[derive(Clone, Debug)]
pub enum Failure {
    /// HTTP 429 with `Retry-After`, body `{"ok":false,"error":"ratelimited"}`.
    RateLimited { retry_after_secs: u64 },
    /// This HTTP status with an HTML body, as a load balancer sends.
    Status(u16),
    /// HTTP 200 `{"ok":false,"error":…}`.
    SlackError(&'static str),
    /// Never answers: the client's timeout has to fire.
    Hang,
    /// Does the work (a `chat.postMessage` is stored as posted), then never
    /// answers: the crash-between-post-and-record case.
    PostThenHang,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    /// Every message posted, in order, as posted.
    posted: Vec<PostedMessage>,
    /// Every successful `chat.update`, in order.
    updated: Vec<PostedMessage>,
    /// Every message as it is now (updates applied), with the metadata it
    /// was posted with: what `conversations.history` shows.
    current: Vec<Stored>,
    fail_next: HashMap<String, VecDeque<Failure>>,
    fail_always: HashMap<String, Failure>,
    /// Each call of a method takes this long: half before doing its work,
    /// half after (so a client killed meanwhile may or may not have posted).
    delays: HashMap<String, std::time::Duration>,
    /// user id → (tz, deleted).
    users: HashMap<String, (String, bool)>,
    /// The zone of people not set with [`FakeSlack::set_user`] (`UTC`).
    default_tz: Option<String>,
    /// The workspace `auth.test` names, when not [`FakeSlack::TEAM`].
    team_id: Option<String>,
    /// The last `ts` handed out, in microseconds.
    last_ts_micros: i64,
    views: u64,
    /// The `ws://` URL `apps.connections.open` hands out.
    socket_url: String,
    /// Every socket that said hello, in order; the newest open one carries
    /// what the test sends.
    sockets: Vec<FakeSocket>,
    /// Sockets opening and closing, in order.
    socket_log: Vec<SocketEvent>,
    /// Every ack received, in order.
    acks: Vec<Value>,
    envelopes: u64,
    /// `http://127.0.0.1:PORT/api/`, for the upload URLs it hands out.
    base_url: String,
    /// Files asked for with `files.getUploadURLExternal`, in order.
    files: Vec<FakeFile>,
}

/// A file as the fake knows it: asked for, uploaded, shared.
#[derive(Clone, Debug)]
pub struct FakeFile {
    pub id: String,
    pub filename: String,
    /// The `length` it was asked for with.
    pub length: usize,
    /// The bytes posted to its upload URL (the last upload), if any.
    pub bytes: Option<Vec<u8>>,
    /// `(channel, title, initial_comment)` of each completion that shared it.
    pub shared: Vec<(String, String, String)>,
}

struct FakeSocket {
    orders: tokio::sync::mpsc::UnboundedSender<Order>,
    open: bool,
}

/// What a test asks of one socket.
enum Order {
    Send(String),
    /// Read frames until the ack of this envelope, forget it, drop the TCP
    /// connection: the ack is lost on the way.
    LoseAckAndDrop(String),
    /// Close the TCP connection without a close frame.
    Drop,
    /// Stop reading and writing, holding the connection open.
    Silence,
}

/// A socket (numbered from 0 in the order they said hello) opened or
/// closed. A silenced socket counts as closed when silenced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SocketEvent {
    Opened(usize),
    Closed(usize),
}

struct Stored {
    message: PostedMessage,
    metadata: Option<Value>,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(state: &Shared) -> MutexGuard<'_, Inner> {
    // A panicking test thread must not turn every later assertion into a
    // poisoned-lock panic that hides the real failure.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct FakeSlack {
    /// `http://127.0.0.1:PORT/api/`, ready for `SlackApi::new`.
    pub base_url: String,
    state: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeSlack {
    pub const TOKEN: &'static str = "xoxb-test-token";
    /// The workspace the token belongs to (`auth.test`): the harness's.
    pub const TEAM: &'static str = "T0TEST";

    /// The app-level token `apps.connections.open` takes.
    pub const APP_TOKEN: &'static str = "xapp-test-token";

    pub async fn start() -> FakeSlack {
        let state = Shared::default();
        let sockets = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Socket Mode server");
        lock(&state).socket_url = format!("ws://{}/link", sockets.local_addr().unwrap());
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = sockets.accept().await {
                tokio::spawn(serve_socket(shared.clone(), tcp));
            }
        });
        let app = Router::new()
            .route("/api/{method}", post(handle))
            .route("/api/upload/{file}", post(upload))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Slack to loopback");
        let addr = listener.local_addr().expect("the fake Slack's address");
        lock(&state).base_url = format!("http://{addr}/api/");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSlack {
            base_url: format!("http://{addr}/api/"),
            state,
            server,
        }
    }

    /// Sends a Socket Mode envelope on the newest open socket; its id.
    pub fn send_envelope(&self, kind: &str, payload: Value) -> String {
        let mut inner = lock(&self.state);
        inner.envelopes += 1;
        let id = format!("env-{}", inner.envelopes);
        inner.order(Order::Send(envelope(&id, kind, &payload, 0)));
        id
    }

    /// Sends a Socket Mode envelope on socket `n` (numbered from 0 in the
    /// order they said hello), open or not; its id.
    pub fn send_envelope_on(&self, n: usize, kind: &str, payload: Value) -> String {
        let mut inner = lock(&self.state);
        inner.envelopes += 1;
        let id = format!("env-{}", inner.envelopes);
        let frame = envelope(&id, kind, &payload, 0);
        inner.sockets[n]
            .orders
            .send(Order::Send(frame))
            .expect("the socket is still served");
        id
    }

    /// Sends envelope `id` again, as Slack does when its ack did not
    /// arrive: `retry_attempt` 1, on the newest open socket.
    pub fn resend(&self, id: &str, kind: &str, payload: Value) {
        lock(&self.state).order(Order::Send(envelope(id, kind, &payload, 1)));
    }

    /// Sends an envelope on the newest open socket, takes its ack off the
    /// wire without recording it, and drops the connection.
    pub fn send_and_lose_the_ack(&self, kind: &str, payload: Value) -> String {
        let id = self.send_envelope(kind, payload);
        lock(&self.state).order(Order::LoseAckAndDrop(id.clone()));
        id
    }

    /// Sends `{"type":"disconnect","reason":…}` on the newest open socket,
    /// which stays open until the client closes it.
    pub fn disconnect(&self, reason: &str) {
        let frame = json!({"type": "disconnect", "reason": reason}).to_string();
        lock(&self.state).order(Order::Send(frame));
    }

    /// Drops the newest open socket without a close frame.
    pub fn drop_socket(&self) {
        lock(&self.state).order(Order::Drop);
    }

    /// The newest open socket goes silent: no frame, no pong.
    pub fn silence(&self) {
        let mut inner = lock(&self.state);
        inner.order(Order::Silence);
        if let Some(n) = inner.sockets.iter().rposition(|s| s.open) {
            inner.sockets[n].open = false;
            inner.socket_log.push(SocketEvent::Closed(n));
        }
    }

    /// How many sockets said hello so far.
    pub fn sockets_opened(&self) -> usize {
        lock(&self.state).sockets.len()
    }

    /// How many sockets are open now.
    pub fn sockets_open(&self) -> usize {
        lock(&self.state).sockets.iter().filter(|s| s.open).count()
    }

    /// Sockets opening and closing, in order.
    pub fn socket_log(&self) -> Vec<SocketEvent> {
        lock(&self.state).socket_log.clone()
    }

    /// The ack of envelope `id`, waited for (up to 5 s of real time).
    pub async fn ack_of(&self, id: &str) -> Value {
        for _ in 0..500 {
            if let Some(ack) = lock(&self.state)
                .acks
                .iter()
                .find(|a| a["envelope_id"] == id)
            {
                return ack.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no ack for {id}");
    }

    /// Waits until `n` sockets have said hello (up to 5 s of real time).
    pub async fn wait_for_sockets(&self, n: usize) {
        for _ in 0..500 {
            if self.sockets_opened() >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("{n} sockets were not opened");
    }

    pub fn calls(&self) -> Vec<Call> {
        lock(&self.state).calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        lock(&self.state)
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Every `chat.postMessage` that was stored (successful or
    /// [`Failure::PostThenHang`]), in order, as posted.
    pub fn posted(&self) -> Vec<PostedMessage> {
        lock(&self.state).posted.clone()
    }

    /// How many stored posts `keep` holds for, counted under the lock
    /// without copying them (for polling a long run cheaply).
    pub fn count_posted(&self, keep: impl Fn(&PostedMessage) -> bool) -> usize {
        lock(&self.state).posted.iter().filter(|m| keep(m)).count()
    }

    /// Every file asked for (`files.getUploadURLExternal`), in order, with
    /// its bytes and where it was shared.
    pub fn files(&self) -> Vec<FakeFile> {
        lock(&self.state).files.clone()
    }

    /// The files shared so far, in the order they were asked for.
    pub fn shared_files(&self) -> Vec<FakeFile> {
        self.files()
            .into_iter()
            .filter(|f| !f.shared.is_empty())
            .collect()
    }

    /// Every successful `chat.update`, in order.
    pub fn updated(&self) -> Vec<PostedMessage> {
        lock(&self.state).updated.clone()
    }

    /// The next `n` calls to `method` answer with `failure` (before any
    /// [`FakeSlack::fail_always`] failure).
    pub fn fail_next(&self, method: &str, n: usize, failure: Failure) {
        lock(&self.state)
            .fail_next
            .entry(method.to_string())
            .or_default()
            .extend(std::iter::repeat_n(failure, n));
    }

    /// Every call to `method` answers with `failure` until [`FakeSlack::heal`].
    pub fn fail_always(&self, method: &str, failure: Failure) {
        lock(&self.state)
            .fail_always
            .insert(method.to_string(), failure);
    }

    /// Forgets every failure planned for `method`.
    /// Every call of `method` takes `delay` from now on (see `Inner::delays`).
    pub fn delay(&self, method: &str, delay: std::time::Duration) {
        lock(&self.state).delays.insert(method.to_string(), delay);
    }

    pub fn heal(&self, method: &str) {
        let mut inner = lock(&self.state);
        inner.fail_always.remove(method);
        inner.fail_next.remove(method);
    }

    /// The time zone `users.info` gives everyone not set with `set_user`.
    pub fn set_default_tz(&self, tz: &str) {
        lock(&self.state).default_tz = Some(tz.to_string());
    }

    /// Makes the token belong to another workspace (`auth.test`).
    pub fn set_workspace(&self, team: &str) {
        lock(&self.state).team_id = Some(team.to_string());
    }

    /// What `users.info` answers for `user` (by default tz `"UTC"`, not
    /// deleted).
    pub fn set_user(&self, user: &str, tz: &str, deleted: bool) {
        lock(&self.state)
            .users
            .insert(user.to_string(), (tz.to_string(), deleted));
    }
}

async fn handle(
    State(state): State<Shared>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let authorization = header_text(header::AUTHORIZATION);
    let content_type = header_text(header::CONTENT_TYPE);
    let parsed = parse_body(content_type.as_deref(), &body);

    let delay = lock(&state).delays.get(&method).copied();
    if let Some(delay) = delay {
        tokio::time::sleep(delay / 2).await;
    }
    let failure = {
        let mut inner = lock(&state);
        inner.calls.push(Call {
            method: method.clone(),
            body: parsed.clone().unwrap_or(Value::Null),
            authorization: authorization.clone(),
            content_type,
        });
        let planned = inner
            .fail_next
            .get_mut(&method)
            .and_then(VecDeque::pop_front);
        planned.or_else(|| inner.fail_always.get(&method).cloned())
    };

    match failure {
        Some(Failure::RateLimited { retry_after_secs }) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                json_text(&json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
        }
        Some(Failure::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (
                status,
                [(header::CONTENT_TYPE, "text/html")],
                format!("<html><body><h1>{code}</h1>Something went wrong.</body></html>"),
            )
                .into_response();
        }
        Some(Failure::SlackError(code)) => return answer(json!({"ok": false, "error": code})),
        Some(Failure::Hang) => std::future::pending::<()>().await,
        Some(Failure::PostThenHang) | None => {}
    }

    let app_token = format!("Bearer {}", FakeSlack::APP_TOKEN);
    let result = if method == "apps.connections.open" {
        if authorization.as_deref() == Some(&app_token) {
            Ok(json!({"ok": true, "url": lock(&state).socket_url.clone()}))
        } else {
            Err("invalid_auth")
        }
    } else if authorization.as_deref() != Some(&format!("Bearer {}", FakeSlack::TOKEN)) {
        Err("invalid_auth")
    } else {
        match parsed {
            Some(Value::Object(params)) => dispatch(&state, &method, &params),
            _ => Err("invalid_arguments"),
        }
    };
    if matches!(failure, Some(Failure::PostThenHang)) {
        std::future::pending::<()>().await;
    }
    if let Some(delay) = delay {
        tokio::time::sleep(delay / 2).await;
    }
    match result {
        Ok(body) => answer(body),
        Err(code) => answer(json!({"ok": false, "error": code})),
    }
}

/// The upload URL `files.getUploadURLExternal` hands out: takes the bytes
/// (recorded as a call to `upload`, which fails on command like a method).
/// Slack's answers: 200 `OK - <length>`, 404 for an unknown file.
async fn upload(State(state): State<Shared>, Path(file): Path<String>, body: Bytes) -> Response {
    let failure = {
        let mut inner = lock(&state);
        inner.calls.push(Call {
            method: "upload".into(),
            body: json!({"file": file, "length": body.len()}),
            authorization: None,
            content_type: None,
        });
        let planned = inner
            .fail_next
            .get_mut("upload")
            .and_then(VecDeque::pop_front);
        planned.or_else(|| inner.fail_always.get("upload").cloned())
    };
    match failure {
        Some(Failure::RateLimited { retry_after_secs }) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                "rate limited",
            )
                .into_response();
        }
        Some(Failure::Status(code)) => {
            return StatusCode::from_u16(code)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response();
        }
        Some(Failure::SlackError(_)) => return StatusCode::BAD_REQUEST.into_response(),
        Some(Failure::Hang) => std::future::pending::<()>().await,
        Some(Failure::PostThenHang) | None => {}
    }
    let length = body.len();
    let stored = {
        let mut inner = lock(&state);
        match inner.files.iter_mut().find(|f| f.id == file) {
            Some(f) => {
                f.bytes = Some(body.to_vec());
                true
            }
            None => false,
        }
    };
    if matches!(failure, Some(Failure::PostThenHang)) {
        std::future::pending::<()>().await;
    }
    if stored {
        (StatusCode::OK, format!("OK - {length}")).into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// JSON when the client says JSON; otherwise a form, as Slack reads it.
fn parse_body(content_type: Option<&str>, body: &[u8]) -> Option<Value> {
    if content_type.is_some_and(|ct| ct.starts_with("application/json")) {
        return serde_json::from_slice(body).ok();
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    Some(Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    ))
}

fn json_text(value: &Value) -> ([(header::HeaderName, &'static str); 1], String) {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
}

fn answer(value: Value) -> Response {
    (StatusCode::OK, json_text(&value)).into_response()
}

/// A parameter as a string, whether it came from a form or from JSON.
fn param(params: &Map<String, Value>, name: &str) -> Option<String> {
    match params.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::String(_) | Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A parameter holding JSON: an object in a JSON body, a string in a form.
fn json_param(params: &Map<String, Value>, name: &str) -> Option<Value> {
    match params.get(name)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

type Outcome = Result<Value, &'static str>;

fn dispatch(state: &Shared, method: &str, params: &Map<String, Value>) -> Outcome {
    let mut inner = lock(state);
    match method {
        "chat.postMessage" => post_message(&mut inner, params),
        "chat.update" => update(&mut inner, params),
        "conversations.open" => {
            let users = param(params, "users").ok_or("users_list_not_supplied")?;
            Ok(json!({"ok": true, "channel": {"id": format!("D{}", users.replace(',', ""))}}))
        }
        "users.info" => {
            let user = param(params, "user").ok_or("user_not_found")?;
            let (tz, deleted) = inner.users.get(&user).cloned().unwrap_or_else(|| {
                (
                    inner.default_tz.clone().unwrap_or_else(|| "UTC".into()),
                    false,
                )
            });
            Ok(json!({
                "ok": true,
                "user": {"id": user, "tz": tz, "deleted": deleted, "is_bot": false,
                         "profile": {"display_name": format!("Name of {user}"), "real_name": ""}}
            }))
        }
        "views.open" => {
            param(params, "trigger_id").ok_or("invalid_arguments")?;
            let mut view = json_param(params, "view").ok_or("invalid_arguments")?;
            inner.views += 1;
            if let Some(view) = view.as_object_mut() {
                view.insert("id".into(), json!(format!("V{:08}", inner.views)));
            }
            Ok(json!({"ok": true, "view": view}))
        }
        "views.publish" => {
            param(params, "user_id").ok_or("invalid_arguments")?;
            let view = json_param(params, "view").ok_or("invalid_arguments")?;
            Ok(json!({"ok": true, "view": view}))
        }
        "conversations.history" => history(&inner, params),
        "files.getUploadURLExternal" => {
            let filename = param(params, "filename").ok_or("invalid_arguments")?;
            let length = param(params, "length")
                .and_then(|l| l.parse::<usize>().ok())
                .filter(|l| *l > 0)
                .ok_or("invalid_arguments")?;
            let id = format!("F{:08}", inner.files.len() + 1);
            let url = format!("{}upload/{id}", inner.base_url);
            inner.files.push(FakeFile {
                id: id.clone(),
                filename,
                length,
                bytes: None,
                shared: Vec::new(),
            });
            Ok(json!({"ok": true, "upload_url": url, "file_id": id}))
        }
        "files.completeUploadExternal" => complete_upload(&mut inner, params),
        "files.info" => {
            let id = param(params, "file").ok_or("file_not_found")?;
            let file = inner
                .files
                .iter()
                .find(|f| f.id == id && !f.shared.is_empty())
                .ok_or("file_not_found")?;
            let ims: Vec<&str> = file.shared.iter().map(|(c, _, _)| c.as_str()).collect();
            let shares: Map<String, Value> = ims
                .iter()
                .map(|c| (c.to_string(), json!([{"ts": "1.000001"}])))
                .collect();
            Ok(json!({"ok": true, "file": {
                "id": file.id, "name": file.filename, "ims": ims,
                "shares": {"private": shares},
            }}))
        }
        "auth.test" => Ok(json!({
            "ok": true, "url": "https://alliance-test.slack.com/", "team": "Alliance Test",
            "user": "alliance", "team_id": inner.team_id.as_deref().unwrap_or(FakeSlack::TEAM),
            "user_id": "UBOT", "bot_id": "BFAKE",
        })),
        _ => Err("unknown_method"),
    }
}

/// Slack's rules: every file was uploaded (with the length it was asked
/// for), and a channel is named (else the files stay private: we never
/// want that, so the fake refuses it).
fn complete_upload(inner: &mut Inner, params: &Map<String, Value>) -> Outcome {
    let files = json_param(params, "files")
        .and_then(|f| f.as_array().cloned())
        .filter(|f| !f.is_empty())
        .ok_or("invalid_arguments")?;
    let channel = param(params, "channel_id").ok_or("channel_not_found")?;
    let comment = param(params, "initial_comment").unwrap_or_default();
    let mut shared = Vec::new();
    for file in &files {
        let id = file["id"].as_str().ok_or("invalid_arguments")?;
        let known = inner
            .files
            .iter()
            .position(|f| f.id == id && f.bytes.as_ref().is_some_and(|b| b.len() == f.length))
            .ok_or("file_not_found")?;
        shared.push((
            known,
            file["title"].as_str().unwrap_or_default().to_string(),
        ));
    }
    for (index, title) in shared {
        inner.files[index]
            .shared
            .push((channel.clone(), title, comment.clone()));
    }
    Ok(json!({"ok": true, "files": files}))
}

fn post_message(inner: &mut Inner, params: &Map<String, Value>) -> Outcome {
    let channel = param(params, "channel").ok_or("channel_not_found")?;
    let text = param(params, "text").unwrap_or_default();
    let blocks = json_param(params, "blocks").unwrap_or(Value::Null);
    let has_blocks = blocks.as_array().is_some_and(|b| !b.is_empty());
    if text.is_empty() && !has_blocks {
        return Err("no_text");
    }
    let metadata = json_param(params, "metadata").filter(Value::is_object);
    let metadata_key = metadata
        .as_ref()
        .and_then(|m| m["event_payload"]["key"].as_str().map(str::to_string));
    let ts = next_ts(inner);
    let message = PostedMessage {
        channel: channel.clone(),
        ts: ts.clone(),
        text: text.clone(),
        blocks,
        metadata_key,
    };
    inner.posted.push(message.clone());
    inner.current.push(Stored { message, metadata });
    Ok(json!({
        "ok": true,
        "channel": channel,
        "ts": ts,
        "message": {"type": "message", "text": text, "ts": ts, "bot_id": "BFAKE"}
    }))
}

/// Real-time `ts` values (`seconds.micros`), strictly increasing, so a
/// caller's `oldest = now - …` finds what was just posted.
fn next_ts(inner: &mut Inner) -> String {
    let now = chrono::Utc::now().timestamp_micros();
    inner.last_ts_micros = now.max(inner.last_ts_micros + 1);
    let micros = inner.last_ts_micros;
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

fn update(inner: &mut Inner, params: &Map<String, Value>) -> Outcome {
    let channel = param(params, "channel").ok_or("channel_not_found")?;
    let ts = param(params, "ts").ok_or("message_not_found")?;
    let text = param(params, "text").unwrap_or_default();
    let blocks = json_param(params, "blocks").unwrap_or(Value::Null);
    let message = inner
        .current
        .iter_mut()
        .map(|s| &mut s.message)
        .find(|m| m.channel == channel && m.ts == ts)
        .ok_or("message_not_found")?;
    message.text = text.clone();
    message.blocks = blocks;
    let message = message.clone();
    inner.updated.push(message);
    Ok(json!({"ok": true, "channel": channel, "ts": ts, "text": text}))
}

fn history(inner: &Inner, params: &Map<String, Value>) -> Outcome {
    let channel = param(params, "channel").ok_or("channel_not_found")?;
    let oldest: f64 = match param(params, "oldest") {
        Some(o) => o.parse().map_err(|_| "invalid_ts_oldest")?,
        None => 0.0,
    };
    let with_metadata = param(params, "include_all_metadata").as_deref() == Some("true");
    let limit: usize = match param(params, "limit") {
        Some(l) => l.parse().map_err(|_| "invalid_limit")?,
        None => 100,
    };
    let start: usize = match param(params, "cursor") {
        Some(c) => c
            .strip_prefix("next:")
            .and_then(|n| n.parse().ok())
            .ok_or("invalid_cursor")?,
        None => 0,
    };

    let matching: Vec<&Stored> = inner
        .current
        .iter()
        .rev()
        .filter(|s| {
            s.message.channel == channel && s.message.ts.parse::<f64>().is_ok_and(|ts| ts >= oldest)
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(limit.max(1))
        .map(|s| {
            let m = &s.message;
            let mut out = json!({
                "type": "message", "ts": m.ts, "text": m.text, "blocks": m.blocks,
                "bot_id": "BFAKE",
            });
            if let (true, Some(metadata)) = (with_metadata, &s.metadata) {
                out["metadata"] = metadata.clone();
            }
            out
        })
        .collect();
    let end = start + page.len();
    let has_more = end < matching.len();
    let next_cursor = if has_more {
        format!("next:{end}")
    } else {
        String::new()
    };
    Ok(json!({
        "ok": true,
        "messages": page,
        "has_more": has_more,
        "response_metadata": {"next_cursor": next_cursor}
    }))
}

impl Inner {
    /// Gives an order to the newest open socket.
    fn order(&mut self, order: Order) {
        let socket = self
            .sockets
            .iter()
            .rev()
            .find(|s| s.open)
            .expect("an open Socket Mode connection");
        socket.orders.send(order).expect("the socket is served");
    }
}

fn envelope(id: &str, kind: &str, payload: &Value, retry: u32) -> String {
    json!({
        "envelope_id": id, "type": kind, "payload": payload,
        "accepts_response_payload": kind != "events_api", "retry_attempt": retry,
        "retry_reason": if retry > 0 { "timeout" } else { "" },
    })
    .to_string()
}

/// One Socket Mode connection: `hello`, then what the test orders, and
/// every ack that comes back recorded.
async fn serve_socket(state: Shared, tcp: tokio::net::TcpStream) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let Ok(socket) = tokio_tungstenite::accept_async(tcp).await else {
        return;
    };
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Order>();
    let hello = json!({"type": "hello", "num_connections": 1,
        "connection_info": {"app_id": "A0APP"}, "debug_info": {"host": "fake"}});
    let number = {
        let mut inner = lock(&state);
        let number = inner.sockets.len();
        inner.sockets.push(FakeSocket {
            orders: tx,
            open: true,
        });
        inner.socket_log.push(SocketEvent::Opened(number));
        number
    };
    if sink
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        close(&state, number);
        return;
    }
    let mut lose: Option<String> = None;
    loop {
        tokio::select! {
            order = rx.recv() => match order {
                Some(Order::Send(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Order::LoseAckAndDrop(id)) => lose = Some(id),
                Some(Order::Drop) | None => break,
                Some(Order::Silence) => {
                    // Held, never read or written again.
                    let _held = (sink, stream, rx);
                    std::future::pending::<()>().await;
                    return;
                }
            },
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let Ok(ack) = serde_json::from_str::<Value>(&text) else { continue };
                    if lose.as_deref().is_some_and(|id| ack["envelope_id"] == id) {
                        break;
                    }
                    lock(&state).acks.push(ack);
                }
                Some(Ok(_)) => {}
                _ => break,
            },
        }
    }
    close(&state, number);
}

fn close(state: &Shared, number: usize) {
    let mut inner = lock(state);
    if inner.sockets[number].open {
        inner.sockets[number].open = false;
        inner.socket_log.push(SocketEvent::Closed(number));
    }
}
