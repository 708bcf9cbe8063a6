//! Wire types shared by the server functions and the browser. They are not the
//! stored rows (see `server::entities`): dates arrive formatted in the
//! administrator's time zone, and secrets have no wire form at all.

use serde::{Deserialize, Serialize};

crate::types::catalogue::catalogue! {
    /// How a subscriber account came to be (product.md, "User").
    pub enum UserKind (description: &'static str) {
        Billing = ("billing", "Created via billing", "Made by billing's new_entity event; billing owns its login and status."),
        Admin = ("admin", "Created by administrator", "Made in the console; temporary, with an expiry date."),
        Sub = ("sub", "Sub user", "Made by a main user in the web client, within the main user's rights."),
    }
}

crate::types::catalogue::catalogue! {
    /// Where a subscriber account stands with billing.
    pub enum UserStatus (description: &'static str) {
        Active = ("active", "Active", "Signs in and watches its cameras."),
        Paused = ("paused", "Paused", "Signs in and sees its cameras as blocked."),
        Terminated = ("terminated", "Terminated", "Cannot sign in."),
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
