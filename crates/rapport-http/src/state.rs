//! The state every handler receives.

use metrics_exporter_prometheus::PrometheusHandle;
use rapport_app::App;

/// What the binary was built from, for `/healthz`.
#[derive(Debug, Clone)]
pub struct BuildInfo {
    /// Release version.
    pub version: String,
    /// Git commit.
    pub commit: String,
}

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Use cases, database, configuration.
    pub app: App,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Version and commit.
    pub build: BuildInfo,
}

impl AppState {
    /// State for `app`, with the process's metrics recorder.
    pub fn new(app: App, build: BuildInfo) -> Self {
        Self {
            app,
            metrics: crate::metrics::handle(),
            build,
        }
    }
}
