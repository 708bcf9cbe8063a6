//! What the browser runs besides the islands of each page: the islands
//! several pages share (tab keys, the page notice, live regions), and the
//! one way a page shows the server's new state after a write without a
//! reload, [`refresh_regions`].
//!
//! Pages render on the server only (Leptos islands, DEVELOPERS.md "The
//! browser build"). A part of a page that a write or a live event changes
//! is marked `data-region="<name>"`; [`refresh_regions`] fetches the same
//! URL again and swaps each marked part for its fresh HTML, hydrating the
//! islands inside it. Islands keep what they hold (typed input, messages)
//! because they sit outside the regions they refresh, or reload their own
//! data through their server functions.

use leptos::prelude::*;

/// Fetches the current URL and replaces every `[data-region]` of the page
/// with the same region of the fresh HTML, then hydrates the islands in
/// the new HTML. On any failure the page stays as it is (a lost session is
/// reported by the next write, which answers 401).
pub async fn refresh_regions() {
    #[cfg(feature = "hydrate")]
    browser::refresh().await;
}

/// Follows `url` with a full page load.
pub fn go(url: &str) {
    #[cfg(feature = "hydrate")]
    let _ = window().location().set_href(url);
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// A page-wide message (what a write did, or why not), shown by the page's
/// [`PageNotice`] island. Islands of one page share the WASM instance, so a
/// row's button can report in the notice above the table.
pub fn notice(message: Result<String, String>) {
    #[cfg(feature = "hydrate")]
    browser::NOTICE.with(|n| n.set(Some(message)));
    #[cfg(not(feature = "hydrate"))]
    let _ = message;
}

/// Reports a finished write in the page notice; a success also refreshes
/// the page's regions (the rows the write changed).
pub fn report_write(r: Result<String, crate::error::AppError>) {
    let refresh = r.is_ok();
    notice(r.map_err(|e| crate::components::feedback::error_text(&e)));
    if refresh {
        leptos::task::spawn_local(refresh_regions());
    }
}

/// Where [`notice`] messages appear.
#[island]
pub fn PageNotice() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let shown = browser::NOTICE.with(|n| n.clone());
    #[cfg(not(feature = "hydrate"))]
    let shown = ArcRwSignal::<Option<Result<String, String>>>::new(None);
    view! {
        <div data-testid="page-notice">
            {move || shown.get().map(|r| match r {
                Ok(ok) => view! { <p class="notice" role="status">{ok}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
        </div>
    }
}

/// A tab list's keyboard handling (WAI-ARIA tabs): arrow keys, Home and End
/// move focus between the tabs whose element ids are `ids`, Space follows
/// the focused one (Enter does natively). The tabs themselves are
/// server-rendered links, passed as `children`.
#[island]
pub fn TabKeys(ids: Vec<String>, label: String, children: Children) -> impl IntoView {
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        #[cfg(feature = "hydrate")]
        browser::tab_key(&ev, &ids);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &ids);
    };
    view! {
        <div class="tabs" role="tablist" aria-label=label on:keydown=on_keydown>
            {children()}
        </div>
    }
}

/// Follows the server-sent events `events` of `url` while the page is
/// open. On `first_page` an event refreshes the page's regions (the table
/// shows the new rows); on a later page it only says that new events
/// arrived and links to `newest`, so the rows under the cursor stay put.
/// A `ready` event after the first one (a reconnect) counts as an event,
/// since some may have been missed. Without JavaScript, or when the stream
/// cannot open, the page works as a plain page.
#[island]
pub fn LiveRegion(url: String, events: Vec<String>, first_page: bool, newest: String) -> impl IntoView {
    let arrived = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    browser::follow(url, events, move || {
        if first_page {
            leptos::task::spawn_local(refresh_regions());
        } else {
            arrived.set(true);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, events, first_page);
    view! {
        <Show when=move || arrived.get()>
            <p class="notice" role="status">"New events arrived. " <a href=newest.clone()>"Show the newest"</a></p>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    thread_local! {
        pub static NOTICE: ArcRwSignal<Option<Result<String, String>>> = ArcRwSignal::new(None);
    }

    pub async fn refresh() {
        let Ok(href) = window().location().href() else {
            return;
        };
        let Ok(resp) = gloo_net::http::Request::get(&href).header("accept", "text/html").send().await else {
            return;
        };
        if !resp.ok() {
            return;
        }
        let Ok(html) = resp.text().await else {
            return;
        };
        let Ok(parser) = web_sys::DomParser::new() else {
            return;
        };
        let Ok(fresh) = parser.parse_from_string(&html, web_sys::SupportedType::TextHtml) else {
            return;
        };
        let Ok(regions) = document().query_selector_all("[data-region]") else {
            return;
        };
        for i in 0..regions.length() {
            let Some(el) = regions.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else {
                continue;
            };
            let Some(name) = el.get_attribute("data-region") else {
                continue;
            };
            // Region names are Vigil's own words (no quotes).
            if let Ok(Some(new)) = fresh.query_selector(&format!("[data-region=\"{name}\"]")) {
                el.set_inner_html(&new.inner_html());
                hydrate_islands(&el);
            }
        }
    }

    /// Hydrates the islands inside `root` through the boot script's own
    /// entry (`window.__hydrateIsland`), as it does for the first page.
    fn hydrate_islands(root: &web_sys::Element) {
        let Ok(hook) = js_sys::Reflect::get(&window(), &"__hydrateIsland".into()) else {
            return;
        };
        let Ok(hook) = hook.dyn_into::<js_sys::Function>() else {
            return;
        };
        let Ok(islands) = root.query_selector_all("leptos-island") else {
            return;
        };
        for i in 0..islands.length() {
            let Some(el) = islands.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else {
                continue;
            };
            let id = el.get_attribute("data-component").unwrap_or_default();
            let _ = hook.call2(&wasm_bindgen::JsValue::NULL, &el, &id.into());
        }
    }

    pub fn tab_key(ev: &leptos::ev::KeyboardEvent, ids: &[String]) {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else {
            return;
        };
        let n = ids.len();
        let Some(idx) = ids.iter().position(|id| *id == target.id()) else {
            return;
        };
        let to = match ev.key().as_str() {
            "ArrowRight" => (idx + 1) % n,
            "ArrowLeft" => (idx + n - 1) % n,
            "Home" => 0,
            "End" => n - 1,
            " " | "Spacebar" => {
                ev.prevent_default();
                target.click();
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        if let Some(el) = document()
            .get_element_by_id(&ids[to])
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }

    /// One EventSource while the island lives.
    pub fn follow(url: String, events: Vec<String>, on_event: impl Fn() + 'static) {
        use futures::StreamExt;
        use gloo_net::eventsource::futures::EventSource;
        let Ok(mut source) = EventSource::new(&url) else {
            return;
        };
        let streams: Vec<_> = events.iter().filter_map(|e| source.subscribe(e).ok()).collect();
        if streams.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let mut all = futures::stream::select_all(streams);
            let mut readies = 0u32;
            // An error item means the connection is closed for good (the
            // browser retries transient drops itself).
            while let Some(Ok((kind, _))) = all.next().await {
                if kind == "ready" {
                    readies += 1;
                    if readies == 1 {
                        continue;
                    }
                }
                on_event();
            }
            source.close();
        });
    }
}
