//! `/intercoms/:id/*`: the intercom card. The parent route owns the header
//! (name, status, address) and the tab list; the tabs (General data,
//! Apartments) render in the outlet. The card is loaded once here and shared
//! with the tabs through context.

pub mod apartments;
pub mod general;
pub mod tabs;

use crate::api::devices::get_intercom_card;
use crate::components::feedback::{ErrorView, Loading};
use crate::components::source::gone;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_params_map;
use tabs::{TabNav, TabPanel};

/// The loaded intercom, shared by the card's tabs.
#[derive(Clone, Copy)]
pub struct CardResource(pub Resource<Result<crate::types::devices::IntercomCard, AppError>>);

pub const TABS: &[(&str, &str)] = &[("general", "General data"), ("apartments", "Apartments")];
const PREFIX: &str = "intercom";

/// The `:id` segment as typed; the server answers 404 for anything that is
/// not a visible intercom's id.
pub fn use_intercom_id() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.try_with(|p| p.get("id")).flatten().unwrap_or_default())
}

#[component]
pub fn IntercomCard() -> impl IntoView {
    let id = use_intercom_id();
    let card = Resource::new(
        move || id.try_get(),
        |id| async move { get_intercom_card(id.ok_or_else(gone)?).await },
    );
    provide_context(CardResource(card));
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match card.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(c) => {
                        let status = if c.online { "online" } else { "offline" };
                        view! {
                            <Title text=c.name.clone()/>
                            <header class="card-header">
                                <h1>{c.name.clone()}</h1>
                                <span class=format!("badge status-{status}")>{if c.online { "Online" } else { "Offline" }}</span>
                                <p class="muted">{format!("Intercom ID {} · {} · {}", c.id, c.address, c.department)}</p>
                            </header>
                            <TabNav label="Intercom card" base=format!("/intercoms/{}", c.id) prefix=PREFIX tabs=TABS/>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
        <TabPanel prefix=PREFIX tabs=TABS>
            <Outlet/>
        </TabPanel>
    }
}

/// `/intercoms/:id` opens the General data tab.
#[component]
pub fn IntercomHome() -> impl IntoView {
    let id = use_intercom_id();
    view! { <Redirect path=format!("/intercoms/{}/general", id.get_untracked())/> }
}
