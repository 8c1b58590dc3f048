//! Logging. The server writes one JSON object per line (or pretty) to stdout, filtered by
//! `log.level`; the other commands are for people at a terminal: only warnings and errors, one
//! plain line each on stderr, so a command's output is its result.

use rapport_app::config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;

/// Who the logs are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// `rapport serve`: log collectors.
    Server,
    /// Every other command: a person at a terminal.
    Terminal,
}

/// Installs the global subscriber.
pub fn init(log: &LogConfig, audience: Audience) -> Result<(), String> {
    let builder = tracing_subscriber::fmt().with_target(true);
    let result = match audience {
        Audience::Terminal => builder
            .with_env_filter(EnvFilter::new("warn"))
            .without_time()
            .with_target(false)
            .with_level(true)
            .with_ansi(false)
            .compact()
            .with_writer(std::io::stderr)
            .try_init(),
        Audience::Server => {
            let filter = EnvFilter::try_new(&log.level).map_err(|e| format!("log.level: {e}"))?;
            let builder = builder.with_env_filter(filter);
            match log.format {
                LogFormat::Json => builder
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .try_init(),
                LogFormat::Pretty => builder.try_init(),
            }
        }
    };
    result.map_err(|e| e.to_string())
}
