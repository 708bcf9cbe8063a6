//! The client's address, for the sign-in throttle and the logs: the TCP
//! peer, or, when the peer is one of `VIGIL_TRUSTED_PROXIES`, the address
//! those proxies put in `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is read from the right (each proxy appends the address
//! it got the request from): the first entry that is not a trusted proxy is
//! the client. Whatever stands left of it was written by the client itself
//! and is ignored; so is the whole header when the peer is not trusted.

use app::backend::throttle::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// `VIGIL_TRUSTED_PROXIES`: addresses and networks whose `X-Forwarded-For`
/// is believed. Empty by default: the peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Comma-separated addresses (`10.0.0.5`, `::1`) and networks
    /// (`10.0.0.0/8`, `fd00::/8`); spaces around items are ignored.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = vec![];
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is not an address or network like 10.0.0.1 or 10.0.0.0/8"))?;
            nets.push(net);
        }
        Ok(Self(Arc::new(nets)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address of a request from `peer` with `headers`.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("").split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            // An entry that is not an address ends the walk: the last trusted
            // hop is then the best we know.
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// `203.0.113.7`, `2001:db8::1`, or either with a port (`[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Middleware: puts the [`ClientAddress`] in the request's extensions
/// (no I/O; the sign-in code reads it).
pub async fn client_address(State(proxies): State<TrustedProxies>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let ip = proxies.client_address(peer, req.headers());
        req.extensions_mut().insert(ClientAddress(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let none = TrustedProxies::default();
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.1 ,::1").unwrap();
        let h = xff(&["198.51.100.9, 203.0.113.7"]);
        // Untrusted peer: the header is the client's own words.
        assert_eq!(none.client_address(ip("10.0.0.2"), &h), ip("10.0.0.2"));
        assert_eq!(proxies.client_address(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        // Trusted peer: the rightmost untrusted hop.
        assert_eq!(proxies.client_address(ip("10.0.0.2"), &h), ip("203.0.113.7"));
        assert_eq!(proxies.client_address(ip("::1"), &h), ip("203.0.113.7"));
        assert_eq!(proxies.client_address(ip("::ffff:10.0.0.2"), &h), ip("203.0.113.7"));
        // Several proxies, several header lines.
        let chain = xff(&["1.1.1.1, 203.0.113.7", "10.0.0.9", "192.0.2.1"]);
        assert_eq!(proxies.client_address(ip("10.0.0.2"), &chain), ip("203.0.113.7"));
        // A forged entry left of the real one changes nothing.
        let forged = xff(&["127.0.0.1, 10.0.0.3, 203.0.113.7"]);
        assert_eq!(proxies.client_address(ip("10.0.0.2"), &forged), ip("203.0.113.7"));
        // Garbage or no header: the last trusted hop.
        assert_eq!(proxies.client_address(ip("10.0.0.2"), &xff(&["nonsense"])), ip("10.0.0.2"));
        assert_eq!(proxies.client_address(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        // Ports are tolerated.
        assert_eq!(
            proxies.client_address(ip("10.0.0.2"), &xff(&["[2001:db8::5]:4711"])),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn the_list_is_checked() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/8,fd00::/8").is_ok());
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0.1;10.0.0.2", "10.0.0"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }
}
