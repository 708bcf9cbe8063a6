//! Wire types of editing a subscriber's access: the outcome of saving
//! permissions (Access settings tab and a sub user's permissions) and the
//! licence allocations of the Analytics tab with their concurrency tokens.

use super::card::PermissionGroup;
use serde::{Deserialize, Serialize};

/// What a permission save changed. `permissions_version` is the new token
/// the next save must send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessSaved {
    pub permissions_version: i64,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Sub users that lost permissions because their main user did.
    pub sub_users_trimmed: u64,
}

impl AccessSaved {
    /// "Saved: 2 added, 1 removed" (plus the sub users trimmed, if any).
    pub fn summary(&self) -> String {
        let mut s = format!("Saved: {} added, {} removed", self.added.len(), self.removed.len());
        if self.sub_users_trimmed > 0 {
            s.push_str(&format!("; taken from {} sub user(s) too", self.sub_users_trimmed));
        }
        s
    }
}

/// A sub user's permissions as the Sub users tab edits them: only what the
/// main user may pass on is offered (its own permissions; analytics types
/// only for levels it holds licences for).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubUserAccess {
    pub sub_user_id: i64,
    pub name: String,
    pub login: String,
    pub permissions_version: i64,
    pub can_edit: bool,
    pub groups: Vec<PermissionGroup>,
}

/// One analytics level of a user for the licence form. `version` is the
/// optimistic concurrency token (0 while the user never had this level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceAllocation {
    pub level_id: i64,
    pub level: String,
    pub total: i64,
    pub used: i64,
    pub free: i64,
    pub version: i64,
    /// Set while the level is in its 7-day retention: the date its hidden
    /// cases will be deleted.
    pub deleted_on: Option<String>,
}

/// The licence form of the Analytics tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceForm {
    pub can_edit: bool,
    pub levels: Vec<LicenceAllocation>,
}
