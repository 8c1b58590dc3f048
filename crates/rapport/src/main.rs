//! The `rapport` binary: parses the command line and runs one command.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod telemetry;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    commands::run(cli).await
}
