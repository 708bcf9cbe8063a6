//! Effects of the billing events on users: creation, status changes (which
//! reach the sub users), login and password changes (a password change ends
//! the user's open web-client and app sessions).
//!
//! Sub users mirror their main user's status: pause pauses them, unpause
//! makes them active again, terminate terminates them. Nothing else changes a
//! sub user's status (administrators only view them), so mirroring loses no
//! state. Terminating also ends every web-client session of the user and its
//! sub users.

use super::event::{BillingEventType, NewEntity, Rejection};
use super::{Applied, Step};
use crate::backend::entities::{user_permissions, users};
use crate::backend::sql::{self, exec};
use crate::permissions::BILLING_USER_DEFAULTS;
use crate::types::{UserKind, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set};

/// The user billing calls `account`, if any.
pub async fn by_account<C: ConnectionTrait>(db: &C, account: &str) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find().filter(users::Column::Account.eq(account)).one(db).await
}

/// The user of `account`, or a 422 naming `account`.
pub async fn require_account<C: ConnectionTrait>(db: &C, account: &str) -> Result<users::Model, Step> {
    by_account(db, account).await?.ok_or_else(|| unknown_account(account))
}

/// The 422 of an account no subscriber has.
pub fn unknown_account(account: &str) -> Step {
    Step::Rejected(Rejection::new("account", format!("no subscriber has account “{account}”")))
}

/// The subscriber (billing user) holding `login`, if any. Billing owns the
/// login namespace: a sub user (made by a subscriber in the web client)
/// holding a login billing now needs gives it up here — its login becomes
/// `<login>~sub<id>` (shown to its main user on the Sub users tab), so a
/// subscriber can never block billing's `new_entity` or `update_login`.
/// The returned note says so for the event's detail.
async fn login_owner<C: ConnectionTrait>(db: &C, login: &str, now: DateTime<Utc>) -> Result<(Option<i64>, String), DbErr> {
    let Some(holder) = users::Entity::find().filter(users::Column::Login.eq(login)).one(db).await? else {
        return Ok((None, String::new()));
    };
    if holder.parent_id.is_none() {
        return Ok((Some(holder.id), String::new()));
    }
    let mut moved = format!("{login}~sub{}", holder.id);
    let mut n = 1;
    while users::Entity::find()
        .filter(users::Column::Login.eq(moved.clone()))
        .one(db)
        .await?
        .is_some()
    {
        n += 1;
        moved = format!("{login}~sub{}-{n}", holder.id);
    }
    exec(
        db,
        "UPDATE users SET login = $1, updated_at = $2 WHERE id = $3",
        vec![moved.clone().into(), now.into(), holder.id.into()],
    )
    .await?;
    Ok((None, format!("; sub user {} gave the login up and is now “{moved}”", holder.id)))
}

pub async fn new_entity<C: ConnectionTrait>(db: &C, e: &NewEntity, password_hash: String, now: DateTime<Utc>) -> Result<Applied, Step> {
    if by_account(db, &e.account).await?.is_some() {
        return Err(Step::Rejected(Rejection::new(
            "account",
            format!("a subscriber with account “{}” already exists", e.account),
        )));
    }
    let (owner, moved) = login_owner(db, &e.login, now).await?;
    if owner.is_some() {
        return Err(Step::Rejected(Rejection::new("login", format!("the login “{}” is taken", e.login))));
    }
    let properties = serde_json::Value::Object(e.properties.clone()).to_string();
    let id = users::Entity::insert(users::ActiveModel {
        kind: Set(UserKind::Billing.slug().into()),
        status: Set(UserStatus::Active.slug().into()),
        parent_id: Set(None),
        login: Set(e.login.clone()),
        password_hash: Set(password_hash),
        name: Set(e.name.clone()),
        account: Set(Some(e.account.clone())),
        contract_number: Set(e.contract_number.clone()),
        tariff: Set(e.tariff.clone()),
        phone: Set(e.phone.clone()),
        email: Set(e.email.clone()),
        address: Set(e.address.clone()),
        properties: Set(properties),
        expires_at: Set(None),
        sync_version: Set(0),
        permissions_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id;
    let perms = BILLING_USER_DEFAULTS.iter().map(|slug| user_permissions::ActiveModel {
        user_id: Set(id),
        slug: Set(slug.slug().to_string()),
    });
    user_permissions::Entity::insert_many(perms).exec(db).await?;
    Ok(Applied::user(BillingEventType::NewEntity, id, format!("user {id} created{moved}")))
}

/// Pause, unpause or terminate: the user and its sub users get `status`.
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    event_type: BillingEventType,
    account: &str,
    status: UserStatus,
    now: DateTime<Utc>,
) -> Result<Applied, Step> {
    /// A row the status change reached: the account's user, or a sub user.
    #[derive(FromQueryResult)]
    struct Changed {
        id: i64,
        account: Option<String>,
    }
    // The user and its sub users in one statement, without a lookup first;
    // no row is the account's: no such subscriber (nothing changed).
    let changed = sql::rows::<Changed, _>(
        db,
        "UPDATE users SET status = $1, updated_at = $2 \
         WHERE id = (SELECT id FROM users WHERE account = $3) OR parent_id = (SELECT id FROM users WHERE account = $3) \
         RETURNING id, account",
        vec![status.slug().into(), now.into(), account.into()],
    )
    .await?;
    let user_id = changed
        .iter()
        .find(|row| row.account.as_deref() == Some(account))
        .map(|row| row.id)
        .ok_or_else(|| unknown_account(account))?;
    let subs = changed.len() - 1;
    let mut detail = format!("user {user_id} and {subs} sub user(s) {}", status.slug());
    if status == UserStatus::Terminated {
        let ended = exec(
            db,
            "DELETE FROM client_sessions WHERE user_id IN (SELECT id FROM users WHERE id = $1 OR parent_id = $1)",
            vec![user_id.into()],
        )
        .await?;
        detail.push_str(&format!("; {ended} client session(s) ended"));
    }
    Ok(Applied::user(event_type, user_id, detail))
}

pub async fn update_login<C: ConnectionTrait>(db: &C, account: &str, login: &str, now: DateTime<Utc>) -> Result<Applied, Step> {
    let user = require_account(db, account).await?;
    let (owner, moved) = login_owner(db, login, now).await?;
    match owner {
        Some(owner) if owner == user.id => {
            return Ok(Applied::user(BillingEventType::UpdateLogin, user.id, "login unchanged".into()));
        }
        Some(_) => return Err(Step::Rejected(Rejection::new("login", format!("the login “{login}” is taken")))),
        None => {}
    }
    exec(
        db,
        "UPDATE users SET login = $1, updated_at = $2 WHERE id = $3",
        vec![login.into(), now.into(), user.id.into()],
    )
    .await?;
    Ok(Applied::user(
        BillingEventType::UpdateLogin,
        user.id,
        format!("login changed to “{login}”{moved}"),
    ))
}

pub async fn update_password<C: ConnectionTrait>(
    db: &C,
    account: &str,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<Applied, Step> {
    let user = require_account(db, account).await?;
    exec(
        db,
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
        vec![password_hash.into(), now.into(), user.id.into()],
    )
    .await?;
    // A reset usually follows a leaked password: whoever signed in with the
    // old one must not stay signed in (the apps' bearer tokens included).
    let ended = exec(db, "DELETE FROM client_sessions WHERE user_id = $1", vec![user.id.into()]).await?;
    Ok(Applied::user(
        BillingEventType::UpdatePassword,
        user.id,
        format!("password changed; {ended} client session(s) ended"),
    ))
}
