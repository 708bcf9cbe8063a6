//! The editable Access settings tab: grouped checkboxes and Save. The save
//! carries the `permissions_version` the form was loaded with; when another
//! administrator saved first the server answers 409, the form says so and
//! shows the settings as they now are; any other refusal keeps the ticks
//! and shows the reason beside Save. Without `users.access.edit` the
//! checkboxes are disabled, with a note. The form is an island
//! ([`AccessEditor`]); the page around it renders on the server.

use crate::api::access::{load_sub_user_access, save_access, save_sub_user_access};
use crate::api::card::card_access;
use crate::components::feedback::{error_text, interactive, ErrorView, Loading};
use crate::error::AppError;
use crate::permissions::admin::USERS_ACCESS_EDIT;
use crate::types::access::AccessSaved;
use crate::types::card::PermissionGroup;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
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

/// Whose permissions an [`AccessEditor`] edits.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccessTarget {
    /// A user's own Access settings (tab 6).
    User(i64),
    /// A sub user's, from its main user's Sub users tab.
    SubUser { user_id: i64, sub_user_id: i64 },
}

/// What the form shows: the groups, the version they were loaded with, and
/// whether the administrator may change them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Loaded {
    pub groups: Vec<PermissionGroup>,
    pub version: i64,
    pub can_edit: bool,
}

impl AccessTarget {
    async fn save(self, perms: Vec<String>, version: i64) -> Result<AccessSaved, AppError> {
        match self {
            AccessTarget::User(id) => save_access(id, perms, version).await,
            AccessTarget::SubUser { user_id, sub_user_id } => save_sub_user_access(user_id, sub_user_id, perms, version).await,
        }
    }

    async fn load(self) -> Result<Loaded, AppError> {
        match self {
            AccessTarget::User(id) => card_access(id).await.map(|a| Loaded {
                groups: a.groups,
                version: a.permissions_version,
                can_edit: a.can_edit,
            }),
            AccessTarget::SubUser { user_id, sub_user_id } => load_sub_user_access(user_id, sub_user_id).await.map(|a| Loaded {
                groups: a.groups,
                version: a.permissions_version,
                can_edit: a.can_edit,
            }),
        }
    }
}

/// The permissions form: the loaded groups as checkboxes, the version as a
/// hidden field, Save with the outcome beside it. The save carries the
/// loaded version; after a success or a conflict the island loads the
/// settings again (a refusal keeps the ticks beside the reason). Without
/// `can_edit` the checkboxes are disabled and `read_only_note` says why;
/// `hint` goes between that note and the checkboxes.
#[island(lazy)]
pub fn AccessEditor(
    target: AccessTarget,
    loaded: Loaded,
    read_only_note: String,
    id_prefix: String,
    button: String,
    class: Option<String>,
    testid: Option<String>,
    hint: Option<String>,
) -> impl IntoView {
    let data = RwSignal::new(loaded);
    let outcome = RwSignal::new(None::<Result<AccessSaved, AppError>>);
    let save = Action::new(move |(perms, version): &(Vec<String>, i64)| {
        let (perms, version) = (perms.clone(), *version);
        async move {
            let r = target.save(perms, version).await;
            let fresh = if reloads_after(&r) { target.load().await.ok() } else { None };
            (r, fresh)
        }
    });
    Effect::new(move |_| {
        if let Some((r, fresh)) = save.value().get() {
            if let Some(fresh) = fresh {
                data.set(fresh);
            }
            outcome.set(Some(r));
        }
    });
    let pending = save.pending();
    let interactive = interactive();
    move || {
        let Loaded { groups, version, can_edit } = data.get();
        let read_only = !can_edit;
        let checked = RwSignal::new(checked_slugs(&groups));
        let on_submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if read_only {
                return;
            }
            outcome.set(None);
            save.dispatch((checked.get_untracked().into_iter().collect(), version));
        };
        let (note, hint, id_prefix, button) = (read_only_note.clone(), hint.clone(), id_prefix.clone(), button.clone());
        view! {
            <form class=class.clone() data-testid=testid.clone() data-permissions-version=version.to_string() on:submit=on_submit>
                {read_only.then(|| view! { <p class="notice" role="note">{note}</p> })}
                {hint.map(|h| view! { <p class="muted">{h}</p> })}
                <input type="hidden" name="version" value=version.to_string()/>
                <PermissionChecks groups checked disabled=Signal::derive(move || read_only) id_prefix/>
                <p class="form-actions">
                    <button type="submit" disabled=move || read_only || pending.get() || !interactive.get()>{button}</button>
                    " "<span class="muted">{format!("Version {version}")}</span>
                    <SaveOutcome value=outcome/>
                </p>
            </form>
        }
    }
}

/// Tab 6 with Save: the user's settings loaded on the server, edited in
/// the [`AccessEditor`] island.
#[component]
pub fn AccessForm(user_id: i64) -> impl IntoView {
    let access = Resource::new(move || user_id, card_access);
    view! {
        <h2 class="sr-only">"Access settings"</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match access.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(a) => view! {
                        <AccessEditor target=AccessTarget::User(user_id)
                            loaded=Loaded { groups: a.groups, version: a.permissions_version, can_edit: a.can_edit }
                            read_only_note=format!("You can see these settings but not change them: that needs the permission “{USERS_ACCESS_EDIT}”.")
                            id_prefix="perm".to_string() button="Save".to_string() class=Some("access".to_string())
                            testid=Some("card-access".to_string()) hint=None/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
