//! The two buttons of the user card header. [`LoginAsUser`] (administrators
//! holding `users.impersonate`) makes a single-use link and opens it in a new
//! browser tab, where the web client is signed in as the user; the console
//! tab keeps its own session. [`SyncCameras`] (`users.sync`) pushes the
//! console's camera availability to the user's clients and shows the
//! outcome. The server checks both permissions again.

use crate::api::impersonate::{StartImpersonation, SyncCameras as SyncCamerasFn};
use crate::components::feedback::error_text;
use crate::components::layout::MeResource;
use crate::permissions::admin::{USERS_IMPERSONATE, USERS_SYNC};
use leptos::prelude::*;

/// Both buttons, each shown only to administrators holding its permission.
#[component]
pub fn CardActions(user_id: i64) -> impl IntoView {
    let me = use_context::<MeResource>();
    let can = move |perm: &str| me.and_then(|m| m.get()).and_then(|r| r.ok()).is_some_and(|a| a.can(perm));
    view! {
        <Show when=move || can(USERS_IMPERSONATE)><LoginAsUser user_id/></Show>
        <Show when=move || can(USERS_SYNC)><SyncCameras user_id/></Show>
    }
}

#[component]
pub fn LoginAsUser(user_id: i64) -> impl IntoView {
    let action = ServerAction::<StartImpersonation>::new();
    // Opens the link once per answer, from the browser.
    Effect::new(move |_| {
        if let Some(Ok(url)) = action.value().get() {
            open_in_new_tab(&url);
        }
    });
    let error = move || action.value().get().and_then(|r| r.err()).map(|e| error_text(&e));
    view! {
        <button type="button" data-testid="login-as-user" disabled=move || action.pending().get()
            on:click=move |_| { action.dispatch(StartImpersonation { user_id }); }>
            "Login as User"
        </button>
        {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

fn open_in_new_tab(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        // noopener: the client tab gets no handle on the console tab.
        let _ = w.open_with_url_and_target_and_features(url, "_blank", "noopener");
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

#[component]
pub fn SyncCameras(user_id: i64) -> impl IntoView {
    let action = ServerAction::<SyncCamerasFn>::new();
    let outcome = move || {
        action.value().get().map(|r| match r {
            Ok(o) => view! { <p class="notice" role="status" data-testid="sync-outcome">{o.summary()}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
        })
    };
    view! {
        <button type="button" data-testid="sync-cameras" disabled=move || action.pending().get()
            on:click=move |_| { action.dispatch(SyncCamerasFn { user_id }); }>
            {move || if action.pending().get() { "Synchronizing…" } else { "Synchronize cameras" }}
        </button>
        {outcome}
    }
}
