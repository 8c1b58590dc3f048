//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Rapport: an open-source CRM server.
#[derive(Debug, Parser)]
#[command(name = "rapport", version = crate::commands::VERSION_LINE, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (default: $RAPPORT_CONFIG, else ./rapport.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve,
    /// Inspect or change the database schema.
    Migrate {
        /// What to do with the schema.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Check or print configuration.
    Config {
        /// What to show.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Fill a workspace with realistic synthetic data.
    ///
    /// Companies, contacts, pipelines, deals, activities, tasks, cases and leads; counts left
    /// out follow --contacts.
    Seed {
        /// How many companies [default: contacts / 10].
        #[arg(long)]
        companies: Option<u64>,
        /// How many contacts.
        #[arg(long, default_value_t = 1000)]
        contacts: u64,
        /// How many pipelines [default: 3].
        #[arg(long)]
        pipelines: Option<u64>,
        /// How many deals [default: contacts / 5].
        #[arg(long)]
        deals: Option<u64>,
        /// How many activities [default: contacts × 2].
        #[arg(long)]
        activities: Option<u64>,
        /// How many tasks [default: contacts × 3 / 10].
        #[arg(long)]
        tasks: Option<u64>,
        /// How many cases [default: contacts / 20].
        #[arg(long)]
        cases: Option<u64>,
        /// How many leads [default: contacts / 10].
        #[arg(long)]
        leads: Option<u64>,
        /// Records per transaction.
        #[arg(long, default_value_t = 2000)]
        batch: u64,
        /// Random seed, for reproducible data.
        #[arg(long)]
        seed: Option<u64>,
        /// The workspace to fill (created when missing).
        #[arg(long, default_value = "Demo")]
        workspace: String,
    },
    /// Manage user accounts.
    User {
        /// What to do.
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Inspect and prune the audit log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Print the version and the commit it was built from.
    Version,
}

/// `rapport migrate ...`
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations (up to --to).
    Up {
        /// Stop at this version.
        #[arg(long)]
        to: Option<i64>,
    },
    /// Revert migrations down to --to (default: revert the latest one).
    Down {
        /// The version to return to (0: empty schema).
        #[arg(long)]
        to: Option<i64>,
    },
    /// Show applied and pending migrations.
    Status,
}

/// `rapport config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Validate the configuration and print the effective values, secrets redacted.
    Check,
    /// Print a commented configuration file with every default.
    Default,
}

/// `rapport user ...`
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create an account with a membership (the workspace is created when missing).
    Create {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// A file holding the password (first line); `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        password_file: PathBuf,
        /// The workspace to join or create.
        #[arg(long, value_name = "NAME")]
        workspace: String,
        /// owner, admin, manager, member or viewer.
        #[arg(long, default_value = "member")]
        role: String,
        /// The name colleagues see (default: the address).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Disable an account: every session and token of it ends at once.
    Disable {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// List every account with its workspaces and roles.
    List,
    /// Send an account a link to choose a new password (30 minutes, once); without `[email]`,
    /// print the link to hand over.
    ResetPassword {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
    },
}

/// `rapport token ...`
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create a personal API token and print it alone on stdout (shown once).
    Create {
        /// The user it belongs to.
        #[arg(long)]
        email: String,
        /// The workspace it acts in.
        #[arg(long, value_name = "NAME")]
        workspace: String,
        /// Comma-separated scopes: read, write, admin, or <object>:read|write.
        #[arg(long, default_value = "read")]
        scopes: String,
        /// Lifetime such as 30d, 12h, 90m (default: until revoked).
        #[arg(long, value_name = "DURATION")]
        expires_in: Option<String>,
        /// A name to recognise it by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List a user's tokens in every workspace (never their secrets).
    List {
        /// The user they belong to.
        #[arg(long)]
        email: String,
    },
    /// Revoke one of a user's tokens; requests with it are refused at once.
    Revoke {
        /// The user it belongs to.
        #[arg(long)]
        email: String,
        /// The token's id, as `token list` shows it.
        #[arg(long)]
        id: uuid::Uuid,
    },
}

/// `rapport audit ...`
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Re-compute every workspace's hash chain; exit 1 naming the first broken entry.
    Verify,
    /// Remove old entries from every chain, leaving a checkpoint signed with security.secret_key.
    Prune {
        /// Remove entries older than this many days [default: auth.audit_retention_days].
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        older_than_days: Option<u64>,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
