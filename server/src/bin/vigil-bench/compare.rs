//! `vigil-bench tabs`: two server builds side by side on one data set. Both
//! servers run at once on the same database (the cached benchmark set);
//! each round measures, tab by tab, the SSR page and a static file of the
//! same bytes on one build and then on the other, so that what the shared
//! machine does meanwhile hits both alike. Only these side-by-side ratios
//! mean something on a machine shared with other work.

use crate::load;
use crate::proc::{Launch, ServerProc};
use crate::suite::{database_url, measure, scalar, sign_in, site_copy_of, TABS};
use crate::Args;
use std::time::Duration;

pub async fn tabs(args: &Args) -> Result<bool, String> {
    let baseline = args.baseline.clone().ok_or("tabs needs --baseline <dir with server and site/>")?;
    for backend in &args.backends {
        let name = format!("vigil_bench_{}", args.users);
        let url = database_url(args, backend, &name, false).await?;
        let db = app::backend::db::connect(&url).await.map_err(|e| format!("{backend}: {e}"))?;
        let logs = args.cache.join("bench");
        let builds = [
            ("baseline", baseline.join("relbin/server"), baseline.join("site")),
            ("this", args.bin_dir.join("server"), args.site_root.clone()),
        ];
        let mut servers = vec![];
        for (tag, exe, site) in &builds {
            let site = site_copy_of(site, &format!("{backend}-{tag}"))?;
            let launch = Launch {
                exe,
                database_url: &url,
                site_root: &site,
                demo_users: args.users,
                log: logs.join(format!("server-{backend}-{tag}.log")),
                env: &[],
            };
            // The first start generates the data set when it is missing.
            let server = ServerProc::start(launch, Duration::from_secs(3 * 3600)).await?;
            let cookie = sign_in(&server.base).await?;
            servers.push((*tag, server, cookie, site));
        }
        let heavy = scalar(&db, "SELECT id FROM users WHERE login = 'northwind'").await;
        let client = load::client(64);
        let secs = Duration::from_secs(args.secs);
        eprintln!(
            "==> {backend}, {} users, heavy user {heavy}: SSR ÷ static, {} rounds",
            args.users, args.rounds
        );
        for round in 1..=args.rounds {
            for slug in TABS {
                let mut line = format!("round {round} {backend} {slug:<15}");
                for (tag, server, cookie, site) in &servers {
                    let url = format!("{}/users/{heavy}/{slug}", server.base);
                    let res = client.get(&url).header("cookie", cookie).send().await.map_err(|e| e.to_string())?;
                    if res.status() != 200 {
                        return Err(format!("{tag} {url}: {}", res.status()));
                    }
                    let body = res.bytes().await.map_err(|e| e.to_string())?;
                    std::fs::write(site.join("bench").join(format!("{slug}.html")), &body).map_err(|e| e.to_string())?;
                    let ssr = measure(&client, url, cookie, secs).await;
                    let stat = measure(&client, format!("{}/bench/{slug}.html", server.base), cookie, secs).await;
                    line.push_str(&format!(
                        " | {tag}: {:>6} B SSR {:>6.0}/s p99 {:>6.1} ms static {:>6.0}/s ratio {:.3}",
                        body.len(),
                        ssr.throughput(),
                        ssr.percentile_ms(99.0),
                        stat.throughput(),
                        ssr.throughput() / stat.throughput().max(1e-9)
                    ));
                }
                println!("{line}");
            }
        }
        for (tag, server, _, _) in &servers {
            println!("{backend} {tag}: resident memory after the rounds {} MiB", server.rss_kib() / 1024);
        }
        for (_, server, _, _) in servers {
            server.stop().await;
        }
    }
    Ok(true)
}
