//! The demo generator's output for a seed is fixed: a digest of every row
//! it writes (times and password hashes left out: they depend on the clock
//! and a random salt) equals the one recorded when its stages were split
//! into functions. A change to the demo data changes the digest on purpose.

use crate::both;
use app::backend::AppState;
use sea_orm::{ConnectionTrait, Statement};
use std::hash::{Hash, Hasher};

/// (table, columns, order) of everything the generator writes.
const TABLES: &[(&str, &str, &str)] = &[
    ("locations", "id, parent_id, csa, kind, name, path", "id"),
    ("address_directory", "csa, city, street, house, entrance", "csa"),
    (
        "users",
        "id, kind, status, parent_id, login, name, account, contract_number, tariff, phone, email, address, properties",
        "id",
    ),
    ("user_permissions", "user_id, slug", "user_id, slug"),
    ("user_locations", "user_id, location_id, contract_number", "user_id, location_id"),
    (
        "cameras",
        "id, name, mac, serial_number, model, status, location_id, source, archive_days",
        "id",
    ),
    ("user_cameras", "user_id, camera_id", "user_id, camera_id"),
    (
        "intercoms",
        "id, name, address, department, status, location_id, flat_from, flat_to",
        "id",
    ),
    ("apartments", "id, intercom_id, number", "id"),
    ("user_apartments", "user_id, apartment_id", "user_id, apartment_id"),
    ("intercom_keys", "intercom_id, apartment_id, user_id, code", "code"),
    (
        "billing_events",
        "request_id, event_type, user_id, account, payload, outcome, detail, http_status",
        "id",
    ),
    ("licence_allocations", "user_id, level_id, total, version", "user_id, level_id"),
    (
        "analytics_cases",
        "id, user_id, main_user_id, type_id, level_id, name, status",
        "id",
    ),
    ("analytics_case_cameras", "case_id, camera_id", "case_id, camera_id"),
    ("case_events", "case_id, camera_id, kind, snapshot_ref", "id"),
    ("admins", "id, login, name, time_zone", "id"),
    ("admin_permissions", "admin_id, slug", "admin_id, slug"),
    ("admin_scopes", "admin_id, location_id", "admin_id, location_id"),
];

/// A billing payload without its `occurred_at` (a time).
fn without_time(row: &str) -> String {
    match row.find("\"occurred_at\":\"") {
        Some(at) => {
            let rest = &row[at + 15..];
            let end = rest.find('"').map_or(rest.len(), |e| e + 1);
            format!("{}{}", &row[..at], &rest[end..])
        }
        None => row.to_string(),
    }
}

async fn digest(st: &AppState) -> (u64, usize) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut rows = 0;
    for (table, columns, order) in TABLES {
        let cells: Vec<String> = columns.split(", ").map(|c| format!("COALESCE(CAST({c} AS TEXT), '~')")).collect();
        let sql = format!("SELECT {} AS v FROM {table} ORDER BY {order}", cells.join(" || '|' || "));
        let found = st
            .db
            .query_all_raw(Statement::from_string(st.db.get_database_backend(), sql))
            .await
            .unwrap();
        for r in found {
            without_time(&r.try_get_by_index::<String>(0).unwrap()).hash(&mut h);
            rows += 1;
        }
        table.hash(&mut h);
    }
    (h.finish(), rows)
}

both!(demo_output_is_fixed_for_its_seed, |st: AppState| async move {
    app::backend::demo::generate(&st.db, &app::backend::demo::DemoSize::users(400), |_, _, _| {})
        .await
        .unwrap();
    let (digest, rows) = digest(&st).await;
    eprintln!("demo digest {digest:016x} over {rows} rows");
    assert_eq!((format!("{digest:016x}"), rows), (DIGEST.to_string(), ROWS));
});

const DIGEST: &str = "be5de653e67f8bee";
const ROWS: usize = 20_613;

both!(demo_locations_carry_their_address, |st: AppState| async move {
    app::backend::demo::generate(&st.db, &app::backend::demo::DemoSize::users(40), |_, _, _| {})
        .await
        .unwrap();
    let rows = st
        .db
        .query_all_raw(Statement::from_string(
            st.db.get_database_backend(),
            "SELECT id, name, path, address FROM locations",
        ))
        .await
        .unwrap();
    let nodes: std::collections::HashMap<i64, (String, String, String)> = rows
        .iter()
        .map(|r| {
            let get = |c| r.try_get::<String>("", c).unwrap();
            (r.try_get::<i64>("", "id").unwrap(), (get("name"), get("path"), get("address")))
        })
        .collect();
    assert!(nodes.len() > 20, "{}", nodes.len());
    // Each address is the names along the node's path, from the city down.
    for (id, (_, path, address)) in &nodes {
        let names: Vec<&str> = path
            .trim_matches('/')
            .split('/')
            .map(|p| nodes[&p.parse::<i64>().unwrap()].0.as_str())
            .collect();
        assert_eq!(*address, names.join(", "), "location {id}");
    }
});
