//! Tab 6, Access settings: the user's permissions as grouped checkboxes.
//! For now read-only; the Save form (with `permissions_version` for
//! optimistic concurrency) wraps [`PermissionGroups`] later. Inputs are
//! disabled, with a note, for administrators without `users.access.edit`.

use super::{require_id, use_card};
use crate::api::card::card_access;
use crate::components::feedback::{ErrorView, Loading};
use crate::permissions::admin::USERS_ACCESS_EDIT;
use crate::types::card::{AccessSettings, PermissionGroup};
use leptos::prelude::*;

#[component]
pub fn AccessTab() -> impl IntoView {
    let card = use_card();
    let access = Resource::new(move || card.user_id.get(), |id| async move { card_access(require_id(id)?).await });
    view! {
        <h2 class="sr-only">"Access settings"</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match access.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(settings) => view! { <AccessView settings/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccessView(settings: AccessSettings) -> impl IntoView {
    let read_only = !settings.can_edit;
    view! {
        <div class="access" data-testid="card-access" data-permissions-version=settings.permissions_version.to_string()>
            {read_only.then(|| view! {
                <p class="notice" role="note">
                    {format!("You can see these settings but not change them: that needs the permission “{USERS_ACCESS_EDIT}”.")}
                </p>
            })}
            <PermissionGroups groups=settings.groups disabled=read_only/>
        </div>
    }
}

/// The checkboxes, one fieldset per group. Each input is named
/// `permissions` with the slug as value, ready to sit inside a form.
#[component]
pub fn PermissionGroups(groups: Vec<PermissionGroup>, disabled: bool) -> impl IntoView {
    groups
        .into_iter()
        .map(|g| {
            let empty = g.items.is_empty();
            view! {
                <fieldset class="permission-group">
                    <legend>{g.label.clone()}</legend>
                    {empty.then(|| view! { <p class="empty">"Nothing in this group."</p> })}
                    {g.items.into_iter().map(|p| {
                        let id = format!("perm-{}", p.slug);
                        view! {
                            <label for=id.clone() class="check">
                                <input type="checkbox" id=id.clone() name="permissions" value=p.slug.clone() checked=p.checked disabled=disabled/>
                                " "{p.label}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
        })
        .collect_view()
}
