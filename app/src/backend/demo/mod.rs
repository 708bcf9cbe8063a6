//! The demo data generator, used by the run command, the tests and the
//! benchmarks: realistic subscribers of all three kinds, an address tree,
//! cameras in every status, intercoms with flats and keys, sub users, billing
//! events of every type, licences and analytics cases. Deterministic (a
//! seeded generator) and batched, so 100,000 users take seconds, not hours.
//!
//! Each stage is a method of [`Gen`] in its own file, run in order by
//! [`generate`] over one random stream: places, people, devices (cameras
//! and intercoms), events, analytics, admins. A seed gives the same data
//! (`tests/integration/demo.rs` holds its digest).

mod admins;
mod analytics;
mod devices;
mod events;
mod people;
mod places;
mod words;

use super::bulk::fix_sequences;
use super::entities::users;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, TransactionTrait, Value};

/// How much to generate. `users` counts every user (sub users included);
/// `cameras` and `events` are totals, spread over the main users.
#[derive(Debug, Clone)]
pub struct DemoSize {
    pub users: u64,
    pub cameras: u64,
    pub events: u64,
    /// The heavy business subscriber (user id 1 on an empty database).
    pub heavy_cameras: u64,
    pub heavy_events: u64,
}

impl DemoSize {
    /// A data set scaled from a user count (the heavy user grows with it).
    pub fn users(users: u64) -> Self {
        let users = users.max(10);
        Self {
            users,
            cameras: users * 3,
            events: users * 20,
            heavy_cameras: (users / 10).clamp(20, 10_000),
            heavy_events: (users * 2).clamp(200, 200_000),
        }
    }

    /// The benchmark set: 100,000 users, 300,000 cameras, 2,000,000 events,
    /// and a heavy user with 10,000 cameras and 200,000 events.
    pub fn benchmark() -> Self {
        Self {
            users: 100_000,
            cameras: 300_000,
            events: 2_000_000,
            heavy_cameras: 10_000,
            heavy_events: 200_000,
        }
    }
}

/// Passwords of the demo accounts (printed by the run command).
pub const DEMO_OPERATOR: (&str, &str) = ("operator", "operator-demo");
pub const DEMO_VIEWER: (&str, &str) = ("viewer", "viewer-demo");
/// An administrator whose permissions have not been granted yet: every
/// console page answers 403 (shows what a missing permission looks like).
pub const DEMO_NEWCOMER: (&str, &str) = ("newcomer", "newcomer-demo");
/// Every demo subscriber signs in to the web client with this password.
pub const DEMO_USER_PASSWORD: &str = "subscriber-demo";

/// SplitMix64: tiny, fast and deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        self.pick_of(items)
    }
    fn pick_of<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Generates demo data when the database has no users yet. Returns whether
/// it generated anything.
pub async fn generate_if_empty<C>(db: &C, size: &DemoSize, progress: impl FnMut(&str, u64, u64)) -> Result<bool, DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    if users::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    generate(db, size, progress).await?;
    Ok(true)
}

/// Stored as `YYYY-…` text on SQLite and timestamptz on PostgreSQL.
fn ts(t: DateTime<Utc>) -> Value {
    Value::from(t)
}

/// The `index`-th of `parts` shares of `total` (shares differ by at most one).
fn share(total: u64, parts: u64, index: u64) -> u64 {
    if parts == 0 {
        return 0;
    }
    total / parts + u64::from(index < total % parts)
}

/// A main user as the later stages see it: (user id, kind, entrance index
/// in its house, house index, created at).
type Main = (i64, &'static str, usize, usize, DateTime<Utc>);
/// A main user's cameras: (camera id, MAC).
type UserCameras = Vec<(i64, String)>;

/// What every stage shares: the one transaction, the size, the random
/// stream (stages draw from it in a fixed order) and one clock reading.
struct Gen<'a, P> {
    db: &'a DatabaseTransaction,
    size: &'a DemoSize,
    rng: Rng,
    now: DateTime<Utc>,
    epoch: DateTime<Utc>,
    progress: &'a mut P,
}

pub async fn generate<C>(db: &C, size: &DemoSize, mut progress: impl FnMut(&str, u64, u64)) -> Result<(), DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    generate_in_txn(db, size, &mut progress).await?;
    // Freshly bulk-loaded tables have no planner statistics. Without them
    // PostgreSQL's generic plans for prepared statements may walk a whole
    // index (the Cameras tab sorted by name took 2 s instead of 0.1 ms in
    // the benchmark); SQLite samples a little (analysis_limit) to stay fast.
    let analyze = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => "PRAGMA analysis_limit = 1000; ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(analyze).await?;
    Ok(())
}

async fn generate_in_txn<C>(db: &C, size: &DemoSize, progress: &mut impl FnMut(&str, u64, u64)) -> Result<(), DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    let txn = db.begin().await?;
    let sqlite = txn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
    if sqlite {
        // The whole data set goes in as one transaction. With SQLite's
        // default 2 MB page cache the random keys of the unique indexes
        // (request ids, logins, MACs) make it spill dirty pages to the WAL
        // and read them back for every batch; a 1 GiB cache keeps the
        // transaction in memory. It is set back before the commit.
        txn.execute_unprepared("PRAGMA cache_size = -1048576").await?;
    }
    let now = Utc::now();
    let mut g = Gen {
        db: &txn,
        size,
        rng: Rng(0x005E_ED0F_u64 ^ size.users),
        now,
        epoch: now - Duration::days(400),
        progress,
    };
    let places = g.places().await?;
    let mains = g.users(&places.houses).await?;
    let cameras = g.cameras(&places.houses, &mains).await?;
    g.intercoms(&places.houses, &mains).await?;
    g.billing_events(&places.houses, &mains, &cameras).await?;
    g.analytics(&mains, &cameras).await?;
    g.admins(&places).await?;
    let db = &txn;
    fix_sequences(
        db,
        &[
            "locations",
            "users",
            "cameras",
            "intercoms",
            "apartments",
            "intercom_keys",
            "billing_events",
            "analytics_cases",
            "case_events",
            "admins",
            "login_attempts",
            "audit_log",
        ],
    )
    .await?;
    if sqlite {
        db.execute_unprepared("PRAGMA cache_size = -2000").await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up() {
        for (total, parts) in [(300_000u64, 95_001u64), (7, 3), (0, 5), (5, 0)] {
            let sum: u64 = (0..parts).map(|i| share(total, parts, i)).sum();
            assert_eq!(sum, if parts == 0 { 0 } else { total });
        }
    }

    #[test]
    fn benchmark_size_meets_the_issue() {
        let b = DemoSize::benchmark();
        assert!(b.users >= 100_000 && b.cameras >= 300_000 && b.events >= 2_000_000);
        assert_eq!((b.heavy_cameras, b.heavy_events), (10_000, 200_000));
        let u = DemoSize::users(100_000);
        assert!(u.cameras >= 300_000 && u.events >= 2_000_000);
    }
}
