//! What a signed-in subscriber sees and does in the web client and the apps,
//! one file per subject: [`cameras`] (blocked while paused), [`cases`]
//! (analytics cases within free licences) and [`sub_users`] (within its own
//! rights). The caller, a server function of `api::web_client` or a handler
//! of the apps' API, has checked the subscriber permission an action needs;
//! what depends on the rows (a case's type, a sub user's owner) is checked
//! here. Every write leaves an audit row; in a Login as User session it
//! names the administrator.

pub mod cameras;
pub mod cases;
pub mod sub_users;

use crate::backend::subscriber_auth::ClientUser;
use sea_orm::Value;

/// The condition on a camera row aliased `cam` that a session may see: in a
/// Login as User session, the camera lies in the impersonating
/// administrator's scope (permissions.md: `users.view` is always limited by
/// the camera scope, and acting as the user does not widen it); otherwise
/// every camera of the account. Placeholders continue after `params`.
fn camera_scope(client: &ClientUser, cam: &str, params: usize) -> (String, Vec<Value>) {
    match &client.impersonator_admin {
        Some(admin) => super::scope::camera_condition(admin, cam, params),
        None => ("1=1".into(), vec![]),
    }
}

/// [`camera_scope`] after the account's id as `$1`.
fn account_cameras(client: &ClientUser) -> (String, Vec<Value>) {
    let (scope, mut values) = camera_scope(client, "c", 1);
    values.insert(0, client.main_id.into());
    (scope, values)
}
