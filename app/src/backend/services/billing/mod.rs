//! Billing events: the domain of billing's requests, apart from HTTP (the
//! `server` crate's webhook checks the body limit and the signature, then
//! calls [`parse::parse`] and [`receive`]). [`event`] is what a request
//! means, [`parse`] reads a body into it; storing every request and applying
//! its effect happen in one transaction keyed by the request id.
//!
//! [`receive`] is the whole life of a parsed request: a duplicate is answered
//! from the stored first answer. The event goes to the instance's group
//! commit writer ([`batch`]), which applies the events of concurrent
//! requests in one transaction and answers retries itself. Otherwise
//! (`VIGIL_BILLING_BATCH=0`, or a batch that failed) it is applied on its
//! own: the event row is inserted first (a concurrent delivery of the same
//! id, from this instance or another one on the same PostgreSQL, then waits
//! on the unique index and fails once the first commits, so exactly one
//! applies), the effect is applied, and the row gets its final type, user
//! and detail. A 422 rolls all of that back and stores the rejected record
//! on its own.
//!
//! Open console streams hear of each stored event: on this instance through
//! [`AppState::notify`], on the others through PostgreSQL `NOTIFY
//! vigil_billing` ([`CHANNEL`]), as camera syncs do.

pub mod batch;
pub mod event;
pub mod log;
pub mod parse;
pub mod people;
pub mod places;

use crate::backend::entities::billing_events;
use crate::backend::password;
use crate::backend::state::{AppState, Notice, WriteTxn};
use crate::types::UserStatus;
use chrono::{DateTime, Utc};
use event::{BillingEventType, Body, Event, Incoming, Rejection};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Set, SqlErr};
use serde_json::json;

/// How often a transaction that lost a race (a unique index, a deadlock, a
/// busy SQLite file) is tried again before answering 503.
const MAX_ATTEMPTS: u32 = 5;

/// What applying an event did: the type it is stored as (an unknown CSA
/// changes it), the user it concerns, and a short detail for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub event_type: BillingEventType,
    pub user_id: Option<i64>,
    pub detail: String,
}

impl Applied {
    pub fn user(event_type: BillingEventType, user_id: i64, detail: String) -> Self {
        Self {
            event_type,
            user_id: Some(user_id),
            detail,
        }
    }
    pub fn global(event_type: BillingEventType, detail: String) -> Self {
        Self {
            event_type,
            user_id: None,
            detail,
        }
    }
}

/// Why applying stopped: invalid data (422, stored as rejected) or the
/// database.
#[derive(Debug)]
pub enum Step {
    Rejected(Rejection),
    Db(DbErr),
}

impl From<DbErr> for Step {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

/// The HTTP answer to a billing request.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: serde_json::Value,
}

/// The answer body, rebuilt from what is stored, so a duplicate is answered
/// exactly as the first request was (plus `"duplicate": true`, status 200).
pub fn answer_of(row: &billing_events::Model, duplicate: bool) -> Answer {
    let mut body = if row.http_status == 422 {
        let detail = row.detail.as_deref().unwrap_or("");
        let (field, message) = detail.split_once(": ").unwrap_or(("data", detail));
        json!({ "error": message, "field": field })
    } else {
        json!({ "id": row.request_id, "type": row.event_type, "outcome": row.outcome, "detail": row.detail })
    };
    if duplicate {
        body["duplicate"] = json!(true);
    }
    Answer {
        status: if duplicate { 200 } else { row.http_status as u16 },
        body,
    }
}

/// The stored event of `request_id`, if any.
pub async fn find<C: ConnectionTrait>(db: &C, request_id: &str) -> Result<Option<billing_events::Model>, DbErr> {
    billing_events::Entity::find()
        .filter(billing_events::Column::RequestId.eq(request_id))
        .one(db)
        .await
}

async fn duplicate(state: &AppState, request_id: &str) -> Result<Option<Answer>, DbErr> {
    Ok(find(&state.db, request_id).await?.map(|row| answer_of(&row, true)))
}

fn retryable(e: &DbErr) -> bool {
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return true;
    }
    let msg = e.to_string();
    msg.contains("deadlock detected") || msg.contains("could not serialize") || msg.contains("database is locked")
}

async fn rollback(w: WriteTxn<'_>) {
    if let Err(e) = w.txn.rollback().await {
        tracing::warn!(error = %e, "billing: rollback failed");
    }
}

/// Applies one valid event inside the caller's transaction.
/// `password_hash` is the Argon2id hash of the event's password, computed
/// before the transaction began (hashing is slow; the writer lock is not).
pub async fn apply<C: ConnectionTrait>(db: &C, event: &Event, password_hash: Option<String>, now: DateTime<Utc>) -> Result<Applied, Step> {
    let hash = || {
        password_hash
            .clone()
            .ok_or_else(|| Step::Db(DbErr::Custom("password not hashed before applying".into())))
    };
    match event {
        Event::NewEntity(e) => people::new_entity(db, e, hash()?, now).await,
        Event::PauseEntity { account } => people::set_status(db, event.event_type(), account, UserStatus::Paused, now).await,
        Event::UnpauseEntity { account } => people::set_status(db, event.event_type(), account, UserStatus::Active, now).await,
        Event::TerminateEntity { account } => people::set_status(db, event.event_type(), account, UserStatus::Terminated, now).await,
        Event::CreateLocation {
            account,
            csa,
            contract_number,
        } => places::create_location(db, account, csa, contract_number.as_deref(), now).await,
        Event::DeleteLocation { account, csa } => places::delete_location(db, account, csa).await,
        Event::UpdateLogin { account, login } => people::update_login(db, account, login, now).await,
        Event::UpdatePassword { account, .. } => people::update_password(db, account, hash()?, now).await,
        Event::NewCamera { mac, serial_number, model } => places::new_camera(db, mac, serial_number, model.as_deref(), now).await,
        Event::AttachCamera {
            account,
            mac,
            csa,
            archive_days,
            replace,
        } => places::attach_camera(db, account, mac, csa, *archive_days, *replace, now).await,
        Event::DetachCamera { account, mac } => places::detach_camera(db, account, mac).await,
    }
}

/// Stores and applies a parsed request; `Err` only when the database is
/// unavailable (the caller answers 503; nothing was stored).
pub async fn receive(state: &AppState, incoming: Incoming) -> Result<Answer, DbErr> {
    let received_at = state.clock.now();
    let event = match &incoming.body {
        Body::Known(e) => Some(e),
        _ => None,
    };
    let password = event.and_then(Event::password);
    // The group-commit writer finds retries itself, with one query per
    // batch; a 422 and an event with a password (hashing is slow, and a
    // retry should not pay for it) are checked here first.
    let batcher = state.billing_batcher();
    if batcher.is_none() || password.is_some() || matches!(incoming.body, Body::Invalid { .. }) {
        if let Some(answer) = duplicate(state, &incoming.request_id).await? {
            return Ok(answer);
        }
    }
    if let Body::Invalid { event_type, rejection } = &incoming.body {
        return store_rejected(state, &incoming, *event_type, rejection, received_at).await;
    }
    let password_hash = match password {
        Some(p) => Some(password::hash_async(p.0.clone()).await),
        None => None,
    };
    if let Some(batcher) = batcher {
        if let Some((row, retry)) = batcher.submit(&incoming, password_hash.clone(), received_at).await {
            if !retry {
                state.notify(Notice::BillingEvent { user_id: row.user_id });
            }
            return Ok(answer_of(&row, retry));
        }
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        let w = state.write().await?;
        let now = state.clock.now();
        let stored = match store_and_apply(&*w, &incoming, event, password_hash.clone(), received_at, now).await {
            Ok(row) => announce_cluster(&*w, state.origin, [row.user_id])
                .await
                .map(|()| row)
                .map_err(Step::Db),
            Err(e) => Err(e),
        };
        match stored {
            Ok(row) => {
                w.commit().await?;
                state.notify(Notice::BillingEvent { user_id: row.user_id });
                return Ok(answer_of(&row, false));
            }
            Err(Step::Rejected(rejection)) => {
                rollback(w).await;
                let event_type = event.map_or(BillingEventType::UnknownType, Event::event_type);
                return store_rejected(state, &incoming, event_type, &rejection, received_at).await;
            }
            Err(Step::Db(e)) => {
                rollback(w).await;
                if let Some(answer) = duplicate(state, &incoming.request_id).await? {
                    return Ok(answer);
                }
                if attempt >= MAX_ATTEMPTS || !retryable(&e) {
                    return Err(e);
                }
                tracing::debug!(error = %e, attempt, "billing: transaction lost a race; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(10 * u64::from(attempt))).await;
            }
        }
    }
}

/// The PostgreSQL channel that carries stored billing events to the other
/// instances (`server/src/notify.rs` listens on it).
pub const CHANNEL: &str = "vigil_billing";

/// On PostgreSQL, one `NOTIFY vigil_billing` per stored event, all in one
/// statement inside the events' transaction (so they are delivered on
/// commit only): the other instances' console streams hear of the events
/// too. `origin` names this instance, whose own streams were already told
/// locally. The single path sends one; the group-commit writer its batch's.
pub(crate) async fn announce_cluster<C: ConnectionTrait>(
    db: &C,
    origin: u64,
    user_ids: impl IntoIterator<Item = Option<i64>>,
) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut values: Vec<sea_orm::Value> = vec![CHANNEL.into()];
    values.extend(user_ids.into_iter().map(|user_id| notice_payload(origin, user_id).into()));
    if values.len() == 1 {
        return Ok(());
    }
    let rows = (2..=values.len()).map(|i| format!("(${i})")).collect::<Vec<_>>().join(", ");
    crate::backend::sql::exec(db, format!("SELECT pg_notify($1, p) FROM (VALUES {rows}) AS t(p)"), values).await?;
    Ok(())
}

/// The NOTIFY payload: `{"origin":"<instance>","user_id":N|null}`.
pub fn notice_payload(origin: u64, user_id: Option<i64>) -> String {
    json!({ "origin": origin.to_string(), "user_id": user_id }).to_string()
}

/// The notice of a NOTIFY payload, unless it came from `own_origin` (this
/// instance notified its streams already) or is not one of ours.
pub fn parse_notice(payload: &str, own_origin: u64) -> Option<Notice> {
    #[derive(serde::Deserialize)]
    struct P {
        origin: String,
        user_id: Option<i64>,
    }
    let p = serde_json::from_str::<P>(payload).ok()?;
    (p.origin != own_origin.to_string()).then_some(Notice::BillingEvent { user_id: p.user_id })
}

/// The effect of a request: its event applied, or for an unknown type only
/// the user it names.
pub(crate) async fn apply_incoming<C: ConnectionTrait>(
    db: &C,
    incoming: &Incoming,
    password_hash: Option<String>,
    now: DateTime<Utc>,
) -> Result<Applied, Step> {
    match &incoming.body {
        Body::Known(e) => apply(db, e, password_hash, now).await,
        Body::Unknown { original_type } => {
            let user_id = match &incoming.account {
                Some(a) => people::by_account(db, a).await?.map(|u| u.id),
                None => None,
            };
            Ok(Applied {
                event_type: BillingEventType::UnknownType,
                user_id,
                detail: format!("unknown type “{original_type}”: stored, nothing applied"),
            })
        }
        Body::Invalid { .. } => Err(Step::Db(DbErr::Custom("no event to apply".into()))),
    }
}

/// The stored row of an applied request (`id` 0 until inserted).
pub(crate) fn event_row(incoming: &Incoming, applied: Applied, received_at: DateTime<Utc>, now: DateTime<Utc>) -> billing_events::Model {
    billing_events::Model {
        id: 0,
        request_id: incoming.request_id.clone(),
        event_type: applied.event_type.slug().to_string(),
        user_id: applied.user_id,
        account: incoming.account.clone(),
        payload: incoming.stored_payload.clone(),
        outcome: "applied".into(),
        detail: Some(applied.detail),
        http_status: 202,
        occurred_at: incoming.occurred_at,
        received_at,
        processed_at: now,
    }
}

async fn store_and_apply<C: ConnectionTrait>(
    db: &C,
    incoming: &Incoming,
    event: Option<&Event>,
    password_hash: Option<String>,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<billing_events::Model, Step> {
    // The row goes in first: it is the lock on the request id.
    let provisional = event.map_or(BillingEventType::UnknownType, Event::event_type);
    let id = billing_events::Entity::insert(billing_events::ActiveModel {
        request_id: Set(incoming.request_id.clone()),
        event_type: Set(provisional.slug().into()),
        user_id: Set(None),
        account: Set(incoming.account.clone()),
        payload: Set(incoming.stored_payload.clone()),
        outcome: Set("applied".into()),
        detail: Set(None),
        http_status: Set(202),
        occurred_at: Set(incoming.occurred_at),
        received_at: Set(received_at),
        processed_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id;
    let applied = apply_incoming(db, incoming, password_hash, now).await?;
    crate::backend::sql::exec(
        db,
        "UPDATE billing_events SET event_type = $1, user_id = $2, detail = $3 WHERE id = $4",
        vec![
            applied.event_type.slug().into(),
            applied.user_id.into(),
            applied.detail.clone().into(),
            id.into(),
        ],
    )
    .await?;
    let mut row = event_row(incoming, applied, received_at, now);
    row.id = id;
    Ok(row)
}

/// Stores a 422: the record only, so the administrator sees it; nothing
/// else changes.
async fn store_rejected(
    state: &AppState,
    incoming: &Incoming,
    event_type: BillingEventType,
    rejection: &Rejection,
    received_at: DateTime<Utc>,
) -> Result<Answer, DbErr> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let w = state.write().await?;
        let now = state.clock.now();
        let user_id = match &incoming.account {
            Some(a) => people::by_account(&*w, a).await?.map(|u| u.id),
            None => None,
        };
        let row = billing_events::ActiveModel {
            request_id: Set(incoming.request_id.clone()),
            event_type: Set(event_type.slug().to_string()),
            user_id: Set(user_id),
            account: Set(incoming.account.clone()),
            payload: Set(incoming.stored_payload.clone()),
            outcome: Set("rejected".into()),
            detail: Set(Some(rejection.detail())),
            http_status: Set(422),
            occurred_at: Set(incoming.occurred_at),
            received_at: Set(received_at),
            processed_at: Set(now),
            ..Default::default()
        };
        let inserted = match billing_events::Entity::insert(row).exec(&*w).await {
            Ok(_) => announce_cluster(&*w, state.origin, [user_id]).await,
            Err(e) => Err(e),
        };
        let result = match inserted {
            Ok(_) => w.commit().await,
            Err(e) => {
                rollback(w).await;
                Err(e)
            }
        };
        match result {
            Ok(()) => {
                state.notify(Notice::BillingEvent { user_id });
                return Ok(Answer {
                    status: 422,
                    body: json!({ "error": rejection.message, "field": rejection.field }),
                });
            }
            Err(e) => {
                if let Some(answer) = duplicate(state, &incoming.request_id).await? {
                    return Ok(answer);
                }
                if attempt >= MAX_ATTEMPTS || !retryable(&e) {
                    return Err(e);
                }
            }
        }
    }
}
