//! The fixed catalogues, each one enum with one table: the user card's tabs,
//! the billing event types, the camera statuses and the subscriber
//! permissions (with their groups). Routes, pages, services, the billing
//! parser, the OpenAPI document, the demo generator, the tests and the bench
//! iterate `ALL`; adding an entry is one line here plus the code that is
//! really new (DEVELOPERS.md, "Adding a card tab or a billing event type").
//!
//! On the wire and in the database an entry is its slug.

/// Declares a catalogue enum from its table: `Variant = (slug, label,
/// third column)`, where the third column's name and type are given once.
/// Generates `ALL` (table order), `slug`, `label`, the third column's
/// accessor, `parse`, `Display` and serde as the slug.
macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($column:ident: $ty:ty) {
            $($(#[$vmeta:meta])* $variant:ident = ($slug:literal, $label:literal, $value:expr)),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every entry, in table order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and wire form.
            pub const fn slug(self) -> &'static str {
                match self {
                    $(Self::$variant => $slug),+
                }
            }

            /// What the UI shows.
            pub const fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label),+
                }
            }

            pub const fn $column(self) -> $ty {
                match self {
                    $(Self::$variant => $value),+
                }
            }

            /// The entry whose slug is `slug`.
            pub fn parse(slug: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.slug() == slug)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.slug())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.slug())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let slug = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&slug).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} “{slug}”", stringify!($name)))
                })
            }
        }
    };
}

/// For catalogues declared beside their domain's wire types (`UserKind`, `UserStatus`).
pub(crate) use catalogue;

catalogue! {
    /// The user card's tabs, in display order; the slug is the URL segment
    /// (`/users/:id/<slug>`). Whether a tab exists for a user is
    /// [`crate::types::card::UserCardHeader::shows`].
    pub enum CardTab (description: &'static str) {
        User = ("user", "User", "The subscriber's data as billing sent it (read-only)."),
        Cameras = ("cameras", "Cameras", "Cameras the user can view, within the administrator's scope."),
        Intercoms = ("intercoms", "Intercoms", "Intercoms of the user's flats, with the user's keys."),
        SubUsers = ("sub-users", "Sub users", "Sub users made by this user; only for users holding users-index."),
        BillingEvents = ("billing-events", "Billing Events", "Events billing sent for this user, newest first."),
        Access = ("access", "Access settings", "The user's permissions, saved with a version precondition."),
        Analytics = ("analytics", "Analytics", "Licences per level with their use; only for users with licences."),
    }
}

impl CardTab {
    /// The tabs whose data is a keyset-paginated table.
    pub const fn is_table(self) -> bool {
        matches!(self, Self::Cameras | Self::Intercoms | Self::SubUsers | Self::BillingEvents)
    }

    /// Whether every user has the tab (the others depend on the user).
    pub const fn always_shown(self) -> bool {
        !matches!(self, Self::SubUsers | Self::Analytics)
    }
}

catalogue! {
    /// Camera status as the product spec names it (domain-notes.md).
    pub enum CameraStatus (description: &'static str) {
        Active = ("active", "Active", "Both streams up."),
        PartiallyActive = ("partially_active", "Partially active", "One of two streams down."),
        Inactive = ("inactive", "Inactive", "Both streams down."),
        Empty = ("empty", "Empty", "No streams yet: the state right after a camera is registered."),
    }
}

impl CameraStatus {
    /// How a stored status reads; an unknown one (never written by Vigil)
    /// as empty.
    pub fn from_stored(slug: &str) -> Self {
        Self::parse(slug).unwrap_or(Self::Empty)
    }
}

catalogue! {
    /// Every stored billing event type (billing-api.md) with its label on the
    /// Billing Events tab (product.md §3) and its effect. The table's order
    /// is the order the demo generator draws types in (changing it changes
    /// the demo data of a seed).
    pub enum BillingEventType (effect: &'static str) {
        NewEntity = ("billing.new_entity", "Billing. New entity",
            "Creates a user of kind billing, status active, with the default permissions. 422 field login when the login is taken, field account when the account exists."),
        PauseEntity = ("billing.pause_entity", "Billing. Pause entity",
            "Status paused for the user and its sub users: cameras blocked in the clients."),
        UnpauseEntity = ("billing.unpause_entity", "Billing. Unpause entity",
            "Status active again for the user and its sub users."),
        UpdateLogin = ("billing.update_login", "Billing. Update login",
            "Changes the login (422 field login when taken)."),
        UpdatePassword = ("billing.update_password", "Billing. Update password",
            "Changes the password."),
        AttachCamera = ("billing.attach_camera", "Billing. Attach camera",
            "Gives the user the camera and places it at the location of csa. 422 field mac when no such camera is registered. Unknown code: stored as billing.attach_camera_unknown_csa, nothing else changes."),
        DetachCamera = ("billing.detach_camera", "Billing. Detach camera",
            "Takes the camera away from the user."),
        CreateLocation = ("billing.create_location", "Billing. Create location",
            "Builds the location (city → street → house → entrance) from the directory and links it to the user. Unknown code: stored as billing.create_location_unknown_csa, nothing else changes."),
        CreateLocationUnknownCsa = ("billing.create_location_unknown_csa", "Billing. Failed to create location",
            "Stored instead of billing.create_location when the directory does not know the CSA code; nothing else changes."),
        AttachCameraUnknownCsa = ("billing.attach_camera_unknown_csa", "Billing. Failed to attach camera",
            "Stored instead of billing.attach_camera when the directory does not know the CSA code; nothing else changes."),
        DeleteLocation = ("billing.delete_location", "Billing. Delete location",
            "Unlinks the location from the user; removes it (and emptied ancestors) when nothing uses it any more."),
        TerminateEntity = ("billing.terminate_entity", "Billing. Terminate entity",
            "Status terminated for the user and its sub users; their client sessions end; data is kept."),
        UnknownType = ("billing.unknown_type", "Billing. Unknown type",
            "Stored as billing.unknown_type with the original type kept in the stored payload; answered 202."),
        NewCamera = ("billing.new_camera", "Billing. New camera",
            "Registers a camera: status empty, no user. 422 field mac when malformed or already registered."),
    }
}

impl BillingEventType {
    /// Whether billing sends this type; the others are only stored (an
    /// unknown CSA code or an unknown request type).
    pub const fn is_request(self) -> bool {
        !matches!(
            self,
            Self::CreateLocationUnknownCsa | Self::AttachCameraUnknownCsa | Self::UnknownType
        )
    }

    /// The request types, in table order.
    pub fn requests() -> impl Iterator<Item = Self> {
        Self::ALL.iter().copied().filter(|t| t.is_request())
    }

    /// How a stored type reads; anything else as unknown.
    pub fn from_stored(slug: &str) -> Self {
        Self::parse(slug).unwrap_or(Self::UnknownType)
    }
}

catalogue! {
    /// The groups of the Access settings tab, in display order.
    pub enum PermissionGroupName (offered_to_sub: bool) {
        Cameras = ("cameras", "Cameras", true),
        Archive = ("archive", "Archive", true),
        Screenshots = ("screenshots", "Screenshots", true),
        CameraGroups = ("camera-groups", "Camera groups", true),
        Layouts = ("layouts", "Layouts", true),
        Events = ("events", "Events", true),
        Marks = ("marks", "Marks", true),
        Intercom = ("intercom", "Intercom", true),
        Analytics = ("analytics", "Analytics", true),
        /// Sub users never manage sub users of their own (only main users
        /// do, in the web client), so this group is never offered to one.
        SubUsers = ("sub-users", "Sub users", false),
    }
}

catalogue! {
    /// What a subscriber may do in its clients (permissions.md), grouped as
    /// the Access settings tab shows them. Analytics case permissions come
    /// from data (`analytic-cases-<type>`, [`crate::permissions`]).
    pub enum UserPermission (group: PermissionGroupName) {
        CamerasView = ("cameras-view", "View cameras live", PermissionGroupName::Cameras),
        Ptz = ("ptz", "Move PTZ cameras", PermissionGroupName::Cameras),
        ArchivesShow = ("archives-show", "Watch recordings", PermissionGroupName::Archive),
        ArchivesDownload = ("archives-download", "Download recordings", PermissionGroupName::Archive),
        ArchivesPreviewDownload = ("archives-preview-download", "Save a still image", PermissionGroupName::Screenshots),
        GroupsIndex = ("groups-index", "See groups", PermissionGroupName::CameraGroups),
        GroupsStore = ("groups-store", "Create groups", PermissionGroupName::CameraGroups),
        GroupsRename = ("groups-rename", "Rename groups", PermissionGroupName::CameraGroups),
        GroupsDestroy = ("groups-destroy", "Delete groups", PermissionGroupName::CameraGroups),
        GroupsCamerasAttach = ("groups-cameras-attach", "Add cameras to groups", PermissionGroupName::CameraGroups),
        GroupsCamerasDetach = ("groups-cameras-detach", "Remove cameras from groups", PermissionGroupName::CameraGroups),
        LayoutsIndex = ("layouts-index", "See layouts", PermissionGroupName::Layouts),
        LayoutsStore = ("layouts-store", "Create layouts", PermissionGroupName::Layouts),
        LayoutsRename = ("layouts-rename", "Rename layouts", PermissionGroupName::Layouts),
        LayoutsDestroy = ("layouts-destroy", "Delete layouts", PermissionGroupName::Layouts),
        LayoutsCamerasAttach = ("layouts-cameras-attach", "Add cameras to layouts", PermissionGroupName::Layouts),
        LayoutsCamerasDetach = ("layouts-cameras-detach", "Remove cameras from layouts", PermissionGroupName::Layouts),
        CameraEventsIndex = ("camera-events-index", "See camera events", PermissionGroupName::Events),
        CameraEventsStore = ("camera-events-store", "Create camera events", PermissionGroupName::Events),
        MarksIndex = ("marks-index", "See marks", PermissionGroupName::Marks),
        MarksStore = ("marks-store", "Create marks", PermissionGroupName::Marks),
        MarksUpdate = ("marks-update", "Edit marks", PermissionGroupName::Marks),
        MarksDestroy = ("marks-destroy", "Delete marks", PermissionGroupName::Marks),
        IntercomIndex = ("intercom-index", "See and open own intercoms", PermissionGroupName::Intercom),
        Analytic = ("analytic", "Use analytics", PermissionGroupName::Analytics),
        /// Holding it makes the card's Sub users tab appear.
        UsersIndex = ("users-index", "See sub users", PermissionGroupName::SubUsers),
        UsersStore = ("users-store", "Create sub users", PermissionGroupName::SubUsers),
        UsersUpdate = ("users-update", "Edit sub users", PermissionGroupName::SubUsers),
        UsersDestroy = ("users-destroy", "Delete sub users", PermissionGroupName::SubUsers),
        UsersChangePassword = ("users-change-password", "Change sub users' passwords", PermissionGroupName::SubUsers),
    }
}

impl PermissionGroupName {
    /// The group's permissions, in table order.
    pub fn items(self) -> impl Iterator<Item = UserPermission> {
        UserPermission::ALL.iter().copied().filter(move |p| p.group() == self)
    }
}

impl UserPermission {
    /// Whether a sub user may hold it at all, whatever its main user holds.
    pub const fn offered_to_sub(self) -> bool {
        self.group().offered_to_sub()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn unique(slugs: impl Iterator<Item = &'static str>) -> bool {
        let all: Vec<_> = slugs.collect();
        all.len() == all.iter().collect::<BTreeSet<_>>().len()
    }

    #[test]
    fn slugs_are_unique_and_round_trip() {
        assert!(unique(CardTab::ALL.iter().map(|t| t.slug())));
        assert!(unique(CameraStatus::ALL.iter().map(|t| t.slug())));
        assert!(unique(BillingEventType::ALL.iter().map(|t| t.slug())));
        assert!(unique(UserPermission::ALL.iter().map(|t| t.slug())));
        assert!(unique(PermissionGroupName::ALL.iter().map(|t| t.label())));
        for t in BillingEventType::ALL {
            assert_eq!(BillingEventType::parse(t.slug()), Some(*t));
            let wire = serde_json::to_string(t).unwrap();
            assert_eq!(wire, format!("\"{}\"", t.slug()));
            assert_eq!(serde_json::from_str::<BillingEventType>(&wire).unwrap(), *t);
        }
        assert!(serde_json::from_str::<CameraStatus>("\"broken\"").is_err());
        assert_eq!(
            BillingEventType::from_stored("billing.change_tariff"),
            BillingEventType::UnknownType
        );
    }

    #[test]
    fn every_group_has_permissions() {
        for g in PermissionGroupName::ALL {
            assert!(g.items().next().is_some(), "{g}");
        }
        assert!(!UserPermission::UsersIndex.offered_to_sub());
        assert!(UserPermission::CamerasView.offered_to_sub());
        assert_eq!(BillingEventType::requests().count(), 11);
    }
}
