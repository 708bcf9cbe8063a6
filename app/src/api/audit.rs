//! Server functions of `/audit`: the audit log, for administrators holding
//! `audit.view`, within their scope.

use crate::error::AppError;
use crate::types::admins::{AuditFilters, AuditQuery, AuditRow};
use crate::types::Page;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::permissions::admin::AUDIT_VIEW;
#[cfg(feature = "ssr")]
use crate::server::services::audit;

#[server(prefix = "/api", endpoint = "audit/list")]
pub async fn list_audit(query: AuditQuery) -> Result<Page<AuditRow>, AppError> {
    super::ctx::respond(
        async {
            let (state, admin) = super::ctx::admin().await?;
            admin.require(AUDIT_VIEW)?;
            audit::list(&state.db, &admin, &query).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "audit/filters")]
pub async fn load_audit_filters() -> Result<AuditFilters, AppError> {
    super::ctx::respond(
        async {
            let (state, admin) = super::ctx::admin().await?;
            admin.require(AUDIT_VIEW)?;
            audit::filters(&state.db).await
        }
        .await,
    )
}
