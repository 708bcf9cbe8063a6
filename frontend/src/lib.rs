//! The browser entry point. Vigil's pages render on the server only; what
//! runs here are its islands (`#[island]` components of the `app` crate),
//! which Leptos's island script hydrates one by one after this returns.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use wasm_bindgen::JsCast;
    console_error_panic_hook::set_once();
    app::link_islands();
    leptos::mount::hydrate_islands();
    // There is no client-side router: a server function's redirect (sign-in,
    // sign-out) is a full page load.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to: &str| {
        let _ = leptos::prelude::window().location().set_href(to);
    });
    // The island script hydrates the islands right after this returns, each
    // in a microtask; a timeout runs after all of them. The mark tells tests
    // (and curious operators) that the page is interactive.
    let mark = wasm_bindgen::closure::Closure::once_into_js(|| {
        if let Some(body) = leptos::prelude::document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    let _ = leptos::prelude::window().set_timeout_with_callback(mark.unchecked_ref());
}
