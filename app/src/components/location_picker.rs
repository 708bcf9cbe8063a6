//! The camera-scope picker: the chosen locations (each removable) and the
//! location tree within the editor's own scope, opened node by node or
//! searched by name, each node with an "Add" button. Nobody types ids.

use crate::api::admins::browse_locations;
use crate::components::feedback::{error_text, interactive};
use crate::components::source::gone;
use crate::types::admins::LocationOption;
use leptos::prelude::*;

#[component]
pub fn ScopePicker(selected: RwSignal<Vec<LocationOption>>, #[prop(into)] disabled: Signal<bool>) -> impl IntoView {
    let q = RwSignal::new(String::new());
    // Local resources: they load in the browser only. A resource of an
    // island created after hydration would otherwise take the value the
    // page serialized for another resource with the same id.
    let found = LocalResource::new(move || {
        let q = q.try_get();
        async move {
            let q = q.ok_or_else(gone)?;
            if q.trim().is_empty() {
                Ok(vec![])
            } else {
                browse_locations(None, q).await
            }
        }
    });
    let remove = move |id: i64| selected.update(|s| s.retain(|l| l.id != id));
    let mounted = interactive();
    view! {
        <div class="scope-picker" data-testid="scope-picker">
            <ul class="scope-chosen" data-testid="scope-chosen" aria-label="Chosen locations">
                {move || {
                    let chosen = selected.get();
                    if chosen.is_empty() {
                        view! { <li class="muted">"No locations: this administrator sees no users."</li> }.into_any()
                    } else {
                        chosen
                            .into_iter()
                            .map(|l| {
                                let id = l.id;
                                view! {
                                    <li data-testid="scope-item">
                                        <span>{l.label.clone()}</span>" "
                                        <button type="button" class="link" disabled=move || disabled.get()
                                            aria-label=format!("Remove {}", l.label)
                                            on:click=move |_| remove(id)>"Remove"</button>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                }}
            </ul>
            <label for="scope-search">"Find a location"</label>
            <input id="scope-search" type="search" data-testid="scope-search" placeholder="City, street, house…"
                prop:value=move || q.get()
                on:input=move |ev| q.set(event_target_value(&ev))/>
            {move || {
                if q.with(|q| q.trim().is_empty()) {
                    // The tree loads in the browser once the island is
                    // hydrated (the server renders the picker without it).
                    mounted.get().then(|| view! { <TreeLevel parent=None selected disabled/> }).into_any()
                } else {
                    view! {
                        <Transition fallback=|| view! { <p class="muted">"Searching…"</p> }>
                            {move || Suspend::new(async move {
                                match found.await {
                                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                                    Ok(list) if list.is_empty() => view! { <p class="muted">"No location matches."</p> }.into_any(),
                                    Ok(list) => view! {
                                        <ul class="tree">
                                            {list.into_iter().map(|l| view! { <Node node=l selected disabled expandable=false/> }).collect_view()}
                                        </ul>
                                    }.into_any(),
                                }
                            })}
                        </Transition>
                    }.into_any()
                }
            }}
        </div>
    }
}

/// The children of `parent` (the roots of the editor's scope for `None`).
#[component]
fn TreeLevel(parent: Option<i64>, selected: RwSignal<Vec<LocationOption>>, disabled: Signal<bool>) -> impl IntoView {
    let nodes = LocalResource::new(move || browse_locations(parent, String::new()));
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match nodes.await {
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No locations."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="tree">
                            {list.into_iter().map(|l| view! { <Node node=l selected disabled expandable=true/> }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One location: open/close its children, add it to the scope.
#[component]
fn Node(node: LocationOption, selected: RwSignal<Vec<LocationOption>>, disabled: Signal<bool>, expandable: bool) -> impl IntoView {
    let open = RwSignal::new(false);
    let id = node.id;
    let chosen = move || selected.with(|s| s.iter().any(|l| l.id == id));
    let add = {
        let node = node.clone();
        move |_| {
            if !chosen() {
                selected.update(|s| s.push(node.clone()));
            }
        }
    };
    let can_open = expandable && node.has_children;
    let short = node.label.rsplit(" / ").next().unwrap_or_default().to_string();
    view! {
        <li data-testid="location-option" data-label=node.label.clone()>
            {can_open.then(|| view! {
                <button type="button" class="link toggle" aria-expanded=move || open.get().to_string()
                    aria-label=format!("Open {}", node.label)
                    on:click=move |_| open.update(|o| *o = !*o)>{move || if open.get() { "▾" } else { "▸" }}</button>
            })}
            <span title=node.label.clone()>{if expandable { short } else { node.label.clone() }}</span>" "
            <button type="button" class="link" disabled=move || disabled.get() || chosen()
                aria-label=format!("Add {}", node.label) on:click=add>
                {move || if chosen() { "Added" } else { "Add" }}
            </button>
            {move || open.get().then(|| view! { <TreeLevel parent=Some(id) selected disabled/> }.into_any())}
        </li>
    }
}
