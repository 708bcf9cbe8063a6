//! The Analytics tab's licence editor (under the tab's read-only table):
//! per level the current total and use, the deletion date of a level in
//! retention, and a form to set the total. A total below the licences in use is refused (except 0, which
//! takes every licence away and starts the 7-day retention). Each row saves
//! with the allocation version it was loaded with (409 when it moved).

use crate::api::access::{load_licence_form, set_licence_total};
use crate::components::feedback::{error_text, interactive, Empty, ErrorView, Loading};
use crate::components::source::gone;
use crate::error::AppError;
use crate::permissions::admin::LICENSES_EDIT;
use crate::types::access::{LicenceAllocation, LicenceForm as LicenceFormData};
use leptos::prelude::*;

/// (level id, outcome) of the last save, shown under the table.
type Outcome = Option<SaveResult>;
/// (level id, what the server answered).
pub type SaveResult = (String, Result<LicenceAllocation, AppError>);
/// Sets a level's total: (level id, total, version).
type SaveAction = Action<(String, i64, i64), SaveResult>;

/// `on_saved` runs after every save (so the tab can reload its own table,
/// which must not contain this form: the reload would re-create it).
#[component]
pub fn LicenceForm(#[prop(into)] user_id: Signal<i64>, #[prop(optional)] on_saved: Option<Callback<()>>) -> impl IntoView {
    let reloads = RwSignal::new(0u32);
    let form = Resource::new(
        move || Some((user_id.try_get()?, reloads.try_get()?)),
        |src| async move { load_licence_form(src.ok_or_else(gone)?.0).await },
    );
    let save = Action::new(move |(level, total, version): &(String, i64, i64)| {
        let (level, total, version, id) = (level.clone(), *total, *version, user_id.get_untracked());
        let level_id = level.parse::<i64>().unwrap_or_default();
        async move { (level, set_licence_total(id, level_id, total, version).await) }
    });
    let outcome = RwSignal::new(None as Outcome);
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            outcome.set(Some(r));
            reloads.update(|n| *n += 1);
            if let Some(cb) = on_saved {
                cb.run(());
            }
        }
    });
    view! {
        <section class="licences" aria-labelledby="licences-title">
            <h3 id="licences-title">"Change licences"</h3>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match form.await {
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                        Ok(f) if f.levels.is_empty() => view! { <Empty text="No analytics levels are configured."/> }.into_any(),
                        Ok(f) => view! { <LicenceTable data=f save outcome/> }.into_any(),
                    }
                })}
            </Transition>
            {move || outcome.get().map(|(_, r)| match r {
                Ok(a) => view! {
                    <p class="saved" role="status" data-testid="licence-outcome">
                        {format!("Saved: {} now has {} licence(s), {} in use.", a.level, a.total, a.used)}
                    </p>
                }
                .into_any(),
                Err(e) => view! { <p class="error" role="alert" data-testid="licence-outcome">{error_text(&e)}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn LicenceTable(data: LicenceFormData, save: SaveAction, outcome: RwSignal<Outcome>) -> impl IntoView {
    let read_only = !data.can_edit;
    let pending = save.pending();
    let interactive = interactive();
    view! {
        {read_only.then(|| view! {
            <p class="notice" role="note">
                {format!("Changing licences needs the permission “{LICENSES_EDIT}” (and is done on the main user).")}
            </p>
        })}
        <table class="grid" data-testid="licence-form">
            <thead><tr>
                <th scope="col">"Level"</th>
                <th scope="col">"Total"</th>
                <th scope="col">"In use"</th>
                <th scope="col">"New total"</th>
            </tr></thead>
            <tbody>
                {data.levels.into_iter().map(|l| {
                    let input_id = format!("licence-total-{}", l.level_id);
                    let total = RwSignal::new(l.total.to_string());
                    let (level_id, version) = (l.level_id.to_string(), l.version);
                    let on_submit = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        match total.get_untracked().trim().parse::<i64>() {
                            Ok(n) => {
                                outcome.set(None);
                                save.dispatch((level_id.clone(), n, version));
                            }
                            Err(_) => outcome.set(Some((level_id.clone(), Err(AppError::invalid("total", "enter a whole number"))))),
                        }
                    };
                    view! {
                        <tr>
                            <td>
                                {l.level.clone()}
                                {l.deleted_on.map(|d| view! { <p class="notice">{format!("Hidden; deleted on {d} unless licences are given back")}</p> })}
                            </td>
                            <td>{l.total}</td>
                            <td>{l.used}</td>
                            <td>
                                <form class="inline" on:submit=on_submit>
                                    <label for=input_id.clone() class="sr-only">{format!("New total for {}", l.level)}</label>
                                    <input
                                        id=input_id
                                        type="number"
                                        min="0"
                                        name="total"
                                        prop:value=move || total.get()
                                        on:input=move |ev| total.set(event_target_value(&ev))
                                        disabled=read_only
                                    />
                                    <input type="hidden" name="version" value=l.version.to_string()/>
                                    " "
                                    <button type="submit" disabled=move || read_only || pending.get() || !interactive.get()>"Set"</button>
                                </form>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
