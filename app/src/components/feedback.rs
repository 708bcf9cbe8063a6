//! Loading, empty and error states, the same on every page.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

pub fn error_text(e: &AppError) -> String {
    e.to_string()
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <div class="loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>"Loading…"</div> }
}

#[component]
pub fn Empty(#[prop(into)] text: String) -> impl IntoView {
    view! { <p class="empty">{text}</p> }
}

/// Shows an error; a lost session sends the administrator to sign in and
/// back here afterwards.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthorized => {
            let loc = use_location();
            let here = format!("{}{}", loc.pathname.get_untracked(), loc.search.get_untracked());
            let next = if here.is_empty() || here == "/" {
                String::new()
            } else {
                format!("?next={}", urlencode(&here))
            };
            view! { <Redirect path=format!("/login{next}")/> }.into_any()
        }
        AppError::NotFound(what) => view! {
            <section class="page-error" role="alert">
                <h1>"404 — Not found"</h1>
                <p>{format!("{what} not found, or outside your scope.")}</p>
                <p><a href="/users">"Back to users"</a></p>
            </section>
        }
        .into_any(),
        AppError::Forbidden(perm) => view! {
            <section class="page-error" role="alert">
                <h1>"403 — Not allowed"</h1>
                <p>{format!("This needs the permission “{perm}”, which your account does not have.")}</p>
            </section>
        }
        .into_any(),
        other => view! { <p class="error" role="alert">{error_text(&other)}</p> }.into_any(),
    }
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// False in the server-rendered HTML and until this component's effects run
/// in the browser (after hydration). Submit buttons of forms that save
/// through a WASM handler stay disabled until then: a click before it is
/// attached would be a plain form GET that saves nothing.
pub fn interactive() -> Signal<bool> {
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    ready.into()
}
