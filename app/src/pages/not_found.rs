//! The 404 page, with a real 404 status on the server.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <main class="page-error" role="main">
            <h1>"404 — Not found"</h1>
            <p>"There is nothing at this address, or you may not see it."</p>
            <p><a href="/users">"Back to users"</a></p>
        </main>
    }
}
