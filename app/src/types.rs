//! Wire types shared by the server functions and the browser. They are not the
//! stored rows (see `server::entities`): dates arrive formatted in the
//! administrator's time zone, and secrets have no wire form at all.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    Billing,
    Admin,
    Sub,
}

impl UserKind {
    pub const ALL: [UserKind; 3] = [UserKind::Billing, UserKind::Admin, UserKind::Sub];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Billing => "billing",
            Self::Admin => "admin",
            Self::Sub => "sub",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Billing => "Created via billing",
            Self::Admin => "Created by administrator",
            Self::Sub => "Sub user",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Paused,
    Terminated,
}

impl UserStatus {
    pub const ALL: [UserStatus; 3] = [UserStatus::Active, UserStatus::Paused, UserStatus::Terminated];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Terminated => "terminated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Paused => "Paused",
            Self::Terminated => "Terminated",
        }
    }
}

/// The signed-in administrator as the browser sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminMe {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub is_super: bool,
    pub time_zone: String,
    pub permissions: Vec<String>,
}

impl AdminMe {
    pub fn can(&self, permission: &str) -> bool {
        self.is_super || self.permissions.iter().any(|p| p == permission)
    }
}

/// Table state carried in the query string so that a pasted link reproduces
/// the view. `after`/`before` are opaque keyset cursors; `last` jumps to the
/// final page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableQuery {
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub last: bool,
    pub q: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
}

/// One page of a keyset-paginated table. Cursors are `None` where there is
/// nothing further in that direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub sort: String,
    pub dir: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub login: String,
    pub kind: UserKind,
    pub status: UserStatus,
    pub created_at: String,
}

pub mod access;
pub mod admins;
pub mod billing;
pub mod card;
pub mod catalogue;
pub mod devices;
pub mod subscriber;
pub mod sync;
