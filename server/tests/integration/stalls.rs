//! Every server-rendered page finishes, many at a time, while other tests
//! of this binary start their own servers. It caught a second router's
//! route-list generation parking the resources of pages being rendered
//! meanwhile (leptos#4773; 1 of 700 pages before `router::build` generated
//! the list once per process). It would also catch a lost wake-up between
//! a resource and its `<Suspense>` (leptos#4851, fixed in 0.8.23).

use crate::both;
use crate::support::*;
use app::backend::AppState;
use app::types::catalogue::CardTab;
use futures::StreamExt;
use std::time::Duration;

const PAGES: usize = 700;
const AT_ONCE: usize = 4;
/// Far above a debug build's slowest page (well under a second here).
const STALL: Duration = Duration::from_secs(15);

both!(every_page_finishes, |st: AppState| async move {
    demo(&st).await;
    let (_, cookie) = admin_session(&st, "stall-hunter").super_admin().await;
    let srv = serve(st.clone()).await;
    let paths: Vec<String> = (0..PAGES)
        .map(|i| match CardTab::ALL.get(i % (CardTab::ALL.len() + 1)) {
            None => "/users?sort=id&dir=desc&kind=billing".to_string(),
            Some(tab) => format!("/users/{}/{tab}", 1 + (i / (CardTab::ALL.len() + 1)) % 20),
        })
        .collect();
    let outcomes: Vec<Result<(u16, bool), String>> = futures::stream::iter(paths.iter())
        .map(|path| {
            let req = srv
                .client
                .get(format!("{}{path}", srv.base))
                .header("cookie", &cookie)
                .header("accept", "text/html");
            async move {
                let attempt = async {
                    let res = req.send().await.map_err(|e| format!("{path}: {e}"))?;
                    let status = res.status().as_u16();
                    let body = res.text().await.map_err(|e| format!("{path}: {e}"))?;
                    // Erased views put hydration markers between the
                    // closing tags (`</body><!><!></html>`).
                    let complete = body.find("</body>").zip(body.rfind("</html>")).is_some_and(|(b, h)| b < h);
                    Ok::<_, String>((status, complete))
                };
                tokio::time::timeout(STALL, attempt)
                    .await
                    .unwrap_or_else(|_| Err(format!("{path}: stalled")))
            }
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let failed: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert!(failed.is_empty(), "{} of {PAGES} pages did not finish: {failed:?}", failed.len());
    for (status, complete) in outcomes.into_iter().map(Result::unwrap) {
        assert!(status == 200 || status == 404, "status {status}");
        assert!(complete, "a page without its closing </body> … </html>");
    }
});
