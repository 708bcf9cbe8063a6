//! Billing ingestion load: signed events in the mix billing sends (cameras
//! registered and attached, subscribers paused and unpaused, locations,
//! detaches) plus retries of already-sent ids (the idempotency path).

use crate::load::MakeRequest;
use crate::proc::BILLING_SECRET;
use app::types::catalogue::BillingEventType;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::billing::signature;
use std::sync::Arc;

/// Accounts of active billing subscribers (the heavy user excluded, so its
/// pages stay the same between runs) and CSA codes billing may use.
pub struct Targets {
    pub accounts: Vec<String>,
    pub csas: Vec<String>,
}

pub async fn targets(db: &DatabaseConnection) -> Result<Targets, String> {
    let q = |sql: &str| Statement::from_string(db.get_database_backend(), sql.to_string());
    let accounts = db
        .query_all_raw(q("SELECT account FROM users WHERE kind = 'billing' AND status = 'active' AND account IS NOT NULL AND login <> 'northwind' ORDER BY id LIMIT 5000"))
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect::<Vec<_>>();
    let csas = db
        .query_all_raw(q("SELECT csa FROM address_directory ORDER BY csa LIMIT 5000"))
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect::<Vec<_>>();
    if accounts.is_empty() || csas.is_empty() {
        return Err("the data set has no active billing accounts or no CSA codes".into());
    }
    Ok(Targets { accounts, csas })
}

/// The `n`-th event body of worker `w` in run `run` (a cycle of ten).
pub fn event(t: &Targets, run: u32, w: usize, n: u64) -> String {
    let cycle = n / 10;
    let pick = |salt: u64| {
        (w as u64)
            .wrapping_mul(7919)
            .wrapping_add(cycle.wrapping_mul(31))
            .wrapping_add(salt)
    };
    let account = &t.accounts[(pick(0) % t.accounts.len() as u64) as usize];
    let csa = &t.csas[(pick(n % 10) % t.csas.len() as u64) as usize];
    // Locally administered MACs unique per (run, worker, camera).
    let mac = |j: u64| {
        let c = ((w as u64 & 0x3F) << 18) | ((cycle * 2 + j) & 0x3FFFF);
        format!(
            "0A:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            (run >> 8) & 0xFF,
            run & 0xFF,
            (c >> 16) & 0xFF,
            (c >> 8) & 0xFF,
            c & 0xFF
        )
    };
    let id = |k: u64| format!("bench-{run}-{w}-{k}");
    let (id, kind, data) = match n % 10 {
        0 => (
            id(n),
            BillingEventType::NewCamera.slug(),
            format!(
                r#"{{"mac":"{}","serial_number":"SN-{run}-{w}-{cycle}-0","model":"Bench 1"}}"#,
                mac(0)
            ),
        ),
        1 => (
            id(n),
            BillingEventType::AttachCamera.slug(),
            format!(
                r#"{{"account":"{account}","mac":"{}","csa":"{csa}","archive_days":7,"replace":false}}"#,
                mac(0)
            ),
        ),
        2 => (
            id(n),
            BillingEventType::NewCamera.slug(),
            format!(r#"{{"mac":"{}","serial_number":"SN-{run}-{w}-{cycle}-1"}}"#, mac(1)),
        ),
        3 => (
            id(n),
            BillingEventType::AttachCamera.slug(),
            format!(
                r#"{{"account":"{account}","mac":"{}","csa":"{csa}","archive_days":14,"replace":false}}"#,
                mac(1)
            ),
        ),
        4 => (id(n), BillingEventType::PauseEntity.slug(), format!(r#"{{"account":"{account}"}}"#)),
        5 => (
            id(n),
            BillingEventType::UnpauseEntity.slug(),
            format!(r#"{{"account":"{account}"}}"#),
        ),
        6 => (
            id(n),
            BillingEventType::CreateLocation.slug(),
            format!(r#"{{"account":"{account}","csa":"{csa}"}}"#),
        ),
        7 => (
            id(n),
            BillingEventType::DetachCamera.slug(),
            format!(r#"{{"account":"{account}","mac":"{}"}}"#, mac(0)),
        ),
        // Billing retries: the attach of this cycle again, same id and data.
        8 => return event(t, run, w, n - 7),
        _ => (
            id(n),
            BillingEventType::CreateLocation.slug(),
            format!(r#"{{"account":"{account}","csa":"{csa}"}}"#),
        ),
    };
    format!(
        r#"{{"id":"{id}","type":"{kind}","occurred_at":"{}","data":{data}}}"#,
        chrono::Utc::now().to_rfc3339()
    )
}

/// Requests for [`crate::load::run`]: each event signed when it is sent.
pub fn requests(client: reqwest::Client, base: &str, targets: Arc<Targets>, run: u32) -> MakeRequest {
    let endpoint = format!("{base}/api/billing/v1/events");
    Arc::new(move |w, n| {
        let body = event(&targets, run, w, n);
        let sig = signature::sign(BILLING_SECRET, chrono::Utc::now().timestamp(), body.as_bytes());
        client
            .post(&endpoint)
            .header("content-type", "application/json")
            .header(signature::HEADER, sig)
            .body(body)
    })
}
