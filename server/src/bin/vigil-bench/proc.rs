//! A Vigil server as a child process: started with its configuration in the
//! environment, its log captured to a file, its memory read from `/proc`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_PASSWORD: &str = "bench-admin-password";
pub const BILLING_SECRET: &str = "bench-billing-secret-0123456789";

pub struct ServerProc {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

pub struct Launch<'a> {
    pub exe: &'a Path,
    pub database_url: &'a str,
    pub site_root: &'a Path,
    pub demo_users: u64,
    pub log: PathBuf,
    /// More environment for this server (e.g. `VIGIL_BILLING_BATCH=0`).
    pub env: &'a [(&'a str, &'a str)],
}

/// A free loopback port (released just before the server binds it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl ServerProc {
    /// Starts the server and waits until `/healthz` answers (demo data on an
    /// empty database is generated before that, so `ready_timeout` must
    /// cover it). Progress lines of the generator are echoed.
    pub async fn start(l: Launch<'_>, ready_timeout: Duration) -> Result<Self, String> {
        let port = free_port();
        let log_file = std::fs::File::create(&l.log).map_err(|e| format!("{}: {e}", l.log.display()))?;
        let child = Command::new(l.exe)
            .env("DATABASE_URL", l.database_url)
            .env("LEPTOS_SITE_ROOT", l.site_root)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("VIGIL_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("VIGIL_BILLING_SECRET", BILLING_SECRET)
            .env("VIGIL_DEMO", "1")
            .env("VIGIL_DEMO_USERS", l.demo_users.to_string())
            // The purge job stays out of the measured windows.
            .env("VIGIL_PURGE_INTERVAL_SECS", "86400")
            .env("RUST_LOG", "warn,sqlx=error")
            .envs(l.env.iter().copied())
            .stdout(Stdio::from(log_file.try_clone().map_err(|e| e.to_string())?))
            .stderr(Stdio::from(log_file))
            .spawn()
            .map_err(|e| format!("{}: {e}", l.exe.display()))?;
        let mut s = ServerProc {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log: l.log,
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        let mut last_echo = Instant::now();
        loop {
            if let Ok(Some(status)) = s.child.try_wait() {
                return Err(format!("the server exited ({status}); log:\n{}", s.log_tail(30)));
            }
            if let Ok(r) = client.get(format!("{}/healthz", s.base)).send().await {
                if r.status().is_success() {
                    return Ok(s);
                }
            }
            // Echo the demo generator's progress (it rewrites one line with \r).
            if last_echo.elapsed() > Duration::from_secs(10) {
                last_echo = Instant::now();
                let text = std::fs::read_to_string(&s.log).unwrap_or_default();
                if let Some(last) = text.rsplit(['\r', '\n']).find(|l| !l.trim().is_empty()) {
                    eprintln!("   {:>5.0} s  {}", started.elapsed().as_secs_f64(), last.trim());
                }
            }
            if started.elapsed() > ready_timeout {
                return Err(format!("the server was not ready within {ready_timeout:?}"));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Resident memory in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Log lines that report an error or a panic.
    pub fn error_lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("panicked"))
            .map(str::to_string)
            .collect()
    }

    /// Graceful stop (SIGTERM), then a kill after 10 s.
    pub async fn stop(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
