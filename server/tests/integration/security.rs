//! Security suite. Each of its parts is a submodule:
//!
//! - `authz`: the authorisation matrix, every server function and every other
//!   route (pages, client API, event streams, Login as User, the billing
//!   webhook) against every kind of caller, with the expected answer per cell;
//! - `escaping`: strings that billing sends (names, addresses, request IDs,
//!   camera models, location names) come out as escaped text on the console
//!   pages and in the web client, never as markup;
//! - `headers`: the security headers on every kind of response, the
//!   per-response script nonce, and HTTPS deployments (Secure cookies, HSTS);
//! - `billing_signature`, `body_limits`, `sign_in`: unauthenticated denial of
//!   service and sign-in abuse (issue 13).
//!
//! This file holds what they share: the world the matrix runs against.

use crate::support::*;
use app::backend::AppState;

mod authz;
mod billing_signature;
mod body_limits;
mod escaping;
mod headers;
mod sign_in;

/// In the login, name and device names of the target user (and in nothing
/// else), so that any answer that leaks the target can be spotted.
pub const MARKER: &str = "sec-target";
/// In the logins of the other account, outside the target's city.
pub const OTHER: &str = "sec-bob";

/// Everything the matrix needs, made directly in the database.
pub struct World {
    pub main: i64,
    pub sub: i64,
    /// A second sub user of `main`, the one sub-user edits are aimed at.
    pub helper: i64,
    /// Sub users of `main` that the main, sub and impersonated columns may
    /// try to delete (one each, so every allowed delete really deletes).
    pub doomed: [i64; 3],
    /// Cases of the main user (main and impersonated columns) and of the sub
    /// user, one per client column.
    pub cases: [i64; 3],
    /// A case of the main user that only its sub user tries to delete.
    pub keep_case: i64,
    pub camera: i64,
    pub intercom: i64,
    pub level2: i64,
    /// Another account, outside the in-scope administrators' city.
    pub bob: i64,
    pub bob_sub: i64,
    pub bob_case: i64,
    pub bob_camera: i64,
    /// Every administrator permission, scoped to the target's city / to
    /// another city.
    pub admin_in: i64,
    pub admin_out: i64,
    /// (permission, administrator holding all the others, in scope); the
    /// empty permission is an administrator without any.
    pub lacking: Vec<(&'static str, i64)>,
    /// A super-administrator that opens the Login as User sessions.
    pub support: i64,
    /// An administrator holding `users.view` on the target's entrance.
    pub operator: i64,
    pub city_in: i64,
    pub entrance_in: i64,
}

/// Face recognition is held but not licensed (Level 3): it may not be passed
/// on to sub users.
pub const MAIN_PERMS: [&str; 9] = [
    "cameras-view",
    "analytic",
    "analytic-cases-line-crossing",
    "analytic-cases-face-recognition",
    "users-index",
    "users-store",
    "users-update",
    "users-destroy",
    "users-change-password",
];
pub const SUB_PERMS: [&str; 3] = ["cameras-view", "analytic", "analytic-cases-line-crossing"];

pub async fn world(st: &AppState) -> World {
    let (city_in, in_path) = location(st, None, "city", "Scope City").await;
    let (entrance_in, _) = location(st, Some((city_in, &in_path)), "entrance", "Entrance 1").await;
    let (city_out, out_path) = location(st, None, "city", "Other City").await;
    let (entrance_out, _) = location(st, Some((city_out, &out_path)), "entrance", "Entrance 9").await;

    let main = user(st, MARKER).perms(&MAIN_PERMS).await;
    let camera = self::camera(st, main, &format!("{MARKER} porch"), Some(entrance_in)).await;
    let sub = user(st, "sec-sub").sub_of(main).perms(&SUB_PERMS).await;
    let helper = user(st, "sec-helper").sub_of(main).perms(&["cameras-view"]).await;
    let mut doomed = [0; 3];
    for (i, d) in doomed.iter_mut().enumerate() {
        *d = user(st, &format!("sec-doomed-{i}")).sub_of(main).await;
    }
    let (level1, level2) = (level(st, "Level 1").await, level(st, "Level 2").await);
    licences(st, main, level1, 50).await;
    let door = |user: i64, main: i64, camera: i64| async move { case(st, user, main, "line-crossing", &[camera]).await };
    let cases = [
        door(main, main, camera).await,
        door(sub, main, camera).await,
        door(main, main, camera).await,
    ];
    let keep_case = door(main, main, camera).await;
    let intercom = intercom(st, &format!("{MARKER} gate"), Some(entrance_in)).await;

    let bob = user(st, OTHER).perms(&MAIN_PERMS).await;
    let bob_camera = self::camera(st, bob, "Bob's yard", Some(entrance_out)).await;
    let bob_sub = user(st, "sec-bob-sub").sub_of(bob).perms(&SUB_PERMS).await;
    licences(st, bob, level1, 5).await;
    let bob_case = door(bob, bob, bob_camera).await;
    // Bob lives behind the target's intercom too: its Apartments tab must not
    // name him to administrators of the target's city.
    apartment(st, intercom, 12, bob).await;

    use app::permissions::admin::{ALL, USERS_VIEW};
    let perms: Vec<&str> = ALL.to_vec();
    let (admin_in, _) = admin_session(st, "sec-in").perms(&perms).scope(&[city_in]).await;
    let (admin_out, _) = admin_session(st, "sec-out").perms(&perms).scope(&[city_out]).await;
    // The administrator the administrator-management rows edit: weaker than
    // the in-scope column, outside the out-of-scope column's scope.
    let (operator, _) = admin_session(st, "sec-operator").perms(&[USERS_VIEW]).scope(&[entrance_in]).await;
    let mut lacking = vec![("", admin_session(st, "sec-lacks-all").scope(&[city_in]).await.0)];
    for p in &perms {
        let others: Vec<&str> = perms.iter().copied().filter(|o| o != p).collect();
        lacking.push((
            *p,
            admin_session(st, &format!("sec-lacks-{p}"))
                .perms(&others)
                .scope(&[city_in])
                .await
                .0,
        ));
    }
    let (support, _) = admin_session(st, "sec-support").super_admin().await;
    World {
        main,
        sub,
        helper,
        doomed,
        cases,
        keep_case,
        camera,
        intercom,
        level2,
        bob,
        bob_sub,
        bob_case,
        bob_camera,
        admin_in,
        admin_out,
        lacking,
        support,
        operator,
        city_in,
        entrance_in,
    }
}
