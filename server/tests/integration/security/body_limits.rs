//! Request bodies over their route's limit (issue 13, item 2): 413 on the
//! console's server functions and on the client API, whether the length is
//! declared or the body arrives chunked; before, a chunked 64 MiB body to
//! `/api/login` was read for megabytes and answered 500.

use super::*;
use crate::both;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `total` bytes of body as chunks of `chunk` bytes over a raw
/// connection (no Content-Length), reading the answer as it comes: the
/// writer stops when the server has answered. Returns the status and the
/// answer's body text.
async fn chunked(srv: &TestServer, path: &str, content_type: &str, total: usize, chunk: usize) -> (u16, String) {
    send_body(srv, path, content_type, total, chunk, true).await
}

/// [`chunked`], or with a declared Content-Length when `!chunked`.
async fn send_body(srv: &TestServer, path: &str, content_type: &str, total: usize, chunk: usize, chunked: bool) -> (u16, String) {
    let addr = srv.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            // Headers and a short body are all this test needs.
            if got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() > 200 {
                break;
            }
        }
        String::from_utf8_lossy(&got).to_string()
    });
    let framing = if chunked {
        "Transfer-Encoding: chunked\r\n".to_string()
    } else {
        format!("Content-Length: {total}\r\n")
    };
    let head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nAccept: application/json\r\n{framing}\r\n");
    wr.write_all(head.as_bytes()).await.unwrap();
    let piece = if chunked {
        format!("{chunk:x}\r\n{}\r\n", "a".repeat(chunk))
    } else {
        "a".repeat(chunk)
    };
    let mut sent = 0;
    let started = std::time::Instant::now();
    while sent < total && !reader.is_finished() {
        if wr.write_all(piece.as_bytes()).await.is_err() {
            break;
        }
        sent += chunk;
    }
    if sent >= total && chunked {
        let _ = wr.write_all(b"0\r\n\r\n").await;
    }
    let answer = tokio::time::timeout(std::time::Duration::from_secs(30), reader)
        .await
        .expect("an answer within 30 s")
        .unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line after {sent} bytes in {:?}: {answer:?}", started.elapsed()));
    // Refused early: far less than the whole body went out.
    // (A small body may fit in the socket buffers before the answer is read.)
    assert!(
        status != 413 || sent < total || total < (8 << 20),
        "the server read all {total} bytes before refusing"
    );
    (status, answer)
}

both!(oversized_bodies_get_413, |st: AppState| async move {
    let w = world(&st).await;
    let admin = admin_cookie(&st, w.admin_in).await;
    let srv = serve(st.clone()).await;
    // Chunked, no length declared: the console's sign-in, another server
    // function, the client's sign-in function and the client API.
    for path in ["/api/login", "/api/users/list", "/api/client/login", "/api/client/v1/session"] {
        let content_type = if path.contains("/v1/") {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let (status, answer) = chunked(&srv, path, content_type, 64 << 20, 64 << 10).await;
        assert_eq!(status, 413, "{path}: {answer}");
        assert!(answer.contains("over"), "{path}: the answer says why: {answer}");
    }
    // Declared lengths are refused before a byte is read.
    // (Sent raw and read meanwhile: a client that writes the whole body
    // before reading may find the connection closed under it.)
    for path in ["/api/card/header", "/api/client/v1/session"] {
        let (status, answer) = send_body(&srv, path, "application/json", 64 << 20, 64 << 10, false).await;
        assert_eq!(status, 413, "{path}: {answer}");
    }
    let (_, answer) = send_body(&srv, "/api/client/v1/session", "application/json", 5000, 1000, false).await;
    assert!(answer.contains("413") && answer.contains("\"error\""), "{answer}");
    // Bodies within the limits still work, chunked or not.
    let (status, _) = chunked(&srv, "/api/client/v1/session", "application/json", 1024, 512).await;
    assert_eq!(status, 422);
    let r = srv.post_fn("card/header", &admin, &format!("user_id={}", w.main)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The billing webhook keeps its own documented 64 KiB.
    let (status, answer) = chunked(&srv, "/api/billing/v1/events", "application/json", 1 << 20, 16 << 10).await;
    assert!(status == 401 || status == 413, "{answer}");
    // And the server is still fine.
    assert_eq!(srv.get("/healthz", "").await.status, 200);
});

/// A body trickled in slowly does not hold its connection forever: 408
/// after `limits::BODY_TIME` (no database involved: SQLite only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_time_out() {
    let Some(st) = state(Backend::Sqlite).await else { return };
    let srv = serve(st).await;
    let addr = srv.base.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlogin=a"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut got = Vec::new();
    let limit = server::limits::BODY_TIME + std::time::Duration::from_secs(20);
    let _ = tokio::time::timeout(limit, conn.read_to_end(&mut got)).await;
    let answer = String::from_utf8_lossy(&got);
    assert!(answer.starts_with("HTTP/1.1 408"), "after {:?}: {answer:?}", started.elapsed());
    assert!(started.elapsed() >= server::limits::BODY_TIME - std::time::Duration::from_secs(1));
}
