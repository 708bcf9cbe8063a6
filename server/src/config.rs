//! Typed configuration, read once at start from environment variables and
//! flags. A bad value stops the server with one line naming the variable.

use crate::net::TrustedProxies;
use std::net::SocketAddr;

/// A secret: no `Debug` or `Serialize` output of its value.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` (default `sqlite://data/vigil.db`) or `postgres://…`.
    pub database_url: String,
    /// `LEPTOS_SITE_ADDR`: listen address (default 127.0.0.1:3000).
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: folder of the built site (default `target/site`).
    pub site_root: String,
    /// `VIGIL_BILLING_SECRET`: HMAC secret shared with billing. Without it the
    /// billing endpoint refuses every request.
    pub billing_secret: Option<Secret>,
    /// `VIGIL_ADMIN_PASSWORD`: creates or resets the super-administrator `admin`.
    pub admin_password: Option<Secret>,
    /// `VIGIL_DEMO=1`: fill an empty database with demo data.
    pub demo: bool,
    /// `VIGIL_DEMO_USERS`: how many users the demo data has (default 2000).
    pub demo_users: u64,
    /// `VIGIL_PURGE_INTERVAL_SECS`: how often the retention purge runs (default 300).
    pub purge_interval_secs: u64,
    /// `VIGIL_HTTP_THREADS`: serving threads, each with its own single-threaded
    /// runtime (default: one per core; see `http`).
    pub http_threads: usize,
    /// `VIGIL_HTTP_RUNTIME`: `per-core` (default; one single-threaded runtime
    /// per serving thread) or `multi` (one work-stealing runtime with
    /// `http_threads` workers), kept to measure one against the other.
    pub http_runtime: crate::http::RuntimeKind,
    /// `VIGIL_BILLING_BATCH`: apply the billing events of concurrent
    /// requests in shared transactions (default 1; 0 gives every event its
    /// own transaction, for comparison).
    pub billing_batch: bool,
    /// `VIGIL_TRUSTED_PROXIES`: proxies whose `X-Forwarded-For` gives the
    /// client's address (default none: the peer is the client).
    pub trusted_proxies: TrustedProxies,
    /// `VIGIL_PUBLIC_URL`: the address users open, e.g.
    /// `https://vigil.example.com`; with `https` cookies are `Secure` and
    /// responses carry HSTS.
    pub public_url: Option<PublicUrl>,
}

/// `VIGIL_PUBLIC_URL`: a scheme and a host, nothing after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    pub url: String,
    pub https: bool,
}

impl PublicUrl {
    pub fn parse(v: &str) -> Option<Self> {
        let v = v.strip_suffix('/').unwrap_or(v);
        let (scheme, host) = v.split_once("://")?;
        let https = match scheme {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host_ok = !host.is_empty() && host.bytes().all(|c| c.is_ascii_alphanumeric() || b"-.:[]".contains(&c));
        host_ok.then(|| Self { url: v.to_string(), https })
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = get("DATABASE_URL")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "sqlite://data/vigil.db".into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError(
                "DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into(),
            ));
        }
        let site_addr = match get("LEPTOS_SITE_ADDR").filter(|v| !v.is_empty()) {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v
                .parse()
                .map_err(|_| ConfigError(format!("LEPTOS_SITE_ADDR is not an address like 127.0.0.1:3000: {v:?}")))?,
        };
        let site_root = get("LEPTOS_SITE_ROOT")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "target/site".into());
        let billing_secret = match get("VIGIL_BILLING_SECRET") {
            Some(s) if s.len() < 16 => return Err(ConfigError("VIGIL_BILLING_SECRET must be at least 16 characters".into())),
            Some(s) => Some(Secret(s)),
            None => None,
        };
        let admin_password = match get("VIGIL_ADMIN_PASSWORD") {
            Some(p) if p.len() < 8 => return Err(ConfigError("VIGIL_ADMIN_PASSWORD must be at least 8 characters".into())),
            Some(p) => Some(Secret(p)),
            None => None,
        };
        let demo = match get("VIGIL_DEMO").as_deref() {
            None | Some("") | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(v) => return Err(ConfigError(format!("VIGIL_DEMO must be 1 or 0, not {v:?}"))),
        };
        let billing_batch = match get("VIGIL_BILLING_BATCH").as_deref() {
            None | Some("") | Some("1") | Some("true") => true,
            Some("0") | Some("false") => false,
            Some(v) => return Err(ConfigError(format!("VIGIL_BILLING_BATCH must be 1 or 0, not {v:?}"))),
        };
        let trusted_proxies = TrustedProxies::parse(&get("VIGIL_TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|e| ConfigError(format!("VIGIL_TRUSTED_PROXIES: {e}")))?;
        let public_url = match get("VIGIL_PUBLIC_URL").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(PublicUrl::parse(&v).ok_or_else(|| {
                ConfigError(format!(
                    "VIGIL_PUBLIC_URL must be a scheme and host like https://vigil.example.com, not {v:?}"
                ))
            })?),
        };
        let demo_users = parse_num(&get, "VIGIL_DEMO_USERS", 2000, 1, 10_000_000)?;
        let purge_interval_secs = parse_num(&get, "VIGIL_PURGE_INTERVAL_SECS", 300, 1, 86_400)?;
        let http_threads = parse_num(&get, "VIGIL_HTTP_THREADS", crate::http::default_threads() as u64, 1, 256)? as usize;
        let http_runtime = match get("VIGIL_HTTP_RUNTIME").filter(|v| !v.is_empty()).as_deref() {
            None => crate::http::RuntimeKind::default(),
            Some("per-core") => crate::http::RuntimeKind::PerCore,
            Some("multi") => crate::http::RuntimeKind::Multi,
            Some(v) => return Err(ConfigError(format!("VIGIL_HTTP_RUNTIME must be per-core or multi, not {v:?}"))),
        };
        Ok(Self {
            database_url,
            site_addr,
            site_root,
            billing_secret,
            admin_password,
            demo,
            demo_users,
            purge_interval_secs,
            http_threads,
            http_runtime,
            billing_batch,
            trusted_proxies,
            public_url,
        })
    }
}

fn parse_num(get: &impl Fn(&str) -> Option<String>, name: &str, default: u64, min: u64, max: u64) -> Result<u64, ConfigError> {
    match get(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| ConfigError(format!("{name} must be a whole number from {min} to {max}, not {v:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/vigil.db");
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert!(!c.demo);
        assert!(c.billing_batch);
        assert!(!cfg(&[("VIGIL_BILLING_BATCH", "0")]).unwrap().billing_batch);
    }

    #[test]
    fn errors_name_the_variable() {
        assert!(cfg(&[("LEPTOS_SITE_ADDR", "nope")]).unwrap_err().0.starts_with("LEPTOS_SITE_ADDR"));
        assert!(cfg(&[("DATABASE_URL", "mysql://x")]).unwrap_err().0.starts_with("DATABASE_URL"));
        assert!(cfg(&[("VIGIL_DEMO", "yes")]).unwrap_err().0.starts_with("VIGIL_DEMO"));
        assert!(cfg(&[("VIGIL_BILLING_SECRET", "short")])
            .unwrap_err()
            .0
            .starts_with("VIGIL_BILLING_SECRET"));
        assert!(cfg(&[("VIGIL_DEMO_USERS", "-3")]).unwrap_err().0.starts_with("VIGIL_DEMO_USERS"));
        assert!(cfg(&[("VIGIL_BILLING_BATCH", "2")])
            .unwrap_err()
            .0
            .starts_with("VIGIL_BILLING_BATCH"));
        assert!(cfg(&[("VIGIL_HTTP_THREADS", "0")]).unwrap_err().0.starts_with("VIGIL_HTTP_THREADS"));
        assert!(cfg(&[("VIGIL_HTTP_RUNTIME", "both")])
            .unwrap_err()
            .0
            .starts_with("VIGIL_HTTP_RUNTIME"));
        assert_eq!(
            cfg(&[("VIGIL_HTTP_RUNTIME", "multi")]).unwrap().http_runtime,
            crate::http::RuntimeKind::Multi
        );
        for bad in ["10.0.0.0/40", "proxy", "10.0.0.1 10.0.0.2"] {
            let e = cfg(&[("VIGIL_TRUSTED_PROXIES", bad)]).unwrap_err().0;
            assert!(e.starts_with("VIGIL_TRUSTED_PROXIES") && e.contains(bad), "{e}");
        }
        for bad in ["vigil.example.com", "ftp://x", "https://", "https://x/path", "https://a b"] {
            assert!(
                cfg(&[("VIGIL_PUBLIC_URL", bad)]).unwrap_err().0.starts_with("VIGIL_PUBLIC_URL"),
                "{bad}"
            );
        }
    }

    #[test]
    fn proxies_and_public_url() {
        let c = cfg(&[]).unwrap();
        assert!(c.trusted_proxies.is_empty() && c.public_url.is_none());
        let c = cfg(&[
            ("VIGIL_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
            ("VIGIL_PUBLIC_URL", "https://vigil.example.com/"),
        ])
        .unwrap();
        assert!(!c.trusted_proxies.is_empty());
        let url = c.public_url.unwrap();
        assert!(url.https);
        assert_eq!(url.url, "https://vigil.example.com");
        assert!(
            !cfg(&[("VIGIL_PUBLIC_URL", "http://127.0.0.1:3000")])
                .unwrap()
                .public_url
                .unwrap()
                .https
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let c = cfg(&[("VIGIL_ADMIN_PASSWORD", "super-secret-pw")]).unwrap();
        assert!(!format!("{c:?}").contains("super-secret-pw"));
    }
}
