//! Server functions of `/audit`: the audit log, for administrators holding
//! `audit.view`, within their scope.

use crate::error::AppError;
use crate::types::admins::{AuditFilters, AuditQuery, AuditRow};
use crate::types::Page;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {super::ctx::as_admin, crate::backend::services::audit, crate::permissions::admin::AUDIT_VIEW};

#[server(prefix = "/api", endpoint = "audit/list")]
pub async fn list_audit(query: AuditQuery) -> Result<Page<AuditRow>, AppError> {
    as_admin(AUDIT_VIEW, |c| async move { audit::list(&c.state.db, &c.admin, &query).await }).await
}

#[server(prefix = "/api", endpoint = "audit/filters")]
pub async fn load_audit_filters() -> Result<AuditFilters, AppError> {
    as_admin(AUDIT_VIEW, |c| async move { audit::filters(&c.state.db).await }).await
}
