//! The authorisation matrix: every server function (`#[server(` in
//! app/src/api) and every other route × the seven kinds of caller, with the
//! expected answer in each cell. The test prints the whole matrix and fails
//! listing every cell that differs, every denial or out-of-scope answer
//! that mentions the target user, and every answer to an administrator of
//! the target's city that mentions the account outside it.

use super::*;
use crate::both;
use app::permissions::admin::{
    ADMINS_MANAGE, AUDIT_VIEW, INTERCOMS_EDIT, LICENSES_EDIT, SUBUSERS_EDIT, USERS_ACCESS_EDIT, USERS_IMPERSONATE, USERS_SYNC, USERS_VIEW,
};

/// The callers, in column order. Every cell gets sessions of its own, so a
/// sign-out in one row cannot change another.
/// - anon: no cookie;
/// - no-perm: an administrator in scope holding every permission but the
///   row's (for rows needing none: an administrator without permissions);
/// - out-scope: every permission, scoped to a city without the target;
/// - in-scope: every permission, scoped to the target's city;
/// - main / sub: web-client sessions of the target and of its sub user;
/// - imperson.: the target's web client opened by Login as User.
const WHO: [&str; 7] = ["anon", "no-perm", "out-scope", "in-scope", "main", "sub", "imperson."];

/// An expected answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum X {
    /// Allowed: 2xx.
    A,
    /// Allowed, answered with a redirect to somewhere else than a sign-in.
    R,
    /// Redirect to the console sign-in (`/login…`): a page without a session.
    L,
    /// Redirect to the web client's sign-in (`/client/login`).
    C,
    /// This status exactly.
    S(u16),
    /// Refused with this status, either at once or by the page an index
    /// route redirects to (followed once).
    D(u16),
}
use X::{A, C, D, L, R, S};
/// No session (401), missing permission (403), outside scope or not yours
/// (404), refused input (422), spent ticket (410).
const U: X = S(401);
const F: X = S(403);
const N: X = S(404);
const V: X = S(422);
const G: X = S(410);

/// One row: `req` is `fn <endpoint>` (server function: same-origin
/// form POST to /api/<endpoint>), `xsite <endpoint>` (the same from another
/// site), `GET <path>` (a browser navigation), `JSON <path>` (a POST of a
/// JSON body), `SIGNED <path>` / `POST <path>` (the billing webhook with and
/// without a signature). `args` is the form or JSON body; `needs` the
/// administrator permission the no-perm column lacks.
struct Row {
    req: &'static str,
    args: &'static str,
    needs: &'static str,
    expect: [X; 7],
}

const fn row(req: &'static str, args: &'static str, needs: &'static str, expect: [X; 7]) -> Row {
    Row { req, args, needs, expect }
}

const VIEW: &str = USERS_VIEW;
const Q: &str = "query[last]=false";

/// Placeholders: {main} {sub} {helper} {camera} {intercom} {level2} {bob}
/// {bob_sub} {bob_camera}; per column {own_case} {own_sub} (the caller's
/// own, so that each allowed delete deletes something) and {not_mine} (a case
/// of another account; for the sub user, one of its main user's); read at
/// call time {fresh} {main_version} {main_perms} {sub_version} {helper_version}
/// {helper_perms} {level2_version} (so that allowed writes repeat
/// harmlessly: they save what is already there).
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //                                                                                  anon no-p out  in   main sub  imp
    // Console sign-in and session.
    row("fn login", "login={fresh}&password=", "",                                       [V,  V,   V,   V,   V,   V,   V]),
    row("fn me", "", "",                                                                 [U,  A,   A,   A,   U,   U,   U]),
    // Lists: scope filters their rows (checked below: no target in them).
    row("fn users/list", "query[sort]=id", VIEW,                                         [U,  F,   A,   A,   U,   U,   U]),
    row("fn billing-log/list", Q, VIEW,                                                  [U,  F,   A,   A,   U,   U,   U]),
    // The user card.
    row("fn card/header", "user_id={main}", VIEW,                                        [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/header", "user_id={sub}", VIEW,                                         [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/user", "user_id={main}", VIEW,                                          [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/cameras", "user_id={main}&query[last]=false", VIEW,                     [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/intercoms", "user_id={main}&query[last]=false", VIEW,                   [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/sub-users", "user_id={main}&query[last]=false", VIEW,                   [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/billing-events", "user_id={main}&query[last]=false", VIEW,              [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/access", "user_id={main}", VIEW,                                        [U,  F,   N,   A,   U,   U,   U]),
    row("fn card/analytics", "user_id={main}", VIEW,                                     [U,  F,   N,   A,   U,   U,   U]),
    // Access settings, sub users' permissions, licences.
    row("fn access/save", "user_id={main}&{main_perms}&version={main_version}", USERS_ACCESS_EDIT,
                                                                                         [U,  F,   N,   A,   U,   U,   U]),
    row("fn access/sub-user", "user_id={main}&sub_user_id={helper}", VIEW,               [U,  F,   N,   A,   U,   U,   U]),
    row("fn access/sub-user", "user_id={main}&sub_user_id={bob_sub}", VIEW,              [U,  F,   N,   N,   U,   U,   U]),
    row("fn access/sub-user/save", "user_id={main}&sub_user_id={helper}&{helper_perms}&version={helper_version}", SUBUSERS_EDIT,
                                                                                         [U,  F,   N,   A,   U,   U,   U]),
    // …within what the main user holds, licensed levels only, its own sub users only.
    row("fn access/sub-user/save", "user_id={main}&sub_user_id={helper}&permissions[0]=ptz&version={helper_version}", SUBUSERS_EDIT,
                                                                                         [U,  F,   N,   V,   U,   U,   U]),
    row("fn access/sub-user/save", "user_id={main}&sub_user_id={helper}&permissions[0]=analytic-cases-face-recognition&version={helper_version}",
        SUBUSERS_EDIT,                                                                   [U,  F,   N,   V,   U,   U,   U]),
    row("fn access/sub-user/save", "user_id={main}&sub_user_id={bob_sub}&permissions[0]=cameras-view&version=0", SUBUSERS_EDIT,
                                                                                         [U,  F,   N,   N,   U,   U,   U]),
    row("fn access/save", "user_id={sub}&permissions[0]=ptz&version={sub_version}", USERS_ACCESS_EDIT,
                                                                                         [U,  F,   N,   V,   U,   U,   U]),
    row("fn access/licences", "user_id={main}", VIEW,                                    [U,  F,   N,   A,   U,   U,   U]),
    row("fn access/licences/set", "user_id={main}&level_id={level2}&total=5&version={level2_version}", LICENSES_EDIT,
                                                                                         [U,  F,   N,   A,   U,   U,   U]),
    // The card header's buttons.
    row("fn impersonate", "user_id={main}", USERS_IMPERSONATE,                           [U,  F,   N,   A,   U,   U,   U]),
    row("fn impersonate", "user_id={sub}", USERS_IMPERSONATE,                            [U,  F,   N,   A,   U,   U,   U]),
    row("fn impersonate", "user_id={bob}", USERS_IMPERSONATE,                            [U,  F,   A,   N,   U,   U,   U]),
    row("fn sync-cameras", "user_id={main}", USERS_SYNC,                                 [U,  F,   N,   A,   U,   U,   U]),
    // Devices; link then unlink, so the pair repeats.
    row("fn cameras/profile", "id={camera}", VIEW,                                       [U,  F,   N,   A,   U,   U,   U]),
    row("fn intercoms/card", "id={intercom}", VIEW,                                      [U,  F,   N,   A,   U,   U,   U]),
    row("fn intercoms/apartments", "id={intercom}&query[last]=false", VIEW,              [U,  F,   N,   A,   U,   U,   U]),
    row("fn intercoms/link", "intercom_id={intercom}&number=7&user={main}", INTERCOMS_EDIT,
                                                                                         [U,  F,   N,   A,   U,   U,   U]),
    row("fn intercoms/unlink", "intercom_id={intercom}&number=7&user_id={main}", INTERCOMS_EDIT,
                                                                                         [U,  F,   N,   A,   U,   U,   U]),
    // An intercom in scope does not open users outside it, by ID or by login.
    row("fn intercoms/link", "intercom_id={intercom}&number=8&user={bob}", INTERCOMS_EDIT,
                                                                                         [U,  F,   N,   N,   U,   U,   U]),
    row("fn intercoms/link", "intercom_id={intercom}&number=8&user=sec-bob", INTERCOMS_EDIT,
                                                                                         [U,  F,   N,   N,   U,   U,   U]),
    // Administrators: any manager reads; writes only on one no stronger
    // than the caller (the out-of-scope column's scope does not cover the
    // operator's: 403), within the caller's own rights.
    row("fn admins/list", "query[sort]=id", ADMINS_MANAGE,                               [U,  F,   A,   A,   U,   U,   U]),
    row("fn admins/get", "id={operator}", ADMINS_MANAGE,                                 [U,  F,   A,   A,   U,   U,   U]),
    row("fn admins/locations", "", ADMINS_MANAGE,                                        [U,  F,   A,   A,   U,   U,   U]),
    row("fn admins/locations", "parent={city_in}", ADMINS_MANAGE,                        [U,  F,   N,   A,   U,   U,   U]),
    row("fn admins/locations", "q=Entrance", ADMINS_MANAGE,                              [U,  F,   A,   A,   U,   U,   U]),
    row("fn admins/create", "login={fresh}&name=Matrix+Op&permissions[0]=users.view&scope[0]={entrance_in}", ADMINS_MANAGE,
                                                                                         [U,  F,   F,   A,   U,   U,   U]),
    row("fn admins/permissions", "id={operator}&permissions[0]=users.view&version={operator_version}", ADMINS_MANAGE,
                                                                                         [U,  F,   F,   A,   U,   U,   U]),
    row("fn admins/scope", "id={operator}&scope[0]={entrance_in}&version={operator_version}", ADMINS_MANAGE,
                                                                                         [U,  F,   F,   A,   U,   U,   U]),
    row("fn admins/enabled", "id={operator}&enabled=true&version={operator_version}", ADMINS_MANAGE,
                                                                                         [U,  F,   F,   A,   U,   U,   U]),
    row("fn admins/password", "id={operator}&password=matrix-pass-1&version={operator_version}", ADMINS_MANAGE,
                                                                                         [U,  F,   F,   A,   U,   U,   U]),
    // …never beyond the caller's own rights: the support super-administrator.
    row("fn admins/enabled", "id={support}&enabled=false&version=0", ADMINS_MANAGE,       [U,  F,   F,   F,   U,   U,   U]),
    // The audit log: rows within the reader's scope only (checked below).
    row("fn audit/list", Q, AUDIT_VIEW,                                                  [U,  F,   A,   A,   U,   U,   U]),
    row("fn audit/list", "query[user]={main}", AUDIT_VIEW,                               [U,  F,   A,   A,   U,   U,   U]),
    row("fn audit/filters", "", AUDIT_VIEW,                                              [U,  F,   A,   A,   U,   U,   U]),
    // The web client.
    // The sign-in form does not switch an open Login as User session to another account.
    row("fn client/login", "login={fresh}&password=", "",                                [V,  V,   V,   V,   V,   V,   S(409)]),
    row("fn client/whoami", "", "",                                                      [U,  U,   U,   U,   A,   A,   A]),
    row("fn client/cameras", Q, "",                                                      [U,  U,   U,   U,   A,   A,   A]),
    row("fn client/cases", Q, "",                                                        [U,  U,   U,   U,   A,   A,   A]),
    row("fn client/case-options", "", "",                                                [U,  U,   U,   U,   A,   A,   A]),
    row("fn client/cases/create", "type_slug=line-crossing&name=Watch&camera_ids[0]={camera}", "",
                                                                                         [U,  U,   U,   U,   A,   A,   A]),
    row("fn client/cases/create", "type_slug=line-crossing&name=Watch&camera_ids[0]={bob_camera}", "",
                                                                                         [U,  U,   U,   U,   V,   V,   V]),
    row("fn client/cases/delete", "case_id={own_case}", "",                              [U,  U,   U,   U,   A,   A,   A]),
    row("fn client/cases/delete", "case_id={not_mine}", "",                              [U,  U,   U,   U,   N,   N,   N]),
    row("fn client/sub-users", Q, "",                                                    [U,  U,   U,   U,   A,   F,   A]),
    row("fn client/sub-users/grantable", "", "",                                         [U,  U,   U,   U,   A,   F,   A]),
    // A Login as User session creates no sub users and sets no passwords or
    // permissions (they would outlast it; DEVELOPERS.md "Login as User").
    row("fn client/sub-users/create", "login={fresh}&name=Helper&password=helper-pw-1&permissions[0]=cameras-view", "",
                                                                                         [U,  U,   U,   U,   A,   F,   F]),
    row("fn client/sub-users/permissions", "sub_user_id={helper}&permissions[0]=cameras-view", "",
                                                                                         [U,  U,   U,   U,   A,   F,   F]),
    row("fn client/sub-users/permissions", "sub_user_id={bob_sub}&permissions[0]=cameras-view", "",
                                                                                         [U,  U,   U,   U,   N,   F,   F]),
    row("fn client/sub-users/permissions", "sub_user_id={helper}&permissions[0]=ptz", "",
                                                                                         [U,  U,   U,   U,   V,   F,   F]),
    row("fn client/sub-users/permissions", "sub_user_id={helper}&permissions[0]=analytic-cases-face-recognition", "",
                                                                                         [U,  U,   U,   U,   V,   F,   F]),
    row("fn client/sub-users/password", "sub_user_id={helper}&password=helper-pw-2", "", [U,  U,   U,   U,   A,   F,   F]),
    row("fn client/sub-users/delete", "sub_user_id={own_sub}", "",                       [U,  U,   U,   U,   A,   F,   A]),
    row("fn client/sub-users/delete", "sub_user_id={bob_sub}", "",                       [U,  U,   U,   U,   N,   F,   N]),
    // Sign-outs end only the caller's own session.
    row("fn logout", "", "",                                                             [A,  A,   A,   A,   A,   A,   A]),
    row("fn client/logout", "", "",                                                      [A,  A,   A,   A,   A,   A,   A]),
    // Mutations from another site never reach a function; nor does a GET.
    row("xsite sync-cameras", "user_id={main}", USERS_SYNC,                              [F,  F,   F,   F,   F,   F,   F]),
    row("xsite client/cases/create", "type_slug=line-crossing&name=X&camera_ids[0]={camera}", "",
                                                                                         [F,  F,   F,   F,   F,   F,   F]),
    row("GET /api/sync-cameras?user_id={main}", "", USERS_SYNC,                          [S(405), S(405), S(405), S(405), S(405), S(405), S(405)]),
    // Console pages.
    row("GET /login", "", "",                                                            [A,  A,   A,   A,   A,   A,   A]),
    row("GET /", "", "",                                                                 [L,  R,   R,   R,   L,   L,   L]),
    row("GET /users", "", VIEW,                                                          [L,  F,   A,   A,   L,   L,   L]),
    row("GET /billing-log", "", VIEW,                                                    [L,  F,   A,   A,   L,   L,   L]),
    row("GET /users/{main}", "", VIEW,                                                   [L,  D(403), D(404), R, L, L, L]),
    row("GET /users/{main}/user", "", VIEW,                                              [L,  F,   N,   A,   L,   L,   L]),
    row("GET /users/{main}/cameras", "", VIEW,                                           [L,  F,   N,   A,   L,   L,   L]),
    row("GET /users/{main}/intercoms", "", VIEW,                                         [L,  F,   N,   A,   L,   L,   L]),
    row("GET /users/{main}/sub-users", "", VIEW,                                         [L,  F,   N,   A,   L,   L,   L]),
    row("GET /users/{main}/billing-events", "", VIEW,                                    [L,  F,   N,   A,   L,   L,   L]),
    row("GET /users/{main}/access", "", VIEW,                                            [L,  F,   N,   A,   L,   L,   L]),
    row("GET /users/{main}/analytics", "", VIEW,                                         [L,  F,   N,   A,   L,   L,   L]),
    row("GET /users/{sub}/user", "", VIEW,                                               [L,  F,   N,   A,   L,   L,   L]),
    row("GET /admins", "", ADMINS_MANAGE,                                                [L,  F,   A,   A,   L,   L,   L]),
    row("GET /admins/new", "", ADMINS_MANAGE,                                            [L,  F,   A,   A,   L,   L,   L]),
    row("GET /admins/{operator}", "", ADMINS_MANAGE,                                     [L,  F,   A,   A,   L,   L,   L]),
    row("GET /audit", "", AUDIT_VIEW,                                                    [L,  F,   A,   A,   L,   L,   L]),
    row("GET /audit?user={main}", "", AUDIT_VIEW,                                        [L,  F,   A,   A,   L,   L,   L]),
    row("GET /cameras/{camera}/general", "", VIEW,                                       [L,  F,   N,   A,   L,   L,   L]),
    row("GET /intercoms/{intercom}", "", VIEW,                                           [L,  D(403), D(404), R, L, L, L]),
    row("GET /intercoms/{intercom}/general", "", VIEW,                                   [L,  F,   N,   A,   L,   L,   L]),
    row("GET /intercoms/{intercom}/apartments", "", VIEW,                                [L,  F,   N,   A,   L,   L,   L]),
    // Web-client pages.
    row("GET /client/login", "", "",                                                     [A,  A,   A,   A,   A,   A,   A]),
    row("GET /client", "", "",                                                           [C,  C,   C,   C,   A,   A,   A]),
    row("GET /client/cameras", "", "",                                                   [C,  C,   C,   C,   A,   A,   A]),
    row("GET /client/cases", "", "",                                                     [C,  C,   C,   C,   A,   A,   A]),
    row("GET /client/sub-users", "", "",                                                 [C,  C,   C,   C,   A,   F,   A]),
    // The apps' client API and Login as User.
    row("JSON /api/client/v1/session", r#"{"login":"{fresh}","password":""}"#, "",       [V,  V,   V,   V,   V,   V,   V]),
    row("GET /api/client/v1/cameras", "", "",                                            [U,  U,   U,   U,   A,   A,   A]),
    row("GET /api/client/v1/events", "", "",                                             [U,  U,   U,   U,   A,   A,   A]),
    row("GET /client/impersonate?ticket=forged-ticket", "", "",                          [G,  G,   G,   G,   G,   G,   G]),
    // Console event streams.
    row("GET /sse/billing-events", "", VIEW,                                             [U,  F,   A,   A,   U,   U,   U]),
    row("GET /sse/billing-events?user_id={main}", "", VIEW,                              [U,  F,   N,   A,   U,   U,   U]),
    // Billing: only the signature counts, never a session.
    row("POST /api/billing/v1/events", r#"{"id":"{fresh}","type":"billing.ping","data":{}}"#, "",
                                                                                         [U,  U,   U,   U,   U,   U,   U]),
    row("SIGNED /api/billing/v1/events", r#"{"id":"{fresh}","type":"billing.ping","data":{}}"#, "",
                                                                                         [A,  A,   A,   A,   A,   A,   A]),
    row("GET /api/billing/v1/openapi.json", "", "",                                      [A,  A,   A,   A,   A,   A,   A]),
    row("GET /healthz", "", "",                                                          [A,  A,   A,   A,   A,   A,   A]),
];

fn matches(x: X, a: &Answer) -> bool {
    let redirect = (300..400).contains(&a.status);
    match x {
        A => (200..300).contains(&a.status),
        R => redirect && !a.location.starts_with("/login") && !a.location.starts_with("/client/login"),
        L => redirect && a.location.starts_with("/login"),
        C => redirect && a.location.starts_with("/client/login"),
        S(code) | D(code) => a.status == code,
    }
}

fn show(a: &Answer) -> String {
    match a.location.as_str() {
        "" => a.status.to_string(),
        l if l.starts_with("/client/login") => format!("{}>clogin", a.status),
        l if l.starts_with("/login") => format!("{}>login", a.status),
        _ => format!("{}>other", a.status),
    }
}

/// The form encoding of a user's current permissions.
async fn perms_form(st: &AppState, user: i64) -> String {
    let slugs = perms_of(st, user).await;
    assert!(!slugs.is_empty(), "user {user} holds no permissions");
    indexed("permissions", &slugs).encode()
}

/// `template` with its placeholders filled for column `col`.
async fn fill(st: &AppState, w: &World, col: usize, template: &str) -> String {
    let own = |pick: [i64; 3]| match col {
        5 => pick[1],
        6 => pick[2],
        _ => pick[0],
    };
    let mut s = template.to_string();
    for (key, value) in [
        ("{main}", w.main),
        ("{sub}", w.sub),
        ("{helper}", w.helper),
        ("{camera}", w.camera),
        ("{intercom}", w.intercom),
        ("{level2}", w.level2),
        ("{bob}", w.bob),
        ("{bob_sub}", w.bob_sub),
        ("{not_mine}", if col == 5 { w.keep_case } else { w.bob_case }),
        ("{bob_camera}", w.bob_camera),
        ("{operator}", w.operator),
        ("{support}", w.support),
        ("{city_in}", w.city_in),
        ("{entrance_in}", w.entrance_in),
        ("{own_case}", own(w.cases)),
        ("{own_sub}", own(w.doomed)),
    ] {
        s = s.replace(key, &value.to_string());
    }
    let version = |sql: String| async move { count(st, &sql).await.to_string() };
    if s.contains("{fresh}") {
        s = s.replace("{fresh}", &fresh());
    }
    if s.contains("{main_version}") {
        let v = version(format!("SELECT permissions_version FROM users WHERE id = {}", w.main)).await;
        s = s.replace("{main_version}", &v);
    }
    if s.contains("{sub_version}") {
        let v = version(format!("SELECT permissions_version FROM users WHERE id = {}", w.sub)).await;
        s = s.replace("{sub_version}", &v);
    }
    if s.contains("{helper_version}") {
        let v = version(format!("SELECT permissions_version FROM users WHERE id = {}", w.helper)).await;
        s = s.replace("{helper_version}", &v);
    }
    if s.contains("{operator_version}") {
        let v = version(format!("SELECT version FROM admins WHERE id = {}", w.operator)).await;
        s = s.replace("{operator_version}", &v);
    }
    if s.contains("{level2_version}") {
        let sql = format!(
            "SELECT COALESCE(MAX(version), 0) FROM licence_allocations WHERE user_id = {} AND level_id = {}",
            w.main, w.level2
        );
        s = s.replace("{level2_version}", &version(sql).await);
    }
    if s.contains("{main_perms}") {
        s = s.replace("{main_perms}", &perms_form(st, w.main).await);
    }
    if s.contains("{helper_perms}") {
        s = s.replace("{helper_perms}", &perms_form(st, w.helper).await);
    }
    s
}

/// Fresh sessions for the seven columns of one row.
async fn callers(srv: &TestServer, w: &World, needs: &str) -> [String; 7] {
    let st = &srv.state;
    let lacking = w.lacking.iter().find(|(p, _)| *p == needs).unwrap().1;
    let support = admin_cookie(st, w.support).await;
    [
        String::new(),
        admin_cookie(st, lacking).await,
        admin_cookie(st, w.admin_out).await,
        admin_cookie(st, w.admin_in).await,
        client_cookie(st, w.main).await,
        client_cookie(st, w.sub).await,
        srv.impersonated(&support, w.main).await,
    ]
}

/// One cell's request; one that takes over 30 seconds is status 0.
async fn send(srv: &TestServer, req: &str, args: &str, cookie: &str) -> Answer {
    let limit = std::time::Duration::from_secs(30);
    tokio::time::timeout(limit, send_now(srv, req, args, cookie))
        .await
        .unwrap_or_else(|_| Answer {
            status: 0,
            location: String::new(),
            headers: Default::default(),
            body: "no answer within 30 s".into(),
        })
}

async fn send_now(srv: &TestServer, req: &str, args: &str, cookie: &str) -> Answer {
    let (kind, target) = req.split_once(' ').unwrap();
    match kind {
        "fn" => srv.post_fn(target, cookie, args).await,
        "xsite" => {
            let r = srv
                .client
                .post(format!("{}/api/{target}", srv.base))
                .header("origin", "https://evil.example")
                .header("sec-fetch-site", "cross-site")
                .header("accept", "application/json")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie)
                .body(args.to_string());
            Answer::read(r.send().await.unwrap()).await
        }
        "GET" => srv.get(target, cookie).await,
        "JSON" | "POST" => srv.post(target, cookie, "application/json", args.to_string()).await,
        "SIGNED" => srv.billing_raw(args, Some(sign_now(args.as_bytes()))).await,
        other => panic!("unknown request kind {other}"),
    }
}

both!(matrix, |st: AppState| async move {
    let w = world(&st).await;
    let srv = serve(st.clone()).await;
    let started = std::time::Instant::now();
    let mut printed = format!("{:<62}", "request");
    for who in WHO {
        printed.push_str(&format!("{who:<11}"));
    }
    printed.push('\n');
    let mut wrong = vec![];
    for r in MATRIX {
        let cookies = callers(&srv, &w, r.needs).await;
        let path = fill(&st, &w, 0, r.req).await;
        let label: String = format!("{path} {}", r.args).chars().take(60).collect();
        printed.push_str(&format!("{label:<62}"));
        for col in 0..7 {
            let args = fill(&st, &w, col, r.args).await;
            let mut got = send(&srv, &path, &args, &cookies[col]).await;
            let expected = r.expect[col];
            let mut cell = show(&got);
            if matches!(expected, D(_)) && matches(R, &got) {
                got = send(&srv, &format!("GET {}", got.location), "", &cookies[col]).await;
                cell = format!("{cell}>{}", got.status);
            }
            if !matches(expected, &got) {
                wrong.push(format!(
                    "{path} [{args}] as {}: expected {expected:?}, got {}: {:.200}",
                    WHO[col],
                    show(&got),
                    got.body
                ));
                cell.push_str(" ✗");
            }
            // Nothing of the target in a refusal, nor in what an
            // out-of-scope administrator is allowed to see.
            // (The target's own sessions, main and imperson., are exempt.)
            let refusal = matches!(got.status, 401 | 403 | 404 | 410) && col != 4 && col != 6;
            if (refusal || (col == 2 && got.status < 300)) && got.body.contains(MARKER) {
                wrong.push(format!("{path} as {}: the answer ({}) mentions the target", WHO[col], got.status));
                cell.push_str(" leak");
            }
            // Administrators of the target's city never see the other account.
            if (col == 1 || col == 3) && got.body.contains(OTHER) {
                wrong.push(format!("{path} as {}: the answer ({}) mentions {OTHER}", WHO[col], got.status));
                cell.push_str(" leak");
            }
            printed.push_str(&format!("{cell:<11}"));
        }
        printed.push('\n');
    }
    println!("{printed}");
    println!(
        "{} rows × {} callers in {:.1}s",
        MATRIX.len(),
        WHO.len(),
        started.elapsed().as_secs_f64()
    );
    // Allowed writes did what they say, exactly once per allowed cell;
    // refused ones changed nothing.
    let (d, c) = (w.doomed, w.cases);
    for (what, sql, expected) in [
        (
            "access saved once",
            format!("SELECT permissions_version FROM users WHERE id = {}", w.main),
            1,
        ),
        (
            "sub user saved once, by the main user once (not by Login as User)",
            format!("SELECT permissions_version FROM users WHERE id = {}", w.helper),
            2,
        ),
        (
            "sub user's rights untouched",
            format!("SELECT permissions_version FROM users WHERE id = {}", w.sub),
            0,
        ),
        (
            "synchronized once",
            format!("SELECT sync_version FROM users WHERE id = {}", w.main),
            1,
        ),
        (
            "licences set once",
            format!("SELECT version FROM licence_allocations WHERE level_id = {}", w.level2),
            1,
        ),
        (
            "linked once",
            "SELECT COUNT(*) FROM audit_log WHERE action = 'intercom.link'".into(),
            1,
        ),
        (
            "unlinked once",
            "SELECT COUNT(*) FROM audit_log WHERE action = 'intercom.unlink'".into(),
            1,
        ),
        (
            "cases created",
            "SELECT COUNT(*) FROM analytics_cases WHERE name = 'Watch'".into(),
            3,
        ),
        (
            "own cases deleted",
            format!("SELECT COUNT(*) FROM analytics_cases WHERE id IN ({}, {}, {})", c[0], c[1], c[2]),
            0,
        ),
        (
            "others' cases kept",
            format!("SELECT COUNT(*) FROM analytics_cases WHERE id IN ({}, {})", w.keep_case, w.bob_case),
            2,
        ),
        (
            "sub users created (by the main user only)",
            format!("SELECT COUNT(*) FROM users WHERE parent_id = {} AND name = 'Helper'", w.main),
            1,
        ),
        (
            "own sub users deleted",
            format!("SELECT COUNT(*) FROM users WHERE id IN ({}, {})", d[0], d[2]),
            0,
        ),
        (
            "the sub user's try refused",
            format!("SELECT COUNT(*) FROM users WHERE id = {}", d[1]),
            1,
        ),
        (
            "the operator changed once per allowed write (permissions, scope, enabled, password)",
            format!("SELECT version FROM admins WHERE id = {}", w.operator),
            4,
        ),
        (
            "one administrator created",
            "SELECT COUNT(*) FROM admins WHERE name = 'Matrix Op'".into(),
            1,
        ),
        (
            "the super-administrator not disabled",
            format!("SELECT COUNT(*) FROM admins WHERE id = {} AND NOT disabled", w.support),
            1,
        ),
        (
            "every administrator change audited",
            format!("SELECT COUNT(*) FROM audit_log WHERE target_admin_id = {}", w.operator),
            4,
        ),
        (
            "the other account's sub user kept",
            format!("SELECT COUNT(*) FROM user_permissions WHERE user_id = {}", w.bob_sub),
            3,
        ),
    ] {
        let got = count(&st, &sql).await;
        if got != expected {
            wrong.push(format!("effect “{what}”: {got}, expected {expected} ({sql})"));
        }
    }
    assert!(wrong.is_empty(), "{} cells differ:\n{}", wrong.len(), wrong.join("\n"));
});

/// What is taken away from an open session between two identical requests.
#[derive(Clone, Copy, Debug)]
enum Revoke {
    /// The administrator loses this permission.
    Permission(&'static str),
    /// The administrator's camera scope moves to the other city.
    Scope,
    /// The administrator is disabled.
    Disabled,
}

/// Revoked permissions on open sessions: (session, request, args, what is
/// revoked, the answer after). The session is the console session of a
/// fresh administrator holding every permission in the target's city
/// (`admin`), or the Login as User session of the target it opened
/// (`imperson.`); the request must be allowed before the revocation.
#[rustfmt::skip]
const REVOKED: &[(&str, &str, &str, Revoke, X)] = &[
    ("admin",     "fn card/header", "user_id={main}",                  Revoke::Permission(VIEW), F),
    ("admin",     "fn card/header", "user_id={main}",                  Revoke::Scope, N),
    ("admin",     "fn me", "",                                         Revoke::Disabled, U),
    ("admin",     "GET /users/{main}/user", "",                        Revoke::Permission(VIEW), F),
    ("admin",     "fn sync-cameras", "user_id={main}",                 Revoke::Permission(USERS_SYNC), F),
    ("admin",     "GET /sse/billing-events?user_id={main}", "",        Revoke::Scope, N),
    ("imperson.", "fn client/whoami", "",                              Revoke::Permission(USERS_IMPERSONATE), U),
    ("imperson.", "fn client/cameras", Q,                              Revoke::Scope, U),
    ("imperson.", "fn client/whoami", "",                              Revoke::Disabled, U),
    ("imperson.", "GET /api/client/v1/cameras", "",                    Revoke::Permission(USERS_IMPERSONATE), U),
    ("imperson.", "GET /api/client/v1/events", "",                     Revoke::Scope, U),
    ("imperson.", "GET /client/cameras", "",                           Revoke::Permission(USERS_IMPERSONATE), C),
    // Losing a permission the session does not rest on changes nothing.
    ("imperson.", "fn client/whoami", "",                              Revoke::Permission(USERS_SYNC), A),
];

both!(revoked_on_open_sessions, |st: AppState| async move {
    let w = world(&st).await;
    let srv = serve(st.clone()).await;
    let scope_of = |admin: i64| format!("SELECT location_id FROM admin_scopes WHERE admin_id = {admin}");
    let (city_in, city_out) = (count(&st, &scope_of(w.admin_in)).await, count(&st, &scope_of(w.admin_out)).await);
    use app::permissions::admin::{ADMINS_MANAGE, ALL};
    let perms: Vec<&str> = ALL.into_iter().filter(|p| *p != ADMINS_MANAGE).collect();
    let mut wrong = vec![];
    for (who, req, args, revoke, after) in REVOKED {
        let (admin, console) = admin_session(&st, &fresh()).perms(&perms).scope(&[city_in]).await;
        let cookie = match *who {
            "admin" => console.clone(),
            _ => srv.impersonated(&console, w.main).await,
        };
        let path = fill(&st, &w, 3, req).await;
        let args = fill(&st, &w, 3, args).await;
        let before = send(&srv, &path, &args, &cookie).await;
        if !matches(A, &before) && !matches(R, &before) {
            wrong.push(format!("{who} {path} before {revoke:?}: {}: {:.200}", show(&before), before.body));
            continue;
        }
        let sql = match revoke {
            Revoke::Permission(p) => format!("DELETE FROM admin_permissions WHERE admin_id = {admin} AND slug = '{p}'"),
            Revoke::Scope => format!("UPDATE admin_scopes SET location_id = {city_out} WHERE admin_id = {admin}"),
            Revoke::Disabled => format!("UPDATE admins SET disabled = TRUE WHERE id = {admin}"),
        };
        exec(&st, &sql).await;
        let got = send(&srv, &path, &args, &cookie).await;
        if !matches(*after, &got) {
            wrong.push(format!(
                "{who} {path} after {revoke:?}: expected {after:?}, got {}: {:.200}",
                show(&got),
                got.body
            ));
        }
    }
    assert!(wrong.is_empty(), "{} rows differ:\n{}", wrong.len(), wrong.join("\n"));
});
