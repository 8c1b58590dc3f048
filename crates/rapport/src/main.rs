//! The `rapport` binary: parses the command line and runs one command.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: under load, glibc's malloc and free were a quarter
/// of the server's CPU (many short-lived allocations per request across worker threads).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod commands;
mod telemetry;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    commands::run(cli).await
}
