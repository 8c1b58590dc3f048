//! Configuration, declared once: typed sections with defaults, loaded in layers (defaults ->
//! `rapport.toml` -> `RAPPORT_SECTION__KEY` environment -> `RAPPORT_SECTION__KEY_FILE` secrets),
//! then validated with every problem reported together.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use toml::Value;

use crate::secret::SecretString;

mod email;
pub use email::{EmailConfig, TlsMode};

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// HTTP server.
    pub server: ServerConfig,
    /// Database.
    pub database: DatabaseConfig,
    /// Logging.
    pub log: LogConfig,
    /// Secrets and hardening.
    pub security: SecurityConfig,
    /// CRM behaviour.
    pub crm: CrmConfig,
    /// Sessions, sign-in links, and login throttling.
    pub auth: AuthConfig,
    /// Support cases.
    pub cases: CasesConfig,
    /// Files attached to records.
    pub documents: DocumentsConfig,
    /// CSV imports.
    pub imports: ImportsConfig,
    /// Outgoing e-mail.
    pub email: EmailConfig,
}

/// `[imports]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportsConfig {
    /// Where uploaded CSV files and their error reports are kept
    /// (`<dir>/<workspace>/<id>.csv`). Default: `imports` beside the SQLite database file, or
    /// `./data/imports` on PostgreSQL. Several instances sharing one PostgreSQL database need
    /// this to be one shared folder (any instance may run any import).
    pub dir: Option<PathBuf>,
    /// Largest CSV file accepted (413 beyond); streamed to disk, not bounded by
    /// `server.max_body_bytes`.
    pub max_bytes: u64,
    /// Rows written per transaction at most; progress is saved after each.
    pub chunk_rows: usize,
    /// A chunk ends early once it has run this long, so the transaction (on SQLite, the one
    /// write lock every other write waits for) stays short.
    pub chunk_millis: u64,
    /// How long a runner holds a job without saving progress before another may take it over.
    pub lease_seconds: u64,
    /// How often an idle runner looks for queued imports.
    pub poll_ms: u64,
}

impl Default for ImportsConfig {
    fn default() -> Self {
        Self {
            dir: None,
            max_bytes: 1024 * 1024 * 1024,
            chunk_rows: 500,
            chunk_millis: 1000,
            lease_seconds: 60,
            poll_ms: 1000,
        }
    }
}

/// `[documents]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentsConfig {
    /// Where document files are kept (`<dir>/<workspace>/<sha256>`). Default: `documents` beside
    /// the SQLite database file, or `./data/documents` on PostgreSQL. Several instances sharing
    /// one PostgreSQL database need this to be one shared folder.
    pub dir: Option<PathBuf>,
    /// Largest document accepted (413 beyond); uploads are streamed to disk, so this is not
    /// bounded by `server.max_body_bytes`.
    pub max_bytes: u64,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            dir: None,
            max_bytes: 25 * 1024 * 1024,
        }
    }
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// Longest a request may take before it is answered 503.
    pub request_timeout_ms: u64,
    /// On SIGTERM, how long in-flight requests get to finish.
    pub drain_timeout_ms: u64,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Set when a proxy in front terminates TLS: cookies get `Secure`, responses get HSTS.
    pub trust_proxy_tls: bool,
    /// Proxies whose `X-Forwarded-For` is believed (addresses).
    pub trusted_proxies: Vec<String>,
    /// The address users reach Rapport at (scheme, host, port): passkeys are bound to its host.
    pub public_url: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            request_timeout_ms: 30_000,
            drain_timeout_ms: 30_000,
            max_body_bytes: 1024 * 1024,
            trust_proxy_tls: false,
            trusted_proxies: Vec::new(),
            public_url: "http://localhost:8080".into(),
        }
    }
}

/// `[database]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://...`.
    pub url: SecretUrl,
    /// Apply pending migrations at start-up. Default: on for SQLite, off for PostgreSQL.
    pub auto_migrate: Option<bool>,
    /// Pool size (SQLite: readers; writes use one connection).
    pub max_connections: u32,
    /// How long a request waits for a connection.
    pub acquire_timeout_ms: u64,
    /// PostgreSQL `statement_timeout`.
    pub statement_timeout_ms: u64,
    /// SQLite `synchronous`: `full` (default; acknowledged writes survive power loss) or `normal`.
    pub sqlite_synchronous: String,
    /// SQLite `busy_timeout`.
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: SecretUrl("sqlite://./data/rapport.db".into()),
            auto_migrate: None,
            max_connections: 16,
            acquire_timeout_ms: 5_000,
            statement_timeout_ms: 30_000,
            sqlite_synchronous: "full".into(),
            busy_timeout_ms: 5_000,
        }
    }
}

/// A database URL: shown with its password replaced.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretUrl(pub String);

impl SecretUrl {
    /// The URL with any password replaced by `[redacted]`.
    pub fn redacted(&self) -> String {
        let s = &self.0;
        let Some(scheme_end) = s.find("://") else {
            return s.clone();
        };
        let rest = &s[scheme_end + 3..];
        let Some(at) = rest.find('@') else {
            return s.clone();
        };
        let creds = &rest[..at];
        match creds.find(':') {
            Some(colon) => format!(
                "{}://{}:[redacted]{}",
                &s[..scheme_end],
                &creds[..colon],
                &rest[at..]
            ),
            None => s.clone(),
        }
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `trace`, `debug`, `info`, `warn`, `error`, or a tracing directive list.
    pub level: String,
    /// `json` (one object per line) or `pretty`.
    pub format: LogFormat,
    /// Log request and response bodies (never in production: they carry personal data).
    pub log_bodies: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Json,
            log_bodies: false,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable.
    Pretty,
}

/// `[security]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Key for signing and encryption (at least 32 characters). Prefer
    /// `RAPPORT_SECURITY__SECRET_KEY_FILE` over putting it in the file.
    pub secret_key: Option<SecretString>,
}

/// `[crm]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrmConfig {
    /// ISO country whose national phone numbers are accepted without a `+` prefix (e.g. `FR`).
    pub default_phone_region: Option<String>,
    /// `[crm.lead_scoring]`: points for lead fields present, sources and recent activities.
    pub lead_scoring: rapport_domain::objects::LeadScoring,
    /// Most custom fields one object may have in a workspace (1 to 500).
    pub max_custom_fields: u32,
}

impl Default for CrmConfig {
    fn default() -> Self {
        Self {
            default_phone_region: None,
            lead_scoring: rapport_domain::objects::LeadScoring::default(),
            max_custom_fields: 100,
        }
    }
}

/// `[cases]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CasesConfig {
    /// Hours a case has to be resolved, by priority, counted from its creation.
    pub sla_hours: SlaHours,
}

/// `[cases] sla_hours = { low = 72, normal = 24, high = 8, urgent = 2 }`: a key left out keeps
/// its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaHours {
    /// Low priority.
    pub low: u64,
    /// Normal priority.
    pub normal: u64,
    /// High priority.
    pub high: u64,
    /// Urgent priority.
    pub urgent: u64,
}

/// The longest SLA accepted: a year.
pub const MAX_SLA_HOURS: u64 = 24 * 366;

impl Default for SlaHours {
    fn default() -> Self {
        Self {
            low: 72,
            normal: 24,
            high: 8,
            urgent: 2,
        }
    }
}

impl SlaHours {
    /// The hours of `priority`.
    pub fn of(&self, priority: rapport_domain::objects::CasePriority) -> u64 {
        use rapport_domain::objects::CasePriority;
        match priority {
            CasePriority::Low => self.low,
            CasePriority::Normal => self.normal,
            CasePriority::High => self.high,
            CasePriority::Urgent => self.urgent,
        }
    }
}

/// `[auth]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// A browser session ends after this many minutes without a request.
    pub session_idle_minutes: u64,
    /// A browser session ends this many hours after login, whatever happens.
    pub session_lifetime_hours: u64,
    /// Hours the first-run setup link printed by `serve` stays valid.
    pub setup_link_hours: u64,
    /// Hours an invitation link stays valid.
    pub invite_link_hours: u64,
    /// Password hashes computed at once (19 MiB each); further logins wait, then get 503.
    pub max_concurrent_hashes: usize,
    /// Failed logins allowed per account and per client address before waiting starts.
    pub login_free_attempts: u32,
    /// Longest wait imposed after failed logins (the wait doubles per failure up to this).
    pub login_max_backoff_seconds: u64,
    /// Static bearer token for `/metrics` (at least 32 characters). Prefer
    /// `RAPPORT_AUTH__METRICS_TOKEN_FILE` over putting it in the file.
    pub metrics_token: Option<SecretString>,
    /// Audit entries older than this many days are pruned (leaving a signed checkpoint) by
    /// `serve`'s hourly maintenance and by `rapport audit prune`; needs `security.secret_key`.
    pub audit_retention_days: u64,
    /// OpenID Connect providers users may sign in with (`[[auth.oidc]]` tables).
    pub oidc: Vec<OidcProvider>,
}

/// One OpenID Connect provider (`[[auth.oidc]]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// Short name used in the sign-in URLs: `/api/v1/auth/oidc/{name}/start`.
    pub name: String,
    /// The issuer URL; its `/.well-known/openid-configuration` is read at sign-in.
    pub issuer: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret. Prefer `client_secret_file`.
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    /// A file holding the client secret (first line).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// The workspace users of this provider land in. Without it (a global provider), only
    /// existing accounts sign in, into a workspace they already belong to.
    #[serde(default)]
    pub workspace: Option<String>,
    /// The role given to a user who joins that workspace through this provider.
    #[serde(default = "default_oidc_role")]
    pub role: String,
    /// Create an account on first sign-in (just in time) for a verified address.
    #[serde(default)]
    pub create_users: bool,
}

fn default_oidc_role() -> String {
    "member".into()
}

impl OidcProvider {
    /// The client secret, from the value or the file.
    pub fn secret(&self) -> Result<Option<String>, String> {
        if let Some(s) = &self.client_secret {
            return Ok(Some(s.expose().to_owned()));
        }
        match &self.client_secret_file {
            Some(path) => std::fs::read_to_string(path)
                .map(|t| t.lines().next().map(str::to_owned))
                .map_err(|e| format!("{}: {e}", path.display())),
            None => Ok(None),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_lifetime_hours: 12,
            setup_link_hours: 24,
            invite_link_hours: 72,
            max_concurrent_hashes: 2,
            login_free_attempts: 5,
            login_max_backoff_seconds: 900,
            metrics_token: None,
            audit_retention_days: 400,
            oidc: Vec::new(),
        }
    }
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n.saturating_mul(60))
}

fn hours(n: u64) -> Duration {
    Duration::from_secs(n.saturating_mul(3600))
}

impl Config {
    /// Whether `serve` applies migrations itself.
    pub fn auto_migrate(&self) -> bool {
        self.database
            .auto_migrate
            .unwrap_or_else(|| self.database.url.0.starts_with("sqlite:"))
    }

    /// Request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.server.request_timeout_ms)
    }

    /// Drain timeout.
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_millis(self.server.drain_timeout_ms)
    }

    /// The database connection settings.
    pub fn db_config(&self) -> rapport_store::DbConfig {
        let mut c = rapport_store::DbConfig::new(self.database.url.0.clone());
        c.max_connections = self.database.max_connections;
        c.acquire_timeout = Duration::from_millis(self.database.acquire_timeout_ms);
        c.statement_timeout = Duration::from_millis(self.database.statement_timeout_ms);
        c.busy_timeout = Duration::from_millis(self.database.busy_timeout_ms);
        c.synchronous = if self.database.sqlite_synchronous == "normal" {
            rapport_store::Synchronous::Normal
        } else {
            rapport_store::Synchronous::Full
        };
        c
    }

    /// How long a browser session may go without a request.
    pub fn session_idle(&self) -> Duration {
        minutes(self.auth.session_idle_minutes)
    }

    /// How long a browser session lasts after login at most.
    pub fn session_lifetime(&self) -> Duration {
        hours(self.auth.session_lifetime_hours)
    }

    /// How long the first-run setup link stays valid.
    pub fn setup_link_ttl(&self) -> Duration {
        hours(self.auth.setup_link_hours)
    }

    /// How long an invitation link stays valid.
    pub fn invite_link_ttl(&self) -> Duration {
        hours(self.auth.invite_link_hours)
    }

    /// The longest wait imposed after repeated failed logins.
    pub fn login_max_backoff(&self) -> Duration {
        Duration::from_secs(self.auth.login_max_backoff_seconds)
    }

    /// The folder document files are kept in: `documents.dir`, else `documents` beside the
    /// SQLite database file (the data folder), else `./data/documents`.
    pub fn documents_dir(&self) -> PathBuf {
        if let Some(dir) = &self.documents.dir {
            return dir.clone();
        }
        self.data_dir().join("documents")
    }

    /// The folder CSV imports are kept in: `imports.dir`, else `imports` beside the SQLite
    /// database file, else `./data/imports`.
    pub fn imports_dir(&self) -> PathBuf {
        if let Some(dir) = &self.imports.dir {
            return dir.clone();
        }
        self.data_dir().join("imports")
    }

    /// The data folder: the SQLite database file's folder, else `./data`.
    fn data_dir(&self) -> PathBuf {
        let url = &self.database.url.0;
        let sqlite_file = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest))
            .filter(|path| !path.is_empty() && !path.starts_with(':'));
        sqlite_file
            .and_then(|path| std::path::Path::new(path).parent().map(PathBuf::from))
            .map_or_else(
                || PathBuf::from("./data"),
                |p| {
                    if p.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        p
                    }
                },
            )
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

/// One configuration problem: the key and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `section.key` (or the file).
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Where the configuration comes from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `--config` or `RAPPORT_CONFIG`; `./rapport.toml` is read when present and none is named.
    pub file: Option<PathBuf>,
    /// The process environment.
    pub env: Vec<(String, String)>,
}

impl Sources {
    /// The process's environment and an optional `--config` path.
    pub fn from_process(config_flag: Option<PathBuf>) -> Self {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let file = config_flag.or_else(|| {
            env.iter()
                .find(|(k, _)| k == "RAPPORT_CONFIG")
                .map(|(_, v)| PathBuf::from(v))
        });
        Self { file, env }
    }

    fn is_production(&self) -> bool {
        self.env
            .iter()
            .any(|(k, v)| k == "RAPPORT_ENV" && v.eq_ignore_ascii_case("production"))
    }
}

const SECTIONS: &[&str] = &[
    "server",
    "database",
    "log",
    "security",
    "crm",
    "auth",
    "cases",
    "documents",
    "imports",
    "email",
];

/// Loads and validates the configuration; on failure, every problem found.
pub fn load(sources: &Sources) -> Result<Config, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut tree = match Value::try_from(Config::default()) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![Problem {
                key: "defaults".into(),
                message: e.to_string(),
            }]);
        }
    };
    if let Some(file) = file_layer(sources, &mut problems) {
        merge(&mut tree, file);
    }
    env_layer(sources, &mut tree, &mut problems);
    check_keys(&tree, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let config: Config = match tree.try_into() {
        Ok(c) => c,
        Err(e) => {
            return Err(vec![Problem {
                key: "configuration".into(),
                message: e.to_string(),
            }]);
        }
    };
    validate(&config, sources.is_production(), &mut problems);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

fn file_layer(sources: &Sources, problems: &mut Vec<Problem>) -> Option<Value> {
    let (path, required) = match &sources.file {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("rapport.toml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            problems.push(Problem {
                key: path.display().to_string(),
                message: format!("cannot read: {e}"),
            });
            return None;
        }
    };
    match text.parse::<toml::Table>() {
        Ok(t) => Some(Value::Table(t)),
        Err(e) => {
            problems.push(Problem {
                key: path.display().to_string(),
                message: format!("not valid TOML: {e}"),
            });
            None
        }
    }
}

fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Table(b), Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_table() && v.is_table() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// An environment value: a TOML literal when it is one (`8080`, `true`, `["a"]`), else a string.
fn env_value(raw: &str) -> Value {
    match format!("v = {raw}").parse::<toml::Table>() {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| Value::String(raw.to_owned())),
        Err(_) => Value::String(raw.to_owned()),
    }
}

fn set(tree: &mut Value, section: &str, key: &str, value: Value) {
    if let Value::Table(root) = tree {
        let entry = root
            .entry(section.to_owned())
            .or_insert_with(|| Value::Table(toml::Table::new()));
        if let Value::Table(t) = entry {
            t.insert(key.to_owned(), value);
        }
    }
}

fn env_layer(sources: &Sources, tree: &mut Value, problems: &mut Vec<Problem>) {
    let mut plain: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut files: BTreeMap<(String, String), Value> = BTreeMap::new();
    for (name, raw) in &sources.env {
        let Some(rest) = name.strip_prefix("RAPPORT_") else {
            continue;
        };
        let Some((section, key)) = rest.split_once("__") else {
            continue;
        };
        let (section, key) = (section.to_lowercase(), key.to_lowercase());
        if let Some(base) = key.strip_suffix("_file") {
            match std::fs::read_to_string(raw) {
                Ok(secret) => {
                    files.insert(
                        (section, base.to_owned()),
                        Value::String(secret.trim_end_matches(['\n', '\r']).to_owned()),
                    );
                }
                Err(e) => problems.push(Problem {
                    key: format!("{section}.{key} ({name})"),
                    message: format!("cannot read {raw}: {e}"),
                }),
            }
        } else {
            // Secrets, tokens and URLs stay strings even when they happen to look like TOML literals.
            let value = if key == "url" || key.contains("secret") || key.ends_with("token") {
                Value::String(raw.clone())
            } else {
                env_value(raw)
            };
            plain.insert((section, key), value);
        }
    }
    // `_FILE` secrets are the last layer: they win over plain variables.
    for ((section, key), value) in plain.into_iter().chain(files) {
        set(tree, &section, &key, value);
    }
}

fn probe<T: DeserializeOwned>(section: &Value, key: &str, value: &Value) -> Result<(), String> {
    let mut probe = section.clone();
    if let Value::Table(t) = &mut probe {
        t.insert(key.to_owned(), value.clone());
    }
    probe
        .try_into::<T>()
        .map(|_| ())
        .map_err(|e| e.message().to_owned())
}

/// Checks every key on its own, so one run reports every unknown or mistyped key.
fn check_keys(tree: &Value, problems: &mut Vec<Problem>) {
    let Ok(defaults) = Value::try_from(Config::default()) else {
        return;
    };
    let Value::Table(root) = tree else { return };
    for (section, body) in root {
        if !SECTIONS.contains(&section.as_str()) {
            problems.push(Problem {
                key: section.clone(),
                message: format!("unknown section; known: {}", SECTIONS.join(", ")),
            });
            continue;
        }
        let Value::Table(keys) = body else {
            problems.push(Problem {
                key: section.clone(),
                message: "must be a table".into(),
            });
            continue;
        };
        let base = defaults
            .get(section)
            .cloned()
            .unwrap_or(Value::Table(toml::Table::new()));
        for (key, value) in keys {
            let result = match section.as_str() {
                "server" => probe::<ServerConfig>(&base, key, value),
                "database" => probe::<DatabaseConfig>(&base, key, value),
                "log" => probe::<LogConfig>(&base, key, value),
                "security" => probe::<SecurityConfig>(&base, key, value),
                "auth" => probe::<AuthConfig>(&base, key, value),
                "cases" => probe::<CasesConfig>(&base, key, value),
                "documents" => probe::<DocumentsConfig>(&base, key, value),
                "imports" => probe::<ImportsConfig>(&base, key, value),
                "email" => probe::<EmailConfig>(&base, key, value),
                _ => probe::<CrmConfig>(&base, key, value),
            };
            if let Err(message) = result {
                problems.push(Problem {
                    key: format!("{section}.{key}"),
                    message,
                });
            }
        }
    }
}

fn validate(c: &Config, production: bool, problems: &mut Vec<Problem>) {
    let mut bad = |key: &str, message: String| {
        problems.push(Problem {
            key: key.into(),
            message,
        });
    };
    let listen = c.server.listen.parse::<SocketAddr>();
    if listen.is_err() {
        bad(
            "server.listen",
            format!(
                "'{}' is not an address:port such as 127.0.0.1:8080",
                c.server.listen
            ),
        );
    }
    for (key, v) in [
        ("server.request_timeout_ms", c.server.request_timeout_ms),
        ("server.drain_timeout_ms", c.server.drain_timeout_ms),
        ("database.acquire_timeout_ms", c.database.acquire_timeout_ms),
        (
            "database.statement_timeout_ms",
            c.database.statement_timeout_ms,
        ),
        ("database.busy_timeout_ms", c.database.busy_timeout_ms),
        ("auth.session_idle_minutes", c.auth.session_idle_minutes),
        ("auth.session_lifetime_hours", c.auth.session_lifetime_hours),
        ("auth.setup_link_hours", c.auth.setup_link_hours),
        ("auth.invite_link_hours", c.auth.invite_link_hours),
        (
            "auth.login_max_backoff_seconds",
            c.auth.login_max_backoff_seconds,
        ),
        ("auth.audit_retention_days", c.auth.audit_retention_days),
    ] {
        if v == 0 {
            bad(key, "must be greater than 0".into());
        }
    }
    let email_problems = c.email.problems();
    if email_problems.is_empty()
        && let Err(e) = crate::email::Mailer::from_config(&c.email)
    {
        bad(e.key, e.message);
    }
    for (key, message) in email_problems {
        bad(key, message);
    }
    if c.documents.max_bytes == 0 {
        bad("documents.max_bytes", "must be greater than 0".into());
    }
    for (key, v) in [
        ("imports.max_bytes", c.imports.max_bytes),
        ("imports.lease_seconds", c.imports.lease_seconds),
        ("imports.poll_ms", c.imports.poll_ms),
        ("imports.chunk_rows", c.imports.chunk_rows as u64),
        ("imports.chunk_millis", c.imports.chunk_millis),
    ] {
        if v == 0 {
            bad(key, "must be greater than 0".into());
        }
    }
    if c.server.max_body_bytes < 1024 {
        bad("server.max_body_bytes", "must be at least 1024".into());
    }
    for p in &c.server.trusted_proxies {
        if p.parse::<std::net::IpAddr>().is_err() {
            bad(
                "server.trusted_proxies",
                format!("'{p}' is not an IP address"),
            );
        }
    }
    match webauthn_rs::prelude::Url::parse(&c.server.public_url) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.path() == "/" => {}
        _ => bad(
            "server.public_url",
            format!(
                "'{}' is not an address such as https://crm.example.com (scheme and host, no path)",
                c.server.public_url
            ),
        ),
    }
    let url = &c.database.url.0;
    if !(url.starts_with("sqlite://")
        || url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        bad(
            "database.url",
            "must be sqlite://PATH or postgres://USER@HOST/DB".into(),
        );
    }
    if c.database.max_connections == 0 {
        bad("database.max_connections", "must be at least 1".into());
    }
    if !matches!(c.database.sqlite_synchronous.as_str(), "full" | "normal") {
        bad(
            "database.sqlite_synchronous",
            "must be \"full\" or \"normal\"".into(),
        );
    }
    let levels = ["trace", "debug", "info", "warn", "error", "off"];
    if c.log.level.trim().is_empty()
        || (!c.log.level.contains('=') && !levels.contains(&c.log.level.as_str()))
    {
        bad(
            "log.level",
            format!(
                "'{}' is not one of {} nor a directive like rapport=debug",
                c.log.level,
                levels.join(", ")
            ),
        );
    }
    if let Some(key) = &c.security.secret_key
        && key.expose().len() < 32
    {
        bad(
            "security.secret_key",
            "must be at least 32 characters (e.g. `openssl rand -hex 32`)".into(),
        );
    }
    if let Some(r) = &c.crm.default_phone_region
        && rapport_domain::values::CountryCode::parse(r).is_err()
    {
        bad(
            "crm.default_phone_region",
            format!("'{r}' is not an ISO 3166-1 alpha-2 country code"),
        );
    }
    for (key, message) in c.crm.lead_scoring.problems() {
        bad(&key, message);
    }
    if !(1..=500).contains(&c.crm.max_custom_fields) {
        bad(
            "crm.max_custom_fields",
            format!("must be from 1 to 500, not {}", c.crm.max_custom_fields),
        );
    }
    if c.auth.session_lifetime_hours > 0
        && c.auth.session_idle_minutes > c.auth.session_lifetime_hours.saturating_mul(60)
    {
        bad(
            "auth.session_idle_minutes",
            format!(
                "must not exceed auth.session_lifetime_hours * 60 ({} minutes)",
                c.auth.session_lifetime_hours.saturating_mul(60)
            ),
        );
    }
    if !(1..=64).contains(&c.auth.max_concurrent_hashes) {
        bad(
            "auth.max_concurrent_hashes",
            "must be between 1 and 64".into(),
        );
    }
    if !(1..=100).contains(&c.auth.login_free_attempts) {
        bad(
            "auth.login_free_attempts",
            "must be between 1 and 100".into(),
        );
    }
    if let Some(token) = &c.auth.metrics_token
        && token.expose().chars().count() < 32
    {
        bad(
            "auth.metrics_token",
            "must be at least 32 characters (e.g. `openssl rand -hex 32`)".into(),
        );
    }
    validate_sla(&c.cases.sla_hours, &mut bad);
    let mut names = std::collections::BTreeSet::new();
    for (i, p) in c.auth.oidc.iter().enumerate() {
        let key = |field: &str| format!("auth.oidc[{i}].{field}");
        let slug = !p.name.is_empty()
            && p.name.len() <= 40
            && p.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug {
            bad(
                &key("name"),
                format!("'{}': use 1 to 40 of a-z, 0-9 and -", p.name),
            );
        } else if !names.insert(p.name.as_str()) {
            bad(&key("name"), format!("'{}' names two providers", p.name));
        }
        if !webauthn_rs::prelude::Url::parse(&p.issuer)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        {
            bad(
                &key("issuer"),
                format!("'{}' is not an http(s) URL", p.issuer),
            );
        }
        if p.client_id.trim().is_empty() {
            bad(&key("client_id"), "must not be empty".into());
        }
        match p.secret() {
            Ok(Some(_)) => {}
            Ok(None) => bad(
                &key("client_secret"),
                "set client_secret or client_secret_file".into(),
            ),
            Err(e) => bad(&key("client_secret_file"), format!("cannot read it: {e}")),
        }
        if rapport_domain::policy::Role::parse(&p.role).is_none() {
            bad(
                &key("role"),
                format!("'{}': one of owner, admin, manager, member, viewer", p.role),
            );
        }
        if p.create_users && p.workspace.is_none() {
            bad(
                &key("create_users"),
                "new accounts need a workspace to land in: set workspace".into(),
            );
        }
    }
    if production {
        if c.security.secret_key.is_none() {
            bad("security.secret_key", "RAPPORT_ENV=production needs a secret key: set RAPPORT_SECURITY__SECRET_KEY_FILE to a file holding at least 32 random characters".into());
        }
        if let Ok(addr) = listen
            && !addr.ip().is_loopback()
            && !c.server.trust_proxy_tls
        {
            bad(
                "server.listen",
                format!(
                    "RAPPORT_ENV=production refuses to serve plain HTTP on {addr}: put a TLS-terminating proxy in front and set server.trust_proxy_tls = true, or listen on 127.0.0.1"
                ),
            );
        }
        if c.log.log_bodies {
            bad("log.log_bodies", "RAPPORT_ENV=production refuses to log request bodies (personal data): set log.log_bodies = false".into());
        }
    }
}

/// Each SLA is 1 hour to a year, and a more urgent priority never gets longer than a less urgent
/// one (an urgent case due after a normal one would be served last by a queue sorted on due time).
fn validate_sla(h: &SlaHours, bad: &mut impl FnMut(&str, String)) {
    let by_urgency = [
        ("low", h.low),
        ("normal", h.normal),
        ("high", h.high),
        ("urgent", h.urgent),
    ];
    for (name, hours) in by_urgency {
        if !(1..=MAX_SLA_HOURS).contains(&hours) {
            bad(
                &format!("cases.sla_hours.{name}"),
                format!("must be between 1 and {MAX_SLA_HOURS} hours"),
            );
        }
    }
    for pair in by_urgency.windows(2) {
        let [(slower, slow_hours), (faster, fast_hours)] = pair else {
            continue;
        };
        if fast_hours > slow_hours {
            bad(
                &format!("cases.sla_hours.{faster}"),
                format!(
                    "{fast_hours} hours is longer than {slower} ({slow_hours}): a more urgent priority cannot get more time"
                ),
            );
        }
    }
}

/// What `serve` and `config check` say when `[email]` is not set.
pub const NO_EMAIL: &str = "no [email] settings: Rapport sends no e-mail; invitation links are shown to the admin who makes them, \
     and password resets are made with `rapport user reset-password --email ADDRESS`";

/// A commented example configuration with every key at its default (`rapport config default`).
pub const DEFAULT_TOML: &str = include_str!("default_config.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Sources {
        Sources {
            file: None,
            env: pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }
    }

    #[test]
    fn defaults_need_no_setup() {
        let c = load(&env(&[])).expect("defaults are valid");
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.database.url.0, "sqlite://./data/rapport.db");
        assert!(c.auto_migrate());
    }

    #[test]
    fn documents_live_beside_the_sqlite_database_by_default() {
        let mut c = Config::default();
        assert_eq!(c.documents_dir(), PathBuf::from("./data/documents"));
        assert_eq!(c.documents.max_bytes, 25 * 1024 * 1024);
        c.database.url = SecretUrl("sqlite:///var/lib/rapport/crm.db?mode=rwc".into());
        assert_eq!(
            c.documents_dir(),
            PathBuf::from("/var/lib/rapport/documents")
        );
        c.database.url = SecretUrl("sqlite://crm.db".into());
        assert_eq!(c.documents_dir(), PathBuf::from("./documents"));
        c.database.url = SecretUrl("postgres://rapport@db/crm".into());
        assert_eq!(c.documents_dir(), PathBuf::from("./data/documents"));
        c.documents.dir = Some(PathBuf::from("/srv/files"));
        assert_eq!(c.documents_dir(), PathBuf::from("/srv/files"));
    }

    #[test]
    fn the_commented_default_file_is_the_defaults() {
        let parsed: Config = toml::from_str(DEFAULT_TOML).expect("default file parses");
        assert_eq!(
            toml::to_string(&parsed).ok(),
            toml::to_string(&Config::default()).ok()
        );
    }

    #[test]
    fn layers_apply_in_order_and_file_secrets_win() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("rapport.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"127.0.0.1:9000\"\n[log]\nformat = \"pretty\"\n",
        )
        .expect("write");
        let secret = dir.path().join("key");
        std::fs::write(&secret, "k".repeat(40) + "\n").expect("write");
        let mut s = env(&[
            ("RAPPORT_SERVER__LISTEN", "127.0.0.1:9001"),
            ("RAPPORT_DATABASE__URL", "postgres://u:pw@localhost/db"),
            ("RAPPORT_SECURITY__SECRET_KEY", "short"),
            (
                "RAPPORT_SECURITY__SECRET_KEY_FILE",
                secret.to_str().expect("utf8"),
            ),
        ]);
        s.file = Some(file);
        let c = load(&s).expect("valid");
        assert_eq!(c.server.listen, "127.0.0.1:9001");
        assert_eq!(c.log.format, LogFormat::Pretty);
        assert_eq!(
            c.security.secret_key.as_ref().map(|k| k.expose().len()),
            Some(40)
        );
        assert!(!c.auto_migrate(), "off by default on PostgreSQL");
        let shown = c.to_redacted_toml();
        assert!(
            !shown.contains("pw@") && !shown.contains(&"k".repeat(40)),
            "{shown}"
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let problems = load(&env(&[
            ("RAPPORT_SERVER__LISTEN", "nowhere"),
            ("RAPPORT_SERVER__LISSEN", "x"),
            ("RAPPORT_LOG__FORMAT", "xml"),
            ("RAPPORT_DATABASE__MAX_CONNECTIONS", "many"),
            ("RAPPORT_BOGUS__X", "1"),
        ]))
        .expect_err("invalid");
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        for k in [
            "server.lissen",
            "log.format",
            "database.max_connections",
            "bogus",
        ] {
            assert!(keys.contains(&k), "{k} missing from {keys:?}");
        }
        // Type errors stop before semantic checks; a second run with those fixed finds the rest.
        let problems = load(&env(&[
            ("RAPPORT_SERVER__LISTEN", "nowhere"),
            ("RAPPORT_LOG__LEVEL", "loud"),
        ]))
        .expect_err("invalid");
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["server.listen", "log.level"]);
    }

    #[test]
    fn production_refuses_insecure_settings() {
        let problems = load(&env(&[
            ("RAPPORT_ENV", "production"),
            ("RAPPORT_SERVER__LISTEN", "0.0.0.0:8080"),
            ("RAPPORT_LOG__LOG_BODIES", "true"),
        ]))
        .expect_err("insecure");
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["security.secret_key", "server.listen", "log.log_bodies"]
        );
        assert!(
            problems
                .iter()
                .all(|p| p.message.contains("set") || p.message.contains("put"))
        );
    }

    #[test]
    fn auth_defaults() {
        let c = load(&env(&[])).expect("defaults are valid");
        let a = &c.auth;
        assert_eq!(a.session_idle_minutes, 30);
        assert_eq!(a.session_lifetime_hours, 12);
        assert_eq!(a.setup_link_hours, 24);
        assert_eq!(a.invite_link_hours, 72);
        assert_eq!(a.max_concurrent_hashes, 2);
        assert_eq!(a.login_free_attempts, 5);
        assert_eq!(a.login_max_backoff_seconds, 900);
        assert!(a.metrics_token.is_none());
        assert_eq!(a.audit_retention_days, 400);
        assert_eq!(c.session_idle(), Duration::from_secs(30 * 60));
        assert_eq!(c.session_lifetime(), Duration::from_secs(12 * 3600));
        assert_eq!(c.setup_link_ttl(), Duration::from_secs(24 * 3600));
        assert_eq!(c.invite_link_ttl(), Duration::from_secs(72 * 3600));
        assert_eq!(c.login_max_backoff(), Duration::from_secs(900));
    }

    #[test]
    fn bad_auth_values_are_reported_with_their_key() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "RAPPORT_AUTH__SESSION_IDLE_MINUTES",
                "0",
                "auth.session_idle_minutes",
            ),
            (
                "RAPPORT_AUTH__SESSION_LIFETIME_HOURS",
                "0",
                "auth.session_lifetime_hours",
            ),
            (
                "RAPPORT_AUTH__SETUP_LINK_HOURS",
                "0",
                "auth.setup_link_hours",
            ),
            (
                "RAPPORT_AUTH__INVITE_LINK_HOURS",
                "0",
                "auth.invite_link_hours",
            ),
            (
                "RAPPORT_AUTH__LOGIN_MAX_BACKOFF_SECONDS",
                "0",
                "auth.login_max_backoff_seconds",
            ),
            // Idle longer than the 12-hour lifetime.
            (
                "RAPPORT_AUTH__SESSION_IDLE_MINUTES",
                "721",
                "auth.session_idle_minutes",
            ),
            (
                "RAPPORT_AUTH__MAX_CONCURRENT_HASHES",
                "0",
                "auth.max_concurrent_hashes",
            ),
            (
                "RAPPORT_AUTH__MAX_CONCURRENT_HASHES",
                "65",
                "auth.max_concurrent_hashes",
            ),
            (
                "RAPPORT_AUTH__LOGIN_FREE_ATTEMPTS",
                "0",
                "auth.login_free_attempts",
            ),
            (
                "RAPPORT_AUTH__LOGIN_FREE_ATTEMPTS",
                "101",
                "auth.login_free_attempts",
            ),
            (
                "RAPPORT_AUTH__METRICS_TOKEN",
                "too-short",
                "auth.metrics_token",
            ),
            (
                "RAPPORT_AUTH__AUDIT_RETENTION_DAYS",
                "0",
                "auth.audit_retention_days",
            ),
            (
                "RAPPORT_AUTH__SESION_IDLE_MINUTES",
                "5",
                "auth.sesion_idle_minutes",
            ),
        ];
        for (var, value, key) in cases {
            let problems = load(&env(&[(var, value)])).expect_err(var);
            let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
            assert_eq!(keys, [*key], "{var}={value}");
        }
        // The limits themselves are accepted.
        load(&env(&[
            ("RAPPORT_AUTH__SESSION_IDLE_MINUTES", "720"),
            ("RAPPORT_AUTH__MAX_CONCURRENT_HASHES", "64"),
            ("RAPPORT_AUTH__LOGIN_FREE_ATTEMPTS", "100"),
            ("RAPPORT_AUTH__METRICS_TOKEN", &"m".repeat(32)),
            ("RAPPORT_AUTH__AUDIT_RETENTION_DAYS", "1"),
        ]))
        .expect("limits are valid");
    }

    #[test]
    fn sla_hours_default_and_are_read_from_file_and_environment() {
        use rapport_domain::objects::CasePriority;
        let c = load(&env(&[])).expect("defaults are valid");
        assert_eq!(c.cases.sla_hours, SlaHours::default());
        assert_eq!(
            [
                CasePriority::Low,
                CasePriority::Normal,
                CasePriority::High,
                CasePriority::Urgent
            ]
            .map(|p| c.cases.sla_hours.of(p)),
            [72, 24, 8, 2]
        );
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("rapport.toml");
        std::fs::write(&file, "[cases]\nsla_hours = { normal = 12, urgent = 1 }\n").expect("write");
        let mut s = env(&[]);
        s.file = Some(file);
        let c = load(&s).expect("valid");
        assert_eq!(
            c.cases.sla_hours,
            SlaHours {
                low: 72,
                normal: 12,
                high: 8,
                urgent: 1
            },
            "keys left out keep their defaults"
        );
        let c = load(&env(&[("RAPPORT_CASES__SLA_HOURS", "{ low = 96 }")])).expect("valid");
        assert_eq!(c.cases.sla_hours.low, 96);
        assert_eq!(c.cases.sla_hours.urgent, 2);
    }

    #[test]
    fn bad_sla_hours_are_reported_with_their_key() {
        let cases: &[(&str, &[&str])] = &[
            ("{ urgent = 0 }", &["cases.sla_hours.urgent"]),
            ("{ low = 9000 }", &["cases.sla_hours.low"]),
            ("{ high = 30 }", &["cases.sla_hours.high"]),
            ("{ high = 1, urgent = 4 }", &["cases.sla_hours.urgent"]),
            (
                "{ urgent = 0, high = 30 }",
                &["cases.sla_hours.urgent", "cases.sla_hours.high"],
            ),
        ];
        for (value, keys) in cases {
            let problems = load(&env(&[("RAPPORT_CASES__SLA_HOURS", value)])).expect_err(value);
            let got: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
            assert_eq!(got, *keys, "{value}: {problems:?}");
        }
        let problems = load(&env(&[("RAPPORT_CASES__SLA_HOURS", "{ critical = 1 }")]))
            .expect_err("unknown priority");
        assert_eq!(problems[0].key, "cases.sla_hours", "{problems:?}");
        let problems =
            load(&env(&[("RAPPORT_CASES__SLA_HOURS", "{ low = -1 }")])).expect_err("negative");
        assert_eq!(problems[0].key, "cases.sla_hours", "{problems:?}");
    }

    #[test]
    fn metrics_token_is_redacted() {
        let dir = tempfile::tempdir().expect("tmp");
        let token_file = dir.path().join("metrics_token");
        // Digits only: it must stay a string, not become a TOML number.
        let token = "12345678901234567890123456789012e0";
        std::fs::write(&token_file, "t".repeat(40) + "\n").expect("write");
        let c = load(&env(&[("RAPPORT_AUTH__METRICS_TOKEN", token)])).expect("valid");
        assert_eq!(
            c.auth.metrics_token.as_ref().map(|t| t.expose()),
            Some(token)
        );
        let shown = c.to_redacted_toml();
        assert!(!shown.contains(token), "{shown}");
        assert!(shown.contains("metrics_token = \"[redacted]\""), "{shown}");
        assert!(!format!("{c:?}").contains(token));

        let c = load(&env(&[(
            "RAPPORT_AUTH__METRICS_TOKEN_FILE",
            token_file.to_str().expect("utf8"),
        )]))
        .expect("valid");
        assert_eq!(
            c.auth.metrics_token.as_ref().map(|t| t.expose().len()),
            Some(40)
        );
        assert!(!c.to_redacted_toml().contains(&"t".repeat(40)));
    }
}
