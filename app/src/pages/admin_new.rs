//! `/admins/new`: create an administrator — login, name, an initial
//! password (set here, or generated and shown once), permissions (only those
//! the creator holds can be ticked) and camera scope (picked from the
//! location tree within the creator's own scope).

use crate::api::admins::create_admin;
use crate::components::admin_rights::AdminPermissionChecks;
use crate::components::feedback::{error_text, interactive, ErrorView, Loading};
use crate::components::layout::MeResource;
use crate::components::location_picker::ScopePicker;
use crate::permissions::admin::{ADMINS_MANAGE, ALL};
use crate::types::admins::LocationOption;
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeSet;

#[component]
pub fn NewAdminPage() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Title text="New administrator"/>
        <h1>"New administrator"</h1>
        <p><a href="/admins">"← Administrators"</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match me.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(me) if !me.can(ADMINS_MANAGE) => view! { <ErrorView error=forbidden()/> }.into_any(),
                    Ok(me) => {
                        let grantable: Vec<String> = ALL.iter().filter(|p| me.can(p)).map(|p| p.to_string()).collect();
                        view! { <CreateForm grantable/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// 403 without `admins.manage`, with the status set on the server as a
/// server function's error would (creating is checked again there).
fn forbidden() -> crate::error::AppError {
    let e = crate::error::AppError::forbidden(ADMINS_MANAGE);
    #[cfg(feature = "ssr")]
    let e = crate::api::ctx::respond::<()>(Err(e)).unwrap_err();
    e
}

/// The form (an island); `grantable` are the permissions the creator holds.
#[island(lazy)]
fn CreateForm(grantable: Vec<String>) -> impl IntoView {
    let login = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let checked = RwSignal::new(BTreeSet::<String>::new());
    let scope = RwSignal::new(Vec::<LocationOption>::new());
    let create = Action::new(move |_: &()| {
        let pw = password.get_untracked();
        let (l, n) = (login.get_untracked(), name.get_untracked());
        let perms: Vec<String> = checked.get_untracked().into_iter().collect();
        let ids: Vec<i64> = scope.get_untracked().iter().map(|l| l.id).collect();
        async move { create_admin(l, n, (!pw.is_empty()).then_some(pw), perms, ids).await }
    });
    let interactive = interactive();
    let pending = create.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(());
    };
    view! {
        <form class="admin-form" data-testid="create-admin" on:submit=on_submit>
            <p>
                <label for="new-login">"Login"</label>
                <input id="new-login" name="login" required autocomplete="off" prop:value=move || login.get()
                    on:input=move |ev| login.set(event_target_value(&ev))/>
            </p>
            <p>
                <label for="new-name">"Name"</label>
                <input id="new-name" name="name" required prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
            </p>
            <p>
                <label for="new-password">"Initial password"</label>
                <input id="new-password" name="password" type="password" autocomplete="new-password"
                    placeholder="Leave empty to generate one" prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
            </p>
            <h2>"Permissions"</h2>
            <AdminPermissionChecks grantable checked disabled=Signal::derive(|| false) id_prefix="new-perm"/>
            <h2>"Camera scope"</h2>
            <ScopePicker selected=scope disabled=Signal::derive(|| false)/>
            <p class="form-actions">
                <button type="submit" disabled=move || pending.get() || !interactive.get()>"Create administrator"</button>
                <span class="form-message" data-testid="create-outcome">
                    {move || create.value().get().map(|r| match r {
                        Ok(created) => view! {
                            <span class="saved" role="status">
                                "Created. "
                                {created.password.map(|p| view! {
                                    "Initial password (shown once): "<code data-testid="initial-password">{p}</code>". "
                                })}
                                <a href=format!("/admins/{}", created.id) data-testid="created-link">"Open the administrator"</a>
                            </span>
                        }.into_any(),
                        Err(e) => view! { <span class="error" role="alert">{error_text(&e)}</span> }.into_any(),
                    })}
                </span>
            </p>
        </form>
    }
}
