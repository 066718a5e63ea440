//! The `alliance` binary: parses the command line, loads the configuration,
//! opens the store and hands over to the library. Nothing else lives here.

use alliance::commands::Engine;
use alliance::config::Config;
use alliance::domain::{TeamId, UserId};
use alliance::slack::http::{self, AppState};
use alliance::store::{Store, StoreError};
use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

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
}

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
        Command::Manifest { .. } => unreachable!("handled before the configuration is read"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("alliance: {e:#}");
    ExitCode::FAILURE
}

fn open_store(config: &Config) -> anyhow::Result<Store> {
    Store::open(&config.data_dir, config.cache_capacity_bytes).map_err(|e| match e {
        StoreError::Locked(dir) => anyhow!(
            "the data directory {dir} is in use by another Alliance process (is `alliance serve` running?); \
             stop it first, or use another directory with ALLIANCE_DATA_DIR"
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
    let state = Arc::new(AppState {
        engine: Engine::new(store, config.admins.clone()),
        signing_secret: secret,
    });
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        println!("alliance listening on http://{addr} (Slack request URL: /slack/events)");
        http::serve(listener, state, config.request_timeout, shutdown_signal()).await?;
        tracing::info!("stopped; store flushed");
        Ok(())
    })
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
    let engine = Engine::new(store, config.admins.clone());
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
