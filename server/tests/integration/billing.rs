//! The billing webhook against its contract (shared/spec/billing-api.md):
//! every type and every answer, checked on the resulting database state;
//! duplicates and concurrent deliveries; the parser under arbitrary input;
//! the SSE stream, the global log, the OpenAPI document and the sender.

use crate::both;
use crate::support::*;
use app::backend::services::billing::event::{BillingEventType, PASSWORD_MASK};
use app::backend::state::Notice;
use app::backend::AppState;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{json, Value};

const EVENTS: &str = "/api/billing/v1/events";

fn sign_now(secret: &str, body: &[u8]) -> String {
    server::billing::signature::sign(secret, chrono::Utc::now().timestamp(), body)
}

/// Posts `body` with the given signature header (none when `None`).
async fn post_raw(srv: &TestServer, body: Vec<u8>, sig: Option<String>) -> (u16, Value) {
    let mut req = srv
        .client
        .post(format!("{}{EVENTS}", srv.base))
        .header("content-type", "application/json");
    if let Some(s) = sig {
        req = req.header("x-billing-signature", s);
    }
    let res = req.body(body).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")),
    )
}

/// Posts a correctly signed body.
async fn send(srv: &TestServer, body: &str) -> (u16, Value) {
    post_raw(srv, body.as_bytes().to_vec(), Some(sign_now(TEST_BILLING_SECRET, body.as_bytes()))).await
}

fn ev(id: &str, t: &str, data: Value) -> String {
    json!({ "id": id, "type": t, "occurred_at": "2026-11-26T10:00:00Z", "data": data }).to_string()
}

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn one_string(db: &DatabaseConnection, sql: &str) -> String {
    let v = strings(db, sql).await;
    assert_eq!(v.len(), 1, "{sql}: {v:?}");
    v[0].clone()
}

async fn count(st: &AppState, sql: &str) -> i64 {
    scalar_i64(&st.db, sql).await
}

/// A few directory codes: two houses on one street, one with an entrance.
async fn directory(st: &AppState) {
    st.db
        .execute_unprepared(
            "INSERT INTO address_directory (csa, city, street, house, entrance) VALUES \
             ('77-001-0042-2', 'Moscow', 'Tverskaya St', '42', '2'), \
             ('77-001-0043', 'Moscow', 'Tverskaya St', '43', NULL), \
             ('78-002-0007', 'Saint Petersburg', 'Nevsky Ave', '7', NULL)",
        )
        .await
        .unwrap();
}

async fn user_id(st: &AppState, account: &str) -> i64 {
    scalar_i64(&st.db, &format!("SELECT id FROM users WHERE account = '{account}'")).await
}

fn new_entity(id: &str, account: &str, login: &str, password: &str) -> String {
    ev(
        id,
        "billing.new_entity",
        json!({ "account": account, "login": login, "password": password, "name": format!("Subscriber {account}"),
                "contract_number": "C-77", "tariff": "Home 100", "phone": "+7 900 000-00-00", "email": "a@example.org",
                "address": "Moscow, Tverskaya St 42", "properties": { "speed": "100 Mbit/s", "router": "yes" } }),
    )
}

async fn expect_applied(srv: &TestServer, body: &str, stored_type: &str) -> Value {
    let (status, answer) = send(srv, body).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["type"], stored_type, "{answer}");
    assert_eq!(answer["outcome"], "applied", "{answer}");
    assert!(answer["detail"].is_string(), "{answer}");
    answer
}

async fn sub_user(st: &AppState, parent: i64, login: &str) -> i64 {
    use app::backend::entities::{client_sessions, users};
    use sea_orm::{EntityTrait, Set};
    let now = st.clock.now();
    let id = users::Entity::insert(users::ActiveModel {
        kind: Set("sub".into()),
        status: Set("active".into()),
        parent_id: Set(Some(parent)),
        login: Set(login.into()),
        password_hash: Set("x".into()),
        name: Set("Sub".into()),
        properties: Set("{}".into()),
        sync_version: Set(0),
        permissions_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    for (u, token) in [(parent, format!("main-{login}")), (id, format!("sub-{login}"))] {
        client_sessions::Entity::insert(client_sessions::ActiveModel {
            token_hash: Set(token),
            user_id: Set(u),
            impersonator_admin_id: Set(None),
            created_at: Set(now),
            expires_at: Set(now + chrono::Duration::hours(1)),
        })
        .exec(&st.db)
        .await
        .unwrap();
    }
    id
}

both!(billing_every_type_applies, |st: AppState| async move {
    directory(&st).await;
    let mut notices = st.notices.subscribe();
    let srv = serve(st.clone()).await;
    let db = &st.db;

    // new_entity: a billing user, active, Argon2id hash, default permissions.
    let body = new_entity("ev-1", "A-1", "alice", "pa55-word-1");
    expect_applied(&srv, &body, "billing.new_entity").await;
    let alice = user_id(&st, "A-1").await;
    assert_eq!(
        one_string(db, &format!("SELECT kind FROM users WHERE id = {alice}")).await,
        "billing"
    );
    assert_eq!(
        one_string(db, &format!("SELECT status FROM users WHERE id = {alice}")).await,
        "active"
    );
    assert_eq!(
        one_string(db, &format!("SELECT login FROM users WHERE id = {alice}")).await,
        "alice"
    );
    assert_eq!(
        one_string(db, &format!("SELECT tariff FROM users WHERE id = {alice}")).await,
        "Home 100"
    );
    let hash = one_string(db, &format!("SELECT password_hash FROM users WHERE id = {alice}")).await;
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(app::backend::password::verify("pa55-word-1", &hash));
    let props: Value = serde_json::from_str(&one_string(db, &format!("SELECT properties FROM users WHERE id = {alice}")).await).unwrap();
    assert_eq!(props, json!({ "speed": "100 Mbit/s", "router": "yes" }));
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_permissions WHERE user_id = {alice}")).await,
        app::permissions::BILLING_USER_DEFAULTS.len() as i64
    );
    let payload = one_string(db, "SELECT payload FROM billing_events WHERE request_id = 'ev-1'").await;
    assert!(!payload.contains("pa55-word-1") && payload.contains(PASSWORD_MASK), "{payload}");
    assert_eq!(
        count(&st, "SELECT user_id FROM billing_events WHERE request_id = 'ev-1'").await,
        alice
    );

    // pause / unpause reach the sub users.
    let sub = sub_user(&st, alice, "alice-kid").await;
    let status_of = |id: i64| format!("SELECT status FROM users WHERE id = {id}");
    expect_applied(
        &srv,
        &ev("ev-2", "billing.pause_entity", json!({ "account": "A-1" })),
        "billing.pause_entity",
    )
    .await;
    assert_eq!(one_string(db, &status_of(alice)).await, "paused");
    assert_eq!(one_string(db, &status_of(sub)).await, "paused");
    expect_applied(
        &srv,
        &ev("ev-3", "billing.unpause_entity", json!({ "account": "A-1" })),
        "billing.unpause_entity",
    )
    .await;
    assert_eq!(one_string(db, &status_of(alice)).await, "active");
    assert_eq!(one_string(db, &status_of(sub)).await, "active");

    // create_location builds city → street → house → entrance and links it.
    let answer = expect_applied(
        &srv,
        &ev(
            "ev-4",
            "billing.create_location",
            json!({ "account": "A-1", "csa": "77-001-0042-2", "contract_number": "C-9" }),
        ),
        "billing.create_location",
    )
    .await;
    assert_eq!(answer["id"], "ev-4");
    let entrance = scalar_i64(db, "SELECT id FROM locations WHERE csa = '77-001-0042-2'").await;
    assert_eq!(
        one_string(db, &format!("SELECT kind FROM locations WHERE id = {entrance}")).await,
        "entrance"
    );
    assert_eq!(
        one_string(db, &format!("SELECT name FROM locations WHERE id = {entrance}")).await,
        "Entrance 2"
    );
    let path = one_string(db, &format!("SELECT path FROM locations WHERE id = {entrance}")).await;
    let ids: Vec<i64> = path.trim_matches('/').split('/').map(|s| s.parse().unwrap()).collect();
    assert_eq!(ids.len(), 4, "{path}");
    assert_eq!(*ids.last().unwrap(), entrance);
    for (id, kind, name) in [
        (ids[0], "city", "Moscow"),
        (ids[1], "street", "Tverskaya St"),
        (ids[2], "house", "42"),
    ] {
        assert_eq!(one_string(db, &format!("SELECT kind FROM locations WHERE id = {id}")).await, kind);
        assert_eq!(one_string(db, &format!("SELECT name FROM locations WHERE id = {id}")).await, name);
    }
    assert_eq!(
        scalar_i64(db, &format!("SELECT parent_id FROM locations WHERE id = {}", ids[2])).await,
        ids[1]
    );
    assert_eq!(
        one_string(
            db,
            &format!("SELECT contract_number FROM user_locations WHERE user_id = {alice} AND location_id = {entrance}")
        )
        .await,
        "C-9"
    );

    // Unknown CSA: stored under its own type, nothing else changes.
    let locations_before = count(&st, "SELECT COUNT(*) FROM locations").await;
    expect_applied(
        &srv,
        &ev("ev-5", "billing.create_location", json!({ "account": "A-1", "csa": "99-999-9999" })),
        "billing.create_location_unknown_csa",
    )
    .await;
    assert_eq!(count(&st, "SELECT COUNT(*) FROM locations").await, locations_before);
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_locations WHERE user_id = {alice}")).await,
        1
    );
    assert_eq!(
        one_string(db, "SELECT event_type FROM billing_events WHERE request_id = 'ev-5'").await,
        "billing.create_location_unknown_csa"
    );

    // new_camera: registered, empty, no user; MAC normalised; global event.
    expect_applied(
        &srv,
        &ev(
            "ev-6",
            "billing.new_camera",
            json!({ "mac": "00-1a-2b-3c-4d-5e", "serial_number": "SN-1", "model": "Hikvision DS-2CD" }),
        ),
        "billing.new_camera",
    )
    .await;
    let cam1 = scalar_i64(db, "SELECT id FROM cameras WHERE mac = '00:1A:2B:3C:4D:5E'").await;
    assert_eq!(
        one_string(db, &format!("SELECT status FROM cameras WHERE id = {cam1}")).await,
        "empty"
    );
    assert_eq!(
        one_string(db, &format!("SELECT source FROM cameras WHERE id = {cam1}")).await,
        "billing"
    );
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_cameras WHERE camera_id = {cam1}")).await,
        0
    );
    assert_eq!(
        count(
            &st,
            "SELECT COUNT(*) FROM billing_events WHERE request_id = 'ev-6' AND user_id IS NULL"
        )
        .await,
        1
    );

    // attach_camera: placed at the CSA's location (a new house on the same street), access granted.
    expect_applied(
        &srv,
        &ev(
            "ev-7",
            "billing.attach_camera",
            json!({ "account": "A-1", "mac": "00:1A:2B:3C:4D:5E", "csa": "77-001-0043", "archive_days": 30, "replace": false }),
        ),
        "billing.attach_camera",
    )
    .await;
    let house43 = scalar_i64(db, "SELECT id FROM locations WHERE csa = '77-001-0043'").await;
    assert_eq!(
        scalar_i64(db, &format!("SELECT parent_id FROM locations WHERE id = {house43}")).await,
        ids[1]
    );
    assert_eq!(
        scalar_i64(db, &format!("SELECT location_id FROM cameras WHERE id = {cam1}")).await,
        house43
    );
    assert_eq!(
        scalar_i64(db, &format!("SELECT CAST(archive_days AS BIGINT) FROM cameras WHERE id = {cam1}")).await,
        30
    );
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM user_cameras WHERE user_id = {alice} AND camera_id = {cam1}")
        )
        .await,
        1
    );

    // Unknown CSA on attach: stored under its own type, the camera stays where it was.
    expect_applied(
        &srv,
        &ev(
            "ev-8",
            "billing.attach_camera",
            json!({ "account": "A-1", "mac": "00:1A:2B:3C:4D:5E", "csa": "99-999-9999" }),
        ),
        "billing.attach_camera_unknown_csa",
    )
    .await;
    assert_eq!(
        scalar_i64(db, &format!("SELECT location_id FROM cameras WHERE id = {cam1}")).await,
        house43
    );

    // replace: the new camera takes the old one's place for this user.
    expect_applied(
        &srv,
        &ev(
            "ev-9",
            "billing.new_camera",
            json!({ "mac": "001A2B3C4D5F", "serial_number": "SN-2" }),
        ),
        "billing.new_camera",
    )
    .await;
    let cam2 = scalar_i64(db, "SELECT id FROM cameras WHERE mac = '00:1A:2B:3C:4D:5F'").await;
    expect_applied(
        &srv,
        &ev(
            "ev-10",
            "billing.attach_camera",
            json!({ "account": "A-1", "mac": "00:1a:2b:3c:4d:5f", "csa": "77-001-0043", "replace": true }),
        ),
        "billing.attach_camera",
    )
    .await;
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM user_cameras WHERE user_id = {alice} AND camera_id = {cam1}")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM user_cameras WHERE user_id = {alice} AND camera_id = {cam2}")
        )
        .await,
        1
    );
    assert_eq!(
        scalar_i64(db, &format!("SELECT CAST(archive_days AS BIGINT) FROM cameras WHERE id = {cam2}")).await,
        7
    );

    // detach_camera takes it away; the camera stays registered.
    expect_applied(
        &srv,
        &ev(
            "ev-11",
            "billing.detach_camera",
            json!({ "account": "A-1", "mac": "00:1A:2B:3C:4D:5F" }),
        ),
        "billing.detach_camera",
    )
    .await;
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_cameras WHERE user_id = {alice}")).await,
        0
    );
    assert_eq!(count(&st, &format!("SELECT COUNT(*) FROM cameras WHERE id = {cam2}")).await, 1);

    // update_login / update_password.
    expect_applied(
        &srv,
        &ev("ev-12", "billing.update_login", json!({ "account": "A-1", "login": "alice.new" })),
        "billing.update_login",
    )
    .await;
    assert_eq!(
        one_string(db, &format!("SELECT login FROM users WHERE id = {alice}")).await,
        "alice.new"
    );
    expect_applied(
        &srv,
        &ev(
            "ev-13",
            "billing.update_password",
            json!({ "account": "A-1", "password": "n3w-secret!" }),
        ),
        "billing.update_password",
    )
    .await;
    let hash = one_string(db, &format!("SELECT password_hash FROM users WHERE id = {alice}")).await;
    assert!(hash.starts_with("$argon2id$") && app::backend::password::verify("n3w-secret!", &hash));
    assert!(!one_string(db, "SELECT payload FROM billing_events WHERE request_id = 'ev-13'")
        .await
        .contains("n3w-secret!"));

    // delete_location: unlinked; the unused entrance and house go, the street
    // (which still holds house 43 with a camera) and the city stay.
    expect_applied(
        &srv,
        &ev(
            "ev-14",
            "billing.delete_location",
            json!({ "account": "A-1", "csa": "77-001-0042-2" }),
        ),
        "billing.delete_location",
    )
    .await;
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_locations WHERE user_id = {alice}")).await,
        0
    );
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM locations WHERE id IN ({entrance}, {})", ids[2])).await,
        0
    );
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM locations WHERE id IN ({}, {})", ids[0], ids[1])).await,
        2
    );

    // Unknown type: stored with the original type in the payload.
    expect_applied(
        &srv,
        &ev("ev-15", "billing.change_tariff", json!({ "account": "A-1", "tariff": "Pro" })),
        "billing.unknown_type",
    )
    .await;
    let payload = one_string(db, "SELECT payload FROM billing_events WHERE request_id = 'ev-15'").await;
    assert!(payload.contains("billing.change_tariff"), "{payload}");
    assert_eq!(
        count(&st, "SELECT user_id FROM billing_events WHERE request_id = 'ev-15'").await,
        alice
    );
    assert_eq!(
        one_string(db, &format!("SELECT tariff FROM users WHERE id = {alice}")).await,
        "Home 100"
    );

    // terminate reaches the sub user and ends every client session (Alice's
    // own already ended with her password change; her sub user's is left).
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM client_sessions WHERE user_id = {alice}")).await,
        0
    );
    assert_eq!(count(&st, "SELECT COUNT(*) FROM client_sessions").await, 1);
    expect_applied(
        &srv,
        &ev("ev-16", "billing.terminate_entity", json!({ "account": "A-1" })),
        "billing.terminate_entity",
    )
    .await;
    assert_eq!(one_string(db, &status_of(alice)).await, "terminated");
    assert_eq!(one_string(db, &status_of(sub)).await, "terminated");
    assert_eq!(count(&st, "SELECT COUNT(*) FROM client_sessions").await, 0);

    // Every stored type of the contract appeared, each row with 202/applied.
    let mut types = strings(db, "SELECT DISTINCT event_type FROM billing_events").await;
    types.sort();
    let mut expected: Vec<String> = BillingEventType::ALL.iter().map(|t| t.slug().to_string()).collect();
    expected.sort();
    assert_eq!(types, expected);
    assert_eq!(
        count(
            &st,
            "SELECT COUNT(*) FROM billing_events WHERE http_status = 202 AND outcome = 'applied'"
        )
        .await,
        16
    );
    assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events WHERE user_id IS NULL").await, 2);

    // Notices went out after each commit: for alice, and without a user for cameras.
    let mut got = vec![];
    while let Ok(n) = notices.try_recv() {
        got.push(n);
    }
    assert_eq!(got.len(), 16, "{got:?}");
    assert_eq!(got.iter().filter(|n| **n == Notice::BillingEvent { user_id: None }).count(), 2);
    assert_eq!(
        got.iter().filter(|n| **n == Notice::BillingEvent { user_id: Some(alice) }).count(),
        14
    );
});

both!(billing_duplicates_answer_as_the_first, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let first_body = new_entity("dup-1", "A-2", "bob", "pw-bob-123");
    let (status, first) = send(&srv, &first_body).await;
    assert_eq!(status, 202);
    // Same id, different content: nothing changes, the first answer comes back.
    let (status, again) = send(&srv, &new_entity("dup-1", "A-3", "carol", "pw")).await;
    assert_eq!(status, 200);
    let mut expected = first.clone();
    expected["duplicate"] = json!(true);
    assert_eq!(again, expected);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE login = 'carol'").await, 0);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events").await, 1);

    // A rejected (422) request retried: 200 with the first (error) body.
    let (status, first) = send(&srv, &ev("dup-2", "billing.pause_entity", json!({ "account": "A-404" }))).await;
    assert_eq!(status, 422);
    assert_eq!(first["field"], "account");
    let (status, again) = send(&srv, &ev("dup-2", "billing.pause_entity", json!({ "account": "A-404" }))).await;
    assert_eq!(status, 200);
    let mut expected = first.clone();
    expected["duplicate"] = json!(true);
    assert_eq!(again, expected);
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM billing_events WHERE request_id = 'dup-2'").await,
        1
    );
});

both!(billing_refusals_store_nothing, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let none_stored = || async { assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events").await, 0) };

    // 400: not JSON, or id/type/data missing or malformed.
    let long_id = "x".repeat(129);
    for (body, field) in [
        ("not json".to_string(), "body"),
        ("[1,2]".to_string(), "body"),
        (json!({ "type": "billing.pause_entity", "data": {} }).to_string(), "id"),
        (json!({ "id": "a", "data": {} }).to_string(), "type"),
        (json!({ "id": "a", "type": "billing.pause_entity" }).to_string(), "data"),
        (
            json!({ "id": "a", "type": "billing.pause_entity", "data": "x" }).to_string(),
            "data",
        ),
        (json!({ "id": "", "type": "billing.pause_entity", "data": {} }).to_string(), "id"),
        (
            json!({ "id": long_id, "type": "billing.pause_entity", "data": {} }).to_string(),
            "id",
        ),
        (
            json!({ "id": "caf\u{e9}", "type": "billing.pause_entity", "data": {} }).to_string(),
            "id",
        ),
        (
            json!({ "id": "tab\there", "type": "billing.pause_entity", "data": {} }).to_string(),
            "id",
        ),
        (json!({ "id": 7, "type": "billing.pause_entity", "data": {} }).to_string(), "id"),
    ] {
        let (status, answer) = send(&srv, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    // 128 printable characters is fine.
    let (status, _) = send(
        &srv,
        &ev(
            &"y".repeat(128),
            "billing.new_camera",
            json!({ "mac": "00:00:00:00:00:01", "serial_number": "S" }),
        ),
    )
    .await;
    assert_eq!(status, 202);
    st.db.execute_unprepared("DELETE FROM billing_events").await.unwrap();
    st.db.execute_unprepared("DELETE FROM cameras").await.unwrap();

    // 401: missing, wrong, too old, other secret, malformed.
    let body = ev(
        "sig-1",
        "billing.new_camera",
        json!({ "mac": "00:00:00:00:00:02", "serial_number": "S" }),
    );
    let bytes = body.as_bytes().to_vec();
    let now = chrono::Utc::now().timestamp();
    let good = server::billing::signature::sign(TEST_BILLING_SECRET, now, &bytes);
    let tampered = format!("{}0", &good[..good.len() - 1]);
    let tampered = if tampered == good {
        format!("{}1", &good[..good.len() - 1])
    } else {
        tampered
    };
    for sig in [
        None,
        Some(tampered),
        // A margin past the 300 s tolerance: the server's clock moves on while
        // this loop runs (a slow PostgreSQL run once let `now + 301` through).
        Some(server::billing::signature::sign(TEST_BILLING_SECRET, now - 301, &bytes)),
        Some(server::billing::signature::sign(TEST_BILLING_SECRET, now + 360, &bytes)),
        Some(server::billing::signature::sign("another-secret-0123456789", now, &bytes)),
        Some("garbage".to_string()),
        Some(format!("t={now}")),
    ] {
        let (status, answer) = post_raw(&srv, bytes.clone(), sig.clone()).await;
        assert_eq!(status, 401, "{sig:?}: {answer}");
        assert!(answer["error"].is_string());
    }
    // The signature covers the exact bytes: the same JSON re-serialised differently fails.
    let (status, _) = post_raw(&srv, format!("{body} ").into_bytes(), Some(good.clone())).await;
    assert_eq!(status, 401);
    // Signed within 300 s is fine.
    let (status, _) = post_raw(
        &srv,
        bytes.clone(),
        Some(server::billing::signature::sign(TEST_BILLING_SECRET, now - 250, &bytes)),
    )
    .await;
    assert_eq!(status, 202);
    st.db.execute_unprepared("DELETE FROM billing_events").await.unwrap();
    st.db.execute_unprepared("DELETE FROM cameras").await.unwrap();

    // 413: over 64 KiB, even when correctly signed.
    let big = ev(
        "big-1",
        "billing.new_camera",
        json!({ "mac": "00:00:00:00:00:03", "serial_number": "x".repeat(70 * 1024) }),
    );
    let (status, answer) = send(&srv, &big).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer["error"].is_string());
    none_stored().await;
    assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, 0);

    // Without a configured secret every request is refused.
    let leptos = leptos::prelude::LeptosOptions::builder()
        .output_name("vigil")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build();
    let router = server::router::build(st.clone(), leptos, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let res = srv
        .client
        .post(format!("http://{addr}{EVENTS}"))
        .header("x-billing-signature", sign_now(TEST_BILLING_SECRET, &bytes))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let answer: Value = res.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("not configured"), "{answer}");
    none_stored().await;
});

both!(billing_invalid_data_is_stored_as_rejected, |st: AppState| async move {
    directory(&st).await;
    let srv = serve(st.clone()).await;
    expect_applied(&srv, &new_entity("r-0", "A-1", "alice", "pw-alice-1"), "billing.new_entity").await;
    expect_applied(
        &srv,
        &ev(
            "r-00",
            "billing.new_camera",
            json!({ "mac": "00:AA:00:00:00:01", "serial_number": "S" }),
        ),
        "billing.new_camera",
    )
    .await;
    let users_before = count(&st, "SELECT COUNT(*) FROM users").await;
    let cameras_before = count(&st, "SELECT COUNT(*) FROM cameras").await;
    let locations_before = count(&st, "SELECT COUNT(*) FROM locations").await;
    let alice = user_id(&st, "A-1").await;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "r-1",
            ev(
                "r-1",
                "billing.new_entity",
                json!({ "account": "A-2", "login": "bob", "name": "Bob" }),
            ),
            "password",
        ),
        ("r-2", new_entity("r-2", "A-2", "alice", "secret-pw-r2"), "login"),
        ("r-3", new_entity("r-3", "A-1", "someone", "secret-pw-r3"), "account"),
        ("r-4", ev("r-4", "billing.pause_entity", json!({ "account": "A-404" })), "account"),
        (
            "r-5",
            ev(
                "r-5",
                "billing.new_camera",
                json!({ "mac": "00:GG:00:00:00:01", "serial_number": "S" }),
            ),
            "mac",
        ),
        (
            "r-6",
            ev(
                "r-6",
                "billing.new_camera",
                json!({ "mac": "00-aa-00-00-00-01", "serial_number": "S" }),
            ),
            "mac",
        ),
        (
            "r-7",
            ev(
                "r-7",
                "billing.attach_camera",
                json!({ "account": "A-1", "mac": "00:AA:00:00:00:02", "csa": "77-001-0043" }),
            ),
            "mac",
        ),
        (
            "r-8",
            ev(
                "r-8",
                "billing.attach_camera",
                json!({ "account": "A-1", "mac": "00:AA:00:00:00:01", "csa": "77-001-0043", "archive_days": 0 }),
            ),
            "archive_days",
        ),
        (
            "r-9",
            ev("r-9", "billing.update_login", json!({ "account": "A-1", "login": "two words" })),
            "login",
        ),
        (
            "r-10",
            ev(
                "r-10",
                "billing.new_entity",
                json!({ "account": "A-5", "login": "eve", "password": "p", "name": "Eve", "properties": { "n": 1 } }),
            ),
            "properties",
        ),
        ("r-11", ev("r-11", "billing.create_location", json!({ "account": "A-1" })), "csa"),
        ("r-12", ev("r-12", "billing.new_camera", json!({ "serial_number": "S" })), "mac"),
        (
            "r-13",
            ev(
                "r-13",
                "billing.detach_camera",
                json!({ "account": "A-1", "mac": "00:AA:00:00:00:09" }),
            ),
            "mac",
        ),
        (
            "r-14",
            ev("r-14", "billing.update_password", json!({ "account": "A-1", "password": 5 })),
            "password",
        ),
    ];
    for (id, body, field) in &cases {
        let (status, answer) = send(&srv, body).await;
        assert_eq!(status, 422, "{id}: {answer}");
        assert_eq!(answer["field"], *field, "{id}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()), "{id}: {answer}");
        assert_eq!(
            count(
                &st,
                &format!("SELECT COUNT(*) FROM billing_events WHERE request_id = '{id}' AND outcome = 'rejected' AND http_status = 422")
            )
            .await,
            1,
            "{id}"
        );
        let payload = one_string(&st.db, &format!("SELECT payload FROM billing_events WHERE request_id = '{id}'")).await;
        assert!(!payload.contains("secret-pw"), "{payload}");
    }
    // Nothing else changed.
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users").await, users_before);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, cameras_before);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM locations").await, locations_before);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM user_cameras").await, 0);
    assert_eq!(
        one_string(&st.db, &format!("SELECT login FROM users WHERE id = {alice}")).await,
        "alice"
    );
    // A rejection for a known account lands on that user's log.
    assert_eq!(
        count(&st, "SELECT user_id FROM billing_events WHERE request_id = 'r-8'").await,
        alice
    );
    assert_eq!(
        count(
            &st,
            "SELECT COUNT(*) FROM billing_events WHERE request_id = 'r-4' AND user_id IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        one_string(&st.db, "SELECT event_type FROM billing_events WHERE request_id = 'r-5'").await,
        "billing.new_camera"
    );
});

/// 503: the database is gone; nothing is stored (checked over a second
/// connection to the same database).
async fn database_unavailable(backend: Backend) {
    let Some(url) = fresh_url(backend).await else { return };
    let served = app::backend::db::connect(&url).await.unwrap();
    app::backend::seed::reference_data(&served).await.unwrap();
    let checker = app::backend::db::connect(&url).await.unwrap();
    let st = AppState::new(served, app::backend::clock::Clock::system());
    let srv = serve(st.clone()).await;
    st.db.close_by_ref().await.unwrap();
    for body in [
        new_entity("u-1", "A-1", "alice", "pw-alice-1"),
        ev(
            "u-2",
            "billing.new_camera",
            json!({ "mac": "00:00:00:00:00:01", "serial_number": "S" }),
        ),
        ev("u-3", "billing.pause_entity", json!({ "account": "A-404" })),
    ] {
        let (status, answer) = send(&srv, &body).await;
        assert_eq!(status, 503, "{answer}");
        assert!(answer["error"].is_string());
    }
    assert_eq!(scalar_i64(&checker, "SELECT COUNT(*) FROM billing_events").await, 0);
    assert_eq!(scalar_i64(&checker, "SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(scalar_i64(&checker, "SELECT COUNT(*) FROM cameras").await, 0);
}

mod billing_database_unavailable {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        database_unavailable(Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        database_unavailable(Backend::Postgres).await;
    }
}

both!(billing_same_id_sent_concurrently_applies_once, |st: AppState| async move {
    let srv = std::sync::Arc::new(serve(st.clone()).await);
    let body = new_entity("race-1", "A-9", "racer", "pw-racer-1");
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (srv, body) = (srv.clone(), body.clone());
            tokio::spawn(async move { send(&srv, &body).await })
        })
        .collect();
    let mut answers = vec![];
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let applied: Vec<_> = answers.iter().filter(|(s, _)| *s == 202).collect();
    let dups: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(applied.len(), 1, "{answers:?}");
    assert_eq!(dups.len(), 15, "{answers:?}");
    let mut expected = applied[0].1.clone();
    expected["duplicate"] = json!(true);
    assert!(dups.iter().all(|(_, b)| *b == expected), "{answers:?}");
    assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events").await, 1);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE account = 'A-9'").await, 1);
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM user_permissions").await,
        app::permissions::BILLING_USER_DEFAULTS.len() as i64
    );
});

both!(billing_thousand_events_concurrently, |st: AppState| async move {
    use futures::StreamExt;
    let srv = serve(st.clone()).await;
    // Mostly cameras (cheap), some subscribers (Argon2id on every one).
    let bodies: Vec<String> = (0..1000u32)
        .map(|i| {
            if i.is_multiple_of(50) {
                new_entity(&format!("bulk-{i}"), &format!("B-{i}"), &format!("bulk{i}"), "pw-bulk-123")
            } else {
                ev(
                    &format!("bulk-{i}"),
                    "billing.new_camera",
                    json!({ "mac": format!("02:00:00:00:{:02X}:{:02X}", i >> 8, i & 0xFF), "serial_number": format!("SN-{i}") }),
                )
            }
        })
        .collect();
    let statuses: Vec<u16> = futures::stream::iter(bodies.iter())
        .map(|b| {
            let srv = &srv;
            async move { send(srv, b).await.0 }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 202),
        "{:?}",
        statuses.iter().filter(|s| **s != 202).collect::<Vec<_>>()
    );
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM billing_events WHERE http_status = 202").await,
        1000
    );
    assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, 980);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE kind = 'billing'").await, 20);
});

both!(billing_concurrent_mix_of_valid_and_rejected_events, |st: AppState| async move {
    use futures::StreamExt;
    // On SQLite concurrent events share transactions (group commit); a
    // rejected event must not take the valid ones of its batch down with it,
    // and each request must get its own answer.
    let srv = serve(st.clone()).await;
    let mac = |i: u32| format!("02:00:00:01:{:02X}:{:02X}", i >> 8, i & 0xFF);
    let bodies: Vec<(u32, String)> = (0..600u32)
        .map(|i| {
            let body = match i % 40 {
                // Detaching from an account nobody has: 422 naming `account`.
                39 => ev(
                    &format!("mix-{i}"),
                    "billing.detach_camera",
                    json!({ "account": "NOBODY", "mac": mac(i) }),
                ),
                _ => ev(
                    &format!("mix-{i}"),
                    "billing.new_camera",
                    json!({ "mac": mac(i), "serial_number": format!("SN-{i}") }),
                ),
            };
            (i, body)
        })
        .collect();
    let answers: Vec<(u32, u16, Value)> = futures::stream::iter(bodies.iter())
        .map(|(i, b)| {
            let srv = &srv;
            async move {
                let (status, body) = send(srv, b).await;
                (*i, status, body)
            }
        })
        .buffer_unordered(48)
        .collect()
        .await;
    for (i, status, body) in &answers {
        if i % 40 == 39 {
            assert_eq!(*status, 422, "mix-{i}: {body}");
            assert_eq!(body["field"], "account", "mix-{i}: {body}");
        } else {
            assert_eq!(*status, 202, "mix-{i}: {body}");
            assert_eq!(body["id"], format!("mix-{i}"), "mix-{i}: {body}");
            assert_eq!(body["type"], "billing.new_camera", "mix-{i}: {body}");
        }
    }
    assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, 585);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events WHERE http_status = 202").await, 585);
    assert_eq!(
        count(
            &st,
            "SELECT COUNT(*) FROM billing_events WHERE http_status = 422 AND outcome = 'rejected'"
        )
        .await,
        15
    );
    // Every answer was about its own request: ids and stored rows agree.
    assert_eq!(count(&st, "SELECT COUNT(DISTINCT request_id) FROM billing_events").await, 600);
    if let Some(batcher) = st.billing_batcher() {
        let (batches, events) = batcher.committed();
        assert!(events > 0, "the SQLite writer committed no batch");
        assert!(
            batches < events,
            "no two events ever shared a transaction: {batches} batches for {events} events"
        );
    } else {
        assert_ne!(st.backend(), sea_orm::DbBackend::Sqlite, "SQLite has no billing writer");
    }
});

both!(
    billing_sse_stream_ends_when_its_session_may_no_longer_see_it,
    |st: AppState| async move {
        let srv = serve(st.clone()).await;
        let (_, signed_out) = admin_session(&st, "leaver", false, &["users.view"], &[]).await;
        let (demoted_id, demoted) = admin_session(&st, "demoted", false, &["users.view"], &[]).await;
        let (_, stays) = admin_session(&st, "stays", false, &["users.view"], &[]).await;
        let open = |cookie: String| {
            let srv = &srv;
            async move {
                let res = srv
                    .client
                    .get(format!("{}/sse/billing-events", srv.base))
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                res
            }
        };
        let (a, b, c) = (open(signed_out.clone()).await, open(demoted).await, open(stays).await);
        // One administrator signs out, another loses `users.view`.
        let token = signed_out.split_once('=').unwrap().1.to_string();
        st.db
            .execute_unprepared(&format!(
                "DELETE FROM admin_sessions WHERE token_hash = '{}'",
                app::backend::auth::token_hash(&token)
            ))
            .await
            .unwrap();
        st.db
            .execute_unprepared(&format!("DELETE FROM admin_permissions WHERE admin_id = {demoted_id}"))
            .await
            .unwrap();
        expect_applied(
            &srv,
            &ev(
                "gone-1",
                "billing.new_camera",
                json!({ "mac": "00:00:00:00:0A:01", "serial_number": "S" }),
            ),
            "billing.new_camera",
        )
        .await;

        /// Everything the stream sends until it ends (or 10 s pass).
        async fn until_end(mut res: reqwest::Response) -> (String, bool) {
            let mut text = String::new();
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                match tokio::time::timeout_at(deadline, res.chunk()).await {
                    Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
                    Ok(_) => return (text, true),
                    Err(_) => return (text, false),
                }
                if text.contains("event: billing") {
                    return (text, false);
                }
            }
        }
        for (who, res) in [("signed out", a), ("without users.view", b)] {
            let (text, ended) = until_end(res).await;
            assert!(ended && !text.contains("event: billing"), "{who}: ended {ended}, got {text:?}");
        }
        let (text, ended) = until_end(c).await;
        assert!(
            !ended && text.contains("event: billing\ndata: global\n"),
            "still allowed: ended {ended}, got {text:?}"
        );
    }
);

both!(billing_sse_streams_stored_events, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    expect_applied(&srv, &new_entity("s-0", "A-1", "alice", "pw-alice-1"), "billing.new_entity").await;
    let alice = user_id(&st, "A-1").await;
    let (_, root) = admin_session(&st, "root", true, &[], &[]).await;
    let (_, nobody) = admin_session(&st, "nobody", false, &[], &[]).await;
    let (_, scoped) = admin_session(&st, "scoped", false, &["users.view"], &[]).await;
    let url = |q: &str| format!("{}/sse/billing-events{q}", srv.base);

    // Refusals: no session, no users.view, a user outside the scope.
    assert_eq!(srv.client.get(url("")).send().await.unwrap().status(), 401);
    assert_eq!(
        srv.client.get(url("")).header("cookie", &nobody).send().await.unwrap().status(),
        403
    );
    let r = srv
        .client
        .get(url(&format!("?user_id={alice}")))
        .header("cookie", &scoped)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        srv.client
            .get(url("?user_id=999999"))
            .header("cookie", &root)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The user's stream and the global stream each get their own events.
    let user_stream = srv
        .client
        .get(url(&format!("?user_id={alice}")))
        .header("cookie", &root)
        .send()
        .await
        .unwrap();
    assert_eq!(user_stream.status(), 200);
    assert!(user_stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let global_stream = srv.client.get(url("")).header("cookie", &root).send().await.unwrap();
    assert_eq!(global_stream.status(), 200);
    expect_applied(
        &srv,
        &ev(
            "s-1",
            "billing.new_camera",
            json!({ "mac": "00:00:00:00:00:01", "serial_number": "S" }),
        ),
        "billing.new_camera",
    )
    .await;
    expect_applied(
        &srv,
        &ev("s-2", "billing.pause_entity", json!({ "account": "A-1" })),
        "billing.pause_entity",
    )
    .await;

    async fn first_event(mut res: reqwest::Response) -> String {
        let mut text = String::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !text.contains("event: billing") || !text.ends_with("\n\n") {
            let chunk = tokio::time::timeout_at(deadline, res.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    }
    let text = first_event(user_stream).await;
    assert!(
        text.contains("event: billing\ndata: ") && text.contains(&format!("data: {alice}\n")),
        "{text}"
    );
    let text = first_event(global_stream).await;
    assert!(text.contains("event: billing\ndata: global\n"), "{text}");
});

both!(billing_global_log_lists_events_without_a_user, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    expect_applied(&srv, &new_entity("g-0", "A-1", "alice", "pw-alice-1"), "billing.new_entity").await;
    for i in 1..=30 {
        expect_applied(
            &srv,
            &ev(
                &format!("g-{i}"),
                "billing.new_camera",
                json!({ "mac": format!("00:00:00:00:00:{i:02X}"), "serial_number": "S" }),
            ),
            "billing.new_camera",
        )
        .await;
    }
    let (status, _) = send(&srv, &ev("g-x", "billing.pause_entity", json!({ "account": "A-404" }))).await;
    assert_eq!(status, 422);
    let (_, root) = admin_session(&st, "root", true, &[], &[]).await;
    let (_, nobody) = admin_session(&st, "nobody", false, &[], &[]).await;
    let list = |cookie: String, form: Vec<(&'static str, String)>| {
        let srv = &srv;
        async move {
            let r = srv
                .client
                .post(format!("{}/api/billing-log/list", srv.base))
                .header("cookie", cookie)
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, _) = list(nobody, vec![("query[sort]", "received".into())]).await;
    assert_eq!(status, 403);
    let (status, page) = list(root.clone(), vec![("query[sort]", "received".into())]).await;
    assert_eq!(status, 200, "{page}");
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 25);
    // Newest first; nothing that concerns a user.
    assert_eq!(rows[0]["request_id"], "g-x");
    assert_eq!(rows[0]["outcome"], "rejected");
    assert_eq!(rows[1]["request_id"], "g-30");
    assert_eq!(rows[1]["event_type"], BillingEventType::NewCamera.slug());
    assert!(rows.iter().all(|r| r["request_id"] != "g-0"));
    let next = page["next"].as_str().unwrap().to_string();
    let (_, page2) = list(root.clone(), vec![("query[after]", next)]).await;
    let rows2 = page2["rows"].as_array().unwrap();
    assert_eq!(rows2.len(), 6);
    assert_eq!(rows2.last().unwrap()["request_id"], "g-1");

    // The page renders for a signed-in administrator.
    let r = srv
        .client
        .get(format!("{}/billing-log", srv.base))
        .header("cookie", root)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Billing log") && html.contains("g-30"), "{html}");
});

both!(billing_openapi_describes_the_contract, |st: AppState| async move {
    let srv = serve(st).await;
    let r = srv
        .client
        .get(format!("{}/api/billing/v1/openapi.json", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let post = &doc["paths"]["/api/billing/v1/events"]["post"];
    for status in ["200", "202", "400", "401", "413", "422", "503"] {
        assert!(post["responses"][status].is_object(), "{status}");
    }
    assert_eq!(post["parameters"][0]["name"], "X-Billing-Signature");
    let text = post["requestBody"].to_string();
    for t in BillingEventType::requests() {
        assert!(text.contains(&format!("\"{t}\"")), "{t}");
    }
});

both!(billing_sender_command_signs_and_sends, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let bin = env!("CARGO_BIN_EXE_vigil-billing");
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new(bin)
            .args(["--url", &srv.base, "--secret", TEST_BILLING_SECRET, "send"])
            .arg(ev(
                "cli-1",
                "billing.new_camera",
                json!({ "mac": "00:00:00:00:0C:01", "serial_number": "S" }),
            ))
            .output()
    })
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("202 "));
    let dir = std::env::temp_dir().join(format!("vigil-billing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("events-{}.jsonl", chrono::Utc::now().timestamp_micros()));
    let lines: Vec<String> = (2..=40)
        .map(|i| {
            ev(
                &format!("cli-{i}"),
                "billing.new_camera",
                json!({ "mac": format!("00:00:00:00:0C:{i:02X}"), "serial_number": "S" }),
            )
        })
        .chain(std::iter::once(ev("cli-1", "billing.new_camera", json!({}))))
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new(bin)
            .env("VIGIL_BILLING_SECRET", TEST_BILLING_SECRET)
            .args(["--url", &srv.base, "send-file"])
            .arg(&file)
            .args(["--concurrency", "4"])
            .output()
    })
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("sent 40/40") && stdout.contains("202: 39") && stdout.contains("200: 1"),
        "{stdout}"
    );
    assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, 40);
    // A wrong secret: every request refused, non-zero exit.
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new(bin)
            .args(["--url", &srv.base, "--secret", "wrong-secret-0123456789", "send-file"])
            .arg(&file)
            .output()
    })
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("4xx: 40"));
    let _ = std::fs::remove_file(&file);
});

mod parser_properties {
    use app::backend::services::billing::event::{BillingEventType, Body};
    use app::backend::services::billing::parse::parse;
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
            ".{0,40}".prop_map(Value::String),
            "[0-9A-Fa-f:.-]{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(".{0,8}", inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn data_key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "account",
                "login",
                "password",
                "name",
                "csa",
                "mac",
                "serial_number",
                "model",
                "archive_days",
                "replace",
                "properties",
                "contract_number",
                "tariff",
                "phone",
                "email",
                "address",
            ])
            .prop_map(str::to_string),
            ".{0,10}",
        ]
    }

    fn event_type() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::sample::select(BillingEventType::requests().collect::<Vec<_>>()).prop_map(|t| Value::String(t.slug().into())),
            json_value(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Err(e) = parse(&bytes) {
                prop_assert!(!e.field.is_empty());
            }
        }

        #[test]
        fn arbitrary_objects_never_panic_and_rejections_name_a_field(
            id in prop_oneof![json_value(), "[ -~]{1,130}".prop_map(Value::String)],
            t in event_type(),
            data in prop::collection::btree_map(data_key(), json_value(), 0..8),
            extra in prop::option::of(json_value()),
            drop_key in 0usize..5,
        ) {
            let mut root = Map::new();
            root.insert("id".into(), id);
            root.insert("type".into(), t);
            root.insert("data".into(), Value::Object(data.into_iter().collect()));
            if let Some(x) = extra {
                root.insert("occurred_at".into(), x);
            }
            match drop_key {
                0 => { root.remove("id"); }
                1 => { root.remove("type"); }
                2 => { root.remove("data"); }
                _ => {}
            }
            let bytes = Value::Object(root).to_string().into_bytes();
            match parse(&bytes) {
                Err(e) => prop_assert!(!e.field.is_empty()),
                Ok(incoming) => {
                    prop_assert!(!incoming.request_id.is_empty() && incoming.request_id.len() <= 128);
                    if let Body::Invalid { rejection, .. } = &incoming.body {
                        prop_assert!(!rejection.field.is_empty());
                        prop_assert!(!rejection.message.is_empty());
                    }
                    let stored: Value = serde_json::from_str(&incoming.stored_payload).unwrap();
                    if let Some(p) = stored["data"].get("password") {
                        prop_assert_eq!(p, &json!("********"));
                    }
                }
            }
        }
    }
}
