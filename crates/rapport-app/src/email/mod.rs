//! Outgoing e-mail. A use case queues a message in the outbox inside its own transaction
//! ([`queue`]), so the message exists exactly when the event does; the [`sender`] hands queued
//! messages to the SMTP server of `[email]`, retrying with backoff. Without `[email]` nothing is
//! queued and the use cases hand their links back to the person who asked instead.

pub mod messages;
pub mod sender;

use std::time::Duration;

use chrono::Utc;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rapport_domain::ids::WorkspaceId;
use rapport_store::Tx;
use rapport_store::outbox::{self, NewMessage};

use crate::config::{EmailConfig, TlsMode};
use crate::error::AppError;
pub use messages::Composed;

/// The SMTP connection settings, ready to send.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.email)
            .finish()
    }
}

/// Why a message could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server refused it for good (a 5xx answer, or an address it cannot take).
    #[error("refused: {0}")]
    Permanent(String),
    /// The server could not be reached or asked to try later.
    #[error("{0}")]
    Transient(String),
}

impl SendError {
    /// A label for logs and metrics: the full text may quote the recipient's address.
    pub fn category(&self) -> &'static str {
        match self {
            SendError::Permanent(_) => "refused",
            SendError::Transient(_) => "unavailable",
        }
    }
}

/// A setting of `[email]` that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct SettingError {
    /// The key, such as `email.from`.
    pub key: &'static str,
    /// What is wrong with it.
    pub message: String,
}

fn setting(key: &'static str) -> impl Fn(String) -> SettingError {
    move |message| SettingError { key, message }
}

impl Mailer {
    /// The mailer `[email]` describes, or `None` when no host is set. Nothing is contacted yet.
    pub fn from_config(c: &EmailConfig) -> Result<Option<Mailer>, SettingError> {
        let Some(host) = c.host.as_deref() else {
            return Ok(None);
        };
        let builder = match c.tls {
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            TlsMode::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|e| setting("email.host")(e.to_string()))?;
        let mut builder = builder
            .port(c.port())
            .timeout(Some(Duration::from_secs(c.timeout_seconds)));
        let secret = c.secret().map_err(setting("email.password_file"))?;
        if let (Some(user), Some(password)) = (&c.user, secret) {
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from = c
            .from
            .parse::<Mailbox>()
            .map_err(|e| setting("email.from")(e.to_string()))?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Hands one message to the SMTP server. `id` becomes its `Message-ID`, the same on every
    /// attempt, so a receiver can recognise a message repeated after a lost acknowledgement.
    pub async fn send(
        &self,
        id: uuid::Uuid,
        to: &str,
        subject: &str,
        text: String,
        html: String,
    ) -> Result<(), SendError> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("the address cannot be used: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@{}>", self.from.email.domain())))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| SendError::Permanent(format!("the message cannot be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

/// Queues `message` for `recipient` in `tx` (the event's own transaction). Returns false, and
/// queues nothing, when this instance sends no e-mail: the caller then shows the link instead.
pub async fn queue(
    app: &crate::App,
    tx: &mut Tx,
    workspace: Option<WorkspaceId>,
    recipient: &str,
    message: &Composed,
) -> Result<bool, AppError> {
    if app.mailer.is_none() {
        return Ok(false);
    }
    outbox::enqueue(
        tx,
        &NewMessage {
            workspace_id: workspace,
            kind: message.kind,
            recipient,
            subject: &message.subject,
            text_body: &message.text,
            html_body: &message.html,
        },
        Utc::now(),
    )
    .await?;
    Ok(true)
}
