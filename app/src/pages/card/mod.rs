//! `/users/:id/*`: the user card. The parent loads the header once and
//! shares it (and the user id) with the tabs through [`CardContext`]; each
//! tab is a child route rendered in the tab panel and loads its own data.
//! An unknown, out-of-scope or non-numeric user is a 404 page with status 404.

pub mod access;
pub mod access_form;
pub mod actions;
pub mod analytics;
pub mod billing_events;
pub mod cameras;
pub mod intercoms;
pub mod licence_form;
pub mod sub_user_permissions;
pub mod sub_users;
pub mod user;

use crate::api::card::card_header;
use crate::components::feedback::{ErrorView, Loading};
use crate::components::islands::TabKeys;
use crate::components::source::{gone, use_id_param};
use crate::error::AppError;
use crate::types::card::UserCardHeader;
use crate::types::catalogue::CardTab;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;

/// What the tabs need from the card.
#[derive(Clone, Copy)]
pub struct CardContext {
    /// The user id of the URL; `None` when it is not a positive number.
    pub user_id: Memo<Option<i64>>,
    pub header: Resource<Result<UserCardHeader, AppError>>,
}

pub fn use_card() -> CardContext {
    expect_context::<CardContext>()
}

/// A 404 for a URL whose id is not a number, with the status set on the
/// server like a server function's error would.
pub(crate) fn bad_id() -> AppError {
    let e = AppError::not_found("User");
    #[cfg(feature = "ssr")]
    let e = crate::api::ctx::respond::<()>(Err(e)).unwrap_err();
    e
}

/// The card's user id as a resource source: `None` once the card is gone
/// (see [`crate::components::source`]).
impl CardContext {
    pub fn id_source(&self) -> Option<Option<i64>> {
        self.user_id.try_get()
    }

    /// The user id for a form inside a tab; 0 (never a user) once the card
    /// is gone.
    pub fn id_or_zero(&self) -> i64 {
        self.user_id.try_get().flatten().unwrap_or_default()
    }
}

/// The user id for a tab's server function.
pub(crate) fn require_id(id: Option<i64>) -> Result<i64, AppError> {
    id.ok_or_else(bad_id)
}

#[component]
pub fn UserCard() -> impl IntoView {
    let user_id = use_id_param();
    let header = Resource::new(
        move || user_id.try_get(),
        |id| async move { card_header(require_id(id.ok_or_else(gone)?)?).await },
    );
    provide_context(CardContext { user_id, header });
    let active = active_tab();
    // The panel (and so the tab) is outside the header's `Suspend`: that
    // closure runs again whenever the header resolves, and a tab rendered
    // inside it was created (and loaded its data) up to three times per
    // page. Out here the tab is created once and loads beside the header;
    // both take the card user from the request's one lookup. Hidden when
    // the header failed (the header shows the error; the tab's own would
    // repeat it).
    let failed = move || matches!(header.try_get().flatten(), Some(Err(_)));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                // Islands: what the header's buttons may do is decided here,
                // on the server, and passed to the island as plain values.
                let admin = match use_context::<crate::components::layout::MeResource>() {
                    Some(me) => me.await.ok(),
                    None => None,
                };
                let can = move |p: &str| admin.as_ref().is_some_and(|a| a.can(p));
                let rights = actions::Rights {
                    impersonate: can(crate::permissions::admin::USERS_IMPERSONATE),
                    sync: can(crate::permissions::admin::USERS_SYNC),
                    audit: can(crate::permissions::admin::AUDIT_VIEW),
                };
                match header.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(h) => view! {
                        <CardTitle header=h.clone()/>
                        <HeaderView header=h.clone() rights/>
                        <CardTabs header=h/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
        <div class="tabpanel" role="tabpanel" id="card-panel" tabindex="0" hidden=failed
            aria-labelledby=move || format!("tab-{}", active.try_get().unwrap_or_default())>
            <Outlet/>
        </div>
    }
}

/// The last path segment: the tab the URL names.
fn active_tab() -> Memo<String> {
    let path = use_location().pathname;
    Memo::new(move |_| {
        path.try_with(|p| p.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string())
            .unwrap_or_default()
    })
}

#[component]
fn CardTitle(header: UserCardHeader) -> impl IntoView {
    let active = active_tab();
    // leptos_meta reads the title after the body has streamed, when this
    // component's owner (and so the memo) may already be disposed: fall back
    // to the tab the page was rendered with instead of panicking.
    let rendered = active.get_untracked();
    let text = move || {
        let slug = active.try_get().unwrap_or_else(|| rendered.clone());
        let tab = CardTab::parse(&slug).unwrap_or(CardTab::User).label();
        format!("{} — {tab}", header.name)
    };
    view! { <Title text=text/> }
}

/// The header, one grid at every width (style/main.css `.card-header`):
/// title and badges | buttons, then the facts, then one reserved message
/// line. A long name is cut with an ellipsis (the full name is in the facts
/// and the tooltip), and a button's message appears in the reserved line,
/// so neither moves anything else.
#[component]
fn HeaderView(header: UserCardHeader, rights: actions::Rights) -> impl IntoView {
    let audit_href = rights.audit.then(|| format!("/audit?user={}", header.id));
    view! {
        <section class="card-header" aria-labelledby="card-title" data-testid="card-header">
            <div class="card-title">
                <h1 id="card-title" title=header.name.clone()>{header.name.clone()}</h1>
                <div class="badges">
                    <span class=format!("badge kind-{}", header.kind.slug())>{header.kind.label()}</span>
                    <span class=format!("badge status-{}", header.status.slug())>{header.status.label()}</span>
                </div>
            </div>
            // "Login as User" (users.impersonate) and "Synchronize cameras"
            // (users.sync); the server checks both permissions again.
            <actions::HeaderActions user_id=header.id impersonate=rights.impersonate sync=rights.sync audit_href>
                <dl class="card-facts">
                    <div><dt>"User ID"</dt><dd>{header.id}</dd></div>
                    <div><dt>"User name"</dt><dd>{header.name.clone()}</dd></div>
                    <div><dt>"Login"</dt><dd>{header.login.clone()}</dd></div>
                    <div><dt>"Creation date"</dt><dd>{header.created_at.clone()}</dd></div>
                    {header.main_user.clone().map(|(id, name)| view! {
                        <div><dt>"Main user"</dt><dd><a href=format!("/users/{id}/user") data-testid="main-user">{name}</a></dd></div>
                    })}
                </dl>
            </actions::HeaderActions>
        </section>
    }
}

/// The tab list, following the WAI-ARIA tabs pattern: one tab stop (the
/// selected tab), arrow keys / Home / End move focus, Enter (natively) and
/// Space follow the focused tab's link. The tabs are real links rendered on
/// the server; only the key handling is an island
/// ([`crate::components::islands::TabKeys`]).
#[component]
fn CardTabs(header: UserCardHeader) -> impl IntoView {
    let active = active_tab().get_untracked();
    let tabs = header.tabs();
    let slugs: Vec<String> = tabs.iter().map(|t| t.slug().to_string()).collect();
    let stop = slugs.iter().find(|s| **s == active).or(slugs.first()).cloned().unwrap_or_default();
    let ids = slugs.iter().map(|s| format!("tab-{s}")).collect();
    view! {
        <TabKeys ids label="User card".to_string()>
            {tabs
                .into_iter()
                .map(|tab| {
                    let (slug, label) = (tab.slug(), tab.label());
                    view! {
                        <a
                            class="tab"
                            role="tab"
                            id=format!("tab-{slug}")
                            href=format!("/users/{}/{slug}", header.id)
                            aria-controls="card-panel"
                            aria-selected=if active == slug { "true" } else { "false" }
                            tabindex=if stop == slug { "0" } else { "-1" }
                        >
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </TabKeys>
    }
}

/// `/users/:id` opens the User tab.
#[component]
pub fn CardIndex() -> impl IntoView {
    let card = use_card();
    move || {
        card.user_id
            .try_get()
            .flatten()
            .map(|id| view! { <Redirect path=format!("/users/{id}/{}", CardTab::User)/> })
    }
}
