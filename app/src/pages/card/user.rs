//! Tab 1, User: the subscriber's data as billing sent it. Read-only, since
//! billing is the master of this data.

use super::{require_id, use_card};
use crate::api::card::card_user;
use crate::components::feedback::{ErrorView, Loading};
use crate::components::source::gone;
use crate::types::card::UserDetails;
use leptos::prelude::*;

#[component]
pub fn UserTab() -> impl IntoView {
    let card = use_card();
    let details = Resource::new(
        move || card.id_source(),
        |id| async move { card_user(require_id(id.ok_or_else(gone)?)?).await },
    );
    view! {
        <h2 class="sr-only">"User"</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match details.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(d) => view! { <Details d/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn or_dash(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".to_string())
}

#[component]
fn Details(d: UserDetails) -> impl IntoView {
    let mut rows: Vec<(String, String)> = vec![
        ("Billing account".into(), or_dash(d.account)),
        ("Contract number".into(), or_dash(d.contract_number)),
        ("Name".into(), d.name),
        ("Login".into(), d.login),
        ("Phone".into(), or_dash(d.phone)),
        ("E-mail".into(), or_dash(d.email)),
        ("Address".into(), or_dash(d.address)),
        ("Tariff".into(), or_dash(d.tariff)),
        ("Status".into(), d.status.label().to_string()),
    ];
    if let Some(expires) = d.expires_at {
        rows.push(("Expiry date".into(), expires));
    }
    let properties = d.properties;
    view! {
        <dl class="kv" data-testid="card-user">
            {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
        <h3>"Extra billing properties"</h3>
        {if properties.is_empty() {
            view! { <p class="empty">"Billing sent no extra properties."</p> }.into_any()
        } else {
            view! {
                <dl class="kv" data-testid="user-properties">
                    {properties.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
            }
            .into_any()
        }}
    }
}
