//! The demo data generator, used by the run command, the tests and the
//! benchmarks: realistic subscribers of all three kinds, an address tree,
//! cameras in every status, intercoms with flats and keys, sub users, billing
//! events of every type, licences and analytics cases. Deterministic (a
//! seeded generator) and batched, so 100,000 users take seconds, not hours.

use super::bulk::{fix_sequences, insert, next_id};
use super::entities::users;
use super::password;
use crate::permissions::BILLING_USER_DEFAULTS;
use crate::types::catalogue::UserPermission;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, TransactionSession, TransactionTrait, Value};

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
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Anna", "Boris", "Dmitry", "Elena", "Fedor", "Galina", "Igor", "Irina", "Kirill", "Ludmila", "Maxim", "Natalia", "Oleg", "Olga",
    "Pavel", "Svetlana", "Sergey", "Tatiana", "Viktor", "Yulia",
];
const LAST: &[&str] = &[
    "Ivanov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Vasiliev",
    "Petrov",
    "Sokolov",
    "Mikhailov",
    "Novikov",
    "Fedorov",
    "Morozov",
    "Volkov",
    "Alekseev",
    "Lebedev",
    "Semenov",
    "Egorov",
    "Pavlov",
    "Kozlov",
    "Stepanov",
    "Nikolaev",
];
const COMPANIES: &[&str] = &[
    "Bakery",
    "Pharmacy",
    "Auto service",
    "Dental clinic",
    "Flower shop",
    "Warehouse",
    "Cafe",
    "Hardware store",
];
const CITIES: &[(&str, &str)] = &[("77", "Moscow"), ("16", "Kazan"), ("63", "Samara")];
const STREETS: &[&str] = &[
    "Lenina St",
    "Mira Ave",
    "Sadovaya St",
    "Gagarina St",
    "Pushkina St",
    "Sovetskaya St",
    "Lesnaya St",
    "Shkolnaya St",
    "Molodezhnaya St",
    "Tsentralnaya St",
    "Naberezhnaya St",
    "Zelenaya St",
    "Polevaya St",
    "Novaya St",
    "Rechnaya St",
    "Parkovaya St",
    "Kirova St",
    "Chekhova St",
    "Tolstogo St",
    "Lermontova St",
];
const TARIFFS: &[&str] = &["Home Video 1", "Home Video 3", "Home Video 7", "Business 30", "Business 90"];
const CAMERA_PLACES: &[&str] = &[
    "Entrance",
    "Yard",
    "Parking",
    "Hall",
    "Gate",
    "Staircase",
    "Shop floor",
    "Back door",
];
const CAMERA_MODELS: &[&str] = &["Hikvision DS-2CD2043", "Dahua IPC-HFW2431", "Axis M3106", "Uniview IPC322"];

/// Generates demo data when the database has no users yet. Returns whether
/// it generated anything.
pub async fn generate_if_empty<C>(db: &C, size: &DemoSize, progress: impl FnMut(&str, u64, u64)) -> Result<bool, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
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

struct House {
    entrance_location_ids: Vec<i64>,
    entrance_csas: Vec<String>,
    address: String,
}

pub async fn generate<C>(db: &C, size: &DemoSize, mut progress: impl FnMut(&str, u64, u64)) -> Result<(), DbErr>
where
    C: ConnectionTrait + TransactionTrait,
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
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let db = &txn;
    let sqlite = db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
    if sqlite {
        // The whole data set goes in as one transaction. With SQLite's
        // default 2 MB page cache the random keys of the unique indexes
        // (request ids, logins, MACs) make it spill dirty pages to the WAL
        // and read them back for every batch; a 1 GiB cache keeps the
        // transaction in memory. It is set back before the commit.
        db.execute_unprepared("PRAGMA cache_size = -1048576").await?;
    }
    let mut rng = Rng(0x005E_ED0F_u64 ^ size.users);
    let now = Utc::now();
    let epoch = now - Duration::days(400);

    // Address directory and location tree: city -> street -> house -> entrance.
    let houses_per_street = (size.users / 40 / (CITIES.len() as u64 * STREETS.len() as u64)).max(2);
    let mut loc_id = next_id(db, "locations").await?;
    let mut locs = vec![];
    let mut dir = vec![];
    let mut houses = vec![];
    let mut city_loc_ids = vec![];
    let mut street_loc_ids = vec![];
    for (cc, city) in CITIES {
        let city_id = loc_id;
        loc_id += 1;
        city_loc_ids.push(city_id);
        let city_path = format!("/{city_id}/");
        locs.push(vec![
            city_id.into(),
            Value::from(None::<i64>),
            Value::from(None::<String>),
            "city".into(),
            city.to_string().into(),
            city_path.clone().into(),
            ts(epoch),
        ]);
        for (si, street) in STREETS.iter().enumerate() {
            let street_id = loc_id;
            loc_id += 1;
            street_loc_ids.push(street_id);
            let street_path = format!("{city_path}{street_id}/");
            locs.push(vec![
                street_id.into(),
                city_id.into(),
                Value::from(None::<String>),
                "street".into(),
                street.to_string().into(),
                street_path.clone().into(),
                ts(epoch),
            ]);
            for h in 1..=houses_per_street {
                let house_id = loc_id;
                loc_id += 1;
                let house_csa = format!("{cc}-{:03}-{:04}", si + 1, h);
                let house_path = format!("{street_path}{house_id}/");
                locs.push(vec![
                    house_id.into(),
                    street_id.into(),
                    house_csa.clone().into(),
                    "house".into(),
                    h.to_string().into(),
                    house_path.clone().into(),
                    ts(epoch),
                ]);
                dir.push(vec![
                    house_csa.clone().into(),
                    city.to_string().into(),
                    street.to_string().into(),
                    h.to_string().into(),
                    Value::from(None::<String>),
                ]);
                let mut house = House {
                    entrance_location_ids: vec![],
                    entrance_csas: vec![],
                    address: format!("{city}, {street} {h}"),
                };
                for e in 1..=4 {
                    let ent_id = loc_id;
                    loc_id += 1;
                    let csa = format!("{house_csa}-{e}");
                    locs.push(vec![
                        ent_id.into(),
                        house_id.into(),
                        csa.clone().into(),
                        "entrance".into(),
                        format!("Entrance {e}").into(),
                        format!("{house_path}{ent_id}/").into(),
                        ts(epoch),
                    ]);
                    dir.push(vec![
                        csa.clone().into(),
                        city.to_string().into(),
                        street.to_string().into(),
                        h.to_string().into(),
                        e.to_string().into(),
                    ]);
                    house.entrance_location_ids.push(ent_id);
                    house.entrance_csas.push(csa);
                }
                houses.push(house);
            }
        }
    }
    // Directory codes billing may send that no demo location uses yet.
    for i in 1..=20 {
        dir.push(vec![
            format!("77-900-{i:04}").into(),
            "Moscow".into(),
            "Novaya Moskva St".into(),
            i.to_string().into(),
            Value::from(None::<String>),
        ]);
    }
    let n_locs = locs.len() as u64;
    insert(db, "address_directory", &["csa", "city", "street", "house", "entrance"], dir).await?;
    insert(
        db,
        "locations",
        &["id", "parent_id", "csa", "kind", "name", "path", "created_at"],
        locs,
    )
    .await?;
    progress("locations", n_locs, n_locs);

    // Users: id 1 is the heavy business subscriber; every 20th is a sub user
    // (of the user before it, the first one of id 1); some are temporary administrator-made accounts.
    let pw_hash = password::hash_async(DEMO_USER_PASSWORD.to_string()).await;
    let first_user = next_id(db, "users").await?;
    let mut user_rows = vec![];
    let mut perm_rows = vec![];
    let mut ul_rows = vec![];
    // (user id, kind, entrance index in house, house index, created_at)
    let mut mains: Vec<(i64, &str, usize, usize, DateTime<Utc>)> = vec![];
    let span = (now - epoch).num_seconds().max(1) as u64;
    let mut main_status: std::collections::HashMap<i64, &str> = std::collections::HashMap::new();
    for i in 0..size.users {
        let id = first_user + i as i64;
        let created = epoch + Duration::seconds((span * i / size.users.max(1)) as i64);
        let is_sub = i % 20 == 19 && !mains.is_empty();
        let kind = if i == 0 {
            "billing"
        } else if is_sub {
            "sub"
        } else if i % 13 == 5 {
            "admin"
        } else {
            "billing"
        };
        let drawn = match rng.below(100) {
            0..=89 => "active",
            90..=96 => "paused",
            _ => "terminated",
        };
        let (name, login) = if i == 0 {
            ("Northwind Logistics LLC".to_string(), "northwind".to_string())
        } else if i % 9 == 4 {
            let c = rng.pick(COMPANIES);
            (format!("{c} “{}”", rng.pick(LAST)), format!("biz{id}"))
        } else {
            let (f, l) = (rng.pick(FIRST), rng.pick(LAST));
            (format!("{f} {l}"), format!("{}.{}{id}", f.to_lowercase(), l.to_lowercase()))
        };
        let house_idx = rng.below(houses.len() as u64) as usize;
        let ent_idx = rng.below(4) as usize;
        // The first sub user belongs to the heavy business subscriber (so its
        // Sub users tab has rows); the others to the main user before them.
        let parent = match (is_sub, i) {
            (false, _) => None,
            (true, 19) => Some(first_user),
            (true, _) => Some(mains.last().expect("checked").0),
        };
        // Billing pauses and terminates a main user together with its sub
        // users (services::billing::people), so a sub user always has its
        // main user's status.
        let status = match parent {
            Some(main) => *main_status.get(&main).expect("main users come first"),
            None => drawn,
        };
        main_status.insert(id, status);
        let account = (kind == "billing").then(|| format!("A-{:06}", 100_000 + id));
        let props = if kind == "billing" {
            format!("{{\"connection\":\"FTTB\",\"port\":\"{}\"}}", rng.below(48) + 1)
        } else {
            "{}".into()
        };
        user_rows.push(vec![
            id.into(),
            kind.into(),
            status.into(),
            parent.into(),
            login.into(),
            pw_hash.clone().into(),
            name.into(),
            account.clone().into(),
            account.as_ref().map(|_| format!("C-{:07}", 2_000_000 + id)).into(),
            (kind != "sub").then(|| rng.pick(TARIFFS).to_string()).into(),
            (kind != "sub")
                .then(|| {
                    format!(
                        "+7 9{:02} {:03}-{:02}-{:02}",
                        rng.below(100),
                        rng.below(1000),
                        rng.below(100),
                        rng.below(100)
                    )
                })
                .into(),
            (kind != "sub").then(|| format!("user{id}@example.net")).into(),
            (kind != "sub")
                .then(|| format!("{}, entrance {}", houses[house_idx].address, ent_idx + 1))
                .into(),
            props.into(),
            if kind == "admin" {
                ts(now + Duration::days(30 + rng.below(60) as i64))
            } else {
                Value::from(None::<DateTime<Utc>>)
            },
            ts(created),
            ts(created),
        ]);
        let perms: &[UserPermission] = if is_sub {
            &[UserPermission::CamerasView, UserPermission::ArchivesShow]
        } else {
            BILLING_USER_DEFAULTS
        };
        for p in perms {
            perm_rows.push(vec![id.into(), p.slug().into()]);
        }
        if !is_sub {
            ul_rows.push(vec![
                id.into(),
                houses[house_idx].entrance_location_ids[ent_idx].into(),
                account.map(|_| format!("C-{:07}", 2_000_000 + id)).into(),
                ts(created),
            ]);
            mains.push((id, kind, ent_idx, house_idx, created));
        }
    }
    let n = user_rows.len() as u64;
    insert(
        db,
        "users",
        &[
            "id",
            "kind",
            "status",
            "parent_id",
            "login",
            "password_hash",
            "name",
            "account",
            "contract_number",
            "tariff",
            "phone",
            "email",
            "address",
            "properties",
            "expires_at",
            "created_at",
            "updated_at",
        ],
        user_rows,
    )
    .await?;
    progress("users", n, n);
    insert(db, "user_permissions", &["user_id", "slug"], perm_rows).await?;
    insert(
        db,
        "user_locations",
        &["user_id", "location_id", "contract_number", "created_at"],
        ul_rows,
    )
    .await?;

    // Cameras at each main user's entrance, in every status.
    let mut cam_id = next_id(db, "cameras").await?;
    let mut cam_rows = vec![];
    let mut uc_rows = vec![];
    let mut user_cams: Vec<Vec<(i64, String)>> = vec![];
    let total_cams: u64 = size.cameras.max(size.heavy_cameras);
    let other_mains = mains.len().saturating_sub(1) as u64;
    for (mi, (uid, _, ent, house, created)) in mains.iter().enumerate() {
        let count = if mi == 0 {
            size.heavy_cameras
        } else {
            share(total_cams - size.heavy_cameras, other_mains, mi as u64 - 1)
        };
        let mut mine = vec![];
        for k in 0..count {
            let (house, ent) = if mi == 0 {
                ((*house + k as usize) % houses.len(), (k % 4) as usize)
            } else {
                (*house, *ent)
            };
            let status = match rng.below(20) {
                0..=13 => "active",
                14..=15 => "partially_active",
                16..=17 => "inactive",
                _ => "empty",
            };
            let mac = format!(
                "00:1A:{:02X}:{:02X}:{:02X}:{:02X}",
                (cam_id >> 24) & 0xFF,
                (cam_id >> 16) & 0xFF,
                (cam_id >> 8) & 0xFF,
                cam_id & 0xFF
            );
            cam_rows.push(vec![
                cam_id.into(),
                format!("{} {}", rng.pick(CAMERA_PLACES), k + 1).into(),
                mac.clone().into(),
                format!("SN{:010}", cam_id).into(),
                rng.pick(CAMERA_MODELS).to_string().into(),
                status.into(),
                houses[house].entrance_location_ids[ent].into(),
                if rng.below(10) == 0 { "manual" } else { "billing" }.into(),
                [7i32, 14, 30][rng.below(3) as usize].into(),
                ts(*created),
            ]);
            uc_rows.push(vec![(*uid).into(), cam_id.into(), ts(*created)]);
            mine.push((cam_id, mac));
            cam_id += 1;
        }
        user_cams.push(mine);
        if cam_rows.len() >= 20_000 {
            let done = cam_id as u64;
            insert(
                db,
                "cameras",
                &[
                    "id",
                    "name",
                    "mac",
                    "serial_number",
                    "model",
                    "status",
                    "location_id",
                    "source",
                    "archive_days",
                    "created_at",
                ],
                std::mem::take(&mut cam_rows),
            )
            .await?;
            insert(
                db,
                "user_cameras",
                &["user_id", "camera_id", "created_at"],
                std::mem::take(&mut uc_rows),
            )
            .await?;
            progress("cameras", done.min(total_cams), total_cams);
        }
    }
    // A few registered but unattached cameras (billing.new_camera, no user yet).
    for _ in 0..(size.users / 50).max(3) {
        let mac = format!(
            "00:1B:{:02X}:{:02X}:{:02X}:{:02X}",
            (cam_id >> 24) & 0xFF,
            (cam_id >> 16) & 0xFF,
            (cam_id >> 8) & 0xFF,
            cam_id & 0xFF
        );
        cam_rows.push(vec![
            cam_id.into(),
            format!("New camera {cam_id}").into(),
            mac.into(),
            format!("SN{:010}", cam_id).into(),
            Value::from(None::<String>),
            "empty".into(),
            Value::from(None::<i64>),
            "billing".into(),
            7i32.into(),
            ts(now),
        ]);
        cam_id += 1;
    }
    insert(
        db,
        "cameras",
        &[
            "id",
            "name",
            "mac",
            "serial_number",
            "model",
            "status",
            "location_id",
            "source",
            "archive_days",
            "created_at",
        ],
        cam_rows,
    )
    .await?;
    insert(db, "user_cameras", &["user_id", "camera_id", "created_at"], uc_rows).await?;
    progress("cameras", total_cams, total_cams);

    // Intercoms: one per entrance that has subscribers, flats linked, keys.
    let mut intercom_of: std::collections::HashMap<(usize, usize), (i64, i32)> = Default::default();
    let mut ic_id = next_id(db, "intercoms").await?;
    let mut ap_id = next_id(db, "apartments").await?;
    let (mut ic_rows, mut ap_rows, mut ua_rows, mut key_rows) = (vec![], vec![], vec![], vec![]);
    for (uid, kind, ent, house, created) in &mains {
        if *kind != "billing" || rng.below(3) == 0 {
            continue;
        }
        let entry = intercom_of.entry((*house, *ent)).or_insert_with(|| {
            let id = ic_id;
            ic_id += 1;
            ic_rows.push(vec![
                id.into(),
                format!("Intercom {}-{}", houses[*house].address.rsplit(' ').next().unwrap_or("1"), ent + 1).into(),
                houses[*house].address.clone().into(),
                format!("Entrance {}", ent + 1).into(),
                if id % 7 == 0 { "offline" } else { "online" }.into(),
                houses[*house].entrance_location_ids[*ent].into(),
                1i32.into(),
                120i32.into(),
                ts(epoch),
            ]);
            (id, 0)
        });
        entry.1 += 1;
        let flat = entry.1;
        ap_rows.push(vec![ap_id.into(), entry.0.into(), flat.into()]);
        ua_rows.push(vec![(*uid).into(), ap_id.into(), ts(*created)]);
        key_rows.push(vec![
            entry.0.into(),
            ap_id.into(),
            (*uid).into(),
            format!("0000{:06X}CAAC", ap_id).into(),
            ts(*created),
        ]);
        ap_id += 1;
    }
    insert(
        db,
        "intercoms",
        &[
            "id",
            "name",
            "address",
            "department",
            "status",
            "location_id",
            "flat_from",
            "flat_to",
            "created_at",
        ],
        ic_rows,
    )
    .await?;
    insert(db, "apartments", &["id", "intercom_id", "number"], ap_rows).await?;
    insert(db, "user_apartments", &["user_id", "apartment_id", "created_at"], ua_rows).await?;
    insert(
        db,
        "intercom_keys",
        &["intercom_id", "apartment_id", "user_id", "code", "created_at"],
        key_rows,
    )
    .await?;
    progress("intercoms", intercom_of.len() as u64, intercom_of.len() as u64);

    // Billing events of every type, spread over each user's lifetime.
    // Global-log events (no user) count towards the total too.
    let global_events = (size.users / 20).max(5);
    let total_events = size.events.max(size.heavy_events + global_events);
    let billing_mains: Vec<usize> = (1..mains.len()).filter(|&i| mains[i].1 == "billing").collect();
    let per_user_events = |mi: usize| -> u64 {
        match billing_mains.binary_search(&mi) {
            Ok(pos) => share(
                total_events - size.heavy_events - global_events,
                billing_mains.len() as u64,
                pos as u64,
            ),
            Err(_) => 0,
        }
    };
    let mut ev_rows = vec![];
    let mut seq: u64 = 0;
    const OTHER: &[&str] = &[
        "billing.pause_entity",
        "billing.unpause_entity",
        "billing.update_login",
        "billing.update_password",
        "billing.attach_camera",
        "billing.detach_camera",
        "billing.create_location",
        "billing.create_location_unknown_csa",
        "billing.attach_camera_unknown_csa",
        "billing.delete_location",
        "billing.terminate_entity",
        "billing.unknown_type",
    ];
    let columns = [
        "request_id",
        "event_type",
        "user_id",
        "account",
        "payload",
        "outcome",
        "detail",
        "http_status",
        "occurred_at",
        "received_at",
        "processed_at",
    ];
    for (mi, (uid, kind, ent, house, created)) in mains.iter().enumerate() {
        if *kind != "billing" {
            continue;
        }
        let account = format!("A-{:06}", 100_000 + uid);
        let count = if mi == 0 { size.heavy_events } else { per_user_events(mi) };
        let life = (now - *created).num_seconds().max(count as i64 + 1);
        for k in 0..count {
            seq += 1;
            let at = *created + Duration::seconds(life * k as i64 / count as i64);
            let csa = &houses[*house].entrance_csas[*ent];
            let (event_type, data) = match k {
                0 => (
                    "billing.new_entity",
                    format!(
                        "{{\"account\":\"{account}\",\"login\":\"user{uid}\",\"password\":\"********\",\"name\":\"Subscriber {uid}\"}}"
                    ),
                ),
                1 => (
                    "billing.create_location",
                    format!("{{\"account\":\"{account}\",\"csa\":\"{csa}\"}}"),
                ),
                _ => {
                    let t = rng.pick(OTHER);
                    let data = match t {
                        "billing.update_password" => format!("{{\"account\":\"{account}\",\"password\":\"********\"}}"),
                        "billing.update_login" => format!("{{\"account\":\"{account}\",\"login\":\"user{uid}\"}}"),
                        "billing.attach_camera" | "billing.detach_camera" => {
                            let mac = user_cams[mi].first().map(|c| c.1.clone()).unwrap_or_default();
                            format!("{{\"account\":\"{account}\",\"mac\":\"{mac}\",\"csa\":\"{csa}\",\"archive_days\":7}}")
                        }
                        "billing.create_location_unknown_csa" | "billing.attach_camera_unknown_csa" => {
                            format!("{{\"account\":\"{account}\",\"csa\":\"99-999-9999\"}}")
                        }
                        "billing.unknown_type" => format!("{{\"original_type\":\"billing.change_tariff\",\"account\":\"{account}\"}}"),
                        _ => format!("{{\"account\":\"{account}\",\"csa\":\"{csa}\"}}"),
                    };
                    (t, data)
                }
            };
            let payload = format!(
                "{{\"id\":\"demo-{seq}\",\"type\":\"{event_type}\",\"occurred_at\":\"{}\",\"data\":{data}}}",
                at.to_rfc3339()
            );
            ev_rows.push(vec![
                format!("demo-{seq}").into(),
                event_type.into(),
                (*uid).into(),
                account.clone().into(),
                payload.into(),
                "applied".into(),
                Value::from(None::<String>),
                202i32.into(),
                ts(at),
                ts(at),
                ts(at),
            ]);
            if ev_rows.len() >= 20_000 {
                insert(db, "billing_events", &columns, std::mem::take(&mut ev_rows)).await?;
                progress("billing events", seq, total_events);
            }
        }
    }
    // Events that concern no user: camera registrations (the global log).
    for i in 0..global_events {
        seq += 1;
        let at = epoch + Duration::seconds((span * i / global_events) as i64);
        let payload = format!("{{\"id\":\"demo-{seq}\",\"type\":\"billing.new_camera\",\"data\":{{\"mac\":\"00:1C:00:00:{:02X}:{:02X}\",\"serial_number\":\"SN-NEW-{i}\"}}}}", (i >> 8) & 0xFF, i & 0xFF);
        ev_rows.push(vec![
            format!("demo-{seq}").into(),
            "billing.new_camera".into(),
            Value::from(None::<i64>),
            Value::from(None::<String>),
            payload.into(),
            "applied".into(),
            Value::from(None::<String>),
            202i32.into(),
            ts(at),
            ts(at),
            ts(at),
        ]);
    }
    insert(db, "billing_events", &columns, ev_rows).await?;
    progress("billing events", total_events, total_events);

    // Licences and analytics cases: every fifth billing subscriber.
    #[derive(sea_orm::FromQueryResult)]
    struct Level {
        level_id: i64,
        type_id: i64,
    }
    let levels: Vec<(i64, i64)> = super::sql::rows::<Level, _>(
        db,
        "SELECT l.id AS level_id, MIN(t.id) AS type_id FROM analytics_levels l JOIN analytics_types t ON t.level_id = l.id GROUP BY l.id ORDER BY l.id",
        vec![],
    )
    .await?
    .into_iter()
    .map(|l| (l.level_id, l.type_id))
    .collect();
    let mut case_id = next_id(db, "analytics_cases").await?;
    let (mut lic_rows, mut case_rows, mut cc_rows, mut ce_rows) = (vec![], vec![], vec![], vec![]);
    for (mi, (uid, kind, _, _, created)) in mains.iter().enumerate() {
        if *kind != "billing" || mi % 5 != 0 || levels.is_empty() {
            continue;
        }
        let level_count = 1 + (mi / 5) % levels.len();
        for (li, (level_id, type_id)) in levels.iter().take(level_count).enumerate() {
            let cams = &user_cams[mi];
            let in_case = cams.len().min(2 - li.min(1));
            lic_rows.push(vec![
                (*uid).into(),
                (*level_id).into(),
                (in_case as i32 + 2).into(),
                Value::from(None::<DateTime<Utc>>),
                0i64.into(),
                ts(*created),
            ]);
            if in_case == 0 {
                continue;
            }
            case_rows.push(vec![
                case_id.into(),
                (*uid).into(),
                (*uid).into(),
                (*type_id).into(),
                (*level_id).into(),
                format!("Watch {}", li + 1).into(),
                "active".into(),
                ts(*created),
            ]);
            for (cid, _) in cams.iter().take(in_case) {
                cc_rows.push(vec![case_id.into(), (*cid).into()]);
                for e in 0..5 {
                    ce_rows.push(vec![
                        case_id.into(),
                        (*cid).into(),
                        ["line_crossed", "motion", "smoke"][e % 3].into(),
                        format!("snap/{case_id}/{cid}/{e}.jpg").into(),
                        ts(*created + Duration::hours(e as i64 + 1)),
                    ]);
                }
            }
            case_id += 1;
        }
    }
    insert(
        db,
        "licence_allocations",
        &["user_id", "level_id", "total", "removed_at", "version", "updated_at"],
        lic_rows,
    )
    .await?;
    insert(
        db,
        "analytics_cases",
        &[
            "id",
            "user_id",
            "main_user_id",
            "type_id",
            "level_id",
            "name",
            "status",
            "created_at",
        ],
        case_rows,
    )
    .await?;
    insert(db, "analytics_case_cameras", &["case_id", "camera_id"], cc_rows).await?;
    insert(
        db,
        "case_events",
        &["case_id", "camera_id", "kind", "snapshot_ref", "occurred_at"],
        ce_rows,
    )
    .await?;
    progress("analytics", 1, 1);

    // Demo administrators: an operator scoped to the first city, a viewer
    // scoped to one street of the second, and a newcomer with no permission.
    let admin_id = next_id(db, "admins").await?;
    let op_hash = password::hash_async(DEMO_OPERATOR.1.to_string()).await;
    let viewer_hash = password::hash_async(DEMO_VIEWER.1.to_string()).await;
    let newcomer_hash = password::hash_async(DEMO_NEWCOMER.1.to_string()).await;
    insert(
        db,
        "admins",
        &[
            "id",
            "login",
            "name",
            "password_hash",
            "is_super",
            "time_zone",
            "disabled",
            "created_at",
        ],
        vec![
            vec![
                admin_id.into(),
                DEMO_OPERATOR.0.into(),
                "Olga Operator".into(),
                op_hash.into(),
                false.into(),
                "Europe/Moscow".into(),
                false.into(),
                ts(epoch),
            ],
            vec![
                (admin_id + 1).into(),
                DEMO_VIEWER.0.into(),
                "Victor Viewer".into(),
                viewer_hash.into(),
                false.into(),
                "Europe/Samara".into(),
                false.into(),
                ts(epoch),
            ],
            vec![
                (admin_id + 2).into(),
                DEMO_NEWCOMER.0.into(),
                "Nina Newcomer".into(),
                newcomer_hash.into(),
                false.into(),
                "UTC".into(),
                false.into(),
                ts(epoch),
            ],
        ],
    )
    .await?;
    use crate::permissions::admin as ap;
    let op_perms = [
        ap::USERS_VIEW,
        ap::USERS_IMPERSONATE,
        ap::USERS_SYNC,
        ap::USERS_ACCESS_EDIT,
        ap::SUBUSERS_EDIT,
        ap::LICENSES_EDIT,
        ap::INTERCOMS_EDIT,
    ];
    let mut perm_rows: Vec<Vec<Value>> = op_perms.iter().map(|p| vec![admin_id.into(), p.to_string().into()]).collect();
    perm_rows.push(vec![(admin_id + 1).into(), ap::USERS_VIEW.into()]);
    insert(db, "admin_permissions", &["admin_id", "slug"], perm_rows).await?;
    insert(
        db,
        "admin_scopes",
        &["admin_id", "location_id"],
        vec![
            vec![admin_id.into(), city_loc_ids[0].into()],
            vec![(admin_id + 1).into(), street_loc_ids[STREETS.len()].into()],
        ],
    )
    .await?;

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
