//! A panicking handler is logged and answered with an opaque 500 problem; the process lives on.

use std::any::Any;

use axum::response::{IntoResponse, Response};

use crate::problem::{self, Problem};

/// For `CatchPanicLayer::custom`.
#[expect(
    clippy::needless_pass_by_value,
    reason = "CatchPanicLayer::custom hands the panic over by value"
)]
pub fn respond(err: Box<dyn Any + Send + 'static>) -> Response {
    let message = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %message, "handler panicked");
    Problem::new(
        problem::INTERNAL,
        "an unexpected error occurred; quote the request_id when reporting it",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::middleware::from_fn;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    use crate::middleware::{problem_context, request_id};

    async fn boom() -> &'static str {
        panic!("secret detail /etc/passwd")
    }

    #[tokio::test]
    async fn a_panic_becomes_an_opaque_500_problem_and_the_server_lives_on() {
        #[expect(clippy::disallowed_methods, reason = "a test-only route that panics")]
        let app = Router::new()
            .route("/boom", get(boom))
            .layer(CatchPanicLayer::custom(super::respond))
            .layer(from_fn(problem_context::complete))
            .layer(from_fn(request_id::assign));
        let res = app
            .clone()
            .oneshot(
                Request::get("/boom")
                    .header("x-request-id", "req-42")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("secret") && !text.contains("/etc/passwd"),
            "{text}"
        );
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["type"], "/problems/internal-error");
        assert_eq!(problem["request_id"], "req-42");
        assert_eq!(problem["instance"], "/boom");
        // The router still answers after the panic.
        let again = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
