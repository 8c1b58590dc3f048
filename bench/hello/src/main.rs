//! A minimal axum server answering `GET /` with a short body: the ceiling for `bench/load.sh`.

use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    #[expect(
        clippy::disallowed_methods,
        reason = "not an API route; the bench ceiling"
    )]
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}
