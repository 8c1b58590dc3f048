//! `[email]`: the SMTP server Rapport hands its messages to. Without a `host`, Rapport sends no
//! e-mail: invitation and sign-in links are shown to whoever made them instead.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::secret::SecretString;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption at all: only for a relay on the same host or network (port 25).
    None,
}

impl TlsMode {
    /// The port this mode usually listens on.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
            TlsMode::None => 25,
        }
    }
}

/// `[email]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    /// The SMTP server's host name; no e-mail is sent without it.
    pub host: Option<String>,
    /// Its port; by default the one the TLS mode usually listens on.
    pub port: Option<u16>,
    /// `starttls`, `tls` or `none`.
    pub tls: TlsMode,
    /// The user to authenticate as, if the server wants one.
    pub user: Option<String>,
    /// That user's password. Prefer `password_file`.
    pub password: Option<SecretString>,
    /// A file holding the password (first line).
    pub password_file: Option<PathBuf>,
    /// The sender, as `Name <address>` or a bare address.
    pub from: String,
    /// Longest wait for the SMTP server on one attempt.
    pub timeout_seconds: u64,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// The wait after a first failed attempt; it doubles with each further one, up to an hour.
    pub retry_seconds: u64,
    /// Sent and failed messages are removed from the outbox after this many days.
    pub keep_days: u64,
    /// How often an idle sender looks for queued messages.
    pub poll_ms: u64,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            tls: TlsMode::Starttls,
            user: None,
            password: None,
            password_file: None,
            from: "Rapport <rapport@localhost>".into(),
            timeout_seconds: 30,
            max_attempts: 12,
            retry_seconds: 30,
            keep_days: 7,
            poll_ms: 1000,
        }
    }
}

impl EmailConfig {
    /// Whether e-mail is configured at all.
    pub fn enabled(&self) -> bool {
        self.host.is_some()
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }

    /// The password, from the value or the file.
    pub fn secret(&self) -> Result<Option<String>, String> {
        if let Some(s) = &self.password {
            return Ok(Some(s.expose().to_owned()));
        }
        match &self.password_file {
            Some(path) => std::fs::read_to_string(path)
                .map(|t| t.lines().next().map(str::to_owned))
                .map_err(|e| format!("{}: {e}", path.display())),
            None => Ok(None),
        }
    }

    /// Every problem with these settings, as `(key, message)`.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.host.as_deref().is_some_and(|h| h.trim().is_empty()) {
            out.push((
                "email.host",
                "must not be empty; leave it out to send no e-mail".into(),
            ));
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            out.push((
                "email.from",
                format!(
                    "'{}' is not a sender such as \"Rapport <crm@example.com>\"",
                    self.from
                ),
            ));
        }
        match self.secret() {
            Ok(Some(_)) if self.user.is_none() => {
                out.push((
                    "email.user",
                    "a password is set: set the user it belongs to".into(),
                ));
            }
            Ok(None) if self.user.is_some() => out.push((
                "email.password",
                "a user is set: set password_file (or password)".into(),
            )),
            Ok(_) => {}
            Err(e) => out.push(("email.password_file", format!("cannot read it: {e}"))),
        }
        // Upper bounds keep the arithmetic of leases and ages meaningful, and catch a value
        // given in the wrong unit (milliseconds for seconds).
        for (key, v, max) in [
            ("email.timeout_seconds", self.timeout_seconds, 600),
            ("email.max_attempts", u64::from(self.max_attempts), 100),
            ("email.retry_seconds", self.retry_seconds, 3600),
            ("email.keep_days", self.keep_days, 3650),
            ("email.poll_ms", self.poll_ms, 60_000),
        ] {
            if v == 0 || v > max {
                out.push((key, format!("must be between 1 and {max}")));
            }
        }
        if self.port == Some(0) {
            out.push(("email.port", "must be greater than 0".into()));
        }
        out
    }
}
