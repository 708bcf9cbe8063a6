//! The billing webhook against its contract (shared/spec/billing-api.md):
//! every type and every answer, checked on the resulting database state;
//! duplicates and concurrent deliveries; the parser under arbitrary input;
//! the SSE stream, the global log, the OpenAPI document and the sender.

use crate::both;
use crate::support::*;
use app::backend::services::billing::event::{BillingEventType, PASSWORD_MASK};
use app::backend::state::Notice;
use app::backend::AppState;
use serde_json::{json, Value};
use BillingEventType as T;

/// A few directory codes: two houses on one street, one with an entrance.
async fn directory(st: &AppState) {
    exec(
        st,
        "INSERT INTO address_directory (csa, city, street, house, entrance) VALUES \
         ('77-001-0042-2', 'Moscow', 'Tverskaya St', '42', '2'), \
         ('77-001-0043', 'Moscow', 'Tverskaya St', '43', NULL), \
         ('78-002-0007', 'Saint Petersburg', 'Nevsky Ave', '7', NULL)",
    )
    .await;
}

fn new_entity(id: &str, account: &str, login: &str, password: &str) -> String {
    event(id, "billing.new_entity", new_entity_data(account, login, password))
}

fn new_entity_data(account: &str, login: &str, password: &str) -> Value {
    json!({ "account": account, "login": login, "password": password, "name": format!("Subscriber {account}"),
            "contract_number": "C-77", "tariff": "Home 100", "phone": "+7 900 000-00-00", "email": "a@example.org",
            "address": "Moscow, Tverskaya St 42", "properties": { "speed": "100 Mbit/s", "router": "yes" } })
}

fn camera(id: &str, mac: &str) -> String {
    event(id, "billing.new_camera", json!({ "mac": mac, "serial_number": "S" }))
}

async fn expect_applied(srv: &TestServer, body: &str, stored_type: &str) -> Value {
    let (status, answer) = srv.billing(body).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["type"], stored_type, "{answer}");
    assert_eq!(answer["outcome"], "applied", "{answer}");
    assert!(answer["detail"].is_string(), "{answer}");
    answer
}

/// What a check of the story expects of its count after the event.
#[derive(Clone, Copy)]
enum After {
    Is(i64),
    /// As before the event: nothing else changed.
    Same,
}

/// Placeholders in the checks' SQL.
const NAMES: [(&str, &str); 3] = [
    (":alice", "(SELECT id FROM users WHERE account = 'A-1')"),
    (":cam1", "(SELECT id FROM cameras WHERE mac = '00:1A:2B:3C:4D:5E')"),
    (":cam2", "(SELECT id FROM cameras WHERE mac = '00:1A:2B:3C:4D:5F')"),
];

/// One event of the story and the counts checked after it.
struct Step {
    id: &'static str,
    /// The type on the wire (the stored type's slug unless set).
    wire: &'static str,
    data: Value,
    stored: T,
    /// Whether it is stored on Alice's log (account A-1) or on no user's.
    alice: bool,
    checks: Vec<(&'static str, After)>,
}

fn step(id: &'static str, stored: T, data: Value) -> Step {
    let (wire, alice, checks) = (stored.slug(), true, vec![]);
    Step {
        id,
        wire,
        data,
        stored,
        alice,
        checks,
    }
}

impl Step {
    fn sent_as(self, wire: &'static str) -> Self {
        Step { wire, ..self }
    }
    fn no_user(self) -> Self {
        Step { alice: false, ..self }
    }
    fn is(mut self, n: i64, sql: &'static str) -> Self {
        self.checks.push((sql, After::Is(n)));
        self
    }
    fn same(mut self, sql: &'static str) -> Self {
        self.checks.push((sql, After::Same));
        self
    }
}

/// Every stored type of the contract, applied in one story about Alice.
fn story() -> Vec<Step> {
    let a1 = json!({ "account": "A-1" });
    let with = |extra: Value| {
        let mut data = a1.clone();
        data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        data
    };
    let defaults = app::permissions::BILLING_USER_DEFAULTS.len() as i64;
    vec![
        // A billing user, active, with the default permissions.
        step("ev-1", T::NewEntity, new_entity_data("A-1", "alice", "pa55-word-1"))
            .is(
                1,
                "SELECT COUNT(*) FROM users WHERE id = :alice AND kind = 'billing' AND status = 'active'",
            )
            .is(
                1,
                "SELECT COUNT(*) FROM users WHERE id = :alice AND login = 'alice' AND tariff = 'Home 100'",
            )
            .is(defaults, "SELECT COUNT(*) FROM user_permissions WHERE user_id = :alice"),
        // Pause and unpause reach the sub user.
        step("ev-2", T::PauseEntity, a1.clone()).is(
            2,
            "SELECT COUNT(*) FROM users WHERE (id = :alice OR parent_id = :alice) AND status = 'paused'",
        ),
        step("ev-3", T::UnpauseEntity, a1.clone()).is(
            2,
            "SELECT COUNT(*) FROM users WHERE (id = :alice OR parent_id = :alice) AND status = 'active'",
        ),
        // City → street → house → entrance, linked with the contract number.
        step(
            "ev-4",
            T::CreateLocation,
            with(json!({ "csa": "77-001-0042-2", "contract_number": "C-9" })),
        )
        .is(
            1,
            "SELECT COUNT(*) FROM locations WHERE csa = '77-001-0042-2' AND kind = 'entrance' AND name = 'Entrance 2'",
        )
        .is(
            1,
            "SELECT COUNT(*) FROM locations e JOIN locations h ON h.id = e.parent_id \
                 JOIN locations s ON s.id = h.parent_id JOIN locations c ON c.id = s.parent_id \
                 WHERE e.csa = '77-001-0042-2' AND h.kind = 'house' AND h.name = '42' AND s.kind = 'street' \
                 AND s.name = 'Tverskaya St' AND c.kind = 'city' AND c.name = 'Moscow' AND e.path = '/' \
                 || CAST(c.id AS TEXT) || '/' || CAST(s.id AS TEXT) || '/' || CAST(h.id AS TEXT) || '/' \
                 || CAST(e.id AS TEXT) || '/'",
        )
        // Each new node carries its address, from the city down.
        .is(
            4,
            "SELECT COUNT(*) FROM locations WHERE address IN ('Moscow', 'Moscow, Tverskaya St', \
                 'Moscow, Tverskaya St, 42', 'Moscow, Tverskaya St, 42, Entrance 2')",
        )
        .is(
            1,
            "SELECT COUNT(*) FROM user_locations ul JOIN locations l ON l.id = ul.location_id \
                 WHERE ul.user_id = :alice AND l.csa = '77-001-0042-2' AND ul.contract_number = 'C-9'",
        ),
        // Unknown CSA: stored under its own type, nothing else changes.
        step("ev-5", T::CreateLocationUnknownCsa, with(json!({ "csa": "99-999-9999" })))
            .sent_as("billing.create_location")
            .same("SELECT COUNT(*) FROM locations")
            .is(1, "SELECT COUNT(*) FROM user_locations WHERE user_id = :alice"),
        // Registered, empty, no user; the MAC normalised.
        step(
            "ev-6",
            T::NewCamera,
            json!({ "mac": "00-1a-2b-3c-4d-5e", "serial_number": "SN-1", "model": "Hikvision DS-2CD" }),
        )
        .no_user()
        .is(
            1,
            "SELECT COUNT(*) FROM cameras WHERE id = :cam1 AND status = 'empty' AND source = 'billing'",
        )
        .is(0, "SELECT COUNT(*) FROM user_cameras WHERE camera_id = :cam1"),
        // Placed at the CSA's location (a new house on the same street), access granted.
        step(
            "ev-7",
            T::AttachCamera,
            with(json!({ "mac": "00:1A:2B:3C:4D:5E", "csa": "77-001-0043", "archive_days": 30, "replace": false })),
        )
        .is(
            1,
            "SELECT COUNT(*) FROM cameras c JOIN locations h ON h.id = c.location_id \
             JOIN locations h42 ON h42.parent_id = h.parent_id WHERE c.id = :cam1 AND h.csa = '77-001-0043' \
             AND h42.kind = 'house' AND h42.name = '42' AND c.archive_days = 30",
        )
        // Under a street that was already there: its address continues the street's.
        .is(
            1,
            "SELECT COUNT(*) FROM locations WHERE csa = '77-001-0043' AND address = 'Moscow, Tverskaya St, 43'",
        )
        .is(1, "SELECT COUNT(*) FROM user_cameras WHERE user_id = :alice AND camera_id = :cam1"),
        // Unknown CSA on attach: stored under its own type, the camera stays where it was.
        step(
            "ev-8",
            T::AttachCameraUnknownCsa,
            with(json!({ "mac": "00:1A:2B:3C:4D:5E", "csa": "99-999-9999" })),
        )
        .sent_as("billing.attach_camera")
        .same("SELECT location_id FROM cameras WHERE id = :cam1"),
        step("ev-9", T::NewCamera, json!({ "mac": "001A2B3C4D5F", "serial_number": "SN-2" }))
            .no_user()
            .is(1, "SELECT COUNT(*) FROM cameras WHERE id = :cam2"),
        // Replace: the new camera takes the old one's place for this user.
        step(
            "ev-10",
            T::AttachCamera,
            with(json!({ "mac": "00:1a:2b:3c:4d:5f", "csa": "77-001-0043", "replace": true })),
        )
        .is(0, "SELECT COUNT(*) FROM user_cameras WHERE user_id = :alice AND camera_id = :cam1")
        .is(1, "SELECT COUNT(*) FROM user_cameras WHERE user_id = :alice AND camera_id = :cam2")
        .is(7, "SELECT CAST(archive_days AS BIGINT) FROM cameras WHERE id = :cam2"),
        // Taken away; the camera stays registered.
        step("ev-11", T::DetachCamera, with(json!({ "mac": "00:1A:2B:3C:4D:5F" })))
            .is(0, "SELECT COUNT(*) FROM user_cameras WHERE user_id = :alice")
            .is(1, "SELECT COUNT(*) FROM cameras WHERE id = :cam2"),
        step("ev-12", T::UpdateLogin, with(json!({ "login": "alice.new" })))
            .is(1, "SELECT COUNT(*) FROM users WHERE id = :alice AND login = 'alice.new'"),
        // A new password ends Alice's client sessions (her sub user's stays).
        step("ev-13", T::UpdatePassword, with(json!({ "password": "n3w-secret!" })))
            .is(0, "SELECT COUNT(*) FROM client_sessions WHERE user_id = :alice")
            .is(1, "SELECT COUNT(*) FROM client_sessions"),
        // Unlinked; the unused entrance and house go, the street (which
        // still holds house 43 with a camera) and the city stay.
        step("ev-14", T::DeleteLocation, with(json!({ "csa": "77-001-0042-2" })))
            .is(0, "SELECT COUNT(*) FROM user_locations WHERE user_id = :alice")
            .is(
                0,
                "SELECT COUNT(*) FROM locations WHERE csa = '77-001-0042-2' OR (kind = 'house' AND name = '42')",
            )
            .is(
                2,
                "SELECT COUNT(*) FROM locations WHERE (kind, name) IN (('city', 'Moscow'), ('street', 'Tverskaya St'))",
            ),
        // Unknown type: stored with the original type in the payload.
        step("ev-15", T::UnknownType, with(json!({ "tariff": "Pro" })))
            .sent_as("billing.change_tariff")
            .is(
                1,
                "SELECT COUNT(*) FROM billing_events WHERE request_id = 'ev-15' AND payload LIKE '%billing.change_tariff%'",
            )
            .is(1, "SELECT COUNT(*) FROM users WHERE id = :alice AND tariff = 'Home 100'"),
        // Terminate reaches the sub user and ends every client session.
        step("ev-16", T::TerminateEntity, a1.clone())
            .is(
                2,
                "SELECT COUNT(*) FROM users WHERE (id = :alice OR parent_id = :alice) AND status = 'terminated'",
            )
            .is(0, "SELECT COUNT(*) FROM client_sessions"),
    ]
}

both!(billing_every_type_applies, |st: AppState| async move {
    directory(&st).await;
    let mut notices = st.notices.subscribe();
    let srv = serve(st.clone()).await;
    let sql = |q: &str| NAMES.iter().fold(q.to_string(), |q, (name, sql)| q.replace(name, sql));
    let story = story();
    for t in T::ALL {
        assert!(story.iter().any(|s| s.stored == *t), "no step of the story stores {t}");
    }
    for step in story {
        let Step {
            id,
            wire,
            data,
            stored,
            alice,
            checks,
        } = step;
        let mut before = vec![];
        for (q, _) in &checks {
            before.push(count(&st, sql(q)).await);
        }
        let answer = expect_applied(&srv, &event(id, wire, data.clone()), stored.slug()).await;
        assert_eq!(answer["id"], id, "{answer}");
        let owner = if alice { "= :alice" } else { "IS NULL" };
        let row = format!(
            "SELECT COUNT(*) FROM billing_events WHERE request_id = '{id}' AND event_type = '{stored}' AND http_status = 202 \
             AND outcome = 'applied' AND user_id {owner}"
        );
        assert_eq!(count(&st, sql(&row)).await, 1, "{id}: the stored row");
        // A password is stored as an Argon2id hash and masked in the payload.
        if let Some(password) = data["password"].as_str() {
            let hash = scalar(&st, sql("SELECT password_hash FROM users WHERE id = :alice")).await;
            assert!(
                hash.starts_with("$argon2id$") && app::backend::password::verify(password, &hash),
                "{id}"
            );
            let payload = scalar(&st, format!("SELECT payload FROM billing_events WHERE request_id = '{id}'")).await;
            assert!(!payload.contains(password) && payload.contains(PASSWORD_MASK), "{payload}");
        }
        for ((q, after), before) in checks.iter().zip(before) {
            let expected = match after {
                After::Is(n) => *n,
                After::Same => before,
            };
            assert_eq!(count(&st, sql(q)).await, expected, "{id}: {q}");
        }
        if stored == T::NewEntity {
            // Alice's sub user, and a client session for each of them.
            let alice = account(&st, "A-1").await;
            let sub = user(&st, "alice-kid").sub_of(alice).await;
            client_cookie(&st, alice).await;
            client_cookie(&st, sub).await;
        }
    }
    let props = scalar(&st, "SELECT properties FROM users WHERE account = 'A-1'").await;
    let props: Value = serde_json::from_str(&props).unwrap();
    assert_eq!(props, json!({ "speed": "100 Mbit/s", "router": "yes" }));

    // Every stored type of the contract appeared, each row with 202/applied.
    let mut types = strings(&st, "SELECT DISTINCT event_type FROM billing_events").await;
    types.sort();
    let mut expected: Vec<String> = T::ALL.iter().map(|t| t.slug().to_string()).collect();
    expected.sort();
    assert_eq!(types, expected);
    let applied = "SELECT COUNT(*) FROM billing_events WHERE http_status = 202 AND outcome = 'applied'";
    assert_eq!(count(&st, applied).await, 16);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events WHERE user_id IS NULL").await, 2);

    // Notices went out after each commit: for alice, and without a user for cameras.
    let alice = account(&st, "A-1").await;
    let mut got = vec![];
    while let Ok(n) = notices.try_recv() {
        got.push(n);
    }
    assert_eq!(got.len(), 16, "{got:?}");
    let for_user = |user_id| got.iter().filter(|n| **n == Notice::BillingEvent { user_id }).count();
    assert_eq!((for_user(None), for_user(Some(alice))), (2, 14));
});

both!(billing_duplicates_answer_as_the_first, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let first_body = new_entity("dup-1", "A-2", "bob", "pw-bob-123");
    let (status, first) = srv.billing(&first_body).await;
    assert_eq!(status, 202);
    // Same id, different content: nothing changes, the first answer comes back.
    let (status, again) = srv.billing(&new_entity("dup-1", "A-3", "carol", "pw")).await;
    assert_eq!(status, 200);
    let mut expected = first.clone();
    expected["duplicate"] = json!(true);
    assert_eq!(again, expected);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE login = 'carol'").await, 0);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events").await, 1);

    // A rejected (422) request retried: 200 with the first (error) body.
    let rejected = event("dup-2", "billing.pause_entity", json!({ "account": "A-404" }));
    let (status, first) = srv.billing(&rejected).await;
    assert_eq!(status, 422);
    assert_eq!(first["field"], "account");
    let (status, again) = srv.billing(&rejected).await;
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
        let (status, answer) = srv.billing(&body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    // 128 printable characters is fine.
    let (status, _) = srv
        .billing(&event(
            &"y".repeat(128),
            "billing.new_camera",
            json!({ "mac": "00:00:00:00:00:01", "serial_number": "S" }),
        ))
        .await;
    assert_eq!(status, 202);
    exec(&st, "DELETE FROM billing_events").await;
    exec(&st, "DELETE FROM cameras").await;

    // 401: missing, wrong, too old, other secret, malformed.
    let body = camera("sig-1", "00:00:00:00:00:02");
    let bytes = body.as_bytes().to_vec();
    let now = chrono::Utc::now().timestamp();
    let good = sign_at(now, &bytes);
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
        Some(sign_at(now - 301, &bytes)),
        Some(sign_at(now + 360, &bytes)),
        Some(server::billing::signature::sign("another-secret-0123456789", now, &bytes)),
        Some("garbage".to_string()),
        Some(format!("t={now}")),
    ] {
        let a = srv.billing_raw(bytes.clone(), sig.clone()).await;
        assert_eq!(a.status, 401, "{sig:?}: {}", a.body);
        assert!(a.json()["error"].is_string());
    }
    // The signature covers the exact bytes: the same JSON re-serialised differently fails.
    assert_eq!(srv.billing_raw(format!("{body} "), Some(good.clone())).await.status, 401);
    // Signed within 300 s is fine.
    assert_eq!(srv.billing_raw(bytes.clone(), Some(sign_at(now - 250, &bytes))).await.status, 202);
    exec(&st, "DELETE FROM billing_events").await;
    exec(&st, "DELETE FROM cameras").await;

    // 413: over 64 KiB, even when correctly signed.
    let big = event(
        "big-1",
        "billing.new_camera",
        json!({ "mac": "00:00:00:00:00:03", "serial_number": "x".repeat(70 * 1024) }),
    );
    let (status, answer) = srv.billing(&big).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer["error"].is_string());
    none_stored().await;
    assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, 0);

    // Without a configured secret every request is refused.
    let router = server::router::build(st.clone(), leptos_options("target/site"), None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let res = srv
        .client
        .post(format!("http://{addr}/api/billing/v1/events"))
        .header("x-billing-signature", sign_now(&bytes))
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
    expect_applied(&srv, &camera("r-00", "00:AA:00:00:00:01"), "billing.new_camera").await;
    let users_before = count(&st, "SELECT COUNT(*) FROM users").await;
    let cameras_before = count(&st, "SELECT COUNT(*) FROM cameras").await;
    let locations_before = count(&st, "SELECT COUNT(*) FROM locations").await;
    let alice = account(&st, "A-1").await;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "r-1",
            event(
                "r-1",
                "billing.new_entity",
                json!({ "account": "A-2", "login": "bob", "name": "Bob" }),
            ),
            "password",
        ),
        ("r-2", new_entity("r-2", "A-2", "alice", "secret-pw-r2"), "login"),
        ("r-3", new_entity("r-3", "A-1", "someone", "secret-pw-r3"), "account"),
        (
            "r-4",
            event("r-4", "billing.pause_entity", json!({ "account": "A-404" })),
            "account",
        ),
        ("r-5", camera("r-5", "00:GG:00:00:00:01"), "mac"),
        ("r-6", camera("r-6", "00-aa-00-00-00-01"), "mac"),
        (
            "r-7",
            event(
                "r-7",
                "billing.attach_camera",
                json!({ "account": "A-1", "mac": "00:AA:00:00:00:02", "csa": "77-001-0043" }),
            ),
            "mac",
        ),
        (
            "r-8",
            event(
                "r-8",
                "billing.attach_camera",
                json!({ "account": "A-1", "mac": "00:AA:00:00:00:01", "csa": "77-001-0043", "archive_days": 0 }),
            ),
            "archive_days",
        ),
        (
            "r-9",
            event("r-9", "billing.update_login", json!({ "account": "A-1", "login": "two words" })),
            "login",
        ),
        (
            "r-10",
            event(
                "r-10",
                "billing.new_entity",
                json!({ "account": "A-5", "login": "eve", "password": "p", "name": "Eve", "properties": { "n": 1 } }),
            ),
            "properties",
        ),
        ("r-11", event("r-11", "billing.create_location", json!({ "account": "A-1" })), "csa"),
        ("r-12", event("r-12", "billing.new_camera", json!({ "serial_number": "S" })), "mac"),
        (
            "r-13",
            event(
                "r-13",
                "billing.detach_camera",
                json!({ "account": "A-1", "mac": "00:AA:00:00:00:09" }),
            ),
            "mac",
        ),
        (
            "r-14",
            event("r-14", "billing.update_password", json!({ "account": "A-1", "password": 5 })),
            "password",
        ),
    ];
    for (id, body, field) in &cases {
        let (status, answer) = srv.billing(body).await;
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
        let payload = scalar(&st, &format!("SELECT payload FROM billing_events WHERE request_id = '{id}'")).await;
        assert!(!payload.contains("secret-pw"), "{payload}");
    }
    // Nothing else changed.
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users").await, users_before);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, cameras_before);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM locations").await, locations_before);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM user_cameras").await, 0);
    assert_eq!(scalar(&st, &format!("SELECT login FROM users WHERE id = {alice}")).await, "alice");
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
        scalar(&st, "SELECT event_type FROM billing_events WHERE request_id = 'r-5'").await,
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
        camera("u-2", "00:00:00:00:00:01"),
        event("u-3", "billing.pause_entity", json!({ "account": "A-404" })),
    ] {
        let (status, answer) = srv.billing(&body).await;
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

/// On PostgreSQL a batch that waits (here for a row lock another
/// connection holds, in production for a slow statement or its commit's WAL
/// flush) does not hold up the events behind it: a second writer takes and
/// applies them meanwhile. With one writer the camera below waits for the
/// lock too and the test times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_postgres_a_waiting_batch_does_not_hold_up_the_next() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let Some(st) = state(Backend::Postgres).await else { return };
    let srv = std::sync::Arc::new(serve(st.clone()).await);
    expect_applied(&srv, &new_entity("w-1", "A-1", "alice", "pw-alice-1"), "billing.new_entity").await;
    let lock = st.db.begin().await.unwrap();
    lock.execute_unprepared("SELECT id FROM users WHERE account = 'A-1' FOR UPDATE")
        .await
        .unwrap();
    let paused = {
        let srv = srv.clone();
        tokio::spawn(async move {
            srv.billing(&event("w-2", "billing.pause_entity", json!({ "account": "A-1" })))
                .await
        })
    };
    // Until the pause's batch waits for the lock.
    let waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()";
    let mut tries = 0;
    while scalar_i64(&st.db, waiting).await == 0 {
        tries += 1;
        assert!(tries < 200, "the pause never waited for the lock");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let camera = tokio::time::timeout(std::time::Duration::from_secs(5), srv.billing(&camera("w-3", "00:00:00:00:0A:01")))
        .await
        .expect("the camera waited behind the locked batch");
    assert_eq!(camera.0, 202, "{}", camera.1);
    assert!(!paused.is_finished());
    lock.commit().await.unwrap();
    let (status, answer) = paused.await.unwrap();
    assert_eq!(status, 202, "{answer}");
    assert_eq!(
        scalar_i64(&st.db, "SELECT COUNT(*) FROM users WHERE account = 'A-1' AND status = 'paused'").await,
        1
    );
}

/// Sends `body` `n` times at once and checks that exactly one copy was
/// applied (202) and every other got that answer as a duplicate (200); the
/// applied answer, marked duplicate, is returned.
async fn send_at_once_applies_once(srv: &std::sync::Arc<TestServer>, body: &str, n: usize) -> Value {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (srv, body) = (srv.clone(), body.to_string());
            tokio::spawn(async move { srv.billing(&body).await })
        })
        .collect();
    let mut answers = vec![];
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let applied: Vec<_> = answers.iter().filter(|(s, _)| *s == 202).collect();
    let dups: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(applied.len(), 1, "{answers:?}");
    assert_eq!(dups.len(), n - 1, "{answers:?}");
    let mut expected = applied[0].1.clone();
    expected["duplicate"] = json!(true);
    assert!(dups.iter().all(|(_, b)| *b == expected), "{answers:?}");
    expected
}

both!(billing_same_id_sent_concurrently_applies_once, |st: AppState| async move {
    let srv = std::sync::Arc::new(serve(st.clone()).await);
    let body = new_entity("race-1", "A-9", "racer", "pw-racer-1");
    send_at_once_applies_once(&srv, &body, 16).await;
    assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events").await, 1);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE account = 'A-9'").await, 1);
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM user_permissions").await,
        app::permissions::BILLING_USER_DEFAULTS.len() as i64
    );
});

both!(
    billing_same_id_without_password_sent_concurrently_applies_once,
    |st: AppState| async move {
        // No password, so on SQLite the group-commit writer finds the copies
        // itself (stored before, or a second copy in the same batch).
        let srv = std::sync::Arc::new(serve(st.clone()).await);
        let body = event(
            "race-cam",
            "billing.new_camera",
            json!({ "mac": "02:00:00:00:AA:01", "serial_number": "SN-race" }),
        );
        let expected = send_at_once_applies_once(&srv, &body, 24).await;
        // And a retry long after: the same stored answer.
        assert_eq!(srv.billing(&body).await, (200, expected));
        assert_eq!(count(&st, "SELECT COUNT(*) FROM billing_events").await, 1);
        assert_eq!(count(&st, "SELECT COUNT(*) FROM cameras").await, 1);
    }
);

both!(billing_thousand_events_concurrently, |st: AppState| async move {
    use futures::StreamExt;
    let srv = serve(st.clone()).await;
    // Mostly cameras (cheap), some subscribers (Argon2id on every one).
    let bodies: Vec<String> = (0..1000u32)
        .map(|i| {
            if i.is_multiple_of(50) {
                new_entity(&format!("bulk-{i}"), &format!("B-{i}"), &format!("bulk{i}"), "pw-bulk-123")
            } else {
                event(
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
            async move { srv.billing(b).await.0 }
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
                39 => event(
                    &format!("mix-{i}"),
                    "billing.detach_camera",
                    json!({ "account": "NOBODY", "mac": mac(i) }),
                ),
                _ => event(
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
                let (status, body) = srv.billing(b).await;
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
        let (_, signed_out) = admin_session(&st, "leaver").perms(&["users.view"]).await;
        let (demoted_id, demoted) = admin_session(&st, "demoted").perms(&["users.view"]).await;
        let (_, stays) = admin_session(&st, "stays").perms(&["users.view"]).await;
        let open = |cookie: String| {
            let srv = &srv;
            async move {
                let res = srv.open("/sse/billing-events", &cookie).await;
                assert_eq!(res.status(), 200);
                res
            }
        };
        let (a, b, c) = (open(signed_out.clone()).await, open(demoted).await, open(stays).await);
        // One administrator signs out, another loses `users.view`.
        let token = app::backend::auth::token_hash(signed_out.split_once('=').unwrap().1);
        exec(&st, format!("DELETE FROM admin_sessions WHERE token_hash = '{token}'")).await;
        exec(&st, format!("DELETE FROM admin_permissions WHERE admin_id = {demoted_id}")).await;
        expect_applied(&srv, &camera("gone-1", "00:00:00:00:0A:01"), "billing.new_camera").await;
        for (who, res) in [("signed out", a), ("without users.view", b)] {
            let (text, ended) = until_end(res, "event: billing", 10).await;
            assert!(ended && !text.contains("event: billing"), "{who}: ended {ended}, got {text:?}");
        }
        let (text, ended) = until_end(c, "event: billing", 10).await;
        assert!(
            !ended && text.contains("event: billing\ndata: global\n"),
            "still allowed: ended {ended}, got {text:?}"
        );
    }
);

both!(billing_sse_streams_stored_events, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    expect_applied(&srv, &new_entity("s-0", "A-1", "alice", "pw-alice-1"), "billing.new_entity").await;
    let alice = account(&st, "A-1").await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let (_, nobody) = admin_session(&st, "nobody").await;
    let (_, scoped) = admin_session(&st, "scoped").perms(&["users.view"]).await;
    let mine = format!("/sse/billing-events?user_id={alice}");

    // Refusals: no session, no users.view, a user outside the scope, an unknown user.
    for (path, cookie, status) in [
        ("/sse/billing-events", "", 401),
        ("/sse/billing-events", &nobody, 403),
        (&mine, &scoped, 404),
        ("/sse/billing-events?user_id=999999", &root, 404),
    ] {
        assert_eq!(srv.open(path, cookie).await.status(), status, "{path}");
    }

    // The user's stream and the global stream each get their own events.
    let user_stream = srv.open(&mine, &root).await;
    assert_eq!(user_stream.status(), 200);
    assert!(user_stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let global_stream = srv.open("/sse/billing-events", &root).await;
    assert_eq!(global_stream.status(), 200);
    expect_applied(&srv, &camera("s-1", "00:00:00:00:00:01"), "billing.new_camera").await;
    let pause = event("s-2", "billing.pause_entity", json!({ "account": "A-1" }));
    expect_applied(&srv, &pause, "billing.pause_entity").await;

    let first_event = |mut res: reqwest::Response| async move {
        let mut text = String::new();
        while !text.contains("event: billing") || !text.ends_with("\n\n") {
            text.push_str(&wait_for_event(&mut res, "\n", 10).await);
        }
        text
    };
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
        let body = camera(&format!("g-{i}"), &format!("00:00:00:00:00:{i:02X}"));
        expect_applied(&srv, &body, "billing.new_camera").await;
    }
    let (status, _) = srv
        .billing(&event("g-x", "billing.pause_entity", json!({ "account": "A-404" })))
        .await;
    assert_eq!(status, 422);
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let (_, nobody) = admin_session(&st, "nobody").await;
    let (status, _) = srv.call_fn("billing-log/list", &nobody, "query[sort]=received").await;
    assert_eq!(status, 403);
    let (status, page) = srv.call_fn("billing-log/list", &root, "query[sort]=received").await;
    assert_eq!(status, 200, "{page}");
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 25);
    // Newest first; nothing that concerns a user.
    assert_eq!(rows[0]["request_id"], "g-x");
    assert_eq!(rows[0]["outcome"], "rejected");
    assert_eq!(rows[1]["request_id"], "g-30");
    assert_eq!(rows[1]["event_type"], T::NewCamera.slug());
    assert!(rows.iter().all(|r| r["request_id"] != "g-0"));
    let next = page["next"].as_str().unwrap();
    let (_, page2) = srv.call_fn("billing-log/list", &root, &[("query[after]", next)]).await;
    let rows2 = page2["rows"].as_array().unwrap();
    assert_eq!(rows2.len(), 6);
    assert_eq!(rows2.last().unwrap()["request_id"], "g-1");

    // The page renders for a signed-in administrator.
    let r = srv.get("/billing-log", &root).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Billing log") && r.body.contains("g-30"), "{}", r.body);
});

both!(billing_openapi_describes_the_contract, |st: AppState| async move {
    let srv = serve(st).await;
    let r = srv.app_get("/api/billing/v1/openapi.json", "").await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let post = &doc["paths"]["/api/billing/v1/events"]["post"];
    for status in ["200", "202", "400", "401", "413", "422", "503"] {
        assert!(post["responses"][status].is_object(), "{status}");
    }
    assert_eq!(post["parameters"][0]["name"], "X-Billing-Signature");
    let text = post["requestBody"].to_string();
    for t in T::requests() {
        assert!(text.contains(&format!("\"{t}\"")), "{t}");
    }
});

both!(billing_sender_command_signs_and_sends, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let bin = env!("CARGO_BIN_EXE_vigil-billing");
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new(bin)
            .args(["--url", &srv.base, "--secret", TEST_BILLING_SECRET, "send"])
            .arg(camera("cli-1", "00:00:00:00:0C:01"))
            .output()
    })
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("202 "));
    let dir = std::env::temp_dir().join(format!("vigil-billing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("events-{}.jsonl", chrono::Utc::now().timestamp_micros()));
    let lines: Vec<String> = (2..=40)
        .map(|i| camera(&format!("cli-{i}"), &format!("00:00:00:00:0C:{i:02X}")))
        .chain(std::iter::once(event("cli-1", "billing.new_camera", json!({}))))
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

// Each event's effect in few statements (a statement is a round trip; on
// SQLite a hand-off to the connection's thread and back): the ids an event
// names are found with one statement, and an insert that may conflict lets
// the unique index decide instead of a lookup first. Counted by the state's
// statement counter around one delivery at a time, so each is a batch of one:
// the budget plus the batch's own two (stored ids, the multi-row insert) and,
// on PostgreSQL, its NOTIFY.
both!(billing_events_stay_within_their_statements, |st: AppState| async move {
    use std::sync::atomic::Ordering;
    directory(&st).await;
    let srv = serve(st.clone()).await;
    expect_applied(&srv, &new_entity("s-0", "S-1", "stmt", "pw-stmt-123"), "billing.new_entity").await;
    // The location exists from here on (the tree is built on first use).
    let located = json!({ "account": "S-1", "csa": "77-001-0043" });
    expect_applied(
        &srv,
        &event("s-1", "billing.create_location", located.clone()),
        "billing.create_location",
    )
    .await;
    let mac = "02:00:00:00:5E:01";
    let attach = json!({ "account": "S-1", "mac": mac, "csa": "77-001-0043", "archive_days": 14, "replace": false });
    let overhead = if st.backend() == sea_orm::DbBackend::Postgres { 3 } else { 2 };
    let steps: [(&str, &str, Value, u64); 7] = [
        ("s-2", "billing.new_camera", json!({ "mac": mac, "serial_number": "S" }), 1),
        ("s-3", "billing.attach_camera", attach.clone(), 3),
        ("s-4", "billing.attach_camera", attach, 3),
        ("s-5", "billing.create_location", located, 2),
        ("s-6", "billing.detach_camera", json!({ "account": "S-1", "mac": mac }), 2),
        ("s-7", "billing.pause_entity", json!({ "account": "S-1" }), 1),
        (
            "s-8",
            "billing.delete_location",
            json!({ "account": "S-1", "csa": "77-001-0043" }),
            3,
        ),
    ];
    for (id, ty, data, budget) in steps {
        let before = st.statements.load(Ordering::SeqCst);
        expect_applied(&srv, &event(id, ty, data), ty).await;
        let ran = st.statements.load(Ordering::SeqCst) - before;
        assert!(ran > overhead, "{ty}: only {ran} statements counted");
        assert!(ran <= budget + overhead, "{ty}: {ran} statements, at most {budget} + {overhead}");
    }
    // The effects happened: the camera placed, then detached; the location
    // unlinked (the camera still stands there, so the node stays).
    assert_eq!(
        count(
            &st,
            format!("SELECT COUNT(*) FROM cameras WHERE mac = '{mac}' AND archive_days = 14")
        )
        .await,
        1
    );
    assert_eq!(count(&st, "SELECT COUNT(*) FROM user_cameras").await, 0);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM user_locations").await, 0);
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM users WHERE account = 'S-1' AND status = 'paused'").await,
        1
    );
});
