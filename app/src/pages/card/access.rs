//! Tab 6, Access settings: the user's permissions as grouped checkboxes with
//! Save; the form itself (optimistic concurrency on `permissions_version`,
//! disabled with a note without `users.access.edit`) is
//! [`super::access_form::AccessForm`].

use super::access_form::AccessForm;
use super::use_card;
use leptos::prelude::*;

#[component]
pub fn AccessTab() -> impl IntoView {
    let card = use_card();
    // The card renders its tabs only for a valid id (a bad one is a 404 page).
    view! { <AccessForm user_id=card.id_or_zero()/> }
}
