//! The global billing log (events that concern no user).

use crate::error::AppError;
use crate::types::billing::GlobalBillingRow;
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "billing-log/list")]
pub async fn global_billing_log(query: TableQuery) -> Result<Page<GlobalBillingRow>, AppError> {
    use crate::permissions::admin::USERS_VIEW;
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            crate::server::services::billing::log::global(&super::ctx::db(), &admin, &query).await
        }
        .await,
    )
}
