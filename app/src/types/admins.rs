//! Wire types of the administrators pages and the audit log. Password
//! hashes have no wire form; a generated initial password travels once, in
//! the answer to the create call that made it.

use serde::{Deserialize, Serialize};

/// A location as the scope picker and the administrator pages show it: its
/// id (never typed by anybody) and its path of names, "City / Street / 5".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationOption {
    pub id: i64,
    pub kind: String,
    pub label: String,
    /// Whether the location has children (the picker offers to open it).
    pub has_children: bool,
}

/// One row of `/admins`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub is_super: bool,
    pub disabled: bool,
    pub permissions: Vec<String>,
    pub scope: Vec<String>,
    pub created_at: String,
}

/// An administrator as its edit page loads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminDetail {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub is_super: bool,
    pub disabled: bool,
    /// The save precondition: every change names it and moves it.
    pub version: i64,
    pub created_at: String,
    pub permissions: Vec<String>,
    pub scope: Vec<LocationOption>,
    /// The permissions the viewing administrator may grant (those it holds).
    pub grantable: Vec<String>,
    /// Why the viewer may not edit this administrator, if it may not.
    pub locked: Option<String>,
    pub is_self: bool,
}

/// The answer to creating an administrator: the generated initial password
/// when the creator did not set one (shown once, never stored in clear).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminCreated {
    pub id: i64,
    pub password: Option<String>,
}

/// The audit log's filters and page, all in the query string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// The acting administrator's id.
    pub admin: Option<String>,
    pub action: Option<String>,
    /// The target user's id.
    pub user: Option<String>,
    /// Dates (YYYY-MM-DD) in the reader's time zone, both inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub last: bool,
}

/// What an audited action was done to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AuditTarget {
    User { id: i64, name: String },
    Admin { id: i64, name: String },
    Camera { id: i64 },
    Intercom { id: i64 },
    None,
}

/// One row of `/audit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub admin: Option<(i64, String)>,
    pub action: String,
    pub target: AuditTarget,
    /// The user whose impersonated session the action was taken in.
    pub on_behalf_of: Option<(i64, String)>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub detail: String,
}

/// The audit log's filter choices: administrators and actions present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFilters {
    pub admins: Vec<(i64, String)>,
    pub actions: Vec<String>,
}
