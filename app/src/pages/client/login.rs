//! `/client/login`: a subscriber signs in with login and password. After
//! "End session" or "Sign out" it says the browser is signed out.

use crate::api::web_client::ClientLogin;
use crate::components::feedback::error_text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ClientLoginPage() -> impl IntoView {
    let ended = use_query_map().with_untracked(|q| q.get("ended").is_some());
    view! {
        <Title text="Web client sign-in"/>
        <main class="login client-login" role="main">
            <h1>"Vigil web client"</h1>
            {ended.then(|| view! {
                <p class="notice" role="status" data-testid="signed-out">"You are signed out. The session has ended."</p>
            })}
            <ClientLoginForm/>
        </main>
    }
}

/// The form (an island: it reports a refusal inline).
#[island]
fn ClientLoginForm() -> impl IntoView {
    let action = ServerAction::<ClientLogin>::new();
    let error = move || action.value().get().and_then(|r| r.err()).map(|e| error_text(&e));
    view! {
        <ActionForm action=action>
            <label for="client-login">"Login"</label>
            <input id="client-login" name="login" autocomplete="username" required/>
            <label for="client-password">"Password"</label>
            <input id="client-password" name="password" type="password" autocomplete="current-password" required/>
            <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
        </ActionForm>
        {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}
