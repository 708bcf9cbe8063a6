//! The editable Access settings tab: grouped checkboxes and Save. The save
//! carries the `permissions_version` the form was loaded with; when another
//! administrator saved first the server answers 409, the form says so and
//! shows the settings as they now are; any other refusal keeps the ticks
//! and shows the reason beside Save. Without `users.access.edit` the
//! checkboxes are disabled, with a note.

use crate::api::access::save_access;
use crate::api::card::card_access;
use crate::components::feedback::{error_text, interactive, ErrorView, Loading};
use crate::components::source::gone;
use crate::error::AppError;
use crate::permissions::admin::USERS_ACCESS_EDIT;
use crate::types::access::AccessSaved;
use crate::types::card::PermissionGroup;
use leptos::prelude::*;
use std::collections::BTreeSet;

/// The slugs checked in `groups`.
pub fn checked_slugs(groups: &[PermissionGroup]) -> BTreeSet<String> {
    groups
        .iter()
        .flat_map(|g| g.items.iter().filter(|i| i.checked).map(|i| i.slug.clone()))
        .collect()
}

/// Grouped checkboxes bound to `checked`; one fieldset per group, each input
/// named `permissions` with its slug as value and labelled by its text.
/// `id_prefix` keeps ids unique when several editors share a page.
#[component]
pub fn PermissionChecks(
    groups: Vec<PermissionGroup>,
    checked: RwSignal<BTreeSet<String>>,
    disabled: Signal<bool>,
    #[prop(into)] id_prefix: String,
) -> impl IntoView {
    groups
        .into_iter()
        .map(|g| {
            let empty = g.items.is_empty();
            let id_prefix = id_prefix.clone();
            view! {
                <fieldset class="permission-group">
                    <legend>{g.label.clone()}</legend>
                    {empty.then(|| view! { <p class="empty">"Nothing to grant in this group."</p> })}
                    {g.items.into_iter().map(|p| {
                        let id = format!("{id_prefix}-{}", p.slug);
                        let slug = p.slug.clone();
                        let slug_for_change = p.slug.clone();
                        view! {
                            <label for=id.clone() class="check">
                                <input
                                    type="checkbox"
                                    id=id.clone()
                                    name="permissions"
                                    value=p.slug.clone()
                                    // The attribute renders the state on the server; the
                                    // property keeps it in step after hydration.
                                    checked=p.checked
                                    prop:checked=move || checked.with(|c| c.contains(&slug))
                                    disabled=move || disabled.get()
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let slug = slug_for_change.clone();
                                        checked.update(|c| {
                                            if on { c.insert(slug); } else { c.remove(&slug); }
                                        });
                                    }
                                />
                                " "{p.label}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
        })
        .collect_view()
}

/// The outcome beside a Save button: the summary and new version, or the
/// error (a conflict's message says the current state is shown; any other
/// refusal says why, and the form keeps what was ticked).
#[component]
pub fn SaveOutcome(value: RwSignal<Option<Result<AccessSaved, AppError>>>) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(saved) => view! {
                <span class="form-message saved" role="status" data-testid="save-outcome">
                    {format!("{}. Version {}.", saved.summary(), saved.permissions_version)}
                </span>
            }
            .into_any(),
            Err(e) => view! { <span class="form-message error" role="alert" data-testid="save-outcome">{error_text(&e)}</span> }.into_any(),
        })
    }
}

/// Whether the form reloads after a save's answer: after a success and a
/// conflict (to show the settings as they now are), not after a refusal,
/// so that what the administrator ticked stays ticked beside the reason.
pub fn reloads_after(r: &Result<AccessSaved, AppError>) -> bool {
    matches!(r, Ok(_) | Err(AppError::Conflict(_)))
}

/// A save that carries the version the form was loaded with: the action,
/// the outcome shown beside Save, and `reloads`, which the loader reads and
/// which goes up after every save that changed something or conflicted.
#[derive(Clone, Copy)]
pub struct VersionedSave {
    action: Action<(Vec<String>, i64), Result<AccessSaved, AppError>>,
    outcome: RwSignal<Option<Result<AccessSaved, AppError>>>,
    pub reloads: RwSignal<u32>,
}

pub fn versioned_save<F, Fut>(save: F) -> VersionedSave
where
    F: Fn(Vec<String>, i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<AccessSaved, AppError>> + Send + 'static,
{
    let reloads = RwSignal::new(0u32);
    let action = Action::new(move |(perms, version): &(Vec<String>, i64)| save(perms.clone(), *version));
    let outcome = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(r) = action.value().get() {
            let reload = reloads_after(&r);
            outcome.set(Some(r));
            if reload {
                reloads.update(|n| *n += 1);
            }
        }
    });
    VersionedSave { action, outcome, reloads }
}

/// The form of a [`VersionedSave`]: the loaded groups as checkboxes, the
/// version as a hidden field, Save with the outcome beside it. Without
/// `can_edit` the checkboxes are disabled and `read_only_note` says why;
/// `children` go between that note and the checkboxes.
#[component]
pub fn VersionedForm(
    save: VersionedSave,
    groups: Vec<PermissionGroup>,
    version: i64,
    can_edit: bool,
    read_only_note: String,
    #[prop(into)] id_prefix: String,
    button: &'static str,
    #[prop(optional)] class: Option<&'static str>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let read_only = !can_edit;
    let checked = RwSignal::new(checked_slugs(&groups));
    let pending = save.action.pending();
    let interactive = interactive();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if read_only {
            return;
        }
        save.outcome.set(None);
        save.action.dispatch((checked.get_untracked().into_iter().collect(), version));
    };
    view! {
        <form class=class data-testid=testid data-permissions-version=version.to_string() on:submit=on_submit>
            {read_only.then(|| view! { <p class="notice" role="note">{read_only_note}</p> })}
            {children.map(|c| c())}
            <input type="hidden" name="version" value=version.to_string()/>
            <PermissionChecks groups checked disabled=Signal::derive(move || read_only) id_prefix/>
            <p class="form-actions">
                <button type="submit" disabled=move || read_only || pending.get() || !interactive.get()>{button}</button>
                " "<span class="muted">{format!("Version {version}")}</span>
                <SaveOutcome value=save.outcome/>
            </p>
        </form>
    }
}

/// Tab 6 with Save: loads the user's settings, saves the checked slugs with
/// the loaded version, and reloads after every save (success or conflict).
#[component]
pub fn AccessForm(#[prop(into)] user_id: Signal<i64>) -> impl IntoView {
    let save = versioned_save(move |perms, version| save_access(user_id.get_untracked(), perms, version));
    let access = Resource::new(
        move || Some((user_id.try_get()?, save.reloads.try_get()?)),
        |src| async move { card_access(src.ok_or_else(gone)?.0).await },
    );
    view! {
        <h2 class="sr-only">"Access settings"</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match access.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(a) => view! {
                        <VersionedForm save groups=a.groups version=a.permissions_version can_edit=a.can_edit
                            read_only_note=format!("You can see these settings but not change them: that needs the permission “{USERS_ACCESS_EDIT}”.")
                            id_prefix="perm" button="Save" class="access" testid="card-access"/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
