//! Server functions that change a subscriber's access: Access settings,
//! a sub user's permissions, licence totals. Each checks the session and its
//! administrator permission on its first lines; the services then load the
//! user through the administrator's scope (404 outside it).

use crate::error::AppError;
use crate::types::access::{AccessSaved, LicenceAllocation, LicenceForm, SubUserAccess};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::{as_admin, db},
    crate::backend::services::{access, licences},
    crate::permissions::admin::{LICENSES_EDIT, SUBUSERS_EDIT, USERS_ACCESS_EDIT, USERS_VIEW},
};

/// Saves the Access settings tab: the checked slugs replace the user's
/// permissions if `version` is still the user's `permissions_version` (409
/// otherwise).
#[server(prefix = "/api", endpoint = "access/save")]
pub async fn save_access(user_id: i64, #[server(default)] permissions: Vec<String>, version: i64) -> Result<AccessSaved, AppError> {
    as_admin(USERS_ACCESS_EDIT, |c| async move {
        access::save_user(&c.state, &c.admin, user_id, permissions, version).await
    })
    .await
}

/// A sub user's permissions as its main user's Sub users tab edits them.
#[server(prefix = "/api", endpoint = "access/sub-user")]
pub async fn load_sub_user_access(user_id: i64, sub_user_id: i64) -> Result<SubUserAccess, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        access::sub_user_access(&db(), &c.admin, user_id, sub_user_id).await
    })
    .await
}

/// Saves a sub user's permissions (`user_id` is the main user).
#[server(prefix = "/api", endpoint = "access/sub-user/save")]
pub async fn save_sub_user_access(
    user_id: i64,
    sub_user_id: i64,
    #[server(default)] permissions: Vec<String>,
    version: i64,
) -> Result<AccessSaved, AppError> {
    as_admin(SUBUSERS_EDIT, |c| async move {
        access::save_sub_user(&c.state, &c.admin, user_id, sub_user_id, permissions, version).await
    })
    .await
}

/// Every analytics level with the user's licences, for the licence form.
#[server(prefix = "/api", endpoint = "access/licences")]
pub async fn load_licence_form(user_id: i64) -> Result<LicenceForm, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        // The Analytics tab on the same page loaded both already.
        let card = c.card(user_id).await?;
        let levels = super::ctx::levels(card.user.id).await?;
        Ok(licences::form_of(&c.admin, &card.user, &levels))
    })
    .await
}

/// Sets the user's total of licences of a level; `version` is the
/// allocation's version the form loaded (0 for a level never held).
#[server(prefix = "/api", endpoint = "access/licences/set")]
pub async fn set_licence_total(user_id: i64, level_id: i64, total: i64, version: i64) -> Result<LicenceAllocation, AppError> {
    as_admin(LICENSES_EDIT, |c| async move {
        licences::set_total(&c.state, &c.admin, user_id, level_id, total, version).await
    })
    .await
}
