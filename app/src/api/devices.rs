//! Server functions of the device pages: the camera profile, the intercom
//! card and its apartments, and linking users to flats. Ids arrive as the
//! text of the URL segment, so a non-numeric id is a 404 like an unknown one.

use crate::error::AppError;
use crate::types::devices::{ApartmentRow, CameraProfile, IntercomCard, LinkOutcome};
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::{as_admin, db},
    crate::backend::services::devices,
    crate::permissions::admin::{INTERCOMS_EDIT, USERS_VIEW},
};

#[server(prefix = "/api", endpoint = "cameras/profile")]
pub async fn get_camera_profile(id: String) -> Result<CameraProfile, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let id = devices::parse_id(&id, "Camera")?;
        devices::camera_profile(&db(), &c.admin, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "intercoms/card")]
pub async fn get_intercom_card(id: String) -> Result<IntercomCard, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let id = devices::parse_id(&id, "Intercom")?;
        devices::intercom_card(&db(), &c.admin, id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "intercoms/apartments")]
pub async fn intercom_apartments(id: String, query: TableQuery) -> Result<Page<ApartmentRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let id = devices::parse_id(&id, "Intercom")?;
        devices::apartments(&db(), &c.admin, id, &query).await
    })
    .await
}

/// Links a user, given by ID or login, to flat `number` of the intercom.
#[server(prefix = "/api", endpoint = "intercoms/link")]
pub async fn link_apartment(intercom_id: i64, number: String, user: String) -> Result<LinkOutcome, AppError> {
    as_admin(INTERCOMS_EDIT, |c| async move {
        let now = c.state.clock.now();
        let txn = c.state.write().await?;
        let outcome = devices::link_user(&*txn, &c.admin, intercom_id, &number, &user, now).await?;
        txn.commit().await?;
        Ok(outcome)
    })
    .await
}

/// Removes a user's link to flat `number` of the intercom.
#[server(prefix = "/api", endpoint = "intercoms/unlink")]
pub async fn unlink_apartment(intercom_id: i64, number: i32, user_id: i64) -> Result<LinkOutcome, AppError> {
    as_admin(INTERCOMS_EDIT, |c| async move {
        let now = c.state.clock.now();
        let txn = c.state.write().await?;
        let outcome = devices::unlink_user(&*txn, &c.admin, intercom_id, number, user_id, now).await?;
        txn.commit().await?;
        Ok(outcome)
    })
    .await
}
