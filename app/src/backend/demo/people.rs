//! Stage 2: the subscribers. User id 1 is the heavy business subscriber;
//! every 20th user is a sub user (of the main user before it, the first one
//! of user 1); some main users are temporary administrator-made accounts.

use super::places::House;
use super::words::{COMPANIES, FIRST, LAST, TARIFFS};
use super::{ts, Gen, Main, DEMO_USER_PASSWORD};
use crate::backend::bulk::{insert, next_id};
use crate::backend::password;
use crate::permissions::BILLING_USER_DEFAULTS;
use crate::types::catalogue::UserPermission;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DbErr, Value};

impl<P: FnMut(&str, u64, u64)> Gen<'_, P> {
    /// Users with their permissions and locations; the main users.
    pub(super) async fn users(&mut self, houses: &[House]) -> Result<Vec<Main>, DbErr> {
        let (db, size, now, epoch) = (self.db, self.size, self.now, self.epoch);
        let rng = &mut self.rng;
        // Users: id 1 is the heavy business subscriber; every 20th is a sub user
        // (of the user before it, the first one of id 1); some are temporary administrator-made accounts.
        let pw_hash = password::hash_async(DEMO_USER_PASSWORD.to_string()).await;
        let first_user = next_id(db, "users").await?;
        let mut user_rows = vec![];
        let mut perm_rows = vec![];
        let mut ul_rows = vec![];
        // (user id, kind, entrance index in house, house index, created_at)
        let mut mains: Vec<Main> = vec![];
        let span = (now - epoch).num_seconds().max(1) as u64;
        let mut main_status: std::collections::HashMap<i64, &str> = std::collections::HashMap::new();
        for i in 0..size.users {
            let id = first_user + i as i64;
            let created = epoch + Duration::seconds((span * i / size.users.max(1)) as i64);
            let is_sub = i % 20 == 19 && !mains.is_empty();
            let kind = if i == 0 {
                "billing"
            } else if is_sub {
                "sub"
            } else if i % 13 == 5 {
                "admin"
            } else {
                "billing"
            };
            let drawn = match rng.below(100) {
                0..=89 => "active",
                90..=96 => "paused",
                _ => "terminated",
            };
            let (name, login) = if i == 0 {
                ("Northwind Logistics LLC".to_string(), "northwind".to_string())
            } else if i % 9 == 4 {
                let c = rng.pick(COMPANIES);
                (format!("{c} “{}”", rng.pick(LAST)), format!("biz{id}"))
            } else {
                let (f, l) = (rng.pick(FIRST), rng.pick(LAST));
                (format!("{f} {l}"), format!("{}.{}{id}", f.to_lowercase(), l.to_lowercase()))
            };
            let house_idx = rng.below(houses.len() as u64) as usize;
            let ent_idx = rng.below(4) as usize;
            // The first sub user belongs to the heavy business subscriber (so its
            // Sub users tab has rows); the others to the main user before them.
            let parent = match (is_sub, i) {
                (false, _) => None,
                (true, 19) => Some(first_user),
                (true, _) => Some(mains.last().expect("checked").0),
            };
            // Billing pauses and terminates a main user together with its sub
            // users (services::billing::people), so a sub user always has its
            // main user's status.
            let status = match parent {
                Some(main) => *main_status.get(&main).expect("main users come first"),
                None => drawn,
            };
            main_status.insert(id, status);
            let account = (kind == "billing").then(|| format!("A-{:06}", 100_000 + id));
            let props = if kind == "billing" {
                format!("{{\"connection\":\"FTTB\",\"port\":\"{}\"}}", rng.below(48) + 1)
            } else {
                "{}".into()
            };
            user_rows.push(vec![
                id.into(),
                kind.into(),
                status.into(),
                parent.into(),
                login.into(),
                pw_hash.clone().into(),
                name.into(),
                account.clone().into(),
                account.as_ref().map(|_| format!("C-{:07}", 2_000_000 + id)).into(),
                (kind != "sub").then(|| rng.pick(TARIFFS).to_string()).into(),
                (kind != "sub")
                    .then(|| {
                        format!(
                            "+7 9{:02} {:03}-{:02}-{:02}",
                            rng.below(100),
                            rng.below(1000),
                            rng.below(100),
                            rng.below(100)
                        )
                    })
                    .into(),
                (kind != "sub").then(|| format!("user{id}@example.net")).into(),
                (kind != "sub")
                    .then(|| format!("{}, entrance {}", houses[house_idx].address, ent_idx + 1))
                    .into(),
                props.into(),
                if kind == "admin" {
                    ts(now + Duration::days(30 + rng.below(60) as i64))
                } else {
                    Value::from(None::<DateTime<Utc>>)
                },
                ts(created),
                ts(created),
            ]);
            let perms: &[UserPermission] = if is_sub {
                &[UserPermission::CamerasView, UserPermission::ArchivesShow]
            } else {
                BILLING_USER_DEFAULTS
            };
            for p in perms {
                perm_rows.push(vec![id.into(), p.slug().into()]);
            }
            if !is_sub {
                ul_rows.push(vec![
                    id.into(),
                    houses[house_idx].entrance_location_ids[ent_idx].into(),
                    account.map(|_| format!("C-{:07}", 2_000_000 + id)).into(),
                    ts(created),
                ]);
                mains.push((id, kind, ent_idx, house_idx, created));
            }
        }
        let n = user_rows.len() as u64;
        insert(
            db,
            "users",
            &[
                "id",
                "kind",
                "status",
                "parent_id",
                "login",
                "password_hash",
                "name",
                "account",
                "contract_number",
                "tariff",
                "phone",
                "email",
                "address",
                "properties",
                "expires_at",
                "created_at",
                "updated_at",
            ],
            user_rows,
        )
        .await?;
        (self.progress)("users", n, n);
        insert(db, "user_permissions", &["user_id", "slug"], perm_rows).await?;
        insert(
            db,
            "user_locations",
            &["user_id", "location_id", "contract_number", "created_at"],
            ul_rows,
        )
        .await?;
        Ok(mains)
    }
}
