//! `X-Billing-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 over
//! `<t>.<raw body>` with the shared secret. Checked before the body is parsed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "x-billing-signature";
/// How far `t` may be from the server clock, either way.
pub const TOLERANCE_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, t: i64, body: &[u8]) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The header value billing sends for `body` at time `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", hex::encode(mac(secret, t, body).finalize().into_bytes()))
}

/// Checks a header value against the body; the error says why (never
/// anything about the expected value).
pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now: i64) -> Result<(), &'static str> {
    let header = header.ok_or("the X-Billing-Signature header is missing")?;
    let mut t = None;
    let mut v1 = vec![];
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1.push(v),
            _ => {}
        }
    }
    let t = t.ok_or("the signature has no valid t=<unix seconds>")?;
    if v1.is_empty() {
        return Err("the signature has no v1=<hex>");
    }
    if now.abs_diff(t) > TOLERANCE_SECS as u64 {
        return Err("the signature's time is more than 300 seconds from the server clock");
    }
    // Several v1 values are allowed so billing can rotate the secret.
    let ok = v1
        .iter()
        .filter_map(|v| hex::decode(v).ok())
        .any(|sig| mac(secret, t, body).verify_slice(&sig).is_ok());
    if ok {
        Ok(())
    } else {
        Err("the signature does not match")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_failures() {
        let s = "secret-secret-secret";
        let h = sign(s, 1000, b"{}");
        assert_eq!(verify(s, Some(&h), b"{}", 1000), Ok(()));
        assert_eq!(verify(s, Some(&h), b"{}", 1300), Ok(()));
        assert!(verify(s, Some(&h), b"{}", 1301).is_err());
        assert!(verify(s, Some(&h), b"{} ", 1000).is_err());
        assert!(verify("other-secret-other", Some(&h), b"{}", 1000).is_err());
        assert!(verify(s, None, b"{}", 1000).is_err());
        assert!(verify(s, Some("t=1000"), b"{}", 1000).is_err());
        assert!(verify(s, Some("v1=00"), b"{}", 1000).is_err());
    }
}
