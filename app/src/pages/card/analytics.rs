//! Tab 7, Analytics: the user's licences per analytics level and their use.
//! Present only when the user has licences (or a level in its 7-day
//! retention, which shows when the hidden data will be deleted) — and, for
//! an administrator with `licenses.edit`, on every main user, so the first
//! licences can be given here too.

use super::licence_form::LicenceForm;
use super::{require_id, use_card};
use crate::api::card::card_analytics;
use crate::components::feedback::{Empty, ErrorView, Loading};
use crate::components::source::gone;
use leptos::prelude::*;

#[component]
pub fn AnalyticsTab() -> impl IntoView {
    let card = use_card();
    // Bumped by the licence form after a save so the table shows the change.
    let reloads = RwSignal::new(0u32);
    let licences = Resource::new(
        move || Some((card.id_source()?, reloads.try_get()?)),
        |src| async move { card_analytics(require_id(src.ok_or_else(gone)?.0)?).await },
    );
    let user_id = Signal::derive(move || card.id_or_zero());
    let on_saved = Callback::new(move |_| reloads.update(|n| *n += 1));
    view! {
        <h2 class="sr-only">"Analytics"</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match licences.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! {
                        <Empty text="The user has no analytics licences."/>
                    }.into_any(),
                    Ok(rows) => view! {
                        <table class="grid" data-testid="card-analytics">
                            <thead><tr>
                                <th scope="col">"Video analytics level"</th>
                                <th scope="col">"Total"</th>
                                <th scope="col">"Used"</th>
                                <th scope="col">"Free"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|l| view! {
                                    <tr>
                                        <td>
                                            {l.level}
                                            {l.deleted_on.map(|d| view! {
                                                <p class="notice">{format!("Data will be deleted on {d}")}</p>
                                            })}
                                        </td>
                                        <td>{l.total}</td>
                                        <td>{l.used}</td>
                                        <td>{l.free}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
        // Outside the Transition: reloading the table after a save must not
        // re-create the form (and its pending action and message) mid-save.
        <LicenceForm user_id on_saved/>
    }
}
