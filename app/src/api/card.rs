//! Server functions of the user card: the header and one per tab, each
//! through `on_card`: `users.view`, then the user through the
//! administrator's scope (404 when outside it), one statement run once per
//! request, so a tab rendered under its header reuses the header's user.
//! Every statement runs on the request's connection ([`super::ctx::db`]).

use crate::error::AppError;
use crate::types::card::{
    AccessSettings, BillingEventRow, CardCameraRow, CardIntercomRow, LicenceRow, SubUserRow, UserCardHeader, UserDetails,
};
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::{as_admin, db, Console},
    crate::backend::services::{card, card_tables},
    crate::permissions::admin::USERS_VIEW,
};

/// A card server function's shape: `users.view`, then the user through the
/// administrator's scope (404 outside it), loaded once per request.
#[cfg(feature = "ssr")]
async fn on_card<T, F, Fut>(user_id: i64, body: F) -> Result<T, AppError>
where
    F: FnOnce(Console, std::sync::Arc<card::CardUser>) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    as_admin(USERS_VIEW, |c| async move {
        let card = c.card(user_id).await?;
        body(c, card).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/header")]
pub async fn card_header(user_id: i64) -> Result<UserCardHeader, AppError> {
    on_card(user_id, |c, card| async move { Ok(card::header(&c.admin, &card)) }).await
}

#[server(prefix = "/api", endpoint = "card/user")]
pub async fn card_user(user_id: i64) -> Result<UserDetails, AppError> {
    on_card(user_id, |c, card| async move { Ok(card::details(&c.admin, &card)) }).await
}

#[server(prefix = "/api", endpoint = "card/cameras")]
pub async fn card_cameras(user_id: i64, query: TableQuery) -> Result<Page<CardCameraRow>, AppError> {
    on_card(user_id, |c, card| async move {
        card_tables::cameras(&db(), &c.admin, &card.user, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/intercoms")]
pub async fn card_intercoms(user_id: i64, query: TableQuery) -> Result<Page<CardIntercomRow>, AppError> {
    on_card(user_id, |c, card| async move {
        card_tables::intercoms(&db(), &c.admin, &card.user, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/sub-users")]
pub async fn card_sub_users(user_id: i64, query: TableQuery) -> Result<Page<SubUserRow>, AppError> {
    on_card(user_id, |c, card| async move {
        card_tables::sub_users(&db(), &c.admin, &card, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/billing-events")]
pub async fn card_billing_events(user_id: i64, query: TableQuery) -> Result<Page<BillingEventRow>, AppError> {
    on_card(user_id, |c, card| async move {
        card_tables::billing_events(&db(), &c.admin, &card.user, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "card/access")]
pub async fn card_access(user_id: i64) -> Result<AccessSettings, AppError> {
    on_card(user_id, |c, card| async move { card::access(&db(), &c.admin, &card).await }).await
}

#[server(prefix = "/api", endpoint = "card/analytics")]
pub async fn card_analytics(user_id: i64) -> Result<Vec<LicenceRow>, AppError> {
    on_card(user_id, |c, card| async move {
        let levels = super::ctx::levels(card.user.id).await?;
        card::licences(&c.admin, &card, &levels)
    })
    .await
}
