//! `/` sends the administrator to the users list.

use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn Home() -> impl IntoView {
    view! { <Redirect path="/users"/> }
}
