//! The browser tests read the card's tabs from `end2end/tests/catalogue.json`,
//! a copy of `CardTab::ALL` that this test keeps equal to the enum (run it
//! with `VIGIL_BLESS=1` to rewrite the file after changing the catalogue).

use app::types::catalogue::CardTab;

#[test]
fn end2end_catalogue_matches_the_enum() {
    let tabs: Vec<_> = CardTab::ALL
        .iter()
        .map(|t| serde_json::json!({ "slug": t.slug(), "label": t.label() }))
        .collect();
    let want = serde_json::to_string_pretty(&serde_json::json!({ "card_tabs": tabs })).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/tests/catalogue.json");
    if std::env::var_os("VIGIL_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date; run `VIGIL_BLESS=1 cargo test -p app --features ssr --test catalogue_json`",
        path.display()
    );
}
