//! The permission catalogues: what a subscriber may do in its clients (the
//! Access settings tab) and what an administrator may do in the console.
//! Adding a permission is one line here; analytics case permissions are
//! derived from the `analytics_types` table (`analytic-cases-<type>`).

/// (group label, [(slug, label)]) in the order the Access settings tab shows.
pub const USER_PERMISSION_GROUPS: &[(&str, &[(&str, &str)])] = &[
    ("Cameras", &[("cameras-view", "View cameras live"), ("ptz", "Move PTZ cameras")]),
    (
        "Archive",
        &[("archives-show", "Watch recordings"), ("archives-download", "Download recordings")],
    ),
    ("Screenshots", &[("archives-preview-download", "Save a still image")]),
    (
        "Camera groups",
        &[
            ("groups-index", "See groups"),
            ("groups-store", "Create groups"),
            ("groups-rename", "Rename groups"),
            ("groups-destroy", "Delete groups"),
            ("groups-cameras-attach", "Add cameras to groups"),
            ("groups-cameras-detach", "Remove cameras from groups"),
        ],
    ),
    (
        "Layouts",
        &[
            ("layouts-index", "See layouts"),
            ("layouts-store", "Create layouts"),
            ("layouts-rename", "Rename layouts"),
            ("layouts-destroy", "Delete layouts"),
            ("layouts-cameras-attach", "Add cameras to layouts"),
            ("layouts-cameras-detach", "Remove cameras from layouts"),
        ],
    ),
    (
        "Events",
        &[
            ("camera-events-index", "See camera events"),
            ("camera-events-store", "Create camera events"),
        ],
    ),
    (
        "Marks",
        &[
            ("marks-index", "See marks"),
            ("marks-store", "Create marks"),
            ("marks-update", "Edit marks"),
            ("marks-destroy", "Delete marks"),
        ],
    ),
    ("Intercom", &[("intercom-index", "See and open own intercoms")]),
    ("Analytics", &[("analytic", "Use analytics")]),
    (
        "Sub users",
        &[
            ("users-index", "See sub users"),
            ("users-store", "Create sub users"),
            ("users-update", "Edit sub users"),
            ("users-destroy", "Delete sub users"),
            ("users-change-password", "Change sub users' passwords"),
        ],
    ),
];

/// Prefix of the per-type analytics permissions.
pub const ANALYTIC_CASES_PREFIX: &str = "analytic-cases-";

/// Holding this permission makes the Sub users tab appear.
pub const SUB_USERS_INDEX: &str = "users-index";

/// Every fixed slug of the catalogue (analytics case slugs come from data).
pub fn fixed_user_slugs() -> impl Iterator<Item = &'static str> {
    USER_PERMISSION_GROUPS
        .iter()
        .flat_map(|(_, items)| items.iter().map(|(slug, _)| *slug))
}

/// The default set a new billing user receives.
pub const BILLING_USER_DEFAULTS: &[&str] = &[
    "cameras-view",
    "ptz",
    "archives-show",
    "archives-download",
    "archives-preview-download",
    "groups-index",
    "layouts-index",
    "camera-events-index",
    "intercom-index",
    "analytic",
    "users-index",
    "users-store",
    "users-update",
    "users-destroy",
    "users-change-password",
];

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

/// Sub users never manage sub users of their own (only main users do, in
/// the web client), so this group is never offered to a sub user.
pub const SUB_USERS_GROUP: &str = "Sub users";

/// Whether a sub user may hold `slug` at all, whatever its main user holds.
pub fn sub_user_may_hold(slug: &str) -> bool {
    !USER_PERMISSION_GROUPS
        .iter()
        .filter(|(group, _)| *group == SUB_USERS_GROUP)
        .flat_map(|(_, items)| items.iter())
        .any(|(s, _)| *s == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique() {
        let mut all: Vec<_> = fixed_user_slugs().collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn admin_groups_hold_exactly_the_catalogue() {
        let mut grouped: Vec<&str> = admin::GROUPS.iter().flat_map(|(_, i)| i.iter().map(|(s, _)| *s)).collect();
        let mut all = admin::ALL.to_vec();
        grouped.sort();
        all.sort();
        assert_eq!(grouped, all);
        assert!(!sub_user_may_hold(SUB_USERS_INDEX));
        assert!(sub_user_may_hold("cameras-view"));
    }

    #[test]
    fn defaults_are_in_the_catalogue() {
        for slug in BILLING_USER_DEFAULTS {
            assert!(fixed_user_slugs().any(|s| s == *slug), "{slug}");
        }
    }
}
