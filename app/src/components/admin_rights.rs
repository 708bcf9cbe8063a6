//! The two editors of an administrator's rights, shared by the create page
//! and the edit page: its permissions as grouped checkboxes (the catalogue
//! of [`crate::permissions::admin::GROUPS`]; what the editor does not hold
//! is shown but cannot be ticked) and its camera scope, picked from the
//! location tree with search (see [`super::location_picker`]).

use crate::permissions::admin::GROUPS;
use leptos::prelude::*;
use std::collections::BTreeSet;

/// Grouped checkboxes named `permissions`; `grantable` are the slugs the
/// editor holds (the server refuses the others with 403 whatever is sent).
#[component]
pub fn AdminPermissionChecks(
    grantable: Vec<String>,
    checked: RwSignal<BTreeSet<String>>,
    #[prop(into)] disabled: Signal<bool>,
    #[prop(into)] id_prefix: String,
) -> impl IntoView {
    GROUPS
        .iter()
        .map(|(group, items)| {
            let items = items
                .iter()
                .map(|(slug, label)| {
                    let slug = slug.to_string();
                    let held = grantable.contains(&slug);
                    let id = format!("{id_prefix}-{}", slug.replace('.', "-"));
                    let (s1, s2) = (slug.clone(), slug.clone());
                    view! {
                        <label for=id.clone() class="check" title=(!held).then_some("You do not hold this permission, so you cannot grant it.")>
                            <input
                                type="checkbox"
                                id=id.clone()
                                name="permissions"
                                value=slug.clone()
                                data-slug=slug.clone()
                                checked=checked.with_untracked(|c| c.contains(&slug))
                                prop:checked=move || checked.with(|c| c.contains(&s1))
                                disabled=move || disabled.get() || !held
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let s = s2.clone();
                                    checked.update(|c| {
                                        if on { c.insert(s); } else { c.remove(&s); }
                                    });
                                }
                            />
                            " "{*label}" "<code class="muted">{slug.clone()}</code>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="permission-group">
                    <legend>{*group}</legend>
                    {items}
                </fieldset>
            }
        })
        .collect_view()
}
