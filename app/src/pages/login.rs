//! `/login`: administrator sign-in. Works without JavaScript (a plain form
//! post to the server function); in the browser the form is an island that
//! reports errors inline.

use crate::api::auth::Login;
use crate::components::feedback::error_text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = use_query_map().with_untracked(|q| q.get("next")).unwrap_or_default();
    view! {
        <Title text="Sign in"/>
        <main class="login" role="main">
            <LoginForm next/>
        </main>
    }
}

/// The form: `next` is where a successful sign-in leads (the server checks
/// that it is a path of this site).
#[island]
fn LoginForm(next: String) -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let pending = action.pending();
    view! {
        <ActionForm action=action attr:class="card login-card" attr:aria-labelledby="login-title">
            <h1 id="login-title">"Vigil"</h1>
            <p class="muted">"Operator console — sign in"</p>
            <label for="login">"Login"</label>
            <input id="login" name="login" type="text" autocomplete="username" required autofocus/>
            <label for="password">"Password"</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required/>
            <input type="hidden" name="next" value=next/>
            {move || {
                action
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })
            }}
            <button type="submit" class="primary" disabled=pending>
                {move || if pending.get() { "Signing in…" } else { "Sign in" }}
            </button>
        </ActionForm>
    }
}
