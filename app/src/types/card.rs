//! Wire types of the user card (header and its seven tabs). Dates arrive
//! already formatted in the administrator's time zone; nothing secret (the
//! password hash) has a wire form.

use super::catalogue::{BillingEventType, CameraStatus, CardTab};
use super::{UserKind, UserStatus};
use serde::{Deserialize, Serialize};

/// The header shown on every tab, loaded once by the card. It also says
/// which of the conditional tabs exist for this user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserCardHeader {
    pub id: i64,
    pub name: String,
    pub login: String,
    pub kind: UserKind,
    pub status: UserStatus,
    pub created_at: String,
    /// The user holds `users-index`.
    pub has_sub_users: bool,
    /// The user holds licences (or a level in its 7-day retention).
    pub has_analytics: bool,
    /// For a sub user: its main user (id, name), when in the administrator's scope.
    pub main_user: Option<(i64, String)>,
    /// The administrator may give this main user licences (`licenses.edit`):
    /// the Analytics tab is then shown even before the first licence, as the
    /// place to allocate it.
    pub can_allocate: bool,
}

impl UserCardHeader {
    /// Whether `tab` exists for this user.
    pub fn shows(&self, tab: CardTab) -> bool {
        match tab {
            CardTab::SubUsers => self.has_sub_users,
            CardTab::Analytics => self.has_analytics || self.can_allocate,
            _ => tab.always_shown(),
        }
    }

    pub fn tabs(&self) -> Vec<CardTab> {
        CardTab::ALL.iter().copied().filter(|t| self.shows(*t)).collect()
    }
}

/// The User tab: billing data as billing sent it (read-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetails {
    pub account: Option<String>,
    pub contract_number: Option<String>,
    pub name: String,
    pub login: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub tariff: Option<String>,
    pub status: UserStatus,
    /// Only users created by an administrator expire.
    pub expires_at: Option<String>,
    /// Extra billing properties, in key order.
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardCameraRow {
    pub id: i64,
    pub name: String,
    pub status: CameraStatus,
    /// The location as an address ("Moscow, Lenina St, 3, Entrance 2"), if placed.
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardIntercomRow {
    pub id: i64,
    /// Codes of the user's keys on this intercom.
    pub keys: Vec<String>,
    pub name: String,
    pub address: String,
    pub department: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubUserRow {
    pub id: i64,
    pub name: String,
    pub login: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingEventRow {
    pub id: i64,
    pub request_id: String,
    pub event_type: BillingEventType,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionItem {
    pub slug: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionGroup {
    pub label: String,
    pub items: Vec<PermissionItem>,
}

/// The Access settings tab. `permissions_version` is the optimistic
/// concurrency token a Save must send back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessSettings {
    pub permissions_version: i64,
    pub can_edit: bool,
    pub groups: Vec<PermissionGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceRow {
    pub level_id: i64,
    pub level: String,
    pub total: i64,
    pub used: i64,
    pub free: i64,
    /// Set while the level is in its 7-day retention: the date the hidden
    /// cases will be deleted.
    pub deleted_on: Option<String>,
}
