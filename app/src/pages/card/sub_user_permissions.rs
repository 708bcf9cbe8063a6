//! Editing a sub user's permissions from its main user's Sub users tab.
//! The row link "Edit permissions" puts `edit=<sub user id>` in the query
//! string (so the open editor deep-links); [`SubUserPermissionsPanel`] shows
//! the editor for it. Only what the main user may pass on is offered — its
//! own permissions, and analytics types only of levels it holds licences
//! for; the server refuses anything else whatever the form sends.

use super::access_form::{AccessEditor, AccessTarget, Loaded};
use crate::api::access::load_sub_user_access;
use crate::components::feedback::{ErrorView, Loading};
use crate::permissions::admin::SUBUSERS_EDIT;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The query-string key naming the sub user being edited.
pub const EDIT_KEY: &str = "edit";

/// The current URL with `edit=<sub_id>` set (table state kept).
pub fn edit_href(sub_id: i64) -> String {
    let loc = use_location();
    let path = loc.pathname.get_untracked();
    let mut pairs: Vec<(String, String)> = use_query_map()
        .get_untracked()
        .into_iter()
        .filter(|(k, _)| k != EDIT_KEY)
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    pairs.push((EDIT_KEY.to_string(), sub_id.to_string()));
    let qs = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::components::feedback::urlencode(k),
                crate::components::feedback::urlencode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{path}?{qs}")
}

/// The "Edit permissions" link of a sub user row.
#[component]
pub fn EditPermissionsLink(sub_id: i64, #[prop(into)] name: String) -> impl IntoView {
    view! { <a href=edit_href(sub_id) aria-label=format!("Edit permissions of {name}")>"Edit permissions"</a> }
}

/// Shows the editor for the sub user named by `?edit=`, if any.
#[component]
pub fn SubUserPermissionsPanel(user_id: i64) -> impl IntoView {
    let editing = use_query_map()
        .with_untracked(|q| q.get(EDIT_KEY))
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|id| *id > 0);
    editing.map(|sub_id| view! { <SubUserPermissions user_id sub_user_id=sub_id/> })
}

/// The editor of one sub user's permissions, loaded on the server and
/// edited in an [`AccessEditor`] island.
#[component]
pub fn SubUserPermissions(user_id: i64, sub_user_id: i64) -> impl IntoView {
    let access = Resource::new(move || (user_id, sub_user_id), |(u, s)| load_sub_user_access(u, s));
    view! {
        <section class="sub-user-permissions" aria-labelledby="sub-user-permissions-title" data-testid="sub-user-permissions">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match access.await {
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                        Ok(a) => view! {
                            <h3 id="sub-user-permissions-title">{format!("Permissions of {} ({})", a.name, a.login)}</h3>
                            <AccessEditor target=AccessTarget::SubUser { user_id, sub_user_id }
                                loaded=Loaded { groups: a.groups, version: a.permissions_version, can_edit: a.can_edit }
                                read_only_note=format!("Changing a sub user's permissions needs the permission “{SUBUSERS_EDIT}”.")
                                id_prefix=format!("sub-{sub_user_id}") button="Save sub user permissions".to_string()
                                class=None testid=None
                                hint=Some("Only the main user's own permissions are offered; analytics types only for levels it holds licences for.".to_string())/>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
