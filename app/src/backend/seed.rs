//! Reference data every installation has (analytics levels and types), and
//! the super-administrator from `VIGIL_ADMIN_PASSWORD`.

use super::entities::{admins, analytics_levels, analytics_types};
use super::password;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// (level, [(type slug, type name)]) — domain notes' tiers.
pub const LEVELS: &[(&str, &[(&str, &str)])] = &[
    (
        "Level 1",
        &[
            ("line-crossing", "Line crossing"),
            ("zone-intrusion", "Zone intrusion"),
            ("smoke-fire", "Smoke and fire"),
            ("loud-sound", "Loud sound"),
            ("camera-tampering", "Camera tampering"),
        ],
    ),
    (
        "Level 2",
        &[
            ("object-counting", "Object counting in an area"),
            ("visitor-counting", "Visitor counting"),
        ],
    ),
    (
        "Level 3",
        &[
            ("face-recognition", "Face recognition"),
            ("license-plate", "Licence plate recognition"),
            ("container-number", "Container numbers"),
        ],
    ),
];

/// Inserts the analytics levels and types when the table is empty.
pub async fn reference_data<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if analytics_levels::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    for (position, (level, types)) in LEVELS.iter().enumerate() {
        let level = analytics_levels::Entity::insert(analytics_levels::ActiveModel {
            name: Set(level.to_string()),
            position: Set(position as i32 + 1),
            ..Default::default()
        })
        .exec(db)
        .await?;
        analytics_types::Entity::insert_many(types.iter().map(|(slug, name)| analytics_types::ActiveModel {
            slug: Set(slug.to_string()),
            name: Set(name.to_string()),
            level_id: Set(level.last_insert_id),
            ..Default::default()
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Creates the super-administrator `admin`, or resets its password.
pub async fn ensure_super_admin<C: ConnectionTrait>(db: &C, password_plain: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), DbErr> {
    let hash = password::hash_async(password_plain.to_string()).await;
    match admins::Entity::find().filter(admins::Column::Login.eq("admin")).one(db).await? {
        Some(existing) => {
            let mut row: admins::ActiveModel = existing.into();
            row.password_hash = Set(hash);
            row.is_super = Set(true);
            row.disabled = Set(false);
            admins::Entity::update(row).exec(db).await?;
        }
        None => {
            admins::Entity::insert(admins::ActiveModel {
                login: Set("admin".into()),
                name: Set("Super administrator".into()),
                password_hash: Set(hash),
                is_super: Set(true),
                time_zone: Set("UTC".into()),
                disabled: Set(false),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(db)
            .await?;
        }
    }
    Ok(())
}
