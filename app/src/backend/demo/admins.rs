//! Stage 7: the demo administrators: an operator scoped to the first city,
//! a viewer scoped to one street of the second, and a newcomer with no
//! permission.

use super::places::Places;
use super::words::STREETS;
use super::{ts, Gen, DEMO_NEWCOMER, DEMO_OPERATOR, DEMO_VIEWER};
use crate::backend::bulk::{insert, next_id};
use crate::backend::password;
use crate::permissions::admin as ap;
use sea_orm::{DbErr, Value};

impl<P: FnMut(&str, u64, u64)> Gen<'_, P> {
    pub(super) async fn admins(&mut self, places: &Places) -> Result<(), DbErr> {
        let (db, epoch) = (self.db, self.epoch);
        // Demo administrators: an operator scoped to the first city, a viewer
        // scoped to one street of the second, and a newcomer with no permission.
        let admin_id = next_id(db, "admins").await?;
        let op_hash = password::hash_async(DEMO_OPERATOR.1.to_string()).await;
        let viewer_hash = password::hash_async(DEMO_VIEWER.1.to_string()).await;
        let newcomer_hash = password::hash_async(DEMO_NEWCOMER.1.to_string()).await;
        insert(
            db,
            "admins",
            &[
                "id",
                "login",
                "name",
                "password_hash",
                "is_super",
                "time_zone",
                "disabled",
                "created_at",
            ],
            vec![
                vec![
                    admin_id.into(),
                    DEMO_OPERATOR.0.into(),
                    "Olga Operator".into(),
                    op_hash.into(),
                    false.into(),
                    "Europe/Moscow".into(),
                    false.into(),
                    ts(epoch),
                ],
                vec![
                    (admin_id + 1).into(),
                    DEMO_VIEWER.0.into(),
                    "Victor Viewer".into(),
                    viewer_hash.into(),
                    false.into(),
                    "Europe/Samara".into(),
                    false.into(),
                    ts(epoch),
                ],
                vec![
                    (admin_id + 2).into(),
                    DEMO_NEWCOMER.0.into(),
                    "Nina Newcomer".into(),
                    newcomer_hash.into(),
                    false.into(),
                    "UTC".into(),
                    false.into(),
                    ts(epoch),
                ],
            ],
        )
        .await?;
        let op_perms = [
            ap::USERS_VIEW,
            ap::USERS_IMPERSONATE,
            ap::USERS_SYNC,
            ap::USERS_ACCESS_EDIT,
            ap::SUBUSERS_EDIT,
            ap::LICENSES_EDIT,
            ap::INTERCOMS_EDIT,
        ];
        let mut perm_rows: Vec<Vec<Value>> = op_perms.iter().map(|p| vec![admin_id.into(), p.to_string().into()]).collect();
        perm_rows.push(vec![(admin_id + 1).into(), ap::USERS_VIEW.into()]);
        insert(db, "admin_permissions", &["admin_id", "slug"], perm_rows).await?;
        insert(
            db,
            "admin_scopes",
            &["admin_id", "location_id"],
            vec![
                vec![admin_id.into(), places.city_loc_ids[0].into()],
                vec![(admin_id + 1).into(), places.street_loc_ids[STREETS.len()].into()],
            ],
        )
        .await?;
        Ok(())
    }
}
