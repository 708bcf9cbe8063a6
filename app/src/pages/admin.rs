//! `/admins/:id`: one administrator — enable or disable it, reset its
//! password, edit its permissions and camera scope. Each change carries the
//! version the page loaded (409 when another administrator saved first; the
//! page then shows the current state). A refusal (403: beyond the editor's
//! own rights) keeps what was ticked and says why beside the button.

use crate::api::admins::{get_admin, reset_admin_password, set_admin_enabled, set_admin_permissions, set_admin_scope};
use crate::components::admin_rights::AdminPermissionChecks;
use crate::components::feedback::{error_text, interactive, ErrorView, Loading};
use crate::components::location_picker::ScopePicker;
use crate::components::source::{gone, use_id_param};
use crate::error::AppError;
use crate::types::admins::AdminDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeSet;

/// The outcome of one change: a message, and whether the page reloads.
type Outcome = RwSignal<Option<Result<String, AppError>>>;

/// After a save the editor loads the administrator again on success and on
/// a conflict (to show the current state); other refusals keep the form as
/// it is.
fn settle(outcome: Outcome, detail: RwSignal<AdminDetail>, r: Result<String, AppError>) {
    let reload = matches!(r, Ok(_) | Err(AppError::Conflict(_)));
    outcome.set(Some(r));
    if reload {
        let id = detail.with_untracked(|d| d.id);
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = get_admin(id).await {
                detail.set(fresh);
            }
        });
    }
}

/// A 404 for a URL whose id is not a number, with the status set on the
/// server as a server function's error would.
fn not_found() -> AppError {
    let e = AppError::not_found("Administrator");
    #[cfg(feature = "ssr")]
    let e = crate::api::ctx::respond::<()>(Err(e)).unwrap_err();
    e
}

#[component]
fn Message(outcome: Outcome, #[prop(into)] testid: String) -> impl IntoView {
    view! {
        <span class="form-message" data-testid=testid>
            {move || outcome.get().map(|r| match r {
                Ok(m) => view! { <span class="saved" role="status">{m}</span> }.into_any(),
                Err(e) => view! { <span class="error" role="alert">{error_text(&e)}</span> }.into_any(),
            })}
        </span>
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let id = use_id_param();
    let detail = Resource::new(
        move || id.try_get(),
        |src| async move {
            match src.ok_or_else(gone)? {
                Some(id) => get_admin(id).await,
                None => Err(not_found()),
            }
        },
    );
    view! {
        <Title text="Administrator"/>
        <p><a href="/admins">"← Administrators"</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(a) => view! { <AdminEditor loaded=a/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The editor (an island): holds the messages of its four forms across the
/// reloads of the administrator after each save.
#[island(lazy)]
fn AdminEditor(loaded: AdminDetail) -> impl IntoView {
    let detail = RwSignal::new(loaded);
    let status_msg: Outcome = RwSignal::new(None);
    let password_msg: Outcome = RwSignal::new(None);
    let perms_msg: Outcome = RwSignal::new(None);
    let scope_msg: Outcome = RwSignal::new(None);
    move || {
        let a = detail.get();
        view! { <Editor a detail status_msg password_msg perms_msg scope_msg/> }
    }
}

#[component]
fn Editor(
    a: AdminDetail,
    detail: RwSignal<AdminDetail>,
    status_msg: Outcome,
    password_msg: Outcome,
    perms_msg: Outcome,
    scope_msg: Outcome,
) -> impl IntoView {
    let (id, version) = (a.id, a.version);
    let locked = a.locked.is_some();
    let interactive = interactive();
    let off = Signal::derive(move || locked || !interactive.get());
    let toggle = Action::new(move |enabled: &bool| {
        let enabled = *enabled;
        async move {
            set_admin_enabled(id, enabled, version).await.map(|_| {
                if enabled {
                    "Enabled.".to_string()
                } else {
                    "Disabled; its sessions have ended.".to_string()
                }
            })
        }
    });
    let new_password = RwSignal::new(String::new());
    let reset = Action::new(move |_: &()| {
        let pw = new_password.get_untracked();
        async move {
            reset_admin_password(id, (!pw.is_empty()).then_some(pw), version)
                .await
                .map(|(_, shown)| match shown {
                    Some(p) => format!("Password reset. New password (shown once): {p}"),
                    None => "Password reset.".to_string(),
                })
        }
    });
    let checked = RwSignal::new(a.permissions.iter().cloned().collect::<BTreeSet<String>>());
    let save_perms = Action::new(move |_: &()| {
        let perms: Vec<String> = checked.get_untracked().into_iter().collect();
        async move {
            set_admin_permissions(id, perms, version)
                .await
                .map(|v| format!("Permissions saved. Version {v}."))
        }
    });
    let scope = RwSignal::new(a.scope.clone());
    let save_scope = Action::new(move |_: &()| {
        let ids: Vec<i64> = scope.get_untracked().iter().map(|l| l.id).collect();
        async move {
            set_admin_scope(id, ids, version)
                .await
                .map(|v| format!("Camera scope saved. Version {v}."))
        }
    });
    Effect::new(move |_| {
        if let Some(r) = toggle.value().get() {
            settle(status_msg, detail, r);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = reset.value().get() {
            settle(password_msg, detail, r);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save_perms.value().get() {
            settle(perms_msg, detail, r);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = save_scope.value().get() {
            settle(scope_msg, detail, r);
        }
    });
    let disabled = a.disabled;
    view! {
        <section class="admin-detail" data-testid="admin-detail" data-version=version.to_string()>
            <h1>{a.name.clone()}</h1>
            <dl class="kv">
                <dt>"Login"</dt><dd data-testid="admin-login">{a.login.clone()}</dd>
                <dt>"Status"</dt>
                <dd>{if disabled {
                    view! { <span class="badge status-terminated" data-testid="admin-status">"Disabled"</span> }.into_any()
                } else {
                    view! { <span class="badge status-active" data-testid="admin-status">"Active"</span> }.into_any()
                }}</dd>
                <dt>"Created"</dt><dd>{a.created_at.clone()}</dd>
                <dt>"Version"</dt><dd>{version}</dd>
            </dl>
            <p><a href=format!("/audit?admin={id}") data-testid="admin-audit-link">"Actions of this administrator in the audit log"</a></p>
            {a.locked.clone().map(|why| view! { <p class="notice" role="note" data-testid="admin-locked">{why}</p> })}
            <h2>"Status"</h2>
            <p class="form-actions">
                {if disabled {
                    view! { <button type="button" data-testid="enable-admin" disabled=move || off.get() || toggle.pending().get()
                        on:click=move |_| { status_msg.set(None); toggle.dispatch(true); }>"Enable"</button> }.into_any()
                } else if a.is_self {
                    view! { <span class="muted">"You cannot disable yourself."</span> }.into_any()
                } else {
                    view! { <button type="button" data-testid="disable-admin" disabled=move || off.get() || toggle.pending().get()
                        on:click=move |_| { status_msg.set(None); toggle.dispatch(false); }>"Disable"</button> }.into_any()
                }}
                <Message outcome=status_msg testid="status-outcome"/>
            </p>
            <h2>"Password"</h2>
            <form class="form-actions" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); password_msg.set(None); reset.dispatch(()); }>
                <label for="reset-password">"New password"</label>
                <input id="reset-password" type="password" autocomplete="new-password" placeholder="Leave empty to generate one"
                    prop:value=move || new_password.get() on:input=move |ev| new_password.set(event_target_value(&ev))/>
                <button type="submit" data-testid="reset-password" disabled=move || off.get() || reset.pending().get()>"Reset password"</button>
                <Message outcome=password_msg testid="password-outcome"/>
            </form>
            <h2>"Permissions"</h2>
            <form class="admin-form" data-testid="admin-permissions" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); perms_msg.set(None); save_perms.dispatch(()); }>
                {a.is_super.then(|| view! { <p class="notice" role="note">"A super-administrator holds every permission whatever is ticked here."</p> })}
                <AdminPermissionChecks grantable=a.grantable.clone() checked disabled=Signal::derive(move || locked) id_prefix="perm"/>
                <p class="form-actions">
                    <button type="submit" data-testid="save-permissions" disabled=move || off.get() || save_perms.pending().get()>"Save permissions"</button>
                    <Message outcome=perms_msg testid="permissions-outcome"/>
                </p>
            </form>
            <h2>"Camera scope"</h2>
            <form class="admin-form" data-testid="admin-scope" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); scope_msg.set(None); save_scope.dispatch(()); }>
                <ScopePicker selected=scope disabled=Signal::derive(move || locked)/>
                <p class="form-actions">
                    <button type="submit" data-testid="save-scope" disabled=move || off.get() || save_scope.pending().get()>"Save camera scope"</button>
                    <Message outcome=scope_msg testid="scope-outcome"/>
                </p>
            </form>
        </section>
    }
}
