//! The data a test starts from, made directly in the database: users (one
//! builder for main and sub users), locations, cameras, licences, analytics
//! cases, intercoms and flats, administrators (a builder too) and sessions.

use app::backend::entities::{admin_sessions, admins, analytics_cases, cameras, client_sessions, intercoms, locations, users};
use app::backend::{auth, bulk, AppState};
use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, Set, Value};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use super::count;

/// The password of users made `.password(PW)`.
pub const PW: &str = "subscriber-pw-1";

/// A user to insert: `user(&st, "alice").sub_of(main).perms(&[…]).await`
/// gives its id. By default a billing main user, active, named
/// "User <login>", without a usable password (hashing is slow, so only
/// sign-in tests pay for it) and without permissions.
pub struct UserBuilder<'a> {
    st: &'a AppState,
    login: String,
    name: String,
    kind: Option<&'static str>,
    status: &'static str,
    parent: Option<i64>,
    perms: Vec<String>,
    password: Option<String>,
    properties: String,
    profile: bool,
    permissions_version: i64,
    expires_at: Option<DateTime<Utc>>,
}

pub fn user<'a>(st: &'a AppState, login: &str) -> UserBuilder<'a> {
    UserBuilder {
        st,
        login: login.into(),
        name: format!("User {login}"),
        kind: None,
        status: "active",
        parent: None,
        perms: vec![],
        password: None,
        properties: "{}".into(),
        profile: false,
        permissions_version: 0,
        expires_at: None,
    }
}

impl UserBuilder<'_> {
    /// A sub user of `parent` (kind sub).
    pub fn sub_of(mut self, parent: i64) -> Self {
        self.parent = Some(parent);
        self
    }
    pub fn status(mut self, status: &'static str) -> Self {
        self.status = status;
        self
    }
    /// Kind `admin`: an account made by an administrator (these may expire).
    pub fn admin_made(mut self, expires_at: DateTime<Utc>) -> Self {
        self.kind = Some("admin");
        self.expires_at = Some(expires_at);
        self
    }
    pub fn perms(mut self, perms: &[&str]) -> Self {
        self.perms = perms.iter().map(|p| p.to_string()).collect();
        self
    }
    /// An Argon2id hash of `password`.
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.into());
        self
    }
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }
    /// The JSON properties billing sent.
    pub fn properties(mut self, json: &str) -> Self {
        self.properties = json.into();
        self
    }
    /// Everything the card's User tab shows: account (main users),
    /// contract, tariff, phone, e-mail, address.
    pub fn profile(mut self) -> Self {
        self.profile = true;
        self
    }
    pub fn permissions_version(mut self, v: i64) -> Self {
        self.permissions_version = v;
        self
    }

    async fn insert(self) -> i64 {
        let (st, now, login) = (self.st, self.st.clock.now(), self.login.clone());
        let profile = |v: String| Set(self.profile.then_some(v));
        let id = users::Entity::insert(users::ActiveModel {
            kind: Set(self.kind.unwrap_or(if self.parent.is_some() { "sub" } else { "billing" }).into()),
            status: Set(self.status.into()),
            parent_id: Set(self.parent),
            login: Set(login.clone()),
            password_hash: Set(self.password.as_deref().map_or("not-a-hash".into(), app::backend::password::hash)),
            name: Set(self.name.clone()),
            account: Set((self.profile && self.parent.is_none()).then(|| format!("ACC-{login}"))),
            contract_number: profile("C-777".into()),
            tariff: profile("Home 100".into()),
            phone: profile("+7 900 000 00 00".into()),
            email: profile(format!("{login}@example.net")),
            address: profile("Moscow, Lenina St 1".into()),
            properties: Set(self.properties.clone()),
            sync_version: Set(0),
            permissions_version: Set(self.permissions_version),
            expires_at: Set(self.expires_at),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&st.db)
        .await
        .unwrap()
        .last_insert_id;
        let rows = self.perms.iter().map(|p| vec![Value::from(id), Value::from(p.clone())]).collect();
        bulk::insert(&st.db, "user_permissions", &["user_id", "slug"], rows).await.unwrap();
        id
    }
}

impl<'a> IntoFuture for UserBuilder<'a> {
    type Output = i64;
    type IntoFuture = Pin<Box<dyn Future<Output = i64> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.insert())
    }
}

static SEQ: AtomicU64 = AtomicU64::new(1);

/// A camera of `user` (source billing, active, a MAC and serial number no
/// other camera of the binary has), at `location` if any.
pub async fn camera(st: &AppState, user: i64, name: &str, location: Option<i64>) -> i64 {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let id = cameras::Entity::insert(cameras::ActiveModel {
        name: Set(name.into()),
        mac: Set(format!(
            "02:5E:C0:{:02X}:{:02X}:{:02X}",
            (n >> 16) & 0xFF,
            (n >> 8) & 0xFF,
            n & 0xFF
        )),
        serial_number: Set(format!("SN-T-{n}")),
        status: Set("active".into()),
        location_id: Set(location),
        source: Set("billing".into()),
        archive_days: Set(7),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    let link = vec![vec![user.into(), id.into(), st.clock.now().into()]];
    bulk::insert(&st.db, "user_cameras", &["user_id", "camera_id", "created_at"], link)
        .await
        .unwrap();
    id
}

/// A location of `kind` under `parent` (its id and path); its id and path.
pub async fn location(st: &AppState, parent: Option<(i64, &str)>, kind: &str, name: &str) -> (i64, String) {
    let id = locations::Entity::insert(locations::ActiveModel {
        parent_id: Set(parent.map(|p| p.0)),
        csa: Set(None),
        kind: Set(kind.into()),
        name: Set(name.into()),
        path: Set(format!("/tmp-{}/", super::fresh())),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    let path = format!("{}{id}/", parent.map(|p| p.1).unwrap_or("/"));
    // The address as billing writes it: the parent's, then this name.
    super::exec(
        st,
        &format!(
            "UPDATE locations SET path = '{path}', address = COALESCE((SELECT p.address || ', ' FROM locations p \
             WHERE p.id = locations.parent_id), '') || name WHERE id = {id}"
        ),
    )
    .await;
    (id, path)
}

/// The id of the analytics level named `name` ("Level 1", …).
pub async fn level(st: &AppState, name: &str) -> i64 {
    count(st, &format!("SELECT id FROM analytics_levels WHERE name = '{name}'")).await
}

/// `total` licences of `level` for `user`.
pub async fn licences(st: &AppState, user: i64, level: i64, total: i32) {
    let none = Value::from(None::<DateTime<Utc>>);
    let row = vec![user.into(), level.into(), total.into(), none, 0i64.into(), st.clock.now().into()];
    let columns = ["user_id", "level_id", "total", "removed_at", "version", "updated_at"];
    bulk::insert(&st.db, "licence_allocations", &columns, vec![row]).await.unwrap();
}

/// An analytics case of `user` (main user `main`) of type `type_slug` on `cameras`.
pub async fn case(st: &AppState, user: i64, main: i64, type_slug: &str, cameras: &[i64]) -> i64 {
    let ty = count(st, &format!("SELECT id FROM analytics_types WHERE slug = '{type_slug}'")).await;
    let level = count(st, &format!("SELECT level_id FROM analytics_types WHERE id = {ty}")).await;
    let id = analytics_cases::Entity::insert(analytics_cases::ActiveModel {
        user_id: Set(user),
        main_user_id: Set(main),
        type_id: Set(ty),
        level_id: Set(level),
        name: Set("Door watch".into()),
        status: Set("active".into()),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    let links = cameras.iter().map(|c| vec![Value::from(id), Value::from(*c)]).collect();
    bulk::insert(&st.db, "analytics_case_cameras", &["case_id", "camera_id"], links)
        .await
        .unwrap();
    id
}

/// [`case`] on `cameras` new cameras (no user) with `events` events spread
/// over them, inserted in bulk.
pub async fn case_with_events(st: &AppState, owner: i64, main: i64, type_slug: &str, cameras: usize, events: usize) -> i64 {
    let db = &st.db;
    let now = st.clock.now();
    let first = bulk::next_id(db, "cameras").await.unwrap();
    let ids: Vec<i64> = (first..first + cameras as i64).collect();
    let cams = ids
        .iter()
        .map(|&id| {
            let mac = format!("02:00:00:{:02x}:{:02x}:{:02x}", (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
            let values = [format!("Cam {id}"), mac, format!("SN{id}"), "active".into(), "manual".into()];
            std::iter::once(Value::from(id))
                .chain(values.into_iter().map(Value::from))
                .chain([now.into()])
                .collect()
        })
        .collect();
    let columns = ["id", "name", "mac", "serial_number", "status", "source", "created_at"];
    bulk::insert(db, "cameras", &columns, cams).await.unwrap();
    bulk::fix_sequences(db, &["cameras"]).await.unwrap();
    let case = case(st, owner, main, type_slug, &ids).await;
    let ev = (0..events)
        .map(|e| {
            let camera = ids[e % cameras.max(1)];
            let snapshot = format!("snap/{case}/{e}.jpg");
            vec![case.into(), camera.into(), "line_crossed".into(), snapshot.into(), now.into()]
        })
        .collect();
    let columns = ["case_id", "camera_id", "kind", "snapshot_ref", "occurred_at"];
    bulk::insert(db, "case_events", &columns, ev).await.unwrap();
    case
}

/// An intercom (flats 1 to 40) at `location`.
pub async fn intercom(st: &AppState, name: &str, location: Option<i64>) -> i64 {
    intercoms::Entity::insert(intercoms::ActiveModel {
        name: Set(name.into()),
        address: Set("Main St 1".into()),
        department: Set("Entrance 1".into()),
        status: Set("online".into()),
        location_id: Set(location),
        flat_from: Set(1),
        flat_to: Set(40),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id
}

/// Puts `user` in flat `number` behind `intercom` (an apartment and its
/// tenant link); the apartment's id.
pub async fn apartment(st: &AppState, intercom: i64, number: i32, user: i64) -> i64 {
    let flat = app::backend::entities::apartments::Entity::insert(app::backend::entities::apartments::ActiveModel {
        intercom_id: Set(intercom),
        number: Set(number),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    let link = vec![vec![user.into(), flat.into(), st.clock.now().into()]];
    bulk::insert(&st.db, "user_apartments", &["user_id", "apartment_id", "created_at"], link)
        .await
        .unwrap();
    flat
}

/// An administrator to insert: `admin_session(&st, "boss").perms(&[…]).scope(&[city]).await`
/// gives its id and a console session cookie. By default without
/// permissions and without scope (it sees nothing).
pub struct AdminBuilder<'a> {
    st: &'a AppState,
    login: String,
    is_super: bool,
    perms: Vec<String>,
    scope: Vec<i64>,
}

pub fn admin_session<'a>(st: &'a AppState, login: &str) -> AdminBuilder<'a> {
    AdminBuilder {
        st,
        login: login.into(),
        is_super: false,
        perms: vec![],
        scope: vec![],
    }
}

impl AdminBuilder<'_> {
    /// A super-administrator: every permission, no scope limit.
    pub fn super_admin(mut self) -> Self {
        self.is_super = true;
        self
    }
    pub fn perms(mut self, perms: &[&str]) -> Self {
        self.perms = perms.iter().map(|p| p.to_string()).collect();
        self
    }
    /// The locations (ids) whose cameras it may see.
    pub fn scope(mut self, locations: &[i64]) -> Self {
        self.scope = locations.to_vec();
        self
    }

    async fn insert(self) -> (i64, String) {
        let st = self.st;
        let admin = admins::Entity::insert(admins::ActiveModel {
            login: Set(self.login.clone()),
            name: Set(format!("Admin {}", self.login)),
            password_hash: Set(app::backend::password::hash("password-1")),
            is_super: Set(self.is_super),
            time_zone: Set("UTC".into()),
            disabled: Set(false),
            created_at: Set(st.clock.now()),
            ..Default::default()
        })
        .exec(&st.db)
        .await
        .unwrap()
        .last_insert_id;
        let perms = self
            .perms
            .iter()
            .map(|p| vec![Value::from(admin), Value::from(p.clone())])
            .collect();
        bulk::insert(&st.db, "admin_permissions", &["admin_id", "slug"], perms)
            .await
            .unwrap();
        let scope = self.scope.iter().map(|l| vec![Value::from(admin), Value::from(*l)]).collect();
        bulk::insert(&st.db, "admin_scopes", &["admin_id", "location_id"], scope)
            .await
            .unwrap();
        (admin, admin_cookie(st, admin).await)
    }
}

impl<'a> IntoFuture for AdminBuilder<'a> {
    type Output = (i64, String);
    type IntoFuture = Pin<Box<dyn Future<Output = (i64, String)> + Send + 'a>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.insert())
    }
}

/// A new console session of an existing administrator.
pub async fn admin_cookie(st: &AppState, admin: i64) -> String {
    let token = auth::new_token();
    let now = st.clock.now();
    admin_sessions::Entity::insert(admin_sessions::ActiveModel {
        token_hash: Set(auth::token_hash(&token)),
        admin_id: Set(admin),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(1)),
    })
    .exec(&st.db)
    .await
    .unwrap();
    format!("{}={token}", auth::ADMIN_COOKIE)
}

/// A web-client session cookie for `user_id`, made directly.
pub async fn client_cookie(st: &AppState, user_id: i64) -> String {
    let token = auth::new_token();
    let now = st.clock.now();
    client_sessions::Entity::insert(client_sessions::ActiveModel {
        token_hash: Set(auth::token_hash(&token)),
        user_id: Set(user_id),
        impersonator_admin_id: Set(None),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(1)),
    })
    .exec(&st.db)
    .await
    .unwrap();
    format!("{}={token}", app::backend::subscriber_auth::CLIENT_COOKIE)
}

/// Stores and applies one billing event, as the webhook does after the
/// signature check.
pub async fn billing_event(st: &AppState, id: &str, ty: &str, data: serde_json::Value) -> app::backend::services::billing::Answer {
    let body = super::event(id, ty, data);
    let incoming = app::backend::services::billing::parse::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{}", e.message));
    app::backend::services::billing::receive(st, incoming).await.unwrap()
}

/// The id of the user billing knows by `account`.
pub async fn account(st: &AppState, account: &str) -> i64 {
    count(st, &format!("SELECT id FROM users WHERE account = '{account}'")).await
}

impl super::TestServer {
    /// A web-client session opened the real way: Login as User by the
    /// administrator of `admin`, then the ticket link, as the new browser
    /// tab follows it (in the same browser, so with the console cookie).
    pub async fn impersonated(&self, admin: &str, user: i64) -> String {
        let url = self.ticket(admin, user).await;
        let r = self.get(&url, admin).await;
        assert_eq!(r.status, 303, "{url}: {}", r.body);
        r.cookie()
    }

    /// A Login as User link for `user`, made by the administrator of `admin`.
    pub async fn ticket(&self, admin: &str, user: i64) -> String {
        let (status, url) = self.call_fn("impersonate", admin, &[("user_id", user)]).await;
        assert_eq!(status, 200, "impersonate: {url}");
        url.as_str().unwrap().to_string()
    }
}
