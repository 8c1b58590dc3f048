//! Request ids and W3C `traceparent` propagation. Every request gets an id of this server's own
//! (UUIDv7), unique, which the audit log and the logs key on; a caller's sane `X-Request-Id` is
//! kept beside it and echoed back, so a caller that reuses one never makes two requests look like
//! one. The trace id of the caller is kept, a span id is made for this hop, and both go back in
//! the response.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

/// The id this server gave the request, in request extensions: always its own, unique.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The caller's own `X-Request-Id`, when sane, in request extensions.
#[derive(Debug, Clone)]
pub struct ClientRequestId(pub String);

/// The id the response's `X-Request-Id` carries and problems name: the caller's own when it sent
/// one, this server's otherwise.
pub fn shown(extensions: &axum::http::Extensions) -> Option<String> {
    extensions
        .get::<ClientRequestId>()
        .map(|c| c.0.clone())
        .or_else(|| extensions.get::<RequestId>().map(|r| r.0.clone()))
}

/// The trace this request belongs to, in request extensions.
#[derive(Debug, Clone)]
pub struct TraceContext {
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits: this server's span.
    pub span_id: String,
    /// Trace flags (2 hex digits).
    pub flags: String,
}

impl TraceContext {
    /// The `traceparent` header value for this hop.
    pub fn header(&self) -> String {
        format!("00-{}-{}-{}", self.trace_id, self.span_id, self.flags)
    }
}

/// Accepts ids of 1 to 128 characters from `[A-Za-z0-9._:-]`: enough for UUIDs and most tracers,
/// nothing that could forge a log line.
pub fn is_sane(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Parses a `traceparent` (version 00) header.
pub fn parse_traceparent(raw: &str) -> Option<(String, String)> {
    let mut parts = raw.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let valid = version == "00"
        && is_hex(trace, 32)
        && trace.bytes().any(|b| b != b'0')
        && is_hex(parent, 16)
        && parent.bytes().any(|b| b != b'0')
        && is_hex(flags, 2)
        && parts.next().is_none();
    valid.then(|| (trace.to_owned(), flags.to_owned()))
}

fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        out.push_str(&Uuid::new_v4().simple().to_string());
    }
    out.truncate(bytes * 2);
    out
}

/// Middleware: assigns the request id and trace context, and returns them on the response.
pub async fn assign(mut req: Request, next: Next) -> Response {
    let own = Uuid::now_v7().to_string();
    let theirs = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane(v))
        .map(str::to_owned);
    let id = theirs.clone().unwrap_or_else(|| own.clone());
    let (trace_id, flags) = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_traceparent)
        .unwrap_or_else(|| (random_hex(16), "01".to_owned()));
    let trace = TraceContext {
        trace_id,
        span_id: random_hex(8),
        flags,
    };
    req.extensions_mut().insert(RequestId(own));
    if let Some(theirs) = theirs {
        req.extensions_mut().insert(ClientRequestId(theirs));
    }
    req.extensions_mut().insert(trace.clone());
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&trace.header()) {
        res.headers_mut().insert("traceparent", v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_ids_and_traceparents() {
        assert!(is_sane("abc-123_x.y:z"));
        assert!(!is_sane(""));
        assert!(!is_sane("a b"));
        assert!(!is_sane(&"a".repeat(129)));
        assert!(!is_sane("x\ny"));
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            parse_traceparent(tp).map(|t| t.0),
            Some("4bf92f3577b34da6a3ce929d0e0e4736".into())
        );
        assert!(
            parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none()
        );
        assert!(
            parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7").is_none()
        );
        assert_eq!(random_hex(8).len(), 16);
    }
}
