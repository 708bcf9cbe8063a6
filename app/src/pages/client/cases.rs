//! `/client/cases`: the subscriber's analytics cases; create one from a type
//! and cameras within the free licences of the type's level, delete one.

use super::{ClientErrorView, FormOutcome};
use crate::api::web_client::{client_case_options, client_cases, CreateCase, DeleteCase};
use crate::components::feedback::{error_text, Empty, Loading};
use crate::components::source::gone;
use crate::components::table::{use_table_query, Pager, SortHeader};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CasesPage() -> impl IntoView {
    let query = use_table_query();
    let create = ServerAction::<CreateCase>::new();
    let delete = ServerAction::<DeleteCase>::new();
    // Any finished write refreshes the list and the free counts.
    let version = Memo::new(move |_| create.version().get() + delete.version().get());
    let cases = Resource::new(
        move || Some((query.try_get()?, version.try_get()?)),
        |src| async move { client_cases(src.ok_or_else(gone)?.0).await },
    );
    let options = Resource::new(
        move || version.try_get(),
        |v| async move {
            v.ok_or_else(gone)?;
            client_case_options().await
        },
    );
    let outcome = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            outcome.set(Some(r.map(|id| format!("Case #{id} created.")).map_err(|e| error_text(&e))));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = delete.value().get() {
            outcome.set(Some(r.map(|_| "Case deleted.".to_string()).map_err(|e| error_text(&e))));
        }
    });
    view! {
        <Title text="Analytics cases"/>
        <h1>"Analytics cases"</h1>
        <FormOutcome text=outcome/>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match cases.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <Empty text="You have no analytics cases yet."/> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid" data-testid="client-cases">
                            <thead><tr>
                                <SortHeader label="ID" key="id" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <SortHeader label="Name" key="name" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col">"Type"</th>
                                <th scope="col">"Level"</th>
                                <th scope="col">"Cameras"</th>
                                <SortHeader label="Created at" key="created" page_sort=page.sort.clone() page_dir=page.dir.clone()/>
                                <th scope="col"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {page.rows.iter().map(|c| {
                                    let id = c.id;
                                    view! {
                                        <tr>
                                            <td>{c.id}</td>
                                            <td>{c.name.clone()}</td>
                                            <td>{c.type_name.clone()}</td>
                                            <td>{c.level_name.clone()}</td>
                                            <td>{c.cameras}</td>
                                            <td>{c.created_at.clone()}</td>
                                            <td>
                                                <button type="button" class="link danger"
                                                    on:click=move |_| { delete.dispatch(DeleteCase { case_id: id }); }>
                                                    "Delete"
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page.clone()/>
                    }.into_any(),
                }
            })}
        </Transition>
        <h2>"New case"</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match options.await {
                    Err(e) => view! { <ClientErrorView error=e/> }.into_any(),
                    Ok(o) if o.types.is_empty() => view! {
                        <Empty text="No analytics type is available: your account needs licences and the right for a type."/>
                    }.into_any(),
                    Ok(o) => view! { <NewCaseForm options=o create/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewCaseForm(options: crate::types::subscriber::CaseOptions, create: ServerAction<CreateCase>) -> impl IntoView {
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
