//! Wire types of what a subscriber sees in the web client (and, for its
//! cameras, the apps' API): itself, its cameras, its analytics cases and the
//! new-case form, its sub users and what it may grant them.

use super::catalogue::{CameraStatus, UserPermission};
use serde::{Deserialize, Serialize};

/// The signed-in subscriber as its browser sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientMe {
    pub id: i64,
    pub name: String,
    pub login: String,
    pub is_sub: bool,
    /// Paused (itself or its main user): cameras are blocked.
    pub blocked: bool,
    pub permissions: Vec<String>,
    /// The administrator's name in a Login as User session.
    pub impersonator: Option<String>,
}

impl ClientMe {
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
    /// Main users holding `users-index` see the Sub users page.
    pub fn manages_sub_users(&self) -> bool {
        !self.is_sub && self.can(UserPermission::UsersIndex.slug())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientCamera {
    pub id: i64,
    pub name: String,
    pub status: CameraStatus,
    /// What the client shows: "Blocked" while the account is paused.
    pub status_label: String,
    pub blocked: bool,
    pub archive_days: i64,
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientCase {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub type_slug: String,
    pub type_name: String,
    pub level_name: String,
    pub cameras: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTypeOption {
    pub slug: String,
    pub name: String,
    pub level: String,
    /// Free licences of the type's level.
    pub free: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedId {
    pub id: i64,
    pub name: String,
}

/// What the "new case" form offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseOptions {
    pub types: Vec<CaseTypeOption>,
    pub cameras: Vec<NamedId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSubUser {
    pub id: i64,
    pub name: String,
    pub login: String,
    pub created_at: String,
    pub permissions: Vec<String>,
}

/// A permission a main user may grant to its sub users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionOption {
    pub slug: String,
    pub label: String,
    pub group: String,
}
