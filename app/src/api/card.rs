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
use crate::permissions::admin::USERS_VIEW;
#[cfg(feature = "ssr")]
use crate::server::services::{card, card_tables};

#[server(prefix = "/api", endpoint = "card/header")]
pub async fn card_header(user_id: i64) -> Result<UserCardHeader, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            Ok(card::header(&admin, &card))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "card/user")]
pub async fn card_user(user_id: i64) -> Result<UserDetails, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            Ok(card::details(&admin, &card))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "card/cameras")]
pub async fn card_cameras(user_id: i64, query: TableQuery) -> Result<Page<CardCameraRow>, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            card_tables::cameras(&super::ctx::db(), &admin, &card.user, &query).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "card/intercoms")]
pub async fn card_intercoms(user_id: i64, query: TableQuery) -> Result<Page<CardIntercomRow>, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            card_tables::intercoms(&super::ctx::db(), &admin, &card.user, &query).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "card/sub-users")]
pub async fn card_sub_users(user_id: i64, query: TableQuery) -> Result<Page<SubUserRow>, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            card_tables::sub_users(&super::ctx::db(), &admin, &card, &query).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "card/billing-events")]
pub async fn card_billing_events(user_id: i64, query: TableQuery) -> Result<Page<BillingEventRow>, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            card_tables::billing_events(&super::ctx::db(), &admin, &card.user, &query).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "card/access")]
pub async fn card_access(user_id: i64) -> Result<AccessSettings, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            card::access(&super::ctx::db(), &admin, &card).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "card/analytics")]
pub async fn card_analytics(user_id: i64) -> Result<Vec<LicenceRow>, AppError> {
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            let card = super::ctx::card_user(&admin, user_id).await?;
            let levels = super::ctx::levels(card.user.id).await?;
            card::licences(&admin, &card, &levels)
        }
        .await,
    )
}
