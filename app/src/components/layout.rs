//! The console frame: top navigation with the administrator and sign-out,
//! and the page outlet.

use super::feedback::ErrorView;
use crate::api::auth::{me, Logout};
use crate::error::AppError;
use crate::permissions::admin::{ADMINS_MANAGE, AUDIT_VIEW};
use crate::types::AdminMe;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// The signed-in administrator, loaded once for the whole console.
pub type MeResource = Resource<Result<AdminMe, AppError>>;

#[component]
pub fn Console() -> impl IntoView {
    let me_res: MeResource = Resource::new(|| (), |_| me());
    provide_context(me_res);
    view! {
        <header class="topbar">
            <a class="brand" href="/users">"Vigil"</a>
            <nav aria-label="Main">
                <A href="/users">"Users"</A>
                <A href="/billing-log">"Billing log"</A>
                // Shown to those who hold the permission; the pages and their
                // server functions check it again.
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let admin = me_res.await.ok();
                        let can = |p: &str| admin.as_ref().is_some_and(|a| a.can(p));
                        view! {
                            {can(ADMINS_MANAGE).then(|| view! { <A href="/admins">"Administrators"</A> })}
                            {can(AUDIT_VIEW).then(|| view! { <A href="/audit">"Audit log"</A> })}
                        }
                    })}
                </Suspense>
            </nav>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match me_res.await {
                        Ok(admin) => view! {
                            <div class="who">
                                <span class="admin-name">{admin.name.clone()}</span>
                                <SignOut/>
                            </div>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorView error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </header>
        <main class="content" role="main">
            <Outlet/>
        </main>
    }
}

/// "Sign out": a form posting to the server function (it works without
/// JavaScript; in the browser the island follows the answer's redirect).
#[island]
fn SignOut() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <ActionForm action=logout attr:class="inline">
            <button type="submit" class="link">"Sign out"</button>
        </ActionForm>
    }
}
