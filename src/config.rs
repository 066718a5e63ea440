//! Settings, read once at start into a typed [`Config`]: the defaults in
//! `config/default.toml` (compiled in), a file given with `--config` layered
//! on top, then environment variables. This is the only module that reads
//! the environment.
//!
//! Secrets (`SLACK_SIGNING_SECRET`, `SLACK_BOT_TOKEN`) come only from the
//! environment and live in [`Secret`], whose `Debug` and `Display` never show
//! the value. Every problem found is reported at once, one per line.

use crate::domain::UserId;
use crate::domain::hours::{WorkingHours, parse_tz};
use crate::domain::schedule::ReminderPolicy;
use crate::scheduler::cron::Tick;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

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
    pub data_dir: PathBuf,
    pub cache_capacity_bytes: u64,
    pub admins: BTreeSet<UserId>,
    /// `[workspace] alumni_directory = "everyone"` (else admins only).
    pub alumni_directory_for_everyone: bool,
    /// Always ends with `/`.
    pub slack_api_url: String,
    pub api_timeout: Duration,
    pub per_channel_interval: Duration,
    pub messages_per_minute: u32,
    pub tick: Tick,
    pub reminders: ReminderPolicy,
    pub working_hours: WorkingHours,
    pub default_tz: chrono_tz::Tz,
    pub signing_secret: Option<Secret>,
    pub bot_token: Option<Secret>,
    pub log_filter: String,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreFile {
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
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigErrors(vec![format!("{}: cannot read: {e}", path.display())]))?;
            let overlay: toml::Table = text
                .parse()
                .map_err(|e| ConfigErrors(vec![format!("{}: {e}", path.display())]))?;
            merge(&mut merged, overlay);
        }
        let mut file: FileConfig =
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    ConfigErrors(vec![format!("configuration: {}", e.to_string().trim())])
                })?;

        let env = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if let Some(v) = env("ALLIANCE_LISTEN") {
            file.server.listen = v;
        }
        if let Some(v) = env("ALLIANCE_DATA_DIR") {
            file.store.path = v;
        }
        if let Some(v) = env("ALLIANCE_ADMINS") {
            file.workspace.admins = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(v) = env("SLACK_API_URL") {
            file.slack.api_url = v;
        }
        if let Some(v) = env("ALLIANCE_LOG") {
            file.log.filter = v;
        }

        let mut problems = Vec::new();
        let listen = file
            .server
            .listen
            .parse::<SocketAddr>()
            .map_err(|_| {
                problems.push(format!(
                    "server.listen: `{}` is not an address like 127.0.0.1:3000",
                    file.server.listen
                ))
            })
            .ok();
        if !(1..=60).contains(&file.server.request_timeout_secs) {
            problems.push("server.request_timeout_secs: must be between 1 and 60".to_string());
        }
        if file.store.path.trim().is_empty() {
            problems.push("store.path: must name a directory".to_string());
        }
        if !(1..=16384).contains(&file.store.cache_capacity_mb) {
            problems.push("store.cache_capacity_mb: must be between 1 and 16384".to_string());
        }
        let mut admins = BTreeSet::new();
        for admin in &file.workspace.admins {
            match UserId::parse(admin) {
                Some(id) => {
                    admins.insert(id);
                }
                None => problems.push(format!(
                    "workspace.admins: `{admin}` is not a Slack user id (like U012AB3CD)"
                )),
            }
        }
        let mut api_url = file.slack.api_url.clone();
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            problems.push(format!("slack.api_url: `{api_url}` must be an http(s) URL"));
        }
        if !api_url.ends_with('/') {
            api_url.push('/');
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&file.log.filter) {
            problems.push(format!("log.filter: {e}"));
        }
        if !(1..=120).contains(&file.slack.api_timeout_secs) {
            problems.push("slack.api_timeout_secs: must be between 1 and 120".to_string());
        }
        if !(100..=60_000).contains(&file.slack.per_channel_interval_ms) {
            problems
                .push("slack.per_channel_interval_ms: must be between 100 and 60000".to_string());
        }
        if !(1..=60_000).contains(&file.slack.messages_per_minute) {
            problems.push("slack.messages_per_minute: must be between 1 and 60000".to_string());
        }
        let tick = Tick::parse(&file.scheduler.tick)
            .map_err(|e| problems.push(format!("scheduler.tick: {e}")))
            .ok();
        let r = &file.reminders;
        if r.proposal_waiting_days == 0 || r.ended_every_days == 0 || r.recommit_every_months == 0 {
            problems.push("reminders: proposal_waiting_days, ended_every_days and recommit_every_months must be at least 1".to_string());
        }
        if r.ending_days.iter().any(|d| *d == 0 || *d > 3650) {
            problems.push("reminders.ending_days: each must be between 1 and 3650".to_string());
        }
        if !matches!(
            file.workspace.alumni_directory.as_str(),
            "everyone" | "admins"
        ) {
            problems.push(format!(
                "workspace.alumni_directory: `{}` must be \"everyone\" or \"admins\"",
                file.workspace.alumni_directory
            ));
        }
        if !(1..=120).contains(&file.reminders.keep_in_touch_months) {
            problems.push("reminders.keep_in_touch_months: must be between 1 and 120".to_string());
        }
        if !(1..=crate::domain::checkin::MAX_CADENCE_MONTHS).contains(&r.checkin_every_months) {
            problems.push(format!(
                "reminders.checkin_every_months: must be between 1 and {}",
                crate::domain::checkin::MAX_CADENCE_MONTHS
            ));
        }
        let hours = WorkingHours::new(
            &r.working_hours_start,
            &r.working_hours_end,
            &r.working_days,
        )
        .map_err(|e| problems.push(format!("reminders: {e}")))
        .ok();
        let default_tz = parse_tz(&r.default_timezone)
            .ok_or_else(|| {
                problems.push(format!(
                    "reminders.default_timezone: `{}` is not an IANA time zone like Europe/Berlin",
                    r.default_timezone
                ))
            })
            .ok();
        match (listen, tick, hours, default_tz) {
            (Some(listen), Some(tick), Some(working_hours), Some(default_tz))
                if problems.is_empty() =>
            {
                Ok(Config {
                    listen,
                    request_timeout: Duration::from_secs(file.server.request_timeout_secs),
                    data_dir: PathBuf::from(file.store.path),
                    cache_capacity_bytes: file.store.cache_capacity_mb << 20,
                    admins,
                    slack_api_url: api_url,
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
                    log_filter: file.log.filter,
                })
            }
            _ => Err(ConfigErrors(problems)),
        }
    }

    /// What `serve` needs before it may answer anyone.
    pub fn require_signing_secret(&self) -> Result<&Secret, String> {
        self.signing_secret.as_ref().ok_or_else(|| {
            "SLACK_SIGNING_SECRET is not set: set it to your Slack app's Signing Secret \
             (api.slack.com/apps → Basic Information → App Credentials)"
                .to_string()
        })
    }

    /// The effective settings as TOML, secrets redacted (`check-config`).
    pub fn describe(&self) -> String {
        let secret = |s: &Option<Secret>| {
            if s.is_some() {
                "set (redacted)"
            } else {
                "not set"
            }
        };
        let admins: Vec<String> = self.admins.iter().map(|a| format!("\"{a}\"")).collect();
        format!(
            "[server]\nlisten = \"{}\"\nrequest_timeout_secs = {}\n\n[store]\npath = \"{}\"\ncache_capacity_mb = {}\n\n\
             [workspace]\nadmins = [{}]\nalumni_directory = \"{}\"\n\n[slack]\napi_url = \"{}\"\n# SLACK_SIGNING_SECRET: {}\n# SLACK_BOT_TOKEN: {}\n\n\
             [scheduler]\ntick = \"{}\"\n\n[reminders]\nproposal_waiting_days = {}\nending_days = {:?}\nended_every_days = {}\n\
             recommit_every_months = {}\nkeep_in_touch_months = {}\ncheckin_every_months = {}\nworking_hours = \"{}–{}\"\ndefault_timezone = \"{}\"\n\n[log]\nfilter = \"{}\"\n",
            self.listen,
            self.request_timeout.as_secs(),
            self.data_dir.display(),
            self.cache_capacity_bytes >> 20,
            admins.join(", "),
            if self.alumni_directory_for_everyone {
                "everyone"
            } else {
                "admins"
            },
            self.slack_api_url,
            secret(&self.signing_secret),
            secret(&self.bot_token),
            self.tick.expression(),
            self.reminders.proposal_waiting_days,
            self.reminders.ending_days,
            self.reminders.ended_every_days,
            self.reminders.recommit_every_months,
            self.reminders.keep_in_touch_months,
            self.reminders.checkin_every_months,
            self.working_hours.start().format("%H:%M"),
            self.working_hours.end().format("%H:%M"),
            self.default_tz.name(),
            self.log_filter,
        )
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
}
