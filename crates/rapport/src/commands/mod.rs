//! The commands. Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage.

use std::process::ExitCode;

use rapport_app::config::{self, Config, Sources};

use crate::cli::{Cli, Command};
use crate::telemetry::Audience;

mod accounts;
mod migrate;
mod seed;
mod serve;

/// `rapport --version`.
pub const VERSION_LINE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RAPPORT_GIT_COMMIT"),
    ")"
);

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    let sources = Sources::from_process(cli.config.clone());
    match cli.command {
        Command::Version => {
            println!("rapport {VERSION_LINE}");
            ExitCode::SUCCESS
        }
        Command::Config {
            action: crate::cli::ConfigAction::Default,
        } => {
            print!("{}", config::DEFAULT_TOML);
            ExitCode::SUCCESS
        }
        Command::Config {
            action: crate::cli::ConfigAction::Check,
        } => match load(&sources) {
            Ok(c) => {
                if !c.email.enabled() {
                    eprintln!("{}", rapport_app::config::NO_EMAIL);
                }
                print!("{}", c.to_redacted_toml());
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Serve => with_config(&sources, Audience::Server, serve::run).await,
        Command::Migrate { action } => {
            with_config(&sources, Audience::Terminal, |c| migrate::run(c, action)).await
        }
        Command::Seed {
            companies,
            contacts,
            pipelines,
            deals,
            activities,
            tasks,
            cases,
            leads,
            batch,
            seed,
            workspace,
        } => {
            with_config(&sources, Audience::Terminal, |c| {
                seed::run(
                    c,
                    seed::Plan {
                        companies,
                        contacts,
                        pipelines,
                        deals,
                        activities,
                        tasks,
                        cases,
                        leads,
                        batch,
                        seed,
                        workspace,
                    },
                )
            })
            .await
        }
        Command::User { action } => {
            with_config(&sources, Audience::Terminal, |c| accounts::user(c, action)).await
        }
        Command::Token { action } => {
            with_config(&sources, Audience::Terminal, |c| accounts::token(c, action)).await
        }
        Command::Audit { action } => {
            with_config(&sources, Audience::Terminal, |c| accounts::audit(c, action)).await
        }
    }
}

/// Loads the configuration, printing every problem (exit code 2) when it is invalid.
fn load(sources: &Sources) -> Result<Config, ExitCode> {
    config::load(sources).map_err(|problems| {
        eprintln!(
            "rapport: the configuration has {} problem(s); nothing was started:",
            problems.len()
        );
        for p in problems {
            eprintln!("  - {p}");
        }
        ExitCode::from(2)
    })
}

async fn with_config<F, Fut>(sources: &Sources, audience: Audience, f: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config = match load(sources) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = crate::telemetry::init(&config.log, audience) {
        eprintln!("rapport: cannot start logging: {e}");
        return ExitCode::from(2);
    }
    match f(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A person reads it once on stderr; the server's log collectors get a log line.
            if audience == Audience::Server {
                tracing::error!(error = %format!("{e:#}"), "failed");
            }
            eprintln!("rapport: {e:#}");
            ExitCode::FAILURE
        }
    }
}
