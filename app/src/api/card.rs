//! Server functions of the user card: the header and one per tab. Each
//! checks the session and `users.view` on its first lines, then takes the
//! user through the administrator's scope (404 when outside it) with
//! [`super::ctx::card_user`]: one statement, run once per request, so a tab
//! rendered under its header reuses the header's user. Every statement runs
//! on the request's connection ([`super::ctx::db`]).

use crate::error::AppError;
use crate::types::card::{
    AccessSettings, BillingEventRow, CardCameraRow, CardIntercomRow, LicenceRow, SubUserRow, UserCardHeader, UserDetails,
};
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::{as_admin, db},
    crate::permissions::admin::USERS_VIEW,
    crate::server::services::{card, card_tables},
};

#[server(prefix = "/api", endpoint = "card/header")]
pub async fn card_header(user_id: i64) -> Result<UserCardHeader, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        Ok(card::header(&c.admin, &card))
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/user")]
pub async fn card_user(user_id: i64) -> Result<UserDetails, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        Ok(card::details(&c.admin, &card))
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/cameras")]
pub async fn card_cameras(user_id: i64, query: TableQuery) -> Result<Page<CardCameraRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        card_tables::cameras(&db(), &c.admin, &card.user, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/intercoms")]
pub async fn card_intercoms(user_id: i64, query: TableQuery) -> Result<Page<CardIntercomRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        card_tables::intercoms(&db(), &c.admin, &card.user, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/sub-users")]
pub async fn card_sub_users(user_id: i64, query: TableQuery) -> Result<Page<SubUserRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        card_tables::sub_users(&db(), &c.admin, &card, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/billing-events")]
pub async fn card_billing_events(user_id: i64, query: TableQuery) -> Result<Page<BillingEventRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        card_tables::billing_events(&db(), &c.admin, &card.user, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/access")]
pub async fn card_access(user_id: i64) -> Result<AccessSettings, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        card::access(&db(), &c.admin, &card).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/analytics")]
pub async fn card_analytics(user_id: i64) -> Result<Vec<LicenceRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        let levels = super::ctx::levels(card.user.id).await?;
        card::licences(&c.admin, &card, &levels)
    })
    .await
}
