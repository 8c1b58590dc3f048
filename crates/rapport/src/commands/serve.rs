//! `rapport serve`: prepare the database, listen, and drain gracefully on SIGTERM/SIGINT.

use std::net::SocketAddr;

use anyhow::Context;
use rapport_app::App;
use rapport_app::config::Config;
use rapport_http::{AppState, BuildInfo};
use tokio_util::sync::CancellationToken;

/// How often maintenance runs: expired idempotency records and sessions pruned, audit entries
/// past their retention pruned, planner statistics refreshed.
const MAINTAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often the planner's statistics are compared with the tables' sizes, so a database that
/// fills up while the server runs is planned on its real size within a minute.
const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

pub async fn run(config: Config) -> anyhow::Result<()> {
    if config.database.sqlite_synchronous == "normal" && config.database.url.0.starts_with("sqlite")
    {
        tracing::warn!(
            "database.sqlite_synchronous = \"normal\": a power loss can drop the last acknowledged writes; \
             use \"full\" unless you accept that"
        );
    }
    let listen: SocketAddr = config.server.listen.parse().context("server.listen")?;
    let drain = config.drain_timeout();
    let app = App::connect(config)
        .await
        .context("cannot open the database")?;
    app.prepare().await.context("the database is not ready")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let local = listener.local_addr()?;
    let state = AppState::new(
        app.clone(),
        BuildInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            commit: env!("RAPPORT_GIT_COMMIT").into(),
        },
    );
    let router = rapport_http::build(state);
    let stop = CancellationToken::new();
    let maintenance = tokio::spawn(maintain(app.clone(), stop.clone()));
    let statistics = tokio::spawn(follow_growth(app.clone(), stop.clone()));
    // Imports run in every instance; the lease on each job keeps two from running one.
    let imports = tokio::spawn(rapport_app::imports::runner::run(app.clone(), stop.clone()));
    // Every instance sends; the lease on each message keeps two from sending one.
    let email = tokio::spawn(rapport_app::email::sender::run(app.clone(), stop.clone()));
    if !app.config.email.enabled() {
        tracing::warn!("{}", rapport_app::config::NO_EMAIL);
    }
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop.clone().cancelled_owned());
    let mut server = tokio::spawn(async move { server.await });
    tracing::info!(%local, version = env!("CARGO_PKG_VERSION"), "listening");
    print_setup_link(&app, local).await?;
    tokio::select! {
        result = &mut server => {
            // The server ended on its own: that is an error, not a shutdown.
            result.context("server task")?.context("server")?;
        }
        signal = shutdown_signal() => {
            tracing::info!(signal, drain_timeout_ms = drain.as_millis() as u64, "shutting down: no new connections, finishing in-flight requests");
            stop.cancel();
            match tokio::time::timeout(drain, &mut server).await {
                Ok(result) => {
                    result.context("server task")?.context("server")?;
                    tracing::info!("in-flight requests finished");
                }
                Err(_) => {
                    tracing::warn!("drain timeout reached; closing remaining connections");
                    server.abort();
                }
            }
        }
    }
    stop.cancel();
    let _ = maintenance.await;
    let _ = statistics.await;
    // The runner finishes its chunk in flight and gives its job's lease back.
    let _ = imports.await;
    // The sender finishes the message in flight and lets go of its lease.
    let _ = email.await;
    app.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// First run: while no account exists, prints a one-time setup link to the terminal (stderr),
/// never to the logs, which are often shipped elsewhere.
async fn print_setup_link(app: &App, local: SocketAddr) -> anyhow::Result<()> {
    let Some(secret) = rapport_app::identity::setup::setup_link_if_needed(app)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the setup link: {e}"))?
    else {
        return Ok(());
    };
    let hours = app.config.auth.setup_link_hours;
    tracing::warn!(
        valid_hours = hours,
        "no account exists yet: a one-time setup link was printed on the terminal"
    );
    eprintln!(
        "\nNo account exists yet. Within {hours} h, open this one-time setup link to create the \
         first owner and workspace:\n\n  http://{local}/setup#token={secret}\n\n\
         (behind a proxy: {public}/setup#token={secret})\n\n\
         or use the token with the API: curl -X POST http://{local}/api/v1/setup \
         -H 'Content-Type: application/json' -d '{{\"token\":\"{secret}\",\
         \"email\":\"you@example.com\",\"password\":\"at least 12 characters\",\"workspace\":\"Acme\"}}'\n\n\
         or from a shell: rapport user create --email E --password-file F --workspace NAME --role owner\n",
        public = app.config.server.public_url.trim_end_matches('/'),
    );
    Ok(())
}

async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

/// Refreshes the planner's statistics whenever a table has outgrown them (see
/// `Db::statistics_are_stale`): a server started on an empty database would otherwise plan a
/// million contacts as if they were none until the hourly maintenance.
async fn follow_growth(app: App, stop: CancellationToken) {
    let mut tick = tokio::time::interval(STATISTICS_EVERY);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match app.db.statistics_are_stale().await {
            Ok(false) => {}
            Ok(true) => match app.db.refresh_statistics().await {
                Ok(()) => tracing::info!("planner statistics refreshed: tables have grown"),
                Err(e) => tracing::warn!(error = %e, "refreshing planner statistics failed"),
            },
            Err(e) => tracing::warn!(error = %e, "reading table sizes failed"),
        }
    }
}

async fn maintain(app: App, stop: CancellationToken) {
    if app.config.security.secret_key.is_none() {
        tracing::warn!(
            "audit retention pruning is off: it needs security.secret_key to sign its checkpoints"
        );
    }
    let mut tick = tokio::time::interval(MAINTAIN_EVERY);
    // The first tick is immediate; start-up already did this work.
    tick.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => match rapport_store::idempotency::prune(&app.db).await {
                Ok(n) if n > 0 => tracing::info!(pruned = n, "expired idempotency keys removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "idempotency pruning failed"),
            },
        }
        let now = chrono::Utc::now();
        let idle = chrono::TimeDelta::from_std(app.config.session_idle()).unwrap_or_default();
        for (what, pruned) in [
            (
                "passkey ceremonies",
                rapport_store::passkeys::prune_ceremonies(&app.db, now).await,
            ),
            (
                "sign-in flows",
                rapport_store::oidc::prune(&app.db, now).await,
            ),
        ] {
            match pruned {
                Ok(n) if n > 0 => tracing::info!(pruned = n, what, "expired entries removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, what, "pruning failed"),
            }
        }
        match rapport_store::sessions::prune(&app.db, now, now - idle).await {
            Ok(n) if n > 0 => tracing::info!(pruned = n, "expired sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session pruning failed"),
        }
        prune_audit(&app).await;
        if let Err(e) = app.db.refresh_statistics().await {
            tracing::warn!(error = %e, "refreshing planner statistics failed");
        }
    }
}

/// Removes audit entries past `auth.audit_retention_days`, when a secret key can sign the
/// checkpoints (without one, `maintain` warned once at start).
async fn prune_audit(app: &App) {
    if app.config.security.secret_key.is_none() {
        return;
    }
    let cutoff = rapport_app::audit::retention_cutoff(
        chrono::Utc::now(),
        app.config.auth.audit_retention_days,
    );
    match rapport_app::audit::prune(app, cutoff).await {
        Ok(outcomes) => {
            for (ws, outcome) in outcomes {
                match outcome {
                    rapport_app::audit::Pruned::Nothing => {}
                    rapport_app::audit::Pruned::Removed { entries, through } => {
                        tracing::info!(workspace = %ws, pruned = entries, through, "old audit entries removed");
                    }
                    rapport_app::audit::Pruned::Refused { seq, reason } => {
                        tracing::warn!(workspace = %ws, seq, reason, "audit chain does not verify: not pruned; run `rapport audit verify`");
                    }
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "audit pruning failed"),
    }
}
