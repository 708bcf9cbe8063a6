//! Wire types of the device pages: the camera profile and the intercom card
//! (General data and Apartments tabs) and the outcome of linking a user to a
//! flat. Like [`crate::types`], dates arrive already formatted in the
//! administrator's time zone.

pub use crate::types::catalogue::CameraStatus;
use serde::{Deserialize, Serialize};

/// A subscriber named on a device page, with a link to its card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
    pub login: String,
}

/// The camera profile's General data tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraProfile {
    pub id: i64,
    pub name: String,
    pub mac: String,
    pub serial_number: String,
    pub model: Option<String>,
    pub status: CameraStatus,
    /// Names from the root of the location tree down (city, street, house,
    /// entrance); empty when the camera has no location.
    pub location: Vec<String>,
    /// `billing` or `manual`.
    pub source: String,
    pub archive_days: i32,
    pub created_at: String,
    /// Users who can view the camera, only those in the administrator's
    /// scope, at most [`CameraProfile::VIEWERS_SHOWN`].
    pub viewers: Vec<UserRef>,
    /// How many users in scope can view it (may exceed `viewers.len()`).
    pub viewers_total: i64,
}

impl CameraProfile {
    pub const VIEWERS_SHOWN: u64 = 100;

    pub fn source_label(&self) -> &'static str {
        match self.source.as_str() {
            "billing" => "Billing",
            "manual" => "Added manually",
            _ => "Other",
        }
    }
}

/// The intercom card header and General data tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntercomCard {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub department: String,
    pub online: bool,
    pub flat_from: i32,
    pub flat_to: i32,
    /// Names of the location tree path, as for cameras.
    pub location: Vec<String>,
    pub created_at: String,
    /// Whether the administrator may link and unlink users here.
    pub can_edit: bool,
}

/// A user linked to a flat. Users outside the administrator's scope are
/// reported without name or id ("another subscriber").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FlatUser {
    Visible(UserRef),
    Hidden,
}

/// One row of the Apartments tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApartmentRow {
    pub id: i64,
    pub number: i32,
    pub users: Vec<FlatUser>,
    pub keys: Vec<String>,
}

/// What a link or unlink did, in words for the administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkOutcome {
    pub user_id: i64,
    pub number: i32,
    pub message: String,
}
