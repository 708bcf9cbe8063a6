//! Stage 6: licences and analytics cases (with case events) for every
//! fifth billing subscriber.

use super::{ts, Gen, Main, UserCameras};
use crate::backend::bulk::{insert, next_id};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DbErr, Value};

impl<P: FnMut(&str, u64, u64)> Gen<'_, P> {
    pub(super) async fn analytics(&mut self, mains: &[Main], user_cams: &[UserCameras]) -> Result<(), DbErr> {
        let db = self.db;
        // Licences and analytics cases: every fifth billing subscriber.
        #[derive(sea_orm::FromQueryResult)]
        struct Level {
            level_id: i64,
            type_id: i64,
        }
        let levels: Vec<(i64, i64)> = crate::backend::sql::rows::<Level, _>(
            db,
            "SELECT l.id AS level_id, MIN(t.id) AS type_id FROM analytics_levels l JOIN analytics_types t ON t.level_id = l.id GROUP BY l.id ORDER BY l.id",
            vec![],
        )
        .await?
        .into_iter()
        .map(|l| (l.level_id, l.type_id))
        .collect();
        let mut case_id = next_id(db, "analytics_cases").await?;
        let (mut lic_rows, mut case_rows, mut cc_rows, mut ce_rows) = (vec![], vec![], vec![], vec![]);
        for (mi, (uid, kind, _, _, created)) in mains.iter().enumerate() {
            if *kind != "billing" || mi % 5 != 0 || levels.is_empty() {
                continue;
            }
            let level_count = 1 + (mi / 5) % levels.len();
            for (li, (level_id, type_id)) in levels.iter().take(level_count).enumerate() {
                let cams = &user_cams[mi];
                let in_case = cams.len().min(2 - li.min(1));
                lic_rows.push(vec![
                    (*uid).into(),
                    (*level_id).into(),
                    (in_case as i32 + 2).into(),
                    Value::from(None::<DateTime<Utc>>),
                    0i64.into(),
                    ts(*created),
                ]);
                if in_case == 0 {
                    continue;
                }
                case_rows.push(vec![
                    case_id.into(),
                    (*uid).into(),
                    (*uid).into(),
                    (*type_id).into(),
                    (*level_id).into(),
                    format!("Watch {}", li + 1).into(),
                    "active".into(),
                    ts(*created),
                ]);
                for (cid, _) in cams.iter().take(in_case) {
                    cc_rows.push(vec![case_id.into(), (*cid).into()]);
                    for e in 0..5 {
                        ce_rows.push(vec![
                            case_id.into(),
                            (*cid).into(),
                            ["line_crossed", "motion", "smoke"][e % 3].into(),
                            format!("snap/{case_id}/{cid}/{e}.jpg").into(),
                            ts(*created + Duration::hours(e as i64 + 1)),
                        ]);
                    }
                }
                case_id += 1;
            }
        }
        insert(
            db,
            "licence_allocations",
            &["user_id", "level_id", "total", "removed_at", "version", "updated_at"],
            lic_rows,
        )
        .await?;
        insert(
            db,
            "analytics_cases",
            &[
                "id",
                "user_id",
                "main_user_id",
                "type_id",
                "level_id",
                "name",
                "status",
                "created_at",
            ],
            case_rows,
        )
        .await?;
        insert(db, "analytics_case_cameras", &["case_id", "camera_id"], cc_rows).await?;
        insert(
            db,
            "case_events",
            &["case_id", "camera_id", "kind", "snapshot_ref", "occurred_at"],
            ce_rows,
        )
        .await?;
        (self.progress)("analytics", 1, 1);
        Ok(())
    }
}
