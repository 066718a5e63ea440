//! The `alliance` binary: parses the command line, loads the configuration,
//! opens the store and hands over to the library. Nothing else lives here.
//!
//! Standard output is for what a command prints, and its reader may go
//! away early (`alliance outbox | head -1`): the command then ends at once,
//! quietly, with status 0, as when it had finished. Nothing more is
//! written, and nothing is reported done (an export cut short does not say
//! "exported"). Writes go through [`Stdout`], which turns the closed pipe
//! into an error of its own that `main` recognises; `println!` would
//! panic. `serve` is the exception: it keeps serving, its stdout is only
//! for the address line. Standard error is written with [`say`], which
//! never panics either.

use alliance::app::App;
use alliance::clock::Clock;
use alliance::commands::{Engine, upcoming};
use alliance::config::{Config, StoreBackend};
use alliance::domain::{TeamId, UserId};
use alliance::store::export::{ImportError, ImportPlan};
use alliance::store::outbox::OutboxState;
use alliance::store::{Store, StoreError};
use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "alliance",
    version,
    about = "Tours of duty, check-ins and alumni: the Alliance framework in Slack."
)]
struct Cli {
    /// A TOML file layered over config/default.toml.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The data directory, for any command (wins over ALLIANCE_DATA_DIR and
    /// store.path). Without it, `serve` and the operator commands use
    /// store.path (./data) and the shell ./shell-data.
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer Slack: at POST /slack/events (needs SLACK_SIGNING_SECRET), or in Socket Mode with SLACK_APP_TOKEN (no public URL).
    Serve,
    /// Try Alliance without Slack: type slash commands as a person, press
    /// buttons, fill forms. Its data is its own (./shell-data), and nothing
    /// it says is ever sent.
    Shell {
        /// Who you are (a Slack-style user id); `/as U…` switches inside.
        #[arg(long = "as", default_value = "UALICE")]
        user: String,
        /// The workspace id the shell's tours belong to.
        #[arg(long, default_value = "TLOCAL")]
        team: String,
    },
    /// Print the Slack app manifest: for a bot reachable at URL, or with --socket for Socket Mode (no URL).
    Manifest {
        #[arg(
            long,
            value_name = "URL",
            required_unless_present = "socket",
            conflicts_with = "socket"
        )]
        url: Option<String>,
        /// Socket Mode: no request URLs, socket_mode_enabled true.
        #[arg(long)]
        socket: bool,
    },
    /// Print what a Mattermost admin runs to connect Alliance reachable at URL.
    MattermostSetup {
        #[arg(long, value_name = "URL")]
        url: String,
    },
    /// Print the effective configuration, secrets redacted.
    CheckConfig,
    /// Print the reminders due up to a time (default: now), in words, with
    /// when each would be sent and when its series comes next, and the
    /// messages waiting in the outbox, without sending anything. Needs the
    /// bot stopped.
    Reminders {
        /// A date (2026-12-01: up to the end of that day, UTC) or an RFC
        /// 3339 time (2026-12-01T09:00:00Z).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Print the outbox: messages pending, in flight and failed for good.
    Outbox,
    /// Write everything the store holds, or everything about one person:
    /// JSON is complete and importable, CSV is the tours table only.
    /// Needs the bot stopped.
    Export {
        /// Only what concerns this person (a Slack user id, like U0123ABCD).
        #[arg(long, value_name = "USER")]
        person: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// Write to FILE (replaced only once the export is complete)
        /// instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write the people team's report on a workspace (tours, endings ahead,
    /// decisions awaited, check-ins, 1:1s, promises, alumni): HTML is one
    /// self-contained file to open or mail, CSV one section,key,value
    /// table, JSON the same figures. Needs the bot stopped.
    Report {
        /// The workspace (a Slack team id, like T0123ABCD); needed only
        /// when the store holds tours of more than one.
        #[arg(long, value_name = "TEAM")]
        team: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        /// Write to FILE (replaced only once the report is complete)
        /// instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Restore a JSON export into an empty data directory.
    Import {
        /// The export file (`-` reads standard input).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Erase a person's data everywhere it appears. Tours they share stay
    /// for the other party, with a placeholder in their place. Needs the bot
    /// stopped.
    Erase {
        /// Whom to erase (a Slack user id, like U0123ABCD).
        #[arg(long, value_name = "USER")]
        person: String,
        /// Only in this workspace (default: every workspace).
        #[arg(long, value_name = "TEAM")]
        team: Option<String>,
        /// Print what would be removed and rewritten, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Json,
    Csv,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Html,
    Csv,
    Json,
}

/// The operator's mistake (a bad id, a refused import): reported with exit
/// code 2, like clap's own usage errors, and nothing was changed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Stdout(BufWriter::new(std::io::stdout().lock()));
    let result = run(cli, &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if stdout_closed(&e) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn run(cli: Cli, out: &mut Stdout) -> anyhow::Result<()> {
    if let Command::Manifest { url, .. } = &cli.command {
        let manifest = match url {
            Some(url) => alliance::slack::manifest::render(url).map_err(|why| anyhow!(why))?,
            None => alliance::slack::manifest::render_socket(),
        };
        writeln!(out, "{manifest}")?;
        return Ok(());
    }
    if let Command::MattermostSetup { url } = &cli.command {
        let text =
            alliance::mattermost::setup::instructions(url).map_err(|why| anyhow!(Refused(why)))?;
        write!(out, "{text}")?;
        return Ok(());
    }
    let mut config = Config::load(cli.config.as_deref()).map_err(|problems| {
        anyhow!(Refused(format!(
            "the configuration has problems:\n{}",
            problems.to_string().trim_end()
        )))
    })?;
    if let Some(dir) = &cli.data {
        config = config.with_data_dir(dir);
    }
    match cli.command {
        Command::Serve => serve(config),
        Command::Shell { user, team } => shell(&config, &user, &team, out),
        Command::CheckConfig => Ok(write!(out, "{}", config.describe())?),
        Command::Reminders { at } => reminders(&config, at.as_deref(), out),
        Command::Outbox => outbox(&config, out),
        Command::Export {
            person,
            format,
            output,
        } => export(&config, person.as_deref(), format, output.as_deref(), out),
        Command::Report {
            team,
            format,
            output,
        } => report(&config, team.as_deref(), format, output.as_deref(), out),
        Command::Import { file } => import(&config, &file, out),
        Command::Erase {
            person,
            team,
            dry_run,
        } => erase(&config, &person, team.as_deref(), dry_run, out),
        Command::Manifest { .. } | Command::MattermostSetup { .. } => {
            unreachable!("handled before the configuration is read")
        }
    }
}

/// Buffered standard output whose closed pipe is a [`StdoutClosed`] error.
struct Stdout(BufWriter<std::io::StdoutLock<'static>>);

/// The reader of standard output went away (`| head -1`).
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
struct StdoutClosed;

impl Stdout {
    fn closed(e: std::io::Error) -> std::io::Error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, StdoutClosed)
        } else {
            e
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(Stdout::closed)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(Stdout::closed)
    }
}

/// Whether `e` is, or was caused by, standard output being closed.
fn stdout_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.is::<StdoutClosed>()
            || cause
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .is_some_and(|inner| inner.is::<StdoutClosed>())
    })
}

/// A line on standard error; a closed one is not worth a panic.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn fail(e: &anyhow::Error) -> ExitCode {
    // Each cause once: an error whose text already holds its source's
    // (`cannot write the export: No space left on device`) is not followed
    // by the source again.
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    say(&format!("alliance: {text}"));
    if e.downcast_ref::<Refused>().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// The store of `serve` and the operator commands, on the configured
/// backend (`store.backend`).
fn open_store(config: &Config) -> anyhow::Result<Store> {
    match config.store_backend {
        StoreBackend::Sled => open_sled(&config.data_dir, config),
        StoreBackend::Postgres => {
            let url = config.require_database_url().map_err(|e| anyhow!(e))?;
            // The error names DATABASE_URL and never holds its value.
            Store::open_postgres(url.expose(), config.pool_size)
                .map_err(|e| anyhow!(e).context("cannot open the PostgreSQL store"))
        }
    }
}

fn open_sled(dir: &Path, config: &Config) -> anyhow::Result<Store> {
    Store::open(dir, config.cache_capacity_bytes).map_err(|e| match e {
        StoreError::Locked(dir) => anyhow!(
            "the data directory {dir} is in use by another Alliance process (is `alliance serve` running? \
             it holds the store lock); stop it first, or use another directory with --data DIR"
        ),
        other => anyhow!(other).context(format!("cannot open the store in {}", dir.display())),
    })
}

fn serve(config: Config) -> anyhow::Result<()> {
    // Socket Mode needs no signing secret: nothing is posted to us. Nor
    // does a Mattermost-only deployment: without the secret, /slack/events
    // is not served at all (never checked against an empty key).
    let mattermost = !config.mattermost_command_tokens.is_empty();
    let secret = match &config.signing_secret {
        Some(secret) => Some(secret.clone()),
        None if config.socket_mode || mattermost => None,
        None => {
            return Err(anyhow!(
                config.require_signing_secret().err().unwrap_or_default()
            ));
        }
    };
    let slack_url = secret.is_some() && !config.socket_mode;
    // Logs go to stderr; stdout is for what the command prints.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log_filter))
        .with_writer(std::io::stderr)
        // A closed stderr (`serve 2>&1 | head`) must not stop the bot: the
        // default reports a failed write with eprintln!, which panics then.
        .log_internal_errors(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let store = open_store(&config)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        // Only for whoever started it: a closed stdout stops nothing.
        let _ = if config.socket_mode {
            writeln!(
                std::io::stdout(),
                "alliance connecting to Slack in Socket Mode; /healthz, /readyz and /metrics on http://{addr}"
            )
        } else if slack_url {
            writeln!(
                std::io::stdout(),
                "alliance listening on http://{addr} (Slack request URL: /slack/events)"
            )
        } else {
            writeln!(
                std::io::stdout(),
                "alliance listening on http://{addr} (Mattermost only: /mattermost/command; \
                 /slack/events is not served without SLACK_SIGNING_SECRET)"
            )
        };
        App::new(config, store, secret, Clock::System)
            .serve(listener, shutdown_signal())
            .await?;
        tracing::info!("stopped; store flushed");
        Ok(())
    })
}

/// `--at`: an RFC 3339 time, or a plain date, meaning the end of that day
/// (UTC): "due by 2026-12-01" includes what falls due on the 1st.
fn parse_at(text: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            anyhow!(Refused(format!(
                "--at `{text}` is neither a date like 2026-12-01 nor an RFC 3339 time like 2026-12-01T09:00:00Z"
            )))
        })
}

fn reminders(config: &Config, at: Option<&str>, out: &mut impl Write) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let at = at.map(parse_at).transpose()?.unwrap_or(now);
    let store = open_store(config)?.with_policy(config.reminders.clone());
    // Fired by a tick but not yet fanned out into messages (the bot stopped
    // in between) counts as much as planned; each is checked as delivery
    // will check it, and sent when the worker would send it.
    let rules = upcoming::Rules {
        store: &store,
        hours: &config.working_hours,
        default_tz: config.default_tz,
        now,
    };
    let due = upcoming::due_by(rules, at)?;
    writeln!(
        out,
        "Reminders due by {} ({}), with when each would be sent:",
        at.format("%Y-%m-%d %H:%M UTC"),
        due.len()
    )?;
    for line in upcoming::report_lines(&due) {
        writeln!(out, "{line}")?;
    }
    let waiting: Vec<_> = store
        .outbox_all()?
        .into_iter()
        .filter(|e| e.state.is_open() && e.not_before <= at)
        .collect();
    writeln!(
        out,
        "Messages waiting in the outbox by then ({}):",
        waiting.len()
    )?;
    for e in &waiting {
        writeln!(
            out,
            "  {}  {}  {}  → {}",
            e.not_before.format("%Y-%m-%d %H:%M UTC"),
            e.team,
            shown_key(e),
            e.recipient()
        )?;
    }
    writeln!(
        out,
        "(Nothing was sent. Send times follow each recipient's working hours and away period as they stand now.)"
    )?;
    Ok(())
}

fn outbox(config: &Config, out: &mut impl Write) -> anyhow::Result<()> {
    let store = open_store(config)?;
    let entries = store.outbox_all()?;
    let sent = entries
        .iter()
        .filter(|e| matches!(e.state, OutboxState::Sent { .. }))
        .count();
    let dropped = entries
        .iter()
        .filter(|e| matches!(e.state, OutboxState::Dropped { .. }))
        .count();
    writeln!(
        out,
        "Outbox: {}, {sent} sent, {} dropped (no longer owed when due).",
        alliance::words::count_as(entries.len() as u64, "entry", "entries"),
        alliance::words::count(dropped as u64, "reminder"),
    )?;
    for line in backlog_lines(&store, chrono::Utc::now())? {
        writeln!(out, "{line}")?;
    }
    for e in &entries {
        match &e.state {
            OutboxState::Pending => writeln!(
                out,
                "  pending  {}  {}  → {}  not before {}  (attempts: {})",
                e.team,
                shown_key(e),
                e.recipient(),
                e.not_before.format("%Y-%m-%d %H:%M UTC"),
                e.attempts
            )?,
            OutboxState::Sending { since, .. } => writeln!(
                out,
                "  in flight since {}  {}  {}  → {}",
                since.format("%Y-%m-%d %H:%M UTC"),
                e.team,
                shown_key(e),
                e.recipient()
            )?,
            OutboxState::Failed { at, error } => writeln!(
                out,
                "  FAILED   {}  {}  → {}  at {}: {error}",
                e.team,
                shown_key(e),
                e.recipient(),
                at.format("%Y-%m-%d %H:%M UTC")
            )?,
            OutboxState::Redirected { to, .. } => writeln!(
                out,
                "  redirected  {}  {}  → {} (deactivated) → liaison {to}",
                e.team,
                shown_key(e),
                e.recipient()
            )?,
            OutboxState::Sent { .. } | OutboxState::Dropped { .. } => {}
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

fn shell(config: &Config, user: &str, team: &str, out: &mut Stdout) -> anyhow::Result<()> {
    let user = UserId::parse(user)
        .ok_or_else(|| anyhow!("--as `{user}` is not a Slack-style user id (like UALICE)"))?;
    let team = TeamId::parse(team)
        .ok_or_else(|| anyhow!("--team `{team}` is not a Slack-style team id (like TLOCAL)"))?;
    let store = open_sled(&config.shell_data_dir, config)?;
    let engine = Engine::new(store, config.admins.clone())
        .with_alumni_directory(config.alumni_directory_for_everyone)
        .with_default_tz(config.default_tz)
        .with_working_hours(config.working_hours.clone());
    let stdin = std::io::stdin();
    let session = alliance::shell::run(
        &engine,
        &team,
        user,
        stdin.lock(),
        &mut *out,
        chrono::Utc::now,
        &config.shell_data_dir.join("files"),
    );
    engine.store().flush()?;
    Ok(session?)
}

fn user_arg(flag: &str, text: &str) -> anyhow::Result<UserId> {
    UserId::parse(text).ok_or_else(|| {
        anyhow!(Refused(format!(
            "{flag} `{text}` is not a Slack user id (like U0123ABCD)"
        )))
    })
}

fn export(
    config: &Config,
    person: Option<&str>,
    format: ExportFormat,
    output: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let person = person.map(|p| user_arg("--person", p)).transpose()?;
    let store = open_store(config)?;
    let mut progress = |read: u64| say(&format!("alliance: export: {read} records read…"));
    let mut write = |out: &mut dyn Write| -> anyhow::Result<String> {
        Ok(match format {
            ExportFormat::Json => store
                .export(person.as_ref(), out, &mut progress)?
                .to_string(),
            ExportFormat::Csv => {
                let rows = store.export_csv(person.as_ref(), out, &mut progress)?;
                format!(
                    "{} (CSV holds the tours table only; JSON is the complete export)",
                    alliance::words::count(rows as u64, "tour")
                )
            }
        })
    };
    let what = match output {
        None => write(out)?,
        Some(path) => {
            // Written beside the target and renamed when complete, so a
            // failed export never leaves a truncated file under its name.
            let mut partial = path.as_os_str().to_owned();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            let result = std::fs::File::create(&partial)
                .with_context(|| format!("cannot create {}", partial.display()))
                .and_then(|file| write(&mut BufWriter::new(file)))
                .and_then(|what| {
                    std::fs::rename(&partial, path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    Ok(what)
                });
            if result.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            result?
        }
    };
    let scope = person.map_or_else(String::new, |p| format!(" about {p}"));
    say(&format!("alliance: exported{scope}: {what}"));
    Ok(())
}

fn team_arg(text: &str) -> anyhow::Result<TeamId> {
    TeamId::parse(text).ok_or_else(|| {
        anyhow!(Refused(format!(
            "--team `{text}` is not a Slack team id (like T0123ABCD)"
        )))
    })
}

fn report(
    config: &Config,
    team: Option<&str>,
    format: ReportFormat,
    output: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let team = team.map(team_arg).transpose()?;
    let store = open_store(config)?.with_policy(config.reminders.clone());
    let workspaces = store.workspaces()?;
    let listed = || {
        workspaces
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let place = config.store_place();
    let team = match team {
        Some(team) if workspaces.contains(&team) => team,
        Some(team) if workspaces.is_empty() => {
            return Err(anyhow!(Refused(format!(
                "the store ({place}) holds no tours in workspace {team}, nor in any other: there is nothing to report on"
            ))));
        }
        Some(team) => {
            return Err(anyhow!(Refused(format!(
                "the store ({place}) holds no tours in workspace {team}; it holds tours of {}",
                listed()
            ))));
        }
        None => match workspaces.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(anyhow!(Refused(format!(
                    "the store ({place}) holds no tours yet: there is nothing to report on"
                ))));
            }
            many => {
                return Err(anyhow!(Refused(format!(
                    "the store ({place}) holds tours of {} workspaces ({}): choose one with --team",
                    many.len(),
                    listed()
                ))));
            }
        },
    };
    let today = chrono::Utc::now().date_naive();
    let mut progress = |read: usize| say(&format!("alliance: report: {read} tours read…"));
    let report = alliance::report::Report::build(&store, &team, today, &mut progress)?;
    let text = match format {
        ReportFormat::Html => report.html(),
        ReportFormat::Csv => report.csv(),
        ReportFormat::Json => report.json() + "\n",
    };
    let (name, what) = match format {
        ReportFormat::Html => ("HTML", "one self-contained file"),
        ReportFormat::Csv => ("CSV", "section,key,value"),
        ReportFormat::Json => ("JSON", "the same figures"),
    };
    match output {
        None => {
            // Flushed before it is reported written (a reader gone early
            // must not hear that it was).
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            // Written beside the target and renamed when complete, as the
            // export is: a failed write never leaves half a report.
            let mut partial = path.as_os_str().to_owned();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            let result = std::fs::write(&partial, text.as_bytes())
                .with_context(|| format!("cannot write {}", partial.display()))
                .and_then(|()| {
                    std::fs::rename(&partial, path)
                        .with_context(|| format!("cannot write {}", path.display()))
                });
            if result.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            result?;
        }
    }
    let written = output.map_or_else(
        || "to standard output".to_string(),
        |p| format!("to {}", p.display()),
    );
    say(&format!(
        "alliance: report on {team} as of {today}: {}, written {written} as {name} ({what})",
        alliance::words::count(report.tours.total as u64, "tour")
    ));
    Ok(())
}

fn import(config: &Config, file: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let bytes = if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        bytes
    } else {
        std::fs::read(file)
            .map_err(|e| anyhow!(Refused(format!("cannot read {}: {e}", file.display()))))?
    };
    let refused = |e: ImportError| anyhow!(Refused(format!("nothing was imported: {e}")));
    // The whole file is checked before the data directory is touched, so a
    // refused file leaves no directory behind, and an existing one as it was.
    let plan = ImportPlan::check(&bytes).map_err(refused)?;
    let created = config.store_backend == StoreBackend::Sled && !config.data_dir.exists();
    let store = open_store(config)?;
    let mut progress = |n: u64| say(&format!("alliance: import: {n} records written…"));
    let outcome = store.import_checked(&plan, &mut progress);
    if outcome.is_err() && created {
        // Ours, just made: leave no half-filled store where there was none.
        drop(store);
        let _ = std::fs::remove_dir_all(&config.data_dir);
    }
    match outcome {
        Ok(counts) => {
            writeln!(out, "Imported {counts} into {}.", config.store_place())?;
            Ok(())
        }
        Err(e) if e.is_refusal() => Err(refused(e)),
        Err(e) if created => Err(anyhow!(e).context("the import failed; nothing was kept")),
        Err(e) => Err(anyhow!(e)
            .context("the import failed part way; delete the data directory and import again")),
    }
}

fn erase(
    config: &Config,
    person: &str,
    team: Option<&str>,
    dry_run: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let person = user_arg("--person", person)?;
    if alliance::store::erase::is_placeholder(&person) {
        return Err(anyhow!(Refused(format!(
            "{person} is the placeholder of someone already erased"
        ))));
    }
    let team = team
        .map(|t| {
            TeamId::parse(t).ok_or_else(|| {
                anyhow!(Refused(format!(
                    "--team `{t}` is not a Slack team id (like T0123ABCD)"
                )))
            })
        })
        .transpose()?;
    let store = open_store(config)?;
    let place = team
        .as_ref()
        .map_or_else(|| "every workspace".to_string(), |t| t.to_string());
    if dry_run {
        let would = store.erase_preview(&person, team.as_ref())?;
        if would.removed + would.rewritten == 0 {
            writeln!(
                out,
                "Nothing about {person} is stored; nothing would change."
            )?;
            return Ok(());
        }
        writeln!(
            out,
            "Dry run, nothing was changed. Erasing {person} from {place} would remove {} and rewrite {}:",
            records(would.removed),
            records(would.rewritten)
        )?;
        for (tree, removed, rewritten) in would.changes() {
            let parts: Vec<String> = [(removed, "removed"), (rewritten, "rewritten")]
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
            writeln!(out, "  {}: {}", tree.name(), parts.join(", "))?;
        }
        for (team, placeholder) in &would.placeholders {
            let tours: Vec<String> = would
                .tours
                .iter()
                .filter(|(t, _)| t == team)
                .map(|(_, id)| id.to_string())
                .collect();
            let place = match tours.as_slice() {
                [] => "shared records".to_string(),
                [one] => format!("tour {one}"),
                many => format!("tours {}", many.join(", ")),
            };
            writeln!(
                out,
                "  {team}: {placeholder} would stand in their place in {place}"
            )?;
        }
        return Ok(());
    }
    let done = store.erase_person(&person, team.as_ref())?;
    if done.removed + done.rewritten == 0 {
        writeln!(
            out,
            "Nothing about {person} is stored; nothing was changed."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "Erased {person} from {place}: {} records removed, {} rewritten.",
        done.removed, done.rewritten
    )?;
    for (team, placeholder) in &done.placeholders {
        writeln!(
            out,
            "  {team}: shared records kept for the other people, with {placeholder} in their place"
        )?;
    }
    match done.tours_kept {
        0 => {}
        1 => writeln!(
            out,
            "  1 tour they were a party to stays for the other party."
        )?,
        n => writeln!(
            out,
            "  {n} tours they were a party to stay for the other party."
        )?,
    }
    Ok(())
}

/// "1 record", "2 records".
fn records(n: u64) -> String {
    if n == 1 {
        "1 record".into()
    } else {
        format!("{n} records")
    }
}

/// What waits to be sent, per workspace and lane, with the age of the
/// oldest entry; a workspace that is not the bot token's (as `serve` last
/// saw it) is marked as never sent.
fn backlog_lines(store: &Store, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Vec<String>> {
    let backlog = store.backlog()?;
    if backlog.is_empty() {
        return Ok(vec!["Nothing is waiting to be sent.".into()]);
    }
    let bot = store.bot_workspace()?;
    let mut lines = vec!["Waiting to be sent, by workspace and lane:".to_string()];
    for b in &backlog {
        let age = now - b.oldest;
        let when = if age > chrono::Duration::zero() {
            format!(
                "oldest ready since {} ({} ago)",
                b.oldest.format("%Y-%m-%d %H:%M UTC"),
                human_age(age)
            )
        } else {
            format!("first one at {}", b.oldest.format("%Y-%m-%d %H:%M UTC"))
        };
        let foreign = match &bot {
            Some(bot) if *bot != b.team => {
                format!(" — not the workspace of the bot token ({bot}): kept, never sent")
            }
            _ => String::new(),
        };
        lines.push(format!(
            "  {}  {:<9}  {} {}, {when}{foreign}",
            b.team,
            b.lane.name(),
            b.count,
            if b.count == 1 { "message" } else { "messages" }
        ));
    }
    Ok(lines)
}

fn human_age(age: chrono::Duration) -> String {
    match age.num_seconds() {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// An outbox entry's key as the operator listings show it: a Right of First
/// Conversation is private to its two people, so its key is not printed.
fn shown_key(e: &alliance::store::outbox::OutboxEntry) -> &str {
    match e.notice.kind {
        alliance::domain::notice::NoticeKind::Talk { .. } => "(a private conversation request)",
        _ => &e.key,
    }
}
