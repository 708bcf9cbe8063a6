//! Stage 5: billing events of every type, spread over each billing
//! subscriber's lifetime, and events that concern no user (the global log).

use super::places::House;
use super::{share, ts, Gen, Main, UserCameras};
use crate::backend::bulk::insert;
use crate::types::catalogue::BillingEventType as T;
use chrono::Duration;
use sea_orm::{DbErr, Value};

impl<P: FnMut(&str, u64, u64)> Gen<'_, P> {
    pub(super) async fn billing_events(&mut self, houses: &[House], mains: &[Main], user_cams: &[UserCameras]) -> Result<(), DbErr> {
        let (db, size, now, epoch) = (self.db, self.size, self.now, self.epoch);
        let span = (now - epoch).num_seconds().max(1) as u64;
        let rng = &mut self.rng;
        // Billing events of every type, spread over each user's lifetime.
        // Global-log events (no user) count towards the total too.
        let global_events = (size.users / 20).max(5);
        let total_events = size.events.max(size.heavy_events + global_events);
        let billing_mains: Vec<usize> = (1..mains.len()).filter(|&i| mains[i].1 == "billing").collect();
        let per_user_events = |mi: usize| -> u64 {
            match billing_mains.binary_search(&mi) {
                Ok(pos) => share(
                    total_events - size.heavy_events - global_events,
                    billing_mains.len() as u64,
                    pos as u64,
                ),
                Err(_) => 0,
            }
        };
        let mut ev_rows = vec![];
        let mut seq: u64 = 0;
        // After its first two events, a subscriber's are drawn from the
        // types billing sends about a user (registrations are global).
        let later: Vec<T> = T::ALL
            .iter()
            .copied()
            .filter(|t| !matches!(t, T::NewEntity | T::NewCamera))
            .collect();
        let columns = [
            "request_id",
            "event_type",
            "user_id",
            "account",
            "payload",
            "outcome",
            "detail",
            "http_status",
            "occurred_at",
            "received_at",
            "processed_at",
        ];
        for (mi, (uid, kind, ent, house, created)) in mains.iter().enumerate() {
            if *kind != "billing" {
                continue;
            }
            let account = format!("A-{:06}", 100_000 + uid);
            let count = if mi == 0 { size.heavy_events } else { per_user_events(mi) };
            let life = (now - *created).num_seconds().max(count as i64 + 1);
            for k in 0..count {
                seq += 1;
                let at = *created + Duration::seconds(life * k as i64 / count as i64);
                let csa = &houses[*house].entrance_csas[*ent];
                let event_type = match k {
                    0 => T::NewEntity,
                    1 => T::CreateLocation,
                    _ => rng.pick_of(&later),
                };
                let data = data(event_type, &account, *uid, csa, &user_cams[mi]);
                let payload = format!(
                    "{{\"id\":\"demo-{seq}\",\"type\":\"{event_type}\",\"occurred_at\":\"{}\",\"data\":{data}}}",
                    at.to_rfc3339()
                );
                ev_rows.push(vec![
                    format!("demo-{seq}").into(),
                    event_type.slug().into(),
                    (*uid).into(),
                    account.clone().into(),
                    payload.into(),
                    "applied".into(),
                    Value::from(None::<String>),
                    202i32.into(),
                    ts(at),
                    ts(at),
                    ts(at),
                ]);
                if ev_rows.len() >= 20_000 {
                    insert(db, "billing_events", &columns, std::mem::take(&mut ev_rows)).await?;
                    (self.progress)("billing events", seq, total_events);
                }
            }
        }
        // Events that concern no user: camera registrations (the global log).
        for i in 0..global_events {
            seq += 1;
            let at = epoch + Duration::seconds((span * i / global_events) as i64);
            let payload = format!("{{\"id\":\"demo-{seq}\",\"type\":\"{}\",\"data\":{{\"mac\":\"00:1C:00:00:{:02X}:{:02X}\",\"serial_number\":\"SN-NEW-{i}\"}}}}", T::NewCamera, (i >> 8) & 0xFF, i & 0xFF);
            ev_rows.push(vec![
                format!("demo-{seq}").into(),
                T::NewCamera.slug().into(),
                Value::from(None::<i64>),
                Value::from(None::<String>),
                payload.into(),
                "applied".into(),
                Value::from(None::<String>),
                202i32.into(),
                ts(at),
                ts(at),
                ts(at),
            ]);
        }
        insert(db, "billing_events", &columns, ev_rows).await?;
        (self.progress)("billing events", total_events, total_events);
        Ok(())
    }
}

/// The stored `data` of a subscriber's demo event (passwords masked, as
/// billing events are stored).
fn data(t: T, account: &str, uid: i64, csa: &str, cameras: &UserCameras) -> String {
    match t {
        T::NewEntity => {
            format!("{{\"account\":\"{account}\",\"login\":\"user{uid}\",\"password\":\"********\",\"name\":\"Subscriber {uid}\"}}")
        }
        T::UpdatePassword => format!("{{\"account\":\"{account}\",\"password\":\"********\"}}"),
        T::UpdateLogin => format!("{{\"account\":\"{account}\",\"login\":\"user{uid}\"}}"),
        T::AttachCamera | T::DetachCamera | T::NewCamera => {
            let mac = cameras.first().map(|c| c.1.clone()).unwrap_or_default();
            format!("{{\"account\":\"{account}\",\"mac\":\"{mac}\",\"csa\":\"{csa}\",\"archive_days\":7}}")
        }
        T::CreateLocationUnknownCsa | T::AttachCameraUnknownCsa => format!("{{\"account\":\"{account}\",\"csa\":\"99-999-9999\"}}"),
        T::UnknownType => format!("{{\"original_type\":\"billing.change_tariff\",\"account\":\"{account}\"}}"),
        T::PauseEntity | T::UnpauseEntity | T::TerminateEntity | T::CreateLocation | T::DeleteLocation => {
            format!("{{\"account\":\"{account}\",\"csa\":\"{csa}\"}}")
        }
    }
}
