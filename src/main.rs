//! The `alliance` binary: parses the command line, loads the configuration,
//! opens the store and hands over to the library. Nothing else lives here.

use alliance::app::App;
use alliance::clock::Clock;
use alliance::commands::Engine;
use alliance::config::Config;
use alliance::domain::{TeamId, UserId};
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer Slack at POST /slack/events (needs SLACK_SIGNING_SECRET).
    Serve,
    /// Type slash commands as a person, without Slack, on the same store.
    Shell {
        /// Who you are (a Slack-style user id); `/as U…` switches inside.
        #[arg(long = "as", default_value = "UALICE")]
        user: String,
        /// The workspace id the shell's tours belong to.
        #[arg(long, default_value = "TLOCAL")]
        team: String,
    },
    /// Print the Slack app manifest for a bot reachable at URL.
    Manifest {
        #[arg(long, value_name = "URL")]
        url: String,
    },
    /// Print the effective configuration, secrets redacted.
    CheckConfig,
    /// Print the reminders due up to a time (default: now), and the messages
    /// waiting in the outbox, without sending anything. Needs the bot stopped.
    Reminders {
        /// An RFC 3339 time, like 2026-12-01T09:00:00Z.
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
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Json,
    Csv,
}

/// The operator's mistake (a bad id, a refused import): reported with exit
/// code 2, like clap's own usage errors, and nothing was changed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Manifest { url } = &cli.command {
        return match alliance::slack::manifest::render(url) {
            Ok(manifest) => {
                println!("{manifest}");
                ExitCode::SUCCESS
            }
            Err(why) => fail(&anyhow!(why)),
        };
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(problems) => {
            eprintln!("alliance: the configuration has problems:\n{problems}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Serve => serve(config),
        Command::Shell { user, team } => shell(&config, &user, &team),
        Command::CheckConfig => {
            print!("{}", config.describe());
            Ok(())
        }
        Command::Reminders { at } => reminders(&config, at.as_deref()),
        Command::Outbox => outbox(&config),
        Command::Export {
            person,
            format,
            output,
        } => export(&config, person.as_deref(), format, output.as_deref()),
        Command::Import { file } => import(&config, &file),
        Command::Erase { person, team } => erase(&config, &person, team.as_deref()),
        Command::Manifest { .. } => unreachable!("handled before the configuration is read"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("alliance: {e:#}");
    if e.downcast_ref::<Refused>().is_some() {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

fn open_store(config: &Config) -> anyhow::Result<Store> {
    Store::open(&config.data_dir, config.cache_capacity_bytes).map_err(|e| match e {
        StoreError::Locked(dir) => anyhow!(
            "the data directory {dir} is in use by another Alliance process (is `alliance serve` running? \
             it holds the store lock); stop it first, or use another directory with ALLIANCE_DATA_DIR"
        ),
        other => anyhow!(other).context(format!("cannot open the store in {}", config.data_dir.display())),
    })
}

fn serve(config: Config) -> anyhow::Result<()> {
    let secret = config
        .require_signing_secret()
        .map_err(|e| anyhow!(e))?
        .clone();
    // Logs go to stderr; stdout is for what the command prints.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log_filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let store = open_store(&config)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        println!("alliance listening on http://{addr} (Slack request URL: /slack/events)");
        App::new(config, store, secret, Clock::System)
            .serve(listener, shutdown_signal())
            .await?;
        tracing::info!("stopped; store flushed");
        Ok(())
    })
}

fn reminders(config: &Config, at: Option<&str>) -> anyhow::Result<()> {
    let at = match at {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| {
                anyhow!("--at `{text}` is not an RFC 3339 time like 2026-12-01T09:00:00Z")
            })?,
        None => chrono::Utc::now(),
    };
    let store = open_store(config)?.with_policy(config.reminders.clone());
    let mut owed = Vec::new();
    // Fired by a tick but not yet fanned out into messages (the bot stopped
    // in between): owed as much as those still planned.
    let fired = store.fired_reminders(usize::MAX)?;
    for d in fired
        .into_iter()
        .chain(store.due_reminders(at, usize::MAX)?)
    {
        let to = store.would_reach(&d)?;
        if !to.is_empty() {
            owed.push((d, to));
        }
    }
    println!("Reminders due by {at} ({}):", owed.len());
    for (d, to) in &owed {
        let to: Vec<String> = to.iter().map(|u| u.to_string()).collect();
        println!(
            "  {}  {} tour #{}  {}  → {}",
            d.at.format("%Y-%m-%d %H:%M UTC"),
            d.team,
            d.tour.0,
            d.series.key(),
            to.join(", ")
        );
    }
    let waiting: Vec<_> = store
        .outbox_all()?
        .into_iter()
        .filter(|e| e.state.is_open() && e.not_before <= at)
        .collect();
    println!(
        "Messages waiting in the outbox by then ({}):",
        waiting.len()
    );
    for e in &waiting {
        println!(
            "  {}  {}  {}  → {}",
            e.not_before.format("%Y-%m-%d %H:%M UTC"),
            e.team,
            shown_key(e),
            e.recipient()
        );
    }
    println!("(Nothing was sent. Working hours may hold reminders until the recipient's morning.)");
    Ok(())
}

fn outbox(config: &Config) -> anyhow::Result<()> {
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
    println!(
        "Outbox: {} entries, {sent} sent, {dropped} reminders dropped (no longer owed when due).",
        entries.len()
    );
    for line in backlog_lines(&store, chrono::Utc::now())? {
        println!("{line}");
    }
    for e in &entries {
        match &e.state {
            OutboxState::Pending => println!(
                "  pending  {}  {}  → {}  not before {}  (attempts: {})",
                e.team,
                shown_key(e),
                e.recipient(),
                e.not_before.format("%Y-%m-%d %H:%M UTC"),
                e.attempts
            ),
            OutboxState::Sending { since, .. } => println!(
                "  in flight since {}  {}  {}  → {}",
                since.format("%Y-%m-%d %H:%M UTC"),
                e.team,
                shown_key(e),
                e.recipient()
            ),
            OutboxState::Failed { at, error } => println!(
                "  FAILED   {}  {}  → {}  at {}: {error}",
                e.team,
                shown_key(e),
                e.recipient(),
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            OutboxState::Redirected { to, .. } => println!(
                "  redirected  {}  {}  → {} (deactivated) → liaison {to}",
                e.team,
                shown_key(e),
                e.recipient()
            ),
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

fn shell(config: &Config, user: &str, team: &str) -> anyhow::Result<()> {
    let user = UserId::parse(user)
        .ok_or_else(|| anyhow!("--as `{user}` is not a Slack-style user id (like UALICE)"))?;
    let team = TeamId::parse(team)
        .ok_or_else(|| anyhow!("--team `{team}` is not a Slack-style team id (like TLOCAL)"))?;
    let store = open_store(config)?;
    let engine = Engine::new(store, config.admins.clone())
        .with_alumni_directory(config.alumni_directory_for_everyone)
        .with_default_tz(config.default_tz);
    let stdin = std::io::stdin();
    alliance::shell::run(
        &engine,
        &team,
        user,
        stdin.lock(),
        std::io::stdout(),
        chrono::Utc::now,
    )?;
    engine.store().flush()?;
    Ok(())
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
) -> anyhow::Result<()> {
    let person = person.map(|p| user_arg("--person", p)).transpose()?;
    let store = open_store(config)?;
    let mut progress = |read: u64| eprintln!("alliance: export: {read} records read…");
    let mut write = |out: &mut dyn Write| -> anyhow::Result<String> {
        Ok(match format {
            ExportFormat::Json => store
                .export(person.as_ref(), out, &mut progress)?
                .to_string(),
            ExportFormat::Csv => {
                let rows = store.export_csv(person.as_ref(), out, &mut progress)?;
                format!(
                    "{rows} tours (CSV holds the tours table only; JSON is the complete export)"
                )
            }
        })
    };
    let what = match output {
        None => write(&mut BufWriter::new(std::io::stdout().lock()))?,
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
    eprintln!("alliance: exported{scope}: {what}");
    Ok(())
}

fn import(config: &Config, file: &Path) -> anyhow::Result<()> {
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
    let store = open_store(config)?;
    let mut progress = |n: u64| eprintln!("alliance: import: {n} records written…");
    match store.import(&bytes, &mut progress) {
        Ok(counts) => {
            println!("Imported {counts} into {}.", config.data_dir.display());
            Ok(())
        }
        Err(e) if e.is_refusal() => Err(anyhow!(Refused(format!("nothing was imported: {e}")))),
        Err(e) => Err(anyhow!(e)
            .context("the import failed part way; delete the data directory and import again")),
    }
}

fn erase(config: &Config, person: &str, team: Option<&str>) -> anyhow::Result<()> {
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
    let done = store.erase_person(&person, team.as_ref())?;
    let place = team.map_or_else(|| "every workspace".to_string(), |t| t.to_string());
    if done.removed + done.rewritten == 0 {
        println!("Nothing about {person} is stored; nothing was changed.");
        return Ok(());
    }
    println!(
        "Erased {person} from {place}: {} records removed, {} rewritten.",
        done.removed, done.rewritten
    );
    for (team, placeholder) in &done.placeholders {
        println!(
            "  {team}: shared records kept for the other people, with {placeholder} in their place"
        );
    }
    if done.tours_kept > 0 {
        println!(
            "  {} tour(s) they were a party to stay for the other party.",
            done.tours_kept
        );
    }
    Ok(())
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
