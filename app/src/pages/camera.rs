//! `/cameras/:id/general`: the camera profile, General data tab — the
//! camera's data, its place in the location tree and the users (in the
//! administrator's scope) who can view it. Read-only.

use crate::api::devices::get_camera_profile;
use crate::components::feedback::{Empty, ErrorView, Loading};
use crate::components::source::gone;
use crate::pages::intercom::tabs::{TabNav, TabPanel};
use crate::types::devices::CameraProfile;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const TABS: &[(&str, &str)] = &[("general", "General data")];
const PREFIX: &str = "camera";

#[component]
pub fn CameraPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.try_with(|p| p.get("id")).flatten().unwrap_or_default());
    let camera = Resource::new(
        move || id.try_get(),
        |id| async move { get_camera_profile(id.ok_or_else(gone)?).await },
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match camera.await {
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    Ok(c) => view! { <Profile camera=c/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Profile(camera: CameraProfile) -> impl IntoView {
    let c = camera;
    let location = if c.location.is_empty() {
        "—".to_string()
    } else {
        c.location.join(", ")
    };
    let viewers = if c.viewers.is_empty() {
        view! { <Empty text="No users in your scope can view this camera."/> }.into_any()
    } else {
        view! {
            <ul class="user-links" data-testid="camera-viewers">
                {c.viewers.iter().map(|u| view! {
                    <li><a href=format!("/users/{}/user", u.id)>{u.name.clone()}</a>" "<span class="muted">{u.login.clone()}</span></li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let more = (c.viewers_total > c.viewers.len() as i64)
        .then(|| view! { <p class="muted">{format!("Showing {} of {} users.", c.viewers.len(), c.viewers_total)}</p> });
    view! {
        <Title text=c.name.clone()/>
        <header class="card-header">
            <h1>{c.name.clone()}</h1>
            <span class=format!("badge status-{}", c.status.slug())>{c.status.label()}</span>
            <p class="muted">{format!("Camera ID {}", c.id)}</p>
        </header>
        <TabNav label="Camera profile" base=format!("/cameras/{}", c.id) prefix=PREFIX tabs=TABS/>
        <TabPanel prefix=PREFIX tabs=TABS>
            <dl class="kv" data-testid="camera-general">
                <dt>"ID"</dt><dd>{c.id}</dd>
                <dt>"Name"</dt><dd>{c.name.clone()}</dd>
                <dt>"MAC"</dt><dd><code>{c.mac.clone()}</code></dd>
                <dt>"Serial number"</dt><dd>{c.serial_number.clone()}</dd>
                <dt>"Model"</dt><dd>{c.model.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Status"</dt><dd><span class=format!("badge status-{}", c.status.slug())>{c.status.label()}</span></dd>
                <dt>"Location"</dt><dd>{location}</dd>
                <dt>"Source"</dt><dd>{c.source_label()}</dd>
                <dt>"Archive"</dt><dd>{format!("{} days", c.archive_days)}</dd>
                <dt>"Created at"</dt><dd>{c.created_at.clone()}</dd>
            </dl>
            <h2>"Users who can view it"</h2>
            {viewers}
            {more}
        </TabPanel>
    }
}
