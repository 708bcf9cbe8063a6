//! The browser entry point. Vigil's pages render on the server only; what
//! runs here are its islands (`#[island]` components of the `app` crate),
//! which the page's boot script (app `components/assets.rs`) hydrates one by
//! one after this returns, then marks `<body data-hydrated="true">`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::link_islands();
    leptos::mount::hydrate_islands();
    // There is no client-side router: a server function's redirect (sign-in,
    // sign-out) is a full page load.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to: &str| {
        let _ = leptos::prelude::window().location().set_href(to);
    });
}
