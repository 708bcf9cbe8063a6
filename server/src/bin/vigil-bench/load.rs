//! A closed-loop HTTP load generator: `connections` workers, each sending its
//! next request as soon as the previous answer is read, for a fixed time.
//! Latencies are kept per request so percentiles are exact.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one worker sends as its `n`-th request.
pub type MakeRequest = Arc<dyn Fn(usize, u64) -> reqwest::RequestBuilder + Send + Sync>;

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub requests: u64,
    pub by_status: BTreeMap<u16, u64>,
    /// Transport failures (connection refused, reset, timeout).
    pub failures: u64,
    pub first_failure: Option<String>,
    /// Requests whose answer was dropped after its first chunk (see
    /// [`run_abandoning`]).
    pub abandoned: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    latencies_us: Vec<u32>,
}

impl Stats {
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`-th percentile latency in milliseconds (nearest rank).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize - 1;
        v[rank.min(v.len() - 1)] as f64 / 1000.0
    }

    pub fn count(&self, pred: impl Fn(u16) -> bool) -> u64 {
        self.by_status.iter().filter(|(s, _)| pred(**s)).map(|(_, n)| n).sum()
    }

    pub fn server_errors(&self) -> u64 {
        self.count(|s| s >= 500)
    }

    pub fn statuses(&self) -> String {
        let mut parts: Vec<String> = self.by_status.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        if self.failures > 0 {
            parts.push(format!("failed×{}", self.failures));
        }
        parts.join(" ")
    }

    fn merge(&mut self, other: Stats) {
        self.requests += other.requests;
        for (s, n) in other.by_status {
            *self.by_status.entry(s).or_default() += n;
        }
        self.failures += other.failures;
        self.abandoned += other.abandoned;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
        self.bytes += other.bytes;
        self.latencies_us.extend(other.latencies_us);
    }
}

/// One HTTP/1.1 keep-alive client sized for `connections` (no decompression:
/// reqwest is built without it, so compressed bodies are counted as sent).
pub fn client(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// Runs `make` on `connections` workers for `duration` after `warmup`
/// (requests of the warm-up are not counted).
pub async fn run(connections: usize, warmup: Duration, duration: Duration, make: MakeRequest) -> Stats {
    run_abandoning(connections, warmup, duration, make, 0).await
}

/// [`run`], except that `abandon_percent` of the requests are dropped once
/// the first chunk of their answer arrived, as a browser drops a page the
/// user navigates away from: the server's render of that page is cancelled
/// mid-stream, with its resources still loading (leptos#4698, #4829).
pub async fn run_abandoning(connections: usize, warmup: Duration, duration: Duration, make: MakeRequest, abandon_percent: u64) -> Stats {
    if !warmup.is_zero() {
        drive(connections, warmup, make.clone(), 1_000_000_000, abandon_percent).await;
    }
    drive(connections, duration, make, 0, abandon_percent).await
}

async fn drive(connections: usize, duration: Duration, make: MakeRequest, seq_base: u64, abandon_percent: u64) -> Stats {
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..connections)
        .map(|w| {
            let make = make.clone();
            tokio::spawn(async move {
                let mut s = Stats::default();
                let mut n = seq_base;
                while Instant::now() < deadline {
                    let req = make(w, n);
                    n += 1;
                    // Spread over workers and over each worker's requests
                    // (97 is prime to the mixed load's period of 6).
                    let abandon = (n.wrapping_mul(97) + w as u64) % 100 < abandon_percent;
                    let t = Instant::now();
                    match send(req, abandon).await {
                        Ok((status, bytes)) => {
                            *s.by_status.entry(status).or_default() += 1;
                            s.bytes += bytes;
                            s.abandoned += u64::from(abandon);
                        }
                        Err(e) => {
                            s.failures += 1;
                            s.first_failure.get_or_insert(e);
                        }
                    }
                    s.latencies_us.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    s.requests += 1;
                }
                s
            })
        })
        .collect();
    let mut total = Stats::default();
    for w in workers {
        if let Ok(s) = w.await {
            total.merge(s);
        }
    }
    total.elapsed = started.elapsed();
    total
}

async fn send(req: reqwest::RequestBuilder, abandon: bool) -> Result<(u16, u64), String> {
    let mut res = req.send().await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    if abandon {
        // Dropping the response before its body ended closes the connection,
        // which cancels the server's render of it.
        let first = res.chunk().await.map_err(|e| e.to_string())?;
        return Ok((status, first.map_or(0, |c| c.len() as u64)));
    }
    let body = res.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, body.len() as u64))
}

/// Samples `f` every `every` until `until` resolves; the maximum seen.
pub async fn peak_while<F: Future>(until: F, every: Duration, f: impl Fn() -> u64) -> (F::Output, u64) {
    tokio::pin!(until);
    let mut peak = f();
    loop {
        tokio::select! {
            out = &mut until => return (out, peak.max(f())),
            _ = tokio::time::sleep(every) => peak = peak.max(f()),
        }
    }
}
