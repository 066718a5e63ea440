//! Putting Alliance together: the HTTP receiver, the scheduler loop and the
//! delivery loop on one store, and stopping them in order. `alliance serve`
//! and the end-to-end tests both start the bot through [`App`], so what is
//! tested is what runs.
//!
//! Without a bot token the bot still answers commands and the scheduler
//! still fills the outbox; messages wait there until a token is configured.

use crate::clock::Clock;
use crate::commands::Engine;
use crate::config::{Config, Secret};
use crate::delivery::Deliverer;
use crate::delivery::pacer::Pacer;
use crate::mattermost::api::MattermostApi;
use crate::mattermost::command::Commands;
use crate::metrics::Metrics;
use crate::scheduler;
use crate::slack::api::SlackApi;
use crate::slack::http::{self, AppState};
use crate::slack::socket;
use crate::store::Store;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

pub struct App {
    pub state: Arc<AppState>,
    /// Mattermost's routes, when its command tokens are configured.
    pub mattermost: Option<axum::Router>,
    /// Mattermost's delivery worker: with its URL, bot token and team.
    pub mattermost_deliverer: Option<Arc<Deliverer>>,
    /// Mattermost's event stream (check-in answers), with the same.
    mattermost_events: Option<crate::mattermost::events::Events>,
    /// `None` without a bot token.
    pub deliverer: Option<Arc<Deliverer>>,
    /// What wakes each surface's delivery worker (`state.wake` wakes both).
    slack_wake: Arc<Notify>,
    mattermost_wake: Arc<Notify>,
    store: Store,
    config: Config,
    socket_timing: socket::Timing,
    /// This process's name in claims and leases on a shared store.
    instance: String,
}

/// A name no other running process has: host, process id and a random
/// part (a restarted process is a new instance; what the old one held is
/// taken over when its claims run out).
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    let random = std::hash::BuildHasher::hash_one(
        &std::collections::hash_map::RandomState::new(),
        std::time::SystemTime::now(),
    );
    format!("{host}:{}:{:08x}", std::process::id(), random as u32)
}

/// A delivery worker sending through `api`, claiming entries as `owner`.
fn worker(
    store: &Store,
    config: &Config,
    metrics: &Option<Arc<Metrics>>,
    api: Arc<dyn crate::surface::Surface>,
    owner: &str,
) -> Arc<Deliverer> {
    let pacer = Pacer::new(config.per_channel_interval, config.messages_per_minute);
    Arc::new(
        Deliverer::new(
            store.clone(),
            api,
            pacer,
            config.working_hours.clone(),
            config.default_tz,
        )
        .with_metrics(metrics.clone())
        .with_owner(owner),
    )
}

impl App {
    /// Without a signing secret, Slack's `/slack/events` is not served.
    pub fn new(
        config: Config,
        store: Store,
        signing_secret: impl Into<Option<Secret>>,
        clock: Clock,
    ) -> App {
        let signing_secret = signing_secret.into();
        let store = store.with_policy(config.reminders.clone());
        let instance = instance_name();
        let metrics = config.metrics.then(|| Arc::new(Metrics::new()));
        let api = config.bot_token.clone().map(|token| {
            Arc::new(
                SlackApi::new(&config.slack_api_url, token, config.api_timeout)
                    .with_metrics(metrics.clone()),
            )
        });
        let deliverer = api
            .clone()
            .map(|api| worker(&store, &config, &metrics, api, &instance));
        let (slack_wake, mattermost_wake) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let state = Arc::new(AppState {
            engine: Engine::new(store.clone(), config.admins.clone())
                .with_alumni_directory(config.alumni_directory_for_everyone)
                .with_default_tz(config.default_tz)
                .with_working_hours(config.working_hours.clone()),
            signing_secret,
            clock,
            wake: crate::delivery::Wake::new(vec![slack_wake.clone(), mattermost_wake.clone()]),
            api,
            metrics,
            answer_budget: http::ANSWER_BUDGET,
            sockets: config
                .socket_mode
                .then(|| Arc::new(std::sync::atomic::AtomicUsize::new(0))),
        });
        // Mattermost's commands reach the same engine (and so the same store
        // and rules); the engine is cheap to clone.
        let names = crate::mattermost::api::Directory::default();
        // Buttons on Mattermost: where they call, and what signs them.
        let buttons = match (
            &config.mattermost_callback_url,
            &config.mattermost_actions_secret,
        ) {
            (Some(url), Some(secret)) => {
                Some((format!("{url}/mattermost/actions"), secret.clone()))
            }
            _ => None,
        };
        let mattermost_api = match (&config.mattermost_url, &config.mattermost_bot_token) {
            (Some(url), Some(token)) => Some(Arc::new(
                MattermostApi::new(url, token.clone(), config.api_timeout)
                    .for_team(config.mattermost_team.clone(), names.clone())
                    .with_actions(buttons.clone()),
            )),
            _ => None,
        };
        let mattermost = (!config.mattermost_command_tokens.is_empty()).then(|| {
            Commands::new(
                state.engine.clone(),
                state.clock.clone(),
                state.wake.clone(),
                config.mattermost_command_tokens.clone(),
                mattermost_api.clone(),
                names.clone(),
            )
            .with_callbacks(
                config
                    .mattermost_callback_url
                    .clone()
                    .zip(config.mattermost_actions_secret.clone()),
            )
            .router()
        });
        // One outbox, one mechanism: a second worker reads the Mattermost
        // team's queue and sends through Mattermost's surface.
        let mattermost_events = match (&mattermost_api, &config.mattermost_team) {
            (Some(api), Some(team)) => Some(crate::mattermost::events::Events {
                engine: state.engine.clone(),
                clock: state.clock.clone(),
                wake: state.wake.clone(),
                api: api.clone(),
                team: team.clone(),
            }),
            _ => None,
        };
        let mattermost_deliverer = mattermost_api
            .filter(|_| config.mattermost_team.is_some())
            .map(|api| {
                let owner = format!("{instance}:mattermost");
                worker(&store, &config, &state.metrics, api, &owner)
            });
        App {
            mattermost,
            mattermost_deliverer,
            mattermost_events,
            slack_wake,
            mattermost_wake,
            state,
            deliverer,
            store,
            config,
            socket_timing: socket::Timing::default(),
            instance,
        }
    }

    /// Names this instance in claims and leases (tests: a bot restarted on
    /// the same store is the same instance). Before `serve`.
    pub fn with_instance(mut self, name: &str) -> App {
        self.instance = name.to_string();
        if let Some(deliverer) = self.deliverer.as_mut() {
            Arc::get_mut(deliverer)
                .expect("the worker is not shared before serve")
                .owner = name.to_string();
        }
        if let Some(deliverer) = self.mattermost_deliverer.as_mut() {
            Arc::get_mut(deliverer)
                .expect("the worker is not shared before serve")
                .owner = format!("{name}:mattermost");
        }
        self
    }

    /// How long the request path may take before Slack is answered anyway,
    /// over HTTP and Socket Mode (tests shorten it). Before `serve`.
    pub fn with_answer_budget(mut self, budget: std::time::Duration) -> App {
        Arc::get_mut(&mut self.state)
            .expect("the state is not shared before serve")
            .answer_budget = budget;
        self
    }

    /// Socket Mode's silence limit, ping interval and linger (tests
    /// shorten them).
    pub fn with_socket_timing(mut self, timing: socket::Timing) -> App {
        self.socket_timing = timing;
        self
    }

    /// Serves until `shutdown` resolves, then stops: from that moment no
    /// new envelope is taken and the loops wind down, while HTTP requests
    /// and envelopes in hand are answered; then the store is flushed.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop, stopped) = watch::channel(false);
        let stop = Arc::new(stop);
        let clock = self.state.clock.clone();
        let wake = self.state.wake.clone();
        let (slack_wake, mattermost_wake) = (self.slack_wake.clone(), self.mattermost_wake.clone());
        let scheduler = tokio::spawn(scheduler::run(
            self.store.clone(),
            self.config.tick.clone(),
            clock.clone(),
            wake.clone(),
            self.state.metrics.clone(),
            self.instance.clone(),
            stopped.clone(),
        ));
        let mattermost_events = self
            .mattermost_events
            .map(|events| tokio::spawn(events.run(stopped.clone())));
        let mattermost_delivery = self
            .mattermost_deliverer
            .clone()
            .map(|d| tokio::spawn(d.run(clock.clone(), mattermost_wake, stopped.clone())));
        let delivery = match self.deliverer.clone() {
            Some(deliverer) => Some(tokio::spawn(deliverer.run(
                clock,
                slack_wake,
                stopped.clone(),
            ))),
            None => {
                tracing::warn!(
                    "SLACK_BOT_TOKEN is not set: messages to Slack workspaces wait in the outbox until it is"
                );
                None
            }
        };
        // Socket Mode: a refused app token stops `serve`, with its reason.
        let (fatal, fatal_said) = tokio::sync::oneshot::channel::<()>();
        let socket = match (self.config.socket_mode, self.config.app_token.clone()) {
            (true, Some(token)) => {
                let api = Arc::new(
                    SlackApi::new(&self.config.slack_api_url, token, self.config.api_timeout)
                        .with_metrics(self.state.metrics.clone()),
                );
                let run = socket::run(self.state.clone(), api, self.socket_timing, stopped.clone());
                Some(tokio::spawn(async move {
                    let ended = run.await;
                    if ended.is_err() {
                        let _ = fatal.send(());
                    }
                    ended
                }))
            }
            _ => None,
        };
        let stopping = stop.clone();
        let shutdown = async move {
            tokio::select! {
                _ = shutdown => {}
                Ok(()) = fatal_said => {}
            }
            let _ = stopping.send(true);
        };
        let mut served = http::serve_with(
            listener,
            self.state.clone(),
            self.config.request_timeout,
            self.mattermost.clone().unwrap_or_default(),
            shutdown,
        )
        .await;
        let _ = stop.send(true);
        let _ = scheduler.await;
        if let Some(socket) = socket
            && let Ok(Err(fatal)) = socket.await
        {
            served = Err(std::io::Error::other(fatal.to_string()));
        }
        if let Some(delivery) = delivery {
            let _ = delivery.await;
        }
        if let Some(delivery) = mattermost_delivery {
            let _ = delivery.await;
        }
        if let Some(events) = mattermost_events {
            let _ = events.await;
        }
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.flush())
            .await
            .map_err(std::io::Error::other)?
            .map_err(std::io::Error::other)?;
        served
    }
}
