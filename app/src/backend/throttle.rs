//! Sign-in throttling, shared by the console and the web client (and every
//! server instance: the attempts live in `login_attempts`).
//!
//! - Each attempt is recorded *before* its password is checked, in one
//!   transaction with the count that admits it (serialised per address: the
//!   SQLite writer lock, a PostgreSQL advisory lock), so concurrent guesses
//!   cannot all see a clean record.
//! - The record is kept per (login, address) pair and per address, never
//!   per login alone: a stranger's wrong passwords for `admin` slow down the
//!   stranger, not the real administrator at another address. The first
//!   [`PAIR_FREE`] attempts of a pair (and [`ADDRESS_FREE`] of an address, over
//!   all logins) within [`MEMORY_HOURS`] go through; after that each attempt
//!   must wait [`FIRST_DELAY_SECS`] after the previous one, doubling with every
//!   further attempt up to [`MAX_DELAY_SECS`]. Refused attempts are not
//!   recorded (polling does not lengthen the wait). A successful sign-in
//!   clears its pair and its own address row.
//! - IPv6 addresses count by /64, the block one subscriber line gets.
//! - The Argon2 checks themselves run at most [`AppState::password_checks`]
//!   at a time (19 MiB each); an attempt that cannot start one within
//!   [`PASSWORD_WAIT`] is answered 429 and its record dropped.
//!
//! Only sign-in touches the database here; other requests pay nothing.

use super::entities::login_attempts;
use super::state::AppState;
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// Attempts of one (login, address) pair that never wait.
pub const PAIR_FREE: usize = 5;
/// Attempts from one address, over all logins, that never wait.
pub const ADDRESS_FREE: usize = 20;
/// The wait after the free attempts; it doubles with each further one.
pub const FIRST_DELAY_SECS: i64 = 60;
pub const MAX_DELAY_SECS: i64 = 15 * 60;
/// How long an attempt is remembered.
pub const MEMORY_HOURS: i64 = 24;
/// How long an admitted attempt may wait for a free Argon2 slot.
pub const PASSWORD_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
/// Logins longer than this are refused before any work (no account has one).
pub const MAX_LOGIN: usize = 200;

/// Whose sign-in: administrators' and subscribers' attempts count apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Console,
    Client,
}

impl Realm {
    fn prefix(self) -> &'static str {
        match self {
            Realm::Console => "",
            Realm::Client => "client:",
        }
    }
}

/// The client's address as the router determined it (the peer, or
/// `X-Forwarded-For` when the peer is a trusted proxy); put in the request's
/// extensions for every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The throttle's key for an address: IPv4 as is, IPv6 by its /64.
pub fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

/// The throttle key of a request: its [`ClientAddress`], else the peer.
pub fn request_address(parts: Option<&http::request::Parts>) -> String {
    let ext = parts.map(|p| &p.extensions);
    ext.and_then(|e| e.get::<ClientAddress>().map(|a| a.0))
        .or_else(|| {
            ext.and_then(|e| e.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
                .map(|c| c.0.ip())
        })
        .map(address_key)
        .unwrap_or_else(|| "unknown".into())
}

/// An admitted attempt: what was recorded for it.
#[derive(Debug)]
pub struct Attempt {
    pair: String,
    ids: Vec<i64>,
}

/// How long an attempt must still wait, given the times of the earlier ones
/// of a key; `None` when it may go now.
pub fn wait(earlier: &[DateTime<Utc>], free: usize, now: DateTime<Utc>) -> Option<Duration> {
    if earlier.len() < free {
        return None;
    }
    let last = *earlier.iter().max()?;
    let doublings = (earlier.len() - free).min(20) as u32;
    let delay = Duration::seconds(std::cmp::min(FIRST_DELAY_SECS << doublings, MAX_DELAY_SECS));
    let until = last + delay;
    (until > now).then(|| until - now)
}

/// Admits and records an attempt, or refuses it with 429.
pub async fn admit(state: &AppState, realm: Realm, login: &str, address: &str) -> Result<Attempt, AppError> {
    if login.chars().count() > MAX_LOGIN {
        return Err(AppError::invalid("login", "no login is that long"));
    }
    let p = realm.prefix();
    let pair = format!("{p}{address} {login}");
    let address = format!("{p}{address}");
    let now = state.clock.now();
    let since = now - Duration::hours(MEMORY_HOURS);
    let txn = state.write().await?;
    if state.backend() == DbBackend::Postgres {
        // Attempts from one address take turns; other addresses go on.
        let key = i64::from_be_bytes(Sha256::digest(address.as_bytes())[..8].try_into().expect("8 bytes"));
        txn.execute_raw(super::sql::statement(&*txn, "SELECT pg_advisory_xact_lock($1)", vec![key.into()]))
            .await?;
    }
    let earlier = login_attempts::Entity::find()
        .filter(
            Condition::any()
                .add(
                    login_attempts::Column::Scope
                        .eq("pair")
                        .and(login_attempts::Column::Subject.eq(&pair)),
                )
                .add(
                    login_attempts::Column::Scope
                        .eq("address")
                        .and(login_attempts::Column::Subject.eq(&address)),
                ),
        )
        .filter(login_attempts::Column::AttemptedAt.gt(since))
        .all(&*txn)
        .await?;
    let times = |scope: &str| {
        earlier
            .iter()
            .filter(|r| r.scope == scope)
            .map(|r| r.attempted_at)
            .collect::<Vec<_>>()
    };
    if wait(&times("pair"), PAIR_FREE, now).is_some() || wait(&times("address"), ADDRESS_FREE, now).is_some() {
        return Err(AppError::RateLimited);
    }
    let mut ids = Vec::with_capacity(2);
    for (scope, subject) in [("pair", &pair), ("address", &address)] {
        let row = login_attempts::ActiveModel {
            scope: Set(scope.into()),
            subject: Set(subject.clone()),
            attempted_at: Set(now),
            ..Default::default()
        };
        ids.push(login_attempts::Entity::insert(row).exec(&*txn).await?.last_insert_id);
    }
    txn.commit().await?;
    Ok(Attempt { pair, ids })
}

/// The front half of every sign-in, console and web client alike: both
/// fields present, the attempt recorded ([`admit`], before the password is
/// checked), the password checked against the hash `find` returns with the
/// account, or against a dummy hash when there is none (the same work either
/// way, so timing does not tell whether a login exists). Returns the account.
pub async fn authenticate<T>(
    state: &AppState,
    realm: Realm,
    login: &str,
    password: &str,
    address: &str,
    find: impl AsyncFnOnce(&str) -> Result<Option<(T, String)>, AppError>,
) -> Result<T, AppError> {
    let login = login.trim();
    if login.is_empty() {
        return Err(AppError::invalid("login", "enter your login"));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "enter your password"));
    }
    let attempt = admit(state, realm, login, address).await?;
    let found = find(login).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| super::password::DUMMY_HASH.clone(), |(_, h)| h.clone());
    let ok = check_password(state, &attempt, password.to_string(), hash).await?;
    let Some((account, _)) = found.filter(|_| ok) else {
        return Err(AppError::invalid("password", "wrong login or password"));
    };
    succeeded(state, &attempt).await?;
    Ok(account)
}

/// Checks a password against a stored hash on the blocking pool, at most
/// [`AppState::password_checks`] at a time. An attempt that gets no slot
/// within [`PASSWORD_WAIT`] is dropped from the record and refused with 429.
async fn check_password(state: &AppState, attempt: &Attempt, password: String, hash: String) -> Result<bool, AppError> {
    match gated(&state.password_checks, PASSWORD_WAIT, move || {
        super::password::verify(&password, &hash)
    })
    .await
    {
        Some(ok) => Ok(ok),
        None => {
            forget(state, attempt, false).await?;
            Err(AppError::RateLimited)
        }
    }
}

/// Runs `work` on the blocking pool once `gate` has a permit, or gives up
/// (`None`) after `patience`. The permit moves into the blocking task: a
/// request dropped meanwhile does not free the slot while its work runs.
async fn gated<T: Send + 'static>(
    gate: &std::sync::Arc<tokio::sync::Semaphore>,
    patience: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let permit = tokio::time::timeout(patience, gate.clone().acquire_owned()).await.ok()?.ok()?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .ok()
}

/// A successful sign-in: the pair starts afresh, and the attempt does not
/// count against its address.
async fn succeeded(state: &AppState, attempt: &Attempt) -> Result<(), AppError> {
    forget(state, attempt, true).await
}

async fn forget(state: &AppState, attempt: &Attempt, whole_pair: bool) -> Result<(), AppError> {
    let txn = state.write().await?;
    let mut which = Condition::any().add(login_attempts::Column::Id.is_in(attempt.ids.clone()));
    if whole_pair {
        which = which.add(
            login_attempts::Column::Scope
                .eq("pair")
                .and(login_attempts::Column::Subject.eq(&attempt.pair)),
        );
    }
    login_attempts::Entity::delete_many().filter(which).exec(&*txn).await?;
    Ok(txn.commit().await?)
}

/// Deletes attempts older than [`MEMORY_HOURS`] (a background job; the
/// throttle ignores them anyway). Returns how many went.
pub async fn forget_old(state: &AppState) -> Result<u64, AppError> {
    let since = state.clock.now() - Duration::hours(MEMORY_HOURS);
    let txn = state.write().await?;
    let gone = login_attempts::Entity::delete_many()
        .filter(login_attempts::Column::AttemptedAt.lte(since))
        .exec(&*txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_after_the_free_attempts() {
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let at = |secs: i64| t0 + Duration::seconds(secs);
        // Five free attempts, whenever they came.
        let four = vec![t0; 4];
        assert_eq!(wait(&four, 5, t0), None);
        let five = vec![t0; 5];
        assert_eq!(wait(&five, 5, t0), Some(Duration::seconds(60)));
        assert_eq!(wait(&five, 5, at(59)), Some(Duration::seconds(1)));
        assert_eq!(wait(&five, 5, at(60)), None);
        // Counted from the latest attempt, doubling each time.
        let mut six = five.clone();
        six.push(at(60));
        assert_eq!(wait(&six, 5, at(60)), Some(Duration::seconds(120)));
        let many = vec![t0; 40];
        assert_eq!(wait(&many, 5, t0), Some(Duration::seconds(MAX_DELAY_SECS)));
        assert_eq!(wait(&many, 5, at(MAX_DELAY_SECS)), None);
    }

    #[test]
    fn addresses_are_keyed_by_host_or_v6_block() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), key("2001:db8:1:2::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_password_gate_bounds_concurrent_work() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        use std::sync::Arc;
        let gate = Arc::new(tokio::sync::Semaphore::new(2));
        let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let patience = std::time::Duration::from_secs(30);
        let tasks = (0..12).map(|_| {
            let (gate, now, max) = (gate.clone(), now.clone(), max.clone());
            tokio::spawn(async move {
                gated(&gate, patience, move || {
                    max.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    now.fetch_sub(1, SeqCst);
                })
                .await
            })
        });
        let done = futures::future::join_all(tasks).await;
        assert!(done.iter().all(|d| matches!(d, Ok(Some(())))));
        assert_eq!(max.load(SeqCst), 2);
        // With every permit taken, the next caller gives up after its patience.
        let _held = gate.clone().acquire_many_owned(2).await.unwrap();
        assert_eq!(gated(&gate, std::time::Duration::from_millis(50), || ()).await, None);
    }
}
