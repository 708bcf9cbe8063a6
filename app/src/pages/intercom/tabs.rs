//! The tab list of a card (intercom card, camera profile): links styled as
//! WAI-ARIA tabs. Each tab is a real URL so it deep-links and renders on
//! the server; arrow keys, Home and End move focus between tabs and Enter
//! opens the focused one (manual activation), through the
//! [`TabKeys`] island.

use crate::components::islands::TabKeys;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Id of the tab element for `slug` under `prefix`.
fn tab_id(prefix: &str, slug: &str) -> String {
    format!("{prefix}-tab-{slug}")
}

/// Id of the panel the tabs control.
pub fn panel_id(prefix: &str) -> String {
    format!("{prefix}-panel")
}

/// The slug of the tab the current URL shows, if any.
fn current_slug(path: &str, tabs: &'static [(&'static str, &'static str)]) -> Option<&'static str> {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    tabs.iter().find(|(slug, _)| *slug == last).map(|(slug, _)| *slug)
}

/// `<div role=tablist>` of `tabs` ((slug, label) pairs) linking to
/// `{base}/{slug}`.
#[component]
pub fn TabNav(
    /// Accessible name of the tab list.
    #[prop(into)]
    label: String,
    /// The card's URL without the tab segment, e.g. `/intercoms/5`.
    #[prop(into)]
    base: String,
    /// Prefix of element ids, unique on the page.
    prefix: &'static str,
    tabs: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let selected = use_location().pathname.with_untracked(|p| current_slug(p, tabs));
    let ids = tabs.iter().map(|(slug, _)| tab_id(prefix, slug)).collect();
    let items = tabs
        .iter()
        .map(|(slug, text)| {
            let is_selected = selected == Some(*slug);
            view! {
                <a
                    href=format!("{base}/{slug}")
                    id=tab_id(prefix, slug)
                    class="tab"
                    role="tab"
                    aria-selected=if is_selected { "true" } else { "false" }
                    aria-controls=panel_id(prefix)
                    tabindex=if is_selected { "0" } else { "-1" }
                >
                    {*text}
                </a>
            }
        })
        .collect_view();
    view! { <TabKeys ids label>{items}</TabKeys> }
}

/// The `role=tabpanel` around the selected tab's content.
#[component]
pub fn TabPanel(prefix: &'static str, tabs: &'static [(&'static str, &'static str)], children: Children) -> impl IntoView {
    let path = use_location().pathname;
    let labelled_by = move || path.with(|p| current_slug(p, tabs).map(|slug| tab_id(prefix, slug)));
    view! {
        <section class="tabpanel" role="tabpanel" id=panel_id(prefix) aria-labelledby=labelled_by tabindex="0">
            {children()}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABS: &[(&str, &str)] = &[("general", "General data"), ("apartments", "Apartments")];

    #[test]
    fn finds_the_current_tab() {
        assert_eq!(current_slug("/intercoms/5/apartments", TABS), Some("apartments"));
        assert_eq!(current_slug("/intercoms/5/general/", TABS), Some("general"));
        assert_eq!(current_slug("/intercoms/5", TABS), None);
    }
}
