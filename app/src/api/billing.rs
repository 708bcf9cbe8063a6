//! The global billing log (events that concern no user).

use crate::error::AppError;
use crate::types::billing::GlobalBillingRow;
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::{as_admin, db},
    crate::backend::services::billing,
    crate::permissions::admin::USERS_VIEW,
};

#[server(prefix = "/api", endpoint = "billing-log/list")]
pub async fn global_billing_log(query: TableQuery) -> Result<Page<GlobalBillingRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move { billing::log::global(&db(), &c.admin, &query).await }).await
}
