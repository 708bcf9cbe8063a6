//! The permission catalogues: what a subscriber may do in its clients (the
//! Access settings tab) and what an administrator may do in the console.
//! The subscriber catalogue itself is [`UserPermission`] (one table with
//! its groups); analytics case permissions are derived from the
//! `analytics_types` table (`analytic-cases-<type>`).

use crate::types::catalogue::UserPermission;

/// Prefix of the per-type analytics permissions.
pub const ANALYTIC_CASES_PREFIX: &str = "analytic-cases-";

/// The default set a new billing user receives.
pub const BILLING_USER_DEFAULTS: &[UserPermission] = &[
    UserPermission::CamerasView,
    UserPermission::Ptz,
    UserPermission::ArchivesShow,
    UserPermission::ArchivesDownload,
    UserPermission::ArchivesPreviewDownload,
    UserPermission::GroupsIndex,
    UserPermission::LayoutsIndex,
    UserPermission::CameraEventsIndex,
    UserPermission::IntercomIndex,
    UserPermission::Analytic,
    UserPermission::UsersIndex,
    UserPermission::UsersStore,
    UserPermission::UsersUpdate,
    UserPermission::UsersDestroy,
    UserPermission::UsersChangePassword,
];

/// Whether `slug` is a subscriber permission of the fixed catalogue or has
/// the shape of an analytics case permission.
pub fn looks_like_user_permission(slug: &str) -> bool {
    UserPermission::parse(slug).is_some() || slug.starts_with(ANALYTIC_CASES_PREFIX)
}

/// Whether a sub user may hold `slug` at all, whatever its main user holds
/// (analytics case permissions: yes).
pub fn sub_user_may_hold(slug: &str) -> bool {
    UserPermission::parse(slug).is_none_or(UserPermission::offered_to_sub)
}

/// Administrator permissions (permissions.md): the one catalogue the
/// console's pages, server functions and tests iterate. A new permission is
/// one constant here plus one line in [`admin::GROUPS`].
pub mod admin {
    pub const USERS_VIEW: &str = "users.view";
    pub const USERS_IMPERSONATE: &str = "users.impersonate";
    pub const USERS_SYNC: &str = "users.sync";
    pub const USERS_ACCESS_EDIT: &str = "users.access.edit";
    pub const SUBUSERS_EDIT: &str = "subusers.edit";
    pub const LICENSES_EDIT: &str = "licenses.edit";
    pub const INTERCOMS_EDIT: &str = "intercoms.edit";
    pub const ADMINS_MANAGE: &str = "admins.manage";
    pub const AUDIT_VIEW: &str = "audit.view";

    /// (group label, [(slug, what it allows)]) as the administrator editor
    /// shows them.
    pub const GROUPS: &[(&str, &[(&str, &str)])] = &[
        (
            "Users",
            &[
                (USERS_VIEW, "Open users and their cards"),
                (USERS_IMPERSONATE, "Login as User"),
                (USERS_SYNC, "Synchronize cameras"),
            ],
        ),
        (
            "Subscriber access",
            &[
                (USERS_ACCESS_EDIT, "Save Access settings"),
                (SUBUSERS_EDIT, "Edit sub user permissions"),
                (LICENSES_EDIT, "Change licence allocations"),
            ],
        ),
        ("Intercoms", &[(INTERCOMS_EDIT, "Link users to apartments")]),
        (
            "Administration",
            &[(ADMINS_MANAGE, "Manage administrators"), (AUDIT_VIEW, "Read the audit log")],
        ),
    ];

    /// Every administrator permission, in catalogue order.
    pub const ALL: [&str; 9] = [
        USERS_VIEW,
        USERS_IMPERSONATE,
        USERS_SYNC,
        USERS_ACCESS_EDIT,
        SUBUSERS_EDIT,
        LICENSES_EDIT,
        INTERCOMS_EDIT,
        ADMINS_MANAGE,
        AUDIT_VIEW,
    ];

    pub fn is_known(slug: &str) -> bool {
        ALL.contains(&slug)
    }

    /// The label of a slug (the slug itself when unknown).
    pub fn label(slug: &str) -> &str {
        GROUPS
            .iter()
            .flat_map(|(_, items)| items.iter())
            .find(|(s, _)| *s == slug)
            .map(|(_, l)| *l)
            .unwrap_or(slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_groups_hold_exactly_the_catalogue() {
        let mut grouped: Vec<&str> = admin::GROUPS.iter().flat_map(|(_, i)| i.iter().map(|(s, _)| *s)).collect();
        let mut all = admin::ALL.to_vec();
        grouped.sort();
        all.sort();
        assert_eq!(grouped, all);
    }
}
