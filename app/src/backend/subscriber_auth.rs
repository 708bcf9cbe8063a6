//! Web-client sessions of subscribers (cookie `vigil_client`, or a bearer
//! token for the desktop and mobile apps), and the single-use tickets of
//! Login as User. Like administrator sessions they live in the database, so
//! every server instance accepts them; the cookie or token carries a random
//! value and the database only its SHA-256.

use super::auth::{self, new_token, token_hash};
use super::entities::{client_sessions, impersonation_tickets, users};
use super::services::audit;
use super::state::AppState;
use super::throttle::{self, Realm};
use crate::error::AppError;
use crate::permissions::admin::USERS_IMPERSONATE;
use crate::types::UserStatus;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub const CLIENT_COOKIE: &str = "vigil_client";
/// A subscriber's own session.
pub const CLIENT_SESSION_HOURS: i64 = 12;
/// A Login as User session: short, because an administrator acts as someone
/// else.
pub const IMPERSONATION_MINUTES: i64 = 30;
/// A Login as User link is good for one use within this time.
pub const TICKET_SECONDS: i64 = 60;

/// A signed-in subscriber, loaded once per request.
#[derive(Debug, Clone)]
pub struct ClientUser {
    pub id: i64,
    /// The account whose cameras and licences this user draws on: its main
    /// user for a sub user, itself otherwise.
    pub main_id: i64,
    pub is_sub: bool,
    pub login: String,
    pub name: String,
    /// The user (or its main user) is paused: cameras are shown as blocked.
    pub blocked: bool,
    pub permissions: Vec<String>,
    /// Set in a Login as User session: (administrator id, name).
    pub impersonator: Option<(i64, String)>,
    /// The same administrator with its permissions and camera scope, loaded
    /// on every request: the session sees only cameras in that scope.
    pub impersonator_admin: Option<auth::Admin>,
    pub session_hash: String,
}

impl ClientUser {
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    pub fn require(&self, permission: &str) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(permission))
        }
    }

    /// Only main users manage sub users, each action behind its own
    /// permission (403 naming it).
    pub fn require_manager(&self, permission: &str) -> Result<(), AppError> {
        if self.is_sub {
            return Err(AppError::forbidden(permission));
        }
        self.require(permission)
    }

    /// What a Login as User session may not do: create sub users, set their
    /// passwords or change their permissions. Each would outlast the
    /// 30-minute session (a known password signs in directly, with no
    /// impersonation trail), or edit permissions without `subusers.edit` and
    /// the version precondition; the administrator uses the console's Sub
    /// users tab for permissions instead. Viewing and deleting stay allowed.
    pub fn refuse_impersonated(&self) -> Result<(), AppError> {
        if self.impersonator.is_some() {
            return Err(AppError::forbidden(
                "subusers.edit (a Login as User session cannot create sub users, set their passwords or permissions; use the console)",
            ));
        }
        Ok(())
    }

    /// The audit row of this subscriber's action; in a Login as User
    /// session it names the administrator, acting on the user's behalf.
    pub fn audit_entry<'a>(&self, action: &'a str, detail: serde_json::Value) -> audit::Entry<'a> {
        let (admin_id, on_behalf_of) = match &self.impersonator {
            Some((admin_id, _)) => (Some(*admin_id), Some(self.id)),
            None => (None, None),
        };
        let user_id = Some(self.id);
        audit::Entry {
            admin_id,
            on_behalf_of,
            action,
            user_id,
            detail,
            ..Default::default()
        }
    }
}

/// Why an account may not use the web client, if it may not: terminated (it
/// or its main user), or an administrator-made account past its expiry.
pub fn refusal(user: &users::Model, main: Option<&users::Model>, now: DateTime<Utc>) -> Option<&'static str> {
    let accounts = std::iter::once(user).chain(main);
    for u in accounts {
        if u.status == UserStatus::Terminated.slug() {
            return Some("this account has been terminated and can no longer sign in");
        }
        if u.expires_at.is_some_and(|at| at <= now) {
            return Some("this account has expired and can no longer sign in");
        }
    }
    None
}

async fn main_of<C: ConnectionTrait>(db: &C, user: &users::Model) -> Result<Option<users::Model>, AppError> {
    match user.parent_id {
        None => Ok(None),
        Some(pid) => Ok(users::Entity::find_by_id(pid).one(db).await?),
    }
}

/// Loads the client of a session token if the session is alive and the
/// account may still use the client (a termination ends open sessions too).
pub async fn client_for_token(state: &AppState, token: &str) -> Result<Option<ClientUser>, AppError> {
    let now = state.clock.now();
    let hash = token_hash(token);
    let Some(session) = client_sessions::Entity::find_by_id(hash.clone()).one(&state.db).await? else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    let Some(user) = users::Entity::find_by_id(session.user_id).one(&state.db).await? else {
        return Ok(None);
    };
    let main = main_of(&state.db, &user).await?;
    if refusal(&user, main.as_ref(), now).is_some() {
        return Ok(None);
    }
    let impersonator_admin = match session.impersonator_admin_id {
        None => None,
        Some(admin_id) => match still_impersonating(&state.db, admin_id, user.id).await? {
            Some(a) => Some(a),
            None => return Ok(None),
        },
    };
    let impersonator = impersonator_admin.as_ref().map(|a| (a.id, a.name.clone()));
    let permissions = super::services::access::held(&state.db, user.id).await?.into_iter().collect();
    let blocked = user.status == UserStatus::Paused.slug() || main.as_ref().is_some_and(|m| m.status == UserStatus::Paused.slug());
    Ok(Some(ClientUser {
        id: user.id,
        main_id: user.parent_id.unwrap_or(user.id),
        is_sub: user.parent_id.is_some(),
        login: user.login,
        name: user.name,
        blocked,
        permissions,
        impersonator,
        impersonator_admin,
        session_hash: hash,
    }))
}

/// The administrator of a Login as User session if it may still act as
/// `user_id`: not disabled (disabled administrators are not loaded), still
/// holding `users.impersonate`, and the user still within its camera scope.
/// Checked on every request, so revoking any of them ends open sessions.
async fn still_impersonating<C: ConnectionTrait>(db: &C, admin_id: i64, user_id: i64) -> Result<Option<auth::Admin>, AppError> {
    let Some(admin) = auth::load_admin(db, admin_id).await? else {
        return Ok(None);
    };
    if !admin.can(USERS_IMPERSONATE) {
        return Ok(None);
    }
    match super::services::users::find_visible(db, &admin, user_id).await {
        Ok(_) => Ok(Some(admin)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the bearer token of an app, or else the web client's cookie.
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    bearer.or_else(|| auth::cookie(headers, CLIENT_COOKIE))
}

/// Verifies a subscriber's login and password (throttled like
/// administrators', see `throttle`; `address` is its key from
/// [`throttle::request_address`]) and opens a session. Returns the token and
/// its lifetime.
pub async fn sign_in(state: &AppState, login: &str, password: &str, address: &str) -> Result<(String, i64), AppError> {
    let user = throttle::authenticate(state, Realm::Client, login, password, address, async |login| {
        let user = users::Entity::find().filter(users::Column::Login.eq(login)).one(&state.db).await?;
        Ok(user.map(|u| {
            let hash = u.password_hash.clone();
            (u, hash)
        }))
    })
    .await?;
    // Only after the password is proven do we say why an account is refused.
    let now = state.clock.now();
    let main = main_of(&state.db, &user).await?;
    if let Some(why) = refusal(&user, main.as_ref(), now) {
        return Err(AppError::invalid("login", why));
    }
    let txn = state.write().await?;
    let token = open_session(&*txn, user.id, None, now, Duration::hours(CLIENT_SESSION_HOURS)).await?;
    txn.commit().await?;
    Ok((token, CLIENT_SESSION_HOURS * 3600))
}

async fn open_session<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    impersonator: Option<i64>,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<String, AppError> {
    let token = new_token();
    client_sessions::Entity::insert(client_sessions::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        impersonator_admin_id: Set(impersonator),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
    })
    .exec(db)
    .await?;
    Ok(token)
}

/// Ends a session (sign-out, or "End session" of Login as User); an
/// impersonated one leaves an `impersonation.end` audit row.
pub async fn end_session(state: &AppState, client: &ClientUser) -> Result<(), AppError> {
    let now = state.clock.now();
    let txn = state.write().await?;
    let gone = client_sessions::Entity::delete_by_id(client.session_hash.clone())
        .exec(&*txn)
        .await?
        .rows_affected;
    if client.impersonator.is_some() && gone == 1 {
        audit::record(&*txn, client.audit_entry("impersonation.end", serde_json::json!({})), now).await?;
    }
    Ok(txn.commit().await?)
}

/// Issues a Login as User ticket for `user_id` on behalf of `admin_id`
/// (permission and scope already checked by the caller). Returns the ticket.
pub async fn issue_ticket(state: &AppState, admin_id: i64, user: &users::Model) -> Result<String, AppError> {
    let now = state.clock.now();
    let main = main_of(&state.db, user).await?;
    if let Some(why) = refusal(user, main.as_ref(), now) {
        return Err(AppError::invalid("user", format!("the web client refuses this user: {why}")));
    }
    let ticket = new_token();
    let txn = state.write().await?;
    impersonation_tickets::Entity::insert(impersonation_tickets::ActiveModel {
        ticket_hash: Set(token_hash(&ticket)),
        admin_id: Set(admin_id),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(now + Duration::seconds(TICKET_SECONDS)),
        used_at: Set(None),
    })
    .exec(&*txn)
    .await?;
    txn.commit().await?;
    Ok(ticket)
}

/// Why a ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRefused {
    /// Unknown, already used, or expired: all look the same to the browser.
    Spent,
    /// The administrator lost the permission (or was disabled), or the user
    /// can no longer use the client.
    NotAllowed,
    /// The browser does not hold the issuing administrator's console
    /// session: a ticket works only where it was made (the ticket is left
    /// unspent, so the administrator can still open it within its minute).
    WrongBrowser,
    /// The browser holds a web-client session (live or expired, not ended)
    /// of another user, named here: its tabs share the one `vigil_client`
    /// cookie, so opening this user would silently re-target them. The ticket
    /// is left unspent.
    OtherUserOpen(String),
    Failed(AppError),
}

/// The stored session a browser's `vigil_client` cookie names, if it was
/// not ended (an expired one included).
async fn session_of(state: &AppState, client_token: Option<&str>) -> Result<Option<client_sessions::Model>, AppError> {
    match client_token {
        Some(token) => Ok(client_sessions::Entity::find_by_id(token_hash(token)).one(&state.db).await?),
        None => Ok(None),
    }
}

/// The name of the user whose web-client session the browser's cookie names,
/// if that is not `user_id` and the session was not ended (an expired one
/// counts: a tab may still show that user, and its next action must fail
/// rather than act on another account).
async fn open_session_of_other(state: &AppState, client_token: Option<&str>, user_id: i64) -> Result<Option<String>, AppError> {
    let Some(session) = session_of(state, client_token).await?.filter(|s| s.user_id != user_id) else {
        return Ok(None);
    };
    let name = users::Entity::find_by_id(session.user_id).one(&state.db).await?.map(|u| u.name);
    Ok(name)
}

/// For the web client's sign-in form: the name of the user of a Login as
/// User session the browser's cookie names (not ended, live or expired), if
/// it is not the account signing in. Signing in would re-target that
/// session's open tabs to another account, as a second Login as User would.
pub async fn impersonation_open_for_other(state: &AppState, client_token: Option<&str>, login: &str) -> Result<Option<String>, AppError> {
    let Some(session) = session_of(state, client_token).await?.filter(|s| s.impersonator_admin_id.is_some()) else {
        return Ok(None);
    };
    let user = users::Entity::find_by_id(session.user_id).one(&state.db).await?;
    Ok(user.filter(|u| u.login != login.trim()).map(|u| u.name))
}

/// Consumes a ticket atomically (a replay or a concurrent second use finds no
/// row to mark) and opens an impersonated session. `console_token` is the
/// browser's console session cookie: it must be the issuing
/// administrator's, so a leaked link is useless elsewhere. Returns the
/// session's token and lifetime in seconds.
pub async fn consume_ticket(
    state: &AppState,
    ticket: &str,
    console_token: Option<&str>,
    client_token: Option<&str>,
) -> Result<(String, i64), TicketRefused> {
    let fail = |e: AppError| TicketRefused::Failed(e);
    let db_fail = |e: sea_orm::DbErr| TicketRefused::Failed(e.into());
    let now = state.clock.now();
    let hash = token_hash(ticket);
    let pending = impersonation_tickets::Entity::find_by_id(hash.clone())
        .one(&state.db)
        .await
        .map_err(db_fail)?
        .filter(|t| t.used_at.is_none() && t.expires_at > now)
        .ok_or(TicketRefused::Spent)?;
    let console = match console_token {
        Some(token) => auth::admin_for_token(state, token).await.map_err(fail)?,
        None => None,
    };
    if console.as_ref().map(|a| a.id) != Some(pending.admin_id) {
        return Err(TicketRefused::WrongBrowser);
    }
    if let Some(other) = open_session_of_other(state, client_token, pending.user_id).await.map_err(fail)? {
        return Err(TicketRefused::OtherUserOpen(other));
    }
    let txn = state.write().await.map_err(db_fail)?;
    let marked = impersonation_tickets::Entity::update_many()
        .col_expr(impersonation_tickets::Column::UsedAt, Expr::value(now))
        .filter(impersonation_tickets::Column::TicketHash.eq(hash.clone()))
        .filter(impersonation_tickets::Column::UsedAt.is_null())
        .filter(impersonation_tickets::Column::ExpiresAt.gt(now))
        .exec(&*txn)
        .await
        .map_err(db_fail)?
        .rows_affected;
    if marked != 1 {
        return Err(TicketRefused::Spent);
    }
    let t = pending;
    // The permission and the scope are checked again at use: either may
    // have been taken away in the seconds since the link was made.
    if still_impersonating(&*txn, t.admin_id, t.user_id).await.map_err(fail)?.is_none() {
        txn.commit().await.map_err(db_fail)?;
        return Err(TicketRefused::NotAllowed);
    }
    let user = users::Entity::find_by_id(t.user_id)
        .one(&*txn)
        .await
        .map_err(db_fail)?
        .ok_or(TicketRefused::NotAllowed)?;
    let main = main_of(&*txn, &user).await.map_err(fail)?;
    if refusal(&user, main.as_ref(), now).is_some() {
        txn.commit().await.map_err(db_fail)?;
        return Err(TicketRefused::NotAllowed);
    }
    let token = open_session(&*txn, user.id, Some(t.admin_id), now, Duration::minutes(IMPERSONATION_MINUTES))
        .await
        .map_err(fail)?;
    let detail = serde_json::json!({ "minutes": IMPERSONATION_MINUTES });
    let entry = audit::Entry {
        on_behalf_of: Some(user.id),
        ..audit::Entry::on_user(t.admin_id, "impersonation.start", user.id, detail)
    };
    audit::record(&*txn, entry, now).await.map_err(fail)?;
    txn.commit().await.map_err(db_fail)?;
    // The cookie outlives the 30-minute session, so that the browser still
    // names this user after expiry and a second Login as User is refused
    // until this one is ended (see `TicketRefused::OtherUserOpen`).
    Ok((token, CLIENT_SESSION_HOURS * 3600))
}
