//! Tab 3, Intercoms: the intercoms of the apartments the user is linked to,
//! with the user's keys on each. Read-only here; linking is done on the
//! intercom card, which the name opens.

use super::{require_id, use_card};
use crate::api::card::card_intercoms;
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use leptos::prelude::*;

const COLUMNS: &[Col] = &[
    Col::Plain("Keys"),
    Col::Sort("Name", "name"),
    Col::Plain("Address"),
    Col::Plain("Department"),
    Col::Sort("Created at", "created"),
];

#[component]
pub fn IntercomsTab() -> impl IntoView {
    let card = use_card();
    let query = use_table_query();
    let intercoms = Resource::new(
        move || Some((card.id_source()?, query.try_get()?)),
        |src| async move {
            let (id, q) = src.ok_or_else(gone)?;
            card_intercoms(require_id(id)?, q).await
        },
    );
    view! {
        <h2 class="sr-only">"Intercoms"</h2>
        <PagedTable testid="card-intercoms" columns=COLUMNS empty="The user is not linked to any intercom."
            rows=paged(intercoms, |i| view! {
                <tr>
                    <td>
                        {if i.keys.is_empty() {
                            view! { <span class="muted">"No keys"</span> }.into_any()
                        } else {
                            view! { <ul class="keys">{i.keys.iter().map(|k| view! { <li><code>{k.clone()}</code></li> }).collect_view()}</ul> }.into_any()
                        }}
                    </td>
                    <td><a href=format!("/intercoms/{}/general", i.id)>{i.name.clone()}</a></td>
                    <td>{i.address.clone()}</td>
                    <td>{i.department.clone()}</td>
                    <td>{i.created_at.clone()}</td>
                </tr>
            })/>
    }
}
