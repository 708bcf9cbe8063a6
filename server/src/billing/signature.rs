//! `X-Billing-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 over
//! `<t>.<raw body>` with the shared secret, checked after the (64 KiB at
//! most) body is read: [`parse`] the header, then [`Parsed::verify`].
//!
//! The header is attacker-controlled and costs nothing to send, so its shape
//! is bounded before any hashing: at most [`MAX_HEADER`] bytes and
//! [`MAX_V1`] `v1` values (two let billing rotate the secret), each exactly
//! 64 hex digits. The MAC is computed once per request, whatever the header
//! holds, and compared with each value in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const HEADER: &str = "x-billing-signature";
/// How far `t` may be from the server clock, either way.
pub const TOLERANCE_SECS: i64 = 300;
/// The longest header accepted: `t=` with a 10-digit time and two `v1`
/// values fit in 160 bytes; the rest is room for spaces and future schemes.
pub const MAX_HEADER: usize = 512;
/// `v1` values accepted in one header: the current secret and the next one.
pub const MAX_V1: usize = 2;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, t: i64, body: &[u8]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.finalize().into_bytes().into()
}

/// The header value billing sends for `body` at time `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", hex::encode(mac(secret, t, body)))
}

/// A well-formed, timely header, ready to be checked against the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    t: i64,
    v1: Vec<[u8; 32]>,
}

/// Checks the header's shape and time, before the body is read; the error
/// says why (never anything about the expected value).
pub fn parse(header: Option<&str>, now: i64) -> Result<Parsed, &'static str> {
    let header = header.ok_or("the X-Billing-Signature header is missing")?;
    if header.len() > MAX_HEADER {
        return Err("the X-Billing-Signature header is over 512 bytes");
    }
    let mut t = None;
    let mut v1 = Vec::with_capacity(MAX_V1);
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => {
                if v1.len() == MAX_V1 {
                    return Err("the signature has more than two v1 values");
                }
                let mut sig = [0u8; 32];
                if v.len() != 64 || hex::decode_to_slice(v, &mut sig).is_err() {
                    return Err("each v1 value must be 64 hex digits");
                }
                v1.push(sig);
            }
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
    Ok(Parsed { t, v1 })
}

impl Parsed {
    /// One MAC over the body, compared with every value in constant time
    /// (no early exit that would tell which value or byte differed).
    pub fn verify(&self, secret: &str, body: &[u8]) -> Result<(), &'static str> {
        let expected = mac(secret, self.t, body);
        let matched = self.v1.iter().fold(subtle::Choice::from(0), |acc, sig| acc | sig.ct_eq(&expected));
        if bool::from(matched) {
            Ok(())
        } else {
            Err("the signature does not match")
        }
    }
}

/// [`parse`] and [`Parsed::verify`] in one step.
pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now: i64) -> Result<(), &'static str> {
    parse(header, now)?.verify(secret, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "secret-secret-secret";

    #[test]
    fn round_trip_and_failures() {
        let h = sign(S, 1000, b"{}");
        assert_eq!(verify(S, Some(&h), b"{}", 1000), Ok(()));
        assert_eq!(verify(S, Some(&h), b"{}", 1300), Ok(()));
        assert!(verify(S, Some(&h), b"{}", 1301).is_err());
        assert!(verify(S, Some(&h), b"{} ", 1000).is_err());
        assert!(verify("other-secret-other", Some(&h), b"{}", 1000).is_err());
        assert!(verify(S, None, b"{}", 1000).is_err());
        assert!(verify(S, Some("t=1000"), b"{}", 1000).is_err());
        assert!(verify(S, Some("v1=00"), b"{}", 1000).is_err());
    }

    #[test]
    fn rotation_allows_two_values_in_either_order() {
        let good = sign(S, 1000, b"{}");
        let good = good.split_once(",v1=").unwrap().1;
        let other = "ab".repeat(32);
        assert_eq!(verify(S, Some(&format!("t=1000,v1={other},v1={good}")), b"{}", 1000), Ok(()));
        assert_eq!(verify(S, Some(&format!("t=1000, v1={good}, v1={other}")), b"{}", 1000), Ok(()));
        // Upper-case hex is still hex.
        let upper = good.to_uppercase();
        assert_eq!(verify(S, Some(&format!("t=1000,v1={upper}")), b"{}", 1000), Ok(()));
    }

    #[test]
    fn hostile_shapes_are_refused_before_any_hashing() {
        let good = sign(S, 1000, b"{}");
        let good_v1 = good.split_once(",v1=").unwrap().1.to_string();
        let zeros = "0".repeat(64);
        for (header, why) in [
            // A third value, even when the right one is among them.
            (format!("t=1000,v1={zeros},v1={zeros},v1={good_v1}"), "more than two"),
            // Short, long, odd and non-hex values.
            ("t=1000,v1=00".to_string(), "64 hex"),
            (format!("t=1000,v1={good_v1}00"), "64 hex"),
            (format!("t=1000,v1={}", &good_v1[1..]), "64 hex"),
            (format!("t=1000,v1={}", "zz".repeat(32)), "64 hex"),
            // The attack of issue 13: thousands of values.
            (format!("t=1000{}", ",v1=00".repeat(20_000)), "512 bytes"),
            (format!("t=1000,v1={good_v1},{}", "x".repeat(600)), "512 bytes"),
        ] {
            let err = parse(Some(&header), 1000).unwrap_err();
            assert!(err.contains(why), "{}: {err}", &header[..header.len().min(80)]);
        }
    }
}
