//! The sender: claims queued messages one at a time under a lease and hands them to the SMTP
//! server. A message is marked sent only after the server accepted it, and then never sent
//! again; one whose attempt failed waits `email.retry_seconds`, doubling per attempt up to an
//! hour (with jitter, so instances that failed together do not retry together), until
//! `email.max_attempts`. A crash between the server's acceptance and the mark leaves the lease
//! to run out and the message is sent once more, with the same `Message-ID`.

use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use rapport_store::outbox::{self, Outcome};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Mailer, SendError};
use crate::app::App;
use crate::error::AppError;

/// Longest wait between two attempts.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// How often the queue's size and age are published as metrics.
const GAUGE_EVERY: Duration = Duration::from_secs(15);

/// How often sent and failed messages past `email.keep_days` are removed.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Sends queued messages until `stop` is cancelled (`serve`, tests); returns at once when this
/// instance sends no e-mail.
pub async fn run(app: App, stop: CancellationToken) {
    let Some(mailer) = app.mailer.clone() else {
        return;
    };
    let owner = format!("sender-{}", Uuid::now_v7());
    let poll = Duration::from_millis(app.config.email.poll_ms);
    let mut pruned_at: Option<tokio::time::Instant> = None;
    let mut measured_at: Option<tokio::time::Instant> = None;
    loop {
        if stop.is_cancelled() {
            break;
        }
        match send_one(&app, &mailer, &owner).await {
            // More may be waiting: look again at once.
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "e-mail sender"),
        }
        if measured_at.is_none_or(|t| t.elapsed() >= GAUGE_EVERY) {
            measured_at = Some(tokio::time::Instant::now());
            if let Err(e) = measure(&app).await {
                tracing::warn!(error = %e, "measuring the e-mail outbox failed");
            }
        }
        if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            pruned_at = Some(tokio::time::Instant::now());
            if let Err(e) = prune(&app).await {
                tracing::warn!(error = %e, "pruning the e-mail outbox failed");
            }
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(poll) => {}
        }
    }
    if let Err(e) = outbox::release(&app.db, &owner).await {
        tracing::warn!(error = %e, "releasing e-mail leases failed");
    }
}

/// Claims one due message and tries to send it; returns whether there was one.
pub async fn send_one(app: &App, mailer: &Mailer, owner: &str) -> Result<bool, AppError> {
    let now = Utc::now();
    let Some(m) = outbox::claim(&app.db, owner, now, now + lease(app)).await? else {
        return Ok(false);
    };
    let (Some(text), Some(html)) = (m.text_body, m.html_body) else {
        outbox::settle(&app.db, m.id, owner, Outcome::Failed("no body"), now).await?;
        return Ok(true);
    };
    // lettre's own timeout applies to each exchange with the server; this one bounds the whole
    // attempt, so it always ends well within the lease (see `lease`).
    let result = match tokio::time::timeout(
        attempt_limit(app),
        mailer.send(m.id, &m.recipient, &m.subject, text, html),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(SendError::Transient(
            "the SMTP server took too long to accept the message".into(),
        )),
    };
    let now = Utc::now();
    let attempts = u32::try_from(m.attempts).unwrap_or(u32::MAX);
    let settled = match &result {
        Ok(()) => {
            metrics::counter!("rapport_emails_sent_total", "kind" => m.kind.clone()).increment(1);
            tracing::info!(message_id = %m.id, kind = %m.kind, attempts, "e-mail sent");
            outbox::settle(&app.db, m.id, owner, Outcome::Sent, now).await?
        }
        Err(e) => {
            metrics::counter!("rapport_emails_failed_total", "kind" => m.kind.clone()).increment(1);
            // The full text, which may quote the address, is kept in the outbox for an admin;
            // the log gets its category only.
            let error = e.to_string();
            let reason = e.category();
            let give_up =
                matches!(e, SendError::Permanent(_)) || attempts >= app.config.email.max_attempts;
            if give_up {
                tracing::warn!(message_id = %m.id, kind = %m.kind, attempts, reason, "e-mail failed for good");
                outbox::settle(&app.db, m.id, owner, Outcome::Failed(&error), now).await?
            } else {
                let wait = backoff(app.config.email.retry_seconds, attempts);
                tracing::warn!(message_id = %m.id, kind = %m.kind, attempts, retry_in_s = wait.as_secs(), reason, "e-mail not sent; will retry");
                let at =
                    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                outbox::settle(&app.db, m.id, owner, Outcome::Retry(&error, at), now).await?
            }
        }
    };
    if !settled {
        tracing::warn!(message_id = %m.id, "the e-mail's lease was taken over before its outcome was saved");
    }
    Ok(true)
}

/// The wait after `attempts` failed attempts: `base` doubled per attempt, at most an hour,
/// between 80 % and 100 % of that.
fn backoff(base_seconds: u64, attempts: u32) -> Duration {
    let doubled = base_seconds.saturating_mul(1u64 << attempts.saturating_sub(1).min(20));
    let full = Duration::from_secs(doubled).min(MAX_WAIT);
    full.mul_f64(rand::rng().random_range(0.8..=1.0))
}

/// The longest one attempt may take: twice the per-exchange timeout and a margin.
fn attempt_limit(app: &App) -> Duration {
    Duration::from_secs(app.config.email.timeout_seconds.saturating_mul(2) + 10)
}

/// Longer than the longest attempt ([`attempt_limit`]): a lease must outlive the attempt, or a
/// second sender could take the message while the first is still handing it over.
fn lease(app: &App) -> chrono::Duration {
    let secs = app
        .config
        .email
        .timeout_seconds
        .saturating_mul(3)
        .saturating_add(30);
    chrono::Duration::seconds(i64::try_from(secs).unwrap_or(120))
}

/// Publishes how many messages wait and how long the oldest has waited: a growing age means
/// mail is not leaving (the SMTP server is down or refuses this instance).
async fn measure(app: &App) -> Result<(), AppError> {
    let (queued, oldest) = outbox::backlog(&app.db).await?;
    let age = oldest.map_or(0.0, |t| {
        (Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0
    });
    metrics::gauge!("rapport_email_outbox_queued").set(queued as f64);
    metrics::gauge!("rapport_email_outbox_oldest_age_seconds").set(age);
    Ok(())
}

async fn prune(app: &App) -> Result<(), AppError> {
    let days = i64::try_from(app.config.email.keep_days).unwrap_or(7);
    let removed = outbox::prune(&app.db, Utc::now() - chrono::Duration::days(days)).await?;
    if removed > 0 {
        tracing::info!(removed, "old e-mails removed from the outbox");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stop_at_an_hour() {
        for (attempts, full) in [(1, 30), (2, 60), (3, 120), (8, 3600), (40, 3600)] {
            let wait = backoff(30, attempts).as_secs_f64();
            let full = full as f64;
            assert!(
                wait >= full * 0.8 - 0.001 && wait <= full,
                "{attempts}: {wait}"
            );
        }
    }
}
