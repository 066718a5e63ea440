//! Settings, read once at start into a typed [`Config`]: the defaults in
//! `config/default.toml` (compiled in), a file given with `--config` layered
//! on top, then environment variables. This is the only module that reads
//! the environment.
//!
//! Secrets (`SLACK_SIGNING_SECRET`, `SLACK_BOT_TOKEN`) come only from the
//! environment and live in [`Secret`], whose `Debug` and `Display` never show
//! the value.
//!
//! Every problem found is reported at once, one per line, in the order of
//! the file, each with where to look: `my.toml:3: unknown key
//! "workng_hours" in [reminders]`, `my.toml:2: server.listen: …`, or the
//! environment variable that set the value. The keys of
//! `config/default.toml` are the only keys there are: a file's key that is
//! not one of them, or whose value has another type, is a problem on its
//! line (with the closest known name, if one is close), and the rest of the
//! file is still checked.
//!
//! [`Config::describe`] (`alliance check-config`) is `config/default.toml`
//! itself, comments and all, with every value replaced by the one in
//! effect: a complete config file that `--config` reads back to the same
//! settings, and a setting added to the defaults shows up in it by itself.
//!
//! The data directory: `store.path` (default `./data`) is `serve`'s and the
//! operator commands'. The shell never reads it: its directory is
//! `ALLIANCE_DATA_DIR` if set, else [`SHELL_DATA_DIR`], so a trial never
//! leaves messages in a directory `serve` delivers from. `--data DIR`
//! ([`Config::with_data_dir`]) chooses for every command.

use crate::domain::UserId;
use crate::domain::hours::{HoursError, WorkingHours, parse_tz};
use crate::domain::schedule::ReminderPolicy;
use crate::scheduler::cron::Tick;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Where `alliance shell` keeps its data unless `--data` or
/// `ALLIANCE_DATA_DIR` say otherwise: never `store.path`, `serve`'s
/// directory, so trying the bot can never leave messages for a real
/// workspace to deliver.
pub const SHELL_DATA_DIR: &str = "shell-data";

/// A value that must never be printed: tokens, the signing secret,
/// `response_url`s.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub request_timeout: Duration,
    /// `server.metrics`: whether `GET /metrics` is served.
    pub metrics: bool,
    /// `store.path`: `serve`'s and the operator commands' directory.
    pub data_dir: PathBuf,
    /// The shell's: `ALLIANCE_DATA_DIR` or [`SHELL_DATA_DIR`], never
    /// `store.path` from a file.
    pub shell_data_dir: PathBuf,
    pub cache_capacity_bytes: u64,
    /// `store.backend`: sled in `data_dir`, or PostgreSQL at `database_url`.
    pub store_backend: StoreBackend,
    /// `DATABASE_URL`: the PostgreSQL database (`store.backend = "postgres"`).
    pub database_url: Option<Secret>,
    /// `store.pool_size`: PostgreSQL connections kept at most.
    pub pool_size: usize,
    pub admins: BTreeSet<UserId>,
    /// `[workspace] alumni_directory = "everyone"` (else admins only).
    pub alumni_directory_for_everyone: bool,
    /// Always ends with `/`.
    pub slack_api_url: String,
    /// `SLACK_APP_TOKEN` (`xapp-…`, scope `connections:write`): Socket Mode.
    pub app_token: Option<Secret>,
    /// Socket Mode (`slack.mode`, resolved): connect out to Slack rather
    /// than take `POST /slack/events`.
    pub socket_mode: bool,
    pub api_timeout: Duration,
    pub per_channel_interval: Duration,
    pub messages_per_minute: u32,
    pub tick: Tick,
    pub reminders: ReminderPolicy,
    pub working_hours: WorkingHours,
    pub default_tz: chrono_tz::Tz,
    pub signing_secret: Option<Secret>,
    pub bot_token: Option<Secret>,
    /// `MATTERMOST_COMMAND_TOKENS`: the tokens of the `/tour`, `/1on1` and
    /// `/alumni` custom slash commands (comma-separated). With none,
    /// `/mattermost/command` is not served.
    pub mattermost_command_tokens: Vec<Secret>,
    /// `MATTERMOST_URL`: the server (`https://chat.example.com`), no `/` at the end.
    pub mattermost_url: Option<String>,
    /// `MATTERMOST_BOT_TOKEN`: the bot account's access token.
    pub mattermost_bot_token: Option<Secret>,
    /// `MATTERMOST_TEAM_ID`: the team whose messages the bot delivers.
    pub mattermost_team: Option<crate::domain::TeamId>,
    /// `MATTERMOST_CALLBACK_URL`: Alliance's address as Mattermost reaches
    /// it (`https://alliance.example.com`); with `MATTERMOST_ACTIONS_SECRET`,
    /// posts carry buttons that call `…/mattermost/actions`.
    pub mattermost_callback_url: Option<String>,
    /// `MATTERMOST_ACTIONS_SECRET`: signs what a button acts on.
    pub mattermost_actions_secret: Option<Secret>,
    pub log_filter: String,
    /// Every setting as read (defaults, file, environment), for
    /// [`Config::describe`].
    settings: toml::Table,
}

/// Which engine keeps the data (`store.backend`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreBackend {
    Sled,
    Postgres,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    server: ServerFile,
    store: StoreFile,
    workspace: WorkspaceFile,
    slack: SlackFile,
    scheduler: SchedulerFile,
    reminders: RemindersFile,
    log: LogFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchedulerFile {
    tick: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemindersFile {
    proposal_waiting_days: u32,
    ending_days: Vec<u32>,
    ended_every_days: u32,
    recommit_every_months: u32,
    keep_in_touch_months: u32,
    checkin_every_months: u32,
    working_hours_start: String,
    working_hours_end: String,
    working_days: Vec<String>,
    default_timezone: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    listen: String,
    request_timeout_secs: u64,
    metrics: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
    backend: String,
    pool_size: u32,
    path: String,
    cache_capacity_mb: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceFile {
    admins: Vec<String>,
    alumni_directory: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlackFile {
    mode: String,
    api_url: String,
    api_timeout_secs: u64,
    per_channel_interval_ms: u64,
    messages_per_minute: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogFile {
    filter: String,
}

/// Everything wrong with the configuration, one problem per line.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl Config {
    /// Reads the defaults, `file` and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigErrors> {
        Config::load_with(file, &|name| std::env::var(name).ok())
    }

    /// As [`Config::load`], with the environment given as a function (tests).
    pub fn load_with(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigErrors> {
        let mut merged: toml::Table = DEFAULT_TOML
            .parse()
            .map_err(|e| ConfigErrors(vec![format!("built-in defaults: {e}")]))?;
        let mut problems = Problems::default();
        let mut origins = Origins::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigErrors(vec![format!("{}: cannot read: {e}", path.display())]))?;
            origins.file = path.display().to_string();
            let overlay = read_overlay(&text, &merged, &mut origins, &mut problems)?;
            merge(&mut merged, overlay);
        }

        let env = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        for (name, section, key) in ENV_SETTINGS {
            let Some(v) = env(name) else { continue };
            let value = if name == "ALLIANCE_ADMINS" {
                toml::Value::Array(
                    v.split(',')
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .map(toml::Value::from)
                        .collect(),
                )
            } else {
                toml::Value::String(v)
            };
            if let Some(toml::Value::Table(t)) = merged.get_mut(section) {
                t.insert(key.to_string(), value);
                origins.env.insert(format!("{section}.{key}"), name);
            }
        }

        let file: FileConfig = match toml::Value::Table(merged.clone()).try_into() {
            Ok(file) => file,
            Err(e) => {
                // What the walk over the file could not see (an array's
                // element of the wrong type): toml names the setting.
                let e: toml::de::Error = e;
                problems.with(&origins, "configuration", e.message().trim());
                return Err(problems.into_errors());
            }
        };

        let mut problem = |key: &str, text: String| problems.with(&origins, key, &text);
        let listen = file
            .server
            .listen
            .parse::<SocketAddr>()
            .map_err(|_| {
                problem(
                    "server.listen",
                    format!(
                        "`{}` is not an address like 127.0.0.1:3000",
                        file.server.listen
                    ),
                )
            })
            .ok();
        if !(1..=60).contains(&file.server.request_timeout_secs) {
            problem(
                "server.request_timeout_secs",
                "must be between 1 and 60".into(),
            );
        }
        if file.store.path.trim().is_empty() {
            problem("store.path", "must name a directory".into());
        }
        let store_backend = match file.store.backend.as_str() {
            "sled" => Some(StoreBackend::Sled),
            "postgres" => Some(StoreBackend::Postgres),
            other => {
                problem(
                    "store.backend",
                    format!("`{other}` is neither \"sled\" nor \"postgres\""),
                );
                None
            }
        };
        if !(1..=256).contains(&file.store.pool_size) {
            problem("store.pool_size", "must be between 1 and 256".into());
        }
        if !(1..=16384).contains(&file.store.cache_capacity_mb) {
            problem(
                "store.cache_capacity_mb",
                "must be between 1 and 16384".into(),
            );
        }
        let mut admins = BTreeSet::new();
        for admin in &file.workspace.admins {
            match UserId::parse(admin) {
                Some(id) => {
                    admins.insert(id);
                }
                None => problem(
                    "workspace.admins",
                    format!("`{admin}` is not a Slack user id (like U012AB3CD)"),
                ),
            }
        }
        let mut api_url = file.slack.api_url.clone();
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            problem(
                "slack.api_url",
                format!("`{api_url}` must be an http(s) URL"),
            );
        }
        if !api_url.ends_with('/') {
            api_url.push('/');
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&file.log.filter) {
            problem("log.filter", e.to_string());
        }
        if !(1..=120).contains(&file.slack.api_timeout_secs) {
            problem("slack.api_timeout_secs", "must be between 1 and 120".into());
        }
        if !(100..=60_000).contains(&file.slack.per_channel_interval_ms) {
            problem(
                "slack.per_channel_interval_ms",
                "must be between 100 and 60000".into(),
            );
        }
        if !(1..=60_000).contains(&file.slack.messages_per_minute) {
            problem(
                "slack.messages_per_minute",
                "must be between 1 and 60000".into(),
            );
        }
        let tick = Tick::parse(&file.scheduler.tick)
            .map_err(|e| problem("scheduler.tick", e.to_string()))
            .ok();
        let app_token = env("SLACK_APP_TOKEN").map(Secret::new);
        let socket_mode = match (file.slack.mode.as_str(), &app_token) {
            ("auto", token) => token.is_some(),
            ("http", _) => false,
            ("socket", Some(_)) => true,
            ("socket", None) => {
                problem(
                    "slack.mode",
                    "`socket` needs SLACK_APP_TOKEN (an xapp- app-level token with connections:write)"
                        .into(),
                );
                false
            }
            (other, _) => {
                problem(
                    "slack.mode",
                    format!("`{other}` is not one of auto, http, socket"),
                );
                false
            }
        };
        let r = &file.reminders;
        for (key, value) in [
            ("proposal_waiting_days", r.proposal_waiting_days),
            ("ended_every_days", r.ended_every_days),
            ("recommit_every_months", r.recommit_every_months),
        ] {
            if value == 0 {
                problem(&format!("reminders.{key}"), "must be at least 1".into());
            }
        }
        if r.ending_days.iter().any(|d| *d == 0 || *d > 3650) {
            problem(
                "reminders.ending_days",
                "each must be between 1 and 3650".into(),
            );
        }
        if !matches!(
            file.workspace.alumni_directory.as_str(),
            "everyone" | "admins"
        ) {
            problem(
                "workspace.alumni_directory",
                format!(
                    "`{}` must be \"everyone\" or \"admins\"",
                    file.workspace.alumni_directory
                ),
            );
        }
        if !(1..=120).contains(&r.keep_in_touch_months) {
            problem(
                "reminders.keep_in_touch_months",
                "must be between 1 and 120".into(),
            );
        }
        if !(1..=crate::domain::checkin::MAX_CADENCE_MONTHS).contains(&r.checkin_every_months) {
            problem(
                "reminders.checkin_every_months",
                format!(
                    "must be between 1 and {}",
                    crate::domain::checkin::MAX_CADENCE_MONTHS
                ),
            );
        }
        let hours = WorkingHours::new(
            &r.working_hours_start,
            &r.working_hours_end,
            &r.working_days,
        )
        .map_err(|e| {
            let key = match &e {
                HoursError::BadTime { field: "start", .. } => "reminders.working_hours_start",
                HoursError::BadTime { .. } | HoursError::EndNotAfterStart { .. } => {
                    "reminders.working_hours_end"
                }
                HoursError::BadDay(_) | HoursError::NoDays => "reminders.working_days",
            };
            problem(key, e.to_string())
        })
        .ok();
        let default_tz = parse_tz(&r.default_timezone)
            .ok_or_else(|| {
                problem(
                    "reminders.default_timezone",
                    format!(
                        "`{}` is not an IANA time zone like Europe/Berlin",
                        r.default_timezone
                    ),
                )
            })
            .ok();
        match (listen, tick, hours, default_tz, store_backend) {
            (
                Some(listen),
                Some(tick),
                Some(working_hours),
                Some(default_tz),
                Some(store_backend),
            ) if problems.is_empty() => Ok(Config {
                listen,
                request_timeout: Duration::from_secs(file.server.request_timeout_secs),
                metrics: file.server.metrics,
                data_dir: PathBuf::from(file.store.path),
                shell_data_dir: PathBuf::from(
                    env("ALLIANCE_DATA_DIR").unwrap_or_else(|| SHELL_DATA_DIR.to_string()),
                ),
                cache_capacity_bytes: file.store.cache_capacity_mb << 20,
                store_backend,
                database_url: env("DATABASE_URL").map(Secret::new),
                pool_size: file.store.pool_size as usize,
                admins,
                slack_api_url: api_url,
                app_token,
                socket_mode,
                api_timeout: Duration::from_secs(file.slack.api_timeout_secs),
                per_channel_interval: Duration::from_millis(file.slack.per_channel_interval_ms),
                messages_per_minute: file.slack.messages_per_minute,
                tick,
                reminders: ReminderPolicy {
                    proposal_waiting_days: file.reminders.proposal_waiting_days,
                    ending_days: file.reminders.ending_days.clone(),
                    ended_every_days: file.reminders.ended_every_days,
                    recommit_every_months: file.reminders.recommit_every_months,
                    keep_in_touch_months: file.reminders.keep_in_touch_months,
                    checkin_every_months: file.reminders.checkin_every_months,
                },
                alumni_directory_for_everyone: file.workspace.alumni_directory == "everyone",
                working_hours,
                default_tz,
                signing_secret: env("SLACK_SIGNING_SECRET").map(Secret::new),
                bot_token: env("SLACK_BOT_TOKEN").map(Secret::new),
                mattermost_command_tokens: env("MATTERMOST_COMMAND_TOKENS")
                    .map(|tokens| {
                        tokens
                            .split(',')
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(Secret::new)
                            .collect()
                    })
                    .unwrap_or_default(),
                mattermost_url: env("MATTERMOST_URL").map(|u| u.trim_end_matches('/').to_string()),
                mattermost_bot_token: env("MATTERMOST_BOT_TOKEN").map(Secret::new),
                mattermost_callback_url: env("MATTERMOST_CALLBACK_URL")
                    .map(|u| u.trim_end_matches('/').to_string()),
                mattermost_actions_secret: env("MATTERMOST_ACTIONS_SECRET").map(Secret::new),
                mattermost_team: env("MATTERMOST_TEAM_ID")
                    .and_then(|t| crate::domain::TeamId::mattermost(t.trim())),
                log_filter: file.log.filter,
                settings: merged,
            }),
            _ => Err(problems.into_errors()),
        }
    }

    /// Works on `dir` instead (`--data DIR`): `serve`, the operator
    /// commands and the shell alike.
    pub fn with_data_dir(mut self, dir: &Path) -> Config {
        self.data_dir = dir.to_path_buf();
        self.shell_data_dir = dir.to_path_buf();
        if let Some(toml::Value::Table(store)) = self.settings.get_mut("store") {
            store.insert(
                "path".into(),
                toml::Value::String(dir.to_string_lossy().into_owned()),
            );
        }
        self
    }

    /// Where `serve` and the operator commands keep their data, for people.
    pub fn store_place(&self) -> String {
        match self.store_backend {
            StoreBackend::Sled => format!("sled in {}", self.data_dir.display()),
            StoreBackend::Postgres => "PostgreSQL at DATABASE_URL".into(),
        }
    }

    /// The PostgreSQL address, when the store is PostgreSQL.
    pub fn require_database_url(&self) -> Result<&Secret, String> {
        self.database_url.as_ref().ok_or_else(|| {
            "store.backend is \"postgres\" but DATABASE_URL is not set: set it to the database's \
             address, like postgres://alliance@db.internal/alliance"
                .to_string()
        })
    }

    /// What `serve` needs before it may answer anyone.
    pub fn require_signing_secret(&self) -> Result<&Secret, String> {
        self.signing_secret.as_ref().ok_or_else(|| {
            "SLACK_SIGNING_SECRET is not set: set it to your Slack app's Signing Secret \
             (api.slack.com/apps → Basic Information → App Credentials)"
                .to_string()
        })
    }

    /// The effective settings as a complete config file (`check-config`):
    /// `config/default.toml` with its comments, each value replaced by the
    /// one in effect, so every setting appears by itself and the output
    /// reads back through `--config` to the same settings. Secrets are not
    /// settings of the file: only whether each is set shows, as a comment.
    pub fn describe(&self) -> String {
        let secret = |s: &Option<Secret>| {
            if s.is_some() {
                "set (redacted)"
            } else {
                "not set"
            }
        };
        let mut out = format!(
            "# Alliance — the settings in effect, printed by `alliance check-config`.\n\
             # A complete config file: `alliance --config FILE` reads it as it is.\n\
             # Secrets come only from the environment and are never printed:\n\
             # SLACK_SIGNING_SECRET: {}\n\
             # SLACK_BOT_TOKEN: {}\n\
             # SLACK_APP_TOKEN: {}\n\
             # DATABASE_URL: {}\n\
             # MATTERMOST_COMMAND_TOKENS: {}\n\
             # MATTERMOST_BOT_TOKEN: {}\n\
             # MATTERMOST_ACTIONS_SECRET: {}\n\
             # The store: {}\n\
             # Slack reaches this bot by: {}\n\n",
            secret(&self.signing_secret),
            secret(&self.bot_token),
            secret(&self.app_token),
            secret(&self.database_url),
            match self.mattermost_command_tokens.len() {
                0 => "not set".to_string(),
                n => format!("{n} set (redacted)"),
            },
            secret(&self.mattermost_bot_token),
            secret(&self.mattermost_actions_secret),
            self.store_place(),
            if self.socket_mode {
                "Socket Mode (it connects out; no public URL)"
            } else {
                "HTTP (POST /slack/events)"
            },
        );
        out.push_str(&fill_template(DEFAULT_TOML, &self.settings));
        out
    }
}

/// The settings the environment may set, and where they go.
const ENV_SETTINGS: [(&str, &str, &str); 6] = [
    ("ALLIANCE_LISTEN", "server", "listen"),
    ("ALLIANCE_STORE_BACKEND", "store", "backend"),
    ("ALLIANCE_DATA_DIR", "store", "path"),
    ("ALLIANCE_ADMINS", "workspace", "admins"),
    ("SLACK_API_URL", "slack", "api_url"),
    ("ALLIANCE_LOG", "log", "filter"),
];

/// Where each setting was given, so a problem can say where to look.
#[derive(Default)]
struct Origins {
    /// The `--config` file, as the command line named it.
    file: String,
    /// The line of each key (`server.listen`) the file sets.
    lines: BTreeMap<String, usize>,
    /// The variable that set a key; it wins over the file.
    env: BTreeMap<String, &'static str>,
}

/// Every problem found, with the line of the file it is on, so they are
/// reported in the order of the file (then those that are not in it).
#[derive(Default)]
struct Problems(Vec<(usize, String)>);

impl Problems {
    /// A problem on `line` of the file.
    fn at(&mut self, origins: &Origins, line: usize, problem: String) {
        self.0
            .push((line, format!("{}:{line}: {problem}", origins.file)));
    }

    /// A problem with the value of `key`, wherever it was set.
    fn with(&mut self, origins: &Origins, key: &str, problem: &str) {
        match (origins.env.get(key), origins.lines.get(key)) {
            (Some(var), _) => self
                .0
                .push((usize::MAX, format!("{var} (environment): {key}: {problem}"))),
            (None, Some(line)) => self.at(origins, *line, format!("{key}: {problem}")),
            (None, None) => self.0.push((usize::MAX, format!("{key}: {problem}"))),
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn into_errors(mut self) -> ConfigErrors {
        self.0.sort_by_key(|(line, _)| *line);
        ConfigErrors(self.0.into_iter().map(|(_, problem)| problem).collect())
    }
}

/// Reads a `--config` file: every unknown key and value of the wrong type
/// becomes a problem on its line, and the lines of the others are noted in
/// `origins`. What can be used is returned, to be layered on the defaults,
/// so the values' own checks still run and report too. A file that is not
/// TOML at all is refused with every syntax error found.
fn read_overlay(
    text: &str,
    defaults: &toml::Table,
    origins: &mut Origins,
    problems: &mut Problems,
) -> Result<toml::Table, ConfigErrors> {
    let line = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let (document, errors) = toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let mut syntax = Problems::default();
        for e in &errors {
            let at = e.span().map_or(1, |span| line(span.start));
            syntax.at(origins, at, e.message().trim().to_string());
        }
        return Err(syntax.into_errors());
    }
    // The same document as plain values (it parsed above, so it parses).
    let values: toml::Table = text
        .parse()
        .map_err(|e| ConfigErrors(vec![format!("{}: {e}", origins.file)]))?;
    let mut overlay = toml::Table::new();
    for (section, value) in document.get_ref() {
        let at = line(section.span().start);
        let section = section.get_ref().as_ref();
        let (Some(toml::Value::Table(known)), toml::de::DeValue::Table(keys)) =
            (defaults.get(section), value.get_ref())
        else {
            let home = defaults
                .iter()
                .find(|(_, keys)| keys.get(section).is_some())
                .map(|(home, _)| home);
            let hint = crate::words::suggest(section, defaults.keys().map(String::as_str))
                .map(|s| format!(" (did you mean [{s}]?)"))
                .unwrap_or_default();
            let problem = match (defaults.contains_key(section), home) {
                (true, _) => format!("[{section}] must be a section of settings"),
                (false, Some(home)) => {
                    format!("\"{section}\" belongs in a section: write it under [{home}]")
                }
                (false, None) if value.get_ref().is_table() => {
                    format!("unknown section [{section}]{hint}")
                }
                (false, None) => format!("unknown key \"{section}\" outside any section"),
            };
            problems.at(origins, at, problem);
            continue;
        };
        let mut kept = toml::Table::new();
        for (key, _) in keys {
            let at = line(key.span().start);
            let key = key.get_ref().as_ref();
            let Some(default) = known.get(key) else {
                // `working_hours` for `working_hours_start` and `_end`.
                let parts: Vec<String> = known
                    .keys()
                    .filter(|k| k.starts_with(&format!("{key}_")))
                    .map(|k| format!("\"{k}\""))
                    .collect();
                let hint = match crate::words::suggest(key, known.keys().map(String::as_str)) {
                    Some(s) => format!(" (did you mean \"{s}\"?)"),
                    None if !parts.is_empty() => {
                        format!(" (did you mean {}?)", parts.join(" and "))
                    }
                    None => String::new(),
                };
                problems.at(
                    origins,
                    at,
                    format!("unknown key \"{key}\" in [{section}]{hint}"),
                );
                continue;
            };
            let Some(value) = values.get(section).and_then(|s| s.get(key)) else {
                continue;
            };
            if let Some(wrong) = type_mismatch(default, value) {
                problems.at(origins, at, format!("{section}.{key} must be {wrong}"));
                continue;
            }
            if let Some(why) = unreadable(defaults, section, key, value) {
                problems.at(origins, at, format!("{section}.{key}: {why}"));
                continue;
            }
            origins.lines.insert(format!("{section}.{key}"), at);
            kept.insert(key.to_string(), value.clone());
        }
        overlay.insert(section.to_string(), toml::Value::Table(kept));
    }
    Ok(overlay)
}

/// `None` if `value` has the shape of `default`, else what it must be.
fn type_mismatch(default: &toml::Value, value: &toml::Value) -> Option<String> {
    fn kind(v: &toml::Value) -> &'static str {
        match v {
            toml::Value::String(_) => "a string",
            toml::Value::Integer(_) => "an integer",
            toml::Value::Float(_) => "a number",
            toml::Value::Boolean(_) => "true or false",
            toml::Value::Datetime(_) => "a date-time",
            toml::Value::Array(_) => "an array",
            toml::Value::Table(_) => "a table",
        }
    }
    (kind(default) != kind(value)).then(|| format!("{}, not {}", kind(default), kind(value)))
}

/// Why the settings would not read if `value` replaced `section.key` in
/// `defaults` alone (a negative count, an array holding a number): serde's
/// own words, which name no place, for a problem that then can.
fn unreadable(
    defaults: &toml::Table,
    section: &str,
    key: &str,
    value: &toml::Value,
) -> Option<String> {
    let mut probe = defaults.clone();
    if let Some(toml::Value::Table(t)) = probe.get_mut(section) {
        t.insert(key.to_string(), value.clone());
    }
    toml::Value::Table(probe)
        .try_into::<FileConfig>()
        .err()
        .map(|e| e.message().trim().to_string())
}

/// `template` (the defaults file) from its first table on, with each
/// setting's value replaced by the one in `settings`.
fn fill_template(template: &str, settings: &toml::Table) -> String {
    let start = template
        .lines()
        .scan(0, |at, line| {
            let here = *at;
            *at += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| line.trim_start().starts_with('['))
        .map_or(0, |(at, _)| at);
    let mut spans = Vec::new();
    if let Ok(document) = toml::de::DeTable::parse(template) {
        collect_values(document.get_ref(), settings, &mut spans);
    }
    spans.sort_by_key(|(span, _)| span.start);
    let mut out = String::new();
    let mut at = start;
    for (span, value) in spans.into_iter().filter(|(s, _)| s.start >= start) {
        out.push_str(&template[at..span.start]);
        out.push_str(&value);
        at = span.end;
    }
    out.push_str(&template[at..]);
    out
}

/// The span of every leaf value in `document`, with its value in `settings`
/// written as TOML.
fn collect_values(
    document: &toml::de::DeTable<'_>,
    settings: &toml::Table,
    spans: &mut Vec<(std::ops::Range<usize>, String)>,
) {
    for (key, value) in document {
        let Some(setting) = settings.get(key.get_ref().as_ref()) else {
            continue;
        };
        match (value.get_ref(), setting) {
            (toml::de::DeValue::Table(inner), toml::Value::Table(setting)) => {
                collect_values(inner, setting, spans)
            }
            _ => spans.push((value.span(), setting.to_string())),
        }
    }
}

/// Deep-merges `overlay` into `base`: tables merge, everything else replaces.
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn defaults_load_and_secrets_come_from_the_environment() {
        let c = Config::load_with(None, &env(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.slack_api_url, "https://slack.com/api/");
        assert!(
            c.signing_secret.is_none()
                && c.require_signing_secret()
                    .unwrap_err()
                    .contains("SLACK_SIGNING_SECRET")
        );

        let c = Config::load_with(
            None,
            &env(&[
                ("SLACK_SIGNING_SECRET", "s3cr3t-value"),
                ("SLACK_BOT_TOKEN", "xoxb-tok3n"),
                ("SLACK_API_URL", "http://127.0.0.1:9/api"),
                ("ALLIANCE_ADMINS", "U1, U2"),
            ]),
        )
        .unwrap();
        assert_eq!(c.require_signing_secret().unwrap().expose(), "s3cr3t-value");
        assert_eq!(c.slack_api_url, "http://127.0.0.1:9/api/");
        assert_eq!(c.admins.len(), 2);
        for shown in [format!("{c:?}"), c.describe()] {
            assert!(
                !shown.contains("s3cr3t-value") && !shown.contains("xoxb-tok3n"),
                "{shown}"
            );
        }
        assert!(
            c.describe()
                .contains("SLACK_SIGNING_SECRET: set (redacted)")
        );
    }

    #[test]
    fn a_file_layers_on_the_defaults_and_the_environment_wins() {
        let f = file("[server]\nlisten = \"0.0.0.0:8080\"\n[workspace]\nadmins = [\"U9\"]\n");
        let c = Config::load_with(Some(f.path()), &env(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(
            c.request_timeout,
            Duration::from_secs(10),
            "untouched keys keep their defaults"
        );
        let c =
            Config::load_with(Some(f.path()), &env(&[("ALLIANCE_LISTEN", "127.0.0.1:0")])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:0");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let f = file(
            "[server]\nlisten = \"nowhere\"\nrequest_timeout_secs = 0\n[workspace]\nadmins = [\"bob\", \"U1\"]\n[slack]\napi_url = \"ftp://x\"\n",
        );
        let ConfigErrors(problems) = Config::load_with(Some(f.path()), &env(&[])).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        for needle in [
            "server.listen",
            "request_timeout_secs",
            "`bob`",
            "slack.api_url",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(needle)),
                "{needle}: {problems:?}"
            );
        }
    }

    #[test]
    fn typos_and_wrong_types_are_caught() {
        let typo = Config::load_with(Some(file("[server]\nlisen = \"x\"\n").path()), &env(&[]))
            .unwrap_err();
        assert!(typo.0[0].contains("lisen"), "{typo:?}");
        let wrong = Config::load_with(
            Some(file("[store]\ncache_capacity_mb = \"big\"\n").path()),
            &env(&[]),
        )
        .unwrap_err();
        assert!(
            wrong.0[0].contains("cache_capacity_mb") || wrong.0[0].contains("integer"),
            "{wrong:?}"
        );
        let secret_in_file = Config::load_with(
            Some(file("[slack]\nbot_token = \"xoxb\"\n").path()),
            &env(&[]),
        )
        .unwrap_err();
        assert!(
            secret_in_file.0[0].contains("bot_token"),
            "{secret_in_file:?}"
        );
    }

    #[test]
    fn every_problem_in_a_file_is_reported_with_its_line_in_order() {
        let f = file(
            "[slack]\nmessages_per_minute = 0\napi_timout_secs = 5\n\n[reminders]\n\
             working_hours = \"09:00-18:00\"\nkeep_in_touch_months = \"six\"\nending_days = [30, \"7\"]\n\
             [sheduler]\ntick = \"x\"\n",
        );
        let at = |line: usize| format!("{}:{line}: ", f.path().display());
        let ConfigErrors(problems) = Config::load_with(Some(f.path()), &env(&[])).unwrap_err();
        assert_eq!(
            problems,
            vec![
                format!(
                    "{}slack.messages_per_minute: must be between 1 and 60000",
                    at(2)
                ),
                format!(
                    "{}unknown key \"api_timout_secs\" in [slack] (did you mean \"api_timeout_secs\"?)",
                    at(3)
                ),
                format!(
                    "{}unknown key \"working_hours\" in [reminders] (did you mean \"working_hours_end\" and \"working_hours_start\"?)",
                    at(6)
                ),
                format!(
                    "{}reminders.keep_in_touch_months must be an integer, not a string",
                    at(7)
                ),
                format!(
                    "{}reminders.ending_days: invalid type: string \"7\", expected u32",
                    at(8)
                ),
                format!(
                    "{}unknown section [sheduler] (did you mean [scheduler]?)",
                    at(9)
                ),
            ]
        );
        let ConfigErrors(problems) =
            Config::load_with(None, &env(&[("ALLIANCE_LOG", "a=b=c")])).unwrap_err();
        assert!(
            problems[0].starts_with("ALLIANCE_LOG (environment): log.filter: "),
            "{problems:?}"
        );
        let ConfigErrors(problems) =
            Config::load_with(Some(file("[server\nx = = 1\n").path()), &env(&[])).unwrap_err();
        assert!(
            !problems.is_empty() && problems.iter().all(|p| p.contains(".tmp")),
            "syntax errors name the file: {problems:?}"
        );
    }

    #[test]
    fn describe_fills_the_defaults_file_with_the_values_in_effect() {
        let template =
            "# header\n[a]\n# about k\nk = 1\nlist = [\n  1,\n  2,\n]\n\n[b]\ns = \"x\"\n";
        let settings: toml::Table = "[a]\nk = 5\nlist = [3]\n[b]\ns = \"say \\\"hi\\\"\"\n"
            .parse()
            .unwrap();
        assert_eq!(
            fill_template(template, &settings),
            "[a]\n# about k\nk = 5\nlist = [3]\n\n[b]\ns = 'say \"hi\"'\n"
        );

        let f = file("[reminders]\nworking_days = [\"sat\"]\n");
        let c = Config::load_with(Some(f.path()), &env(&[("ALLIANCE_DATA_DIR", "/srv/a")]))
            .unwrap()
            .with_data_dir(Path::new("/srv/b"));
        let read: toml::Table = c.describe().parse().unwrap();
        assert_eq!(
            read["reminders"]["working_days"].as_array().unwrap().len(),
            1
        );
        assert_eq!(read["store"]["path"].as_str(), Some("/srv/b"));
    }

    #[test]
    fn the_shell_never_takes_serves_directory_from_a_file() {
        let f = file("[store]\npath = \"/var/lib/alliance\"\n");
        let c = Config::load_with(Some(f.path()), &env(&[])).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/alliance"));
        assert_eq!(c.shell_data_dir, PathBuf::from(SHELL_DATA_DIR));
        let c =
            Config::load_with(Some(f.path()), &env(&[("ALLIANCE_DATA_DIR", "/tmp/x")])).unwrap();
        assert_eq!(
            (c.data_dir, c.shell_data_dir),
            (PathBuf::from("/tmp/x"), PathBuf::from("/tmp/x"))
        );
    }
}
