//! `/intercoms/:id/general`: the intercom's General data, read-only.

use super::CardResource;
use crate::components::feedback::Loading;
use leptos::prelude::*;

#[component]
pub fn GeneralTab() -> impl IntoView {
    let card = expect_context::<CardResource>().0;
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                // Errors are shown once, by the card header.
                card.await.ok().map(|c| {
                    let status = if c.online { "online" } else { "offline" };
                    let location = if c.location.is_empty() { "—".to_string() } else { c.location.join(", ") };
                    view! {
                        <dl class="kv" data-testid="intercom-general">
                            <dt>"ID"</dt><dd>{c.id}</dd>
                            <dt>"Name"</dt><dd>{c.name.clone()}</dd>
                            <dt>"Address"</dt><dd>{c.address.clone()}</dd>
                            <dt>"Department"</dt><dd>{c.department.clone()}</dd>
                            <dt>"Location"</dt><dd>{location}</dd>
                            <dt>"Status"</dt>
                            <dd><span class=format!("badge status-{status}")>{if c.online { "Online" } else { "Offline" }}</span></dd>
                            <dt>"Flats"</dt><dd>{format!("{}–{}", c.flat_from, c.flat_to)}</dd>
                            <dt>"Created at"</dt><dd>{c.created_at.clone()}</dd>
                        </dl>
                    }
                })
            })}
        </Transition>
    }
}
