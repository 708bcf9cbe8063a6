//! Stages 3 and 4: cameras at each main user's entrance in every status
//! (and a few registered but unattached), and intercoms with flats linked
//! and keys.

use super::places::House;
use super::words::{CAMERA_MODELS, CAMERA_PLACES};
use super::{share, ts, Gen, Main, UserCameras};
use crate::backend::bulk::{insert, next_id};
use crate::types::catalogue::CameraStatus;
use sea_orm::{DbErr, Value};

/// The columns of a camera row.
const CAMERA_COLUMNS: &[&str] = &[
    "id",
    "name",
    "mac",
    "serial_number",
    "model",
    "status",
    "location_id",
    "source",
    "archive_days",
    "created_at",
];

impl<P: FnMut(&str, u64, u64)> Gen<'_, P> {
    /// Cameras; each main user's (id, MAC), in the order of `mains`.
    pub(super) async fn cameras(&mut self, houses: &[House], mains: &[Main]) -> Result<Vec<UserCameras>, DbErr> {
        let (db, size, now) = (self.db, self.size, self.now);
        let rng = &mut self.rng;
        // Cameras at each main user's entrance, in every status.
        let mut cam_id = next_id(db, "cameras").await?;
        let mut cam_rows = vec![];
        let mut uc_rows = vec![];
        let mut user_cams: Vec<Vec<(i64, String)>> = vec![];
        let total_cams: u64 = size.cameras.max(size.heavy_cameras);
        let other_mains = mains.len().saturating_sub(1) as u64;
        for (mi, (uid, _, ent, house, created)) in mains.iter().enumerate() {
            let count = if mi == 0 {
                size.heavy_cameras
            } else {
                share(total_cams - size.heavy_cameras, other_mains, mi as u64 - 1)
            };
            let mut mine = vec![];
            for k in 0..count {
                let (house, ent) = if mi == 0 {
                    ((*house + k as usize) % houses.len(), (k % 4) as usize)
                } else {
                    (*house, *ent)
                };
                let status = match rng.below(20) {
                    0..=13 => CameraStatus::Active,
                    14..=15 => CameraStatus::PartiallyActive,
                    16..=17 => CameraStatus::Inactive,
                    _ => CameraStatus::Empty,
                };
                let mac = format!(
                    "00:1A:{:02X}:{:02X}:{:02X}:{:02X}",
                    (cam_id >> 24) & 0xFF,
                    (cam_id >> 16) & 0xFF,
                    (cam_id >> 8) & 0xFF,
                    cam_id & 0xFF
                );
                cam_rows.push(vec![
                    cam_id.into(),
                    format!("{} {}", rng.pick(CAMERA_PLACES), k + 1).into(),
                    mac.clone().into(),
                    format!("SN{:010}", cam_id).into(),
                    rng.pick(CAMERA_MODELS).to_string().into(),
                    status.slug().into(),
                    houses[house].entrance_location_ids[ent].into(),
                    if rng.below(10) == 0 { "manual" } else { "billing" }.into(),
                    [7i32, 14, 30][rng.below(3) as usize].into(),
                    ts(*created),
                ]);
                uc_rows.push(vec![(*uid).into(), cam_id.into(), ts(*created)]);
                mine.push((cam_id, mac));
                cam_id += 1;
            }
            user_cams.push(mine);
            if cam_rows.len() >= 20_000 {
                let done = cam_id as u64;
                insert(db, "cameras", CAMERA_COLUMNS, std::mem::take(&mut cam_rows)).await?;
                insert(
                    db,
                    "user_cameras",
                    &["user_id", "camera_id", "created_at"],
                    std::mem::take(&mut uc_rows),
                )
                .await?;
                (self.progress)("cameras", done.min(total_cams), total_cams);
            }
        }
        // A few registered but unattached cameras (billing.new_camera, no user yet).
        for _ in 0..(size.users / 50).max(3) {
            let mac = format!(
                "00:1B:{:02X}:{:02X}:{:02X}:{:02X}",
                (cam_id >> 24) & 0xFF,
                (cam_id >> 16) & 0xFF,
                (cam_id >> 8) & 0xFF,
                cam_id & 0xFF
            );
            cam_rows.push(vec![
                cam_id.into(),
                format!("New camera {cam_id}").into(),
                mac.into(),
                format!("SN{:010}", cam_id).into(),
                Value::from(None::<String>),
                CameraStatus::Empty.slug().into(),
                Value::from(None::<i64>),
                "billing".into(),
                7i32.into(),
                ts(now),
            ]);
            cam_id += 1;
        }
        insert(db, "cameras", CAMERA_COLUMNS, cam_rows).await?;
        insert(db, "user_cameras", &["user_id", "camera_id", "created_at"], uc_rows).await?;
        (self.progress)("cameras", total_cams, total_cams);
        Ok(user_cams)
    }

    pub(super) async fn intercoms(&mut self, houses: &[House], mains: &[Main]) -> Result<(), DbErr> {
        let (db, epoch) = (self.db, self.epoch);
        let rng = &mut self.rng;
        // Intercoms: one per entrance that has subscribers, flats linked, keys.
        let mut intercom_of: std::collections::HashMap<(usize, usize), (i64, i32)> = Default::default();
        let mut ic_id = next_id(db, "intercoms").await?;
        let mut ap_id = next_id(db, "apartments").await?;
        let (mut ic_rows, mut ap_rows, mut ua_rows, mut key_rows) = (vec![], vec![], vec![], vec![]);
        for (uid, kind, ent, house, created) in mains {
            if *kind != "billing" || rng.below(3) == 0 {
                continue;
            }
            let entry = intercom_of.entry((*house, *ent)).or_insert_with(|| {
                let id = ic_id;
                ic_id += 1;
                ic_rows.push(vec![
                    id.into(),
                    format!("Intercom {}-{}", houses[*house].address.rsplit(' ').next().unwrap_or("1"), ent + 1).into(),
                    houses[*house].address.clone().into(),
                    format!("Entrance {}", ent + 1).into(),
                    if id % 7 == 0 { "offline" } else { "online" }.into(),
                    houses[*house].entrance_location_ids[*ent].into(),
                    1i32.into(),
                    120i32.into(),
                    ts(epoch),
                ]);
                (id, 0)
            });
            entry.1 += 1;
            let flat = entry.1;
            ap_rows.push(vec![ap_id.into(), entry.0.into(), flat.into()]);
            ua_rows.push(vec![(*uid).into(), ap_id.into(), ts(*created)]);
            key_rows.push(vec![
                entry.0.into(),
                ap_id.into(),
                (*uid).into(),
                format!("0000{:06X}CAAC", ap_id).into(),
                ts(*created),
            ]);
            ap_id += 1;
        }
        insert(
            db,
            "intercoms",
            &[
                "id",
                "name",
                "address",
                "department",
                "status",
                "location_id",
                "flat_from",
                "flat_to",
                "created_at",
            ],
            ic_rows,
        )
        .await?;
        insert(db, "apartments", &["id", "intercom_id", "number"], ap_rows).await?;
        insert(db, "user_apartments", &["user_id", "apartment_id", "created_at"], ua_rows).await?;
        insert(
            db,
            "intercom_keys",
            &["intercom_id", "apartment_id", "user_id", "code", "created_at"],
            key_rows,
        )
        .await?;
        (self.progress)("intercoms", intercom_of.len() as u64, intercom_of.len() as u64);
        Ok(())
    }
}
