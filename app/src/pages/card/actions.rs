//! The two buttons of the user card header. [`LoginAsUser`] (administrators
//! holding `users.impersonate`) makes a single-use link and opens it in a new
//! browser tab, where the web client is signed in as the user; the console
//! tab keeps its own session. [`SyncCameras`] (`users.sync`) pushes the
//! console's camera availability to the user's clients and shows the
//! outcome. The server checks both permissions again. Their messages go to
//! the header's reserved message line ([`MessageLine`]), never between the
//! buttons.

use crate::api::impersonate::{StartImpersonation, SyncCameras as SyncCamerasFn};
use crate::components::feedback::error_text;
use leptos::prelude::*;

/// The header's one message: (is it an error, the text, its test id).
pub type HeaderMessage = RwSignal<Option<(bool, String, &'static str)>>;

/// The reserved line under the header's facts: always there, one line high,
/// so a message appearing or going changes no height.
#[component]
pub fn MessageLine(message: HeaderMessage) -> impl IntoView {
    view! {
        <div class="card-message" aria-live="polite" data-testid="card-message">
            {move || message.get().map(|(error, text, testid)| {
                let class = if error { "error" } else { "notice" };
                view! { <p class=class role=if error { "alert" } else { "status" } data-testid=testid title=text.clone()>{text.clone()}</p> }
            })}
        </div>
    }
}

/// What the signed-in administrator may do from the card header, decided on
/// the server (the island gets plain values, not the session).
#[derive(Clone, Copy, Debug)]
pub struct Rights {
    pub impersonate: bool,
    pub sync: bool,
    pub audit: bool,
}

/// The header's buttons, the facts between them and the message line (the
/// server-rendered `children`), and the message line: the one island of the
/// card header.
#[island]
pub fn HeaderActions(user_id: i64, impersonate: bool, sync: bool, audit_href: Option<String>, children: Children) -> impl IntoView {
    let message: HeaderMessage = RwSignal::new(None);
    view! {
        <div class="card-actions">
            {impersonate.then(|| view! { <LoginAsUser user_id message/> })}
            {sync.then(|| view! { <SyncCameras user_id message/> })}
            {audit_href.map(|href| view! { <a class="button secondary" href=href data-testid="card-audit-link">"Audit log"</a> })}
        </div>
        {children()}
        <MessageLine message/>
    }
}

#[component]
pub fn LoginAsUser(user_id: i64, message: HeaderMessage) -> impl IntoView {
    let action = ServerAction::<StartImpersonation>::new();
    // Opens the link once per answer, from the browser; a refusal goes to
    // the header's message line.
    Effect::new(move |_| match action.value().get() {
        Some(Ok(url)) => open_in_new_tab(&url),
        Some(Err(e)) => message.set(Some((true, error_text(&e), "login-as-user-error"))),
        None => {}
    });
    view! {
        <button type="button" data-testid="login-as-user" disabled=move || action.pending().get()
            on:click=move |_| { message.set(None); action.dispatch(StartImpersonation { user_id }); }>
            "Login as User"
        </button>
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
pub fn SyncCameras(user_id: i64, message: HeaderMessage) -> impl IntoView {
    let action = ServerAction::<SyncCamerasFn>::new();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(o)) => message.set(Some((false, o.summary(), "sync-outcome"))),
        Some(Err(e)) => message.set(Some((true, error_text(&e), "sync-outcome"))),
        None => {}
    });
    view! {
        <button type="button" data-testid="sync-cameras" disabled=move || action.pending().get()
            on:click=move |_| { message.set(None); action.dispatch(SyncCamerasFn { user_id }); }>
            {move || if action.pending().get() { "Synchronizing…" } else { "Synchronize cameras" }}
        </button>
    }
}
