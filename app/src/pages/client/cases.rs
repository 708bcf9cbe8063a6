//! `/client/cases`: the subscriber's analytics cases; create one from a type
//! and cameras within the free licences of the type's level, delete one.

use super::{client_error, ClientErrorView};
use crate::api::web_client::{client_case_options, client_cases, CreateCase, DeleteCase};
use crate::components::feedback::{Empty, Loading};
use crate::components::islands::{report_write, PageNotice};
use crate::components::source::gone;
use crate::components::table::{paged, use_table_query, Col, PagedTable};
use leptos::prelude::*;
use leptos_meta::Title;

const COLUMNS: &[Col] = &[
    Col::Sort("ID", "id"),
    Col::Sort("Name", "name"),
    Col::Plain("Type"),
    Col::Plain("Level"),
    Col::Plain("Cameras"),
    Col::Sort("Created at", "created"),
    Col::Hidden("Actions"),
];

#[component]
pub fn CasesPage() -> impl IntoView {
    let query = use_table_query();
    let cases = Resource::new(move || query.try_get(), |q| async move { client_cases(q.ok_or_else(gone)?).await });
    let options = Resource::new(|| (), |_| client_case_options());
    // A write reports in the notice and refreshes both regions: the list,
    // and the form with the free licence counts.
    view! {
        <Title text="Analytics cases"/>
        <h1>"Analytics cases"</h1>
        <PageNotice/>
        <div data-region="client-cases">
        <PagedTable testid="client-cases" columns=COLUMNS empty="You have no analytics cases yet." error=client_error rows=paged(cases, move |c| {
            view! {
                <tr>
                    <td>{c.id}</td>
                    <td>{c.name.clone()}</td>
                    <td>{c.type_name.clone()}</td>
                    <td>{c.level_name.clone()}</td>
                    <td>{c.cameras}</td>
                    <td>{c.created_at.clone()}</td>
                    <td><DeleteCaseButton case_id=c.id name=c.name.clone()/></td>
                </tr>
            }
        })/>
        </div>
        <h2>"New case"</h2>
        <div data-region="client-case-form">
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match options.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(o) if o.types.is_empty() => view! {
                        <Empty text="No analytics type is available: your account needs licences and the right for a type."/>
                    }.into_any(),
                    Ok(o) => view! { <NewCaseForm options=o/> }.into_any(),
                }
            })}
        </Transition>
        </div>
    }
}

/// A case row's "Delete".
#[island(lazy)]
fn DeleteCaseButton(case_id: i64, name: String) -> impl IntoView {
    let delete = ServerAction::<DeleteCase>::new();
    Effect::new(move |_| {
        if let Some(r) = delete.value().get() {
            report_write(r.map(|_| "Case deleted.".to_string()));
        }
    });
    view! {
        <button type="button" class="link danger" aria-label=format!("Delete case {name}")
            disabled=move || delete.pending().get()
            on:click=move |_| { delete.dispatch(DeleteCase { case_id }); }>
            "Delete"
        </button>
    }
}

/// The new case form (an island); `options` are the types and cameras the
/// subscriber may use, with the free licences of each type's level.
#[island(lazy)]
fn NewCaseForm(options: crate::types::subscriber::CaseOptions) -> impl IntoView {
    let create = ServerAction::<CreateCase>::new();
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            report_write(r.map(|id| format!("Case #{id} created.")));
        }
    });
    let name = RwSignal::new(String::new());
    let type_slug = RwSignal::new(options.types.first().map(|t| t.slug.clone()).unwrap_or_default());
    let chosen = RwSignal::new(Vec::<i64>::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateCase {
            type_slug: type_slug.get_untracked(),
            name: name.get_untracked(),
            camera_ids: chosen.get_untracked(),
        });
    };
    view! {
        <form class="stacked" on:submit=submit data-testid="new-case">
            <label for="case-name">"Name"</label>
            <input id="case-name" required maxlength="100" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="case-type">"Type"</label>
            <select id="case-type" on:change=move |ev| type_slug.set(event_target_value(&ev))>
                {options.types.iter().map(|t| view! {
                    <option value=t.slug.clone()>{format!("{} — {} ({} free)", t.name, t.level, t.free)}</option>
                }).collect_view()}
            </select>
            <fieldset>
                <legend>"Cameras (each uses one licence of the level)"</legend>
                {if options.cameras.is_empty() {
                    view! { <Empty text="You have no cameras to analyse."/> }.into_any()
                } else {
                    options.cameras.iter().map(|c| {
                        let id = c.id;
                        let toggle = move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            chosen.update(|v| {
                                v.retain(|x| *x != id);
                                if on { v.push(id); }
                            });
                        };
                        view! {
                            <label class="check"><input type="checkbox" value=id on:change=toggle/>{c.name.clone()}</label>
                        }
                    }).collect_view().into_any()
                }}
            </fieldset>
            <button type="submit" disabled=move || create.pending().get()>"Create case"</button>
        </form>
    }
}
