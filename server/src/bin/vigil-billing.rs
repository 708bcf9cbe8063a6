//! `vigil-billing`: signs and sends billing events the way billing does, so
//! administrators and tests can drive `POST /api/billing/v1/events`.
//!
//! ```text
//! vigil-billing [--url URL] [--secret S] send '<json>'
//! vigil-billing [--url URL] [--secret S] send-file events.jsonl [--concurrency N]
//! ```
//! The secret defaults to `VIGIL_BILLING_SECRET`, the URL to
//! `http://127.0.0.1:3000`. Exit status 0 only when every request got a 2xx.

use futures::StreamExt;
use server::billing::signature;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

const USAGE: &str = "usage: vigil-billing [--url URL] [--secret SECRET] send '<json>'\n       vigil-billing [--url URL] [--secret SECRET] send-file FILE.jsonl [--concurrency N]\n\nThe secret defaults to $VIGIL_BILLING_SECRET, the URL to http://127.0.0.1:3000.";

struct Args {
    url: String,
    secret: String,
    command: Command,
}

enum Command {
    Send(String),
    SendFile { path: String, concurrency: usize },
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut url = "http://127.0.0.1:3000".to_string();
    let mut secret = std::env::var("VIGIL_BILLING_SECRET").ok();
    let mut concurrency = 8usize;
    let mut positional = vec![];
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--url" => url = value("--url")?,
            "--secret" => secret = Some(value("--secret")?),
            "--concurrency" => {
                concurrency = value("--concurrency")?
                    .parse()
                    .ok()
                    .filter(|n| (1..=1024).contains(n))
                    .ok_or("--concurrency must be a number from 1 to 1024")?
            }
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => positional.push(a),
        }
    }
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or("no secret: pass --secret or set VIGIL_BILLING_SECRET")?;
    let command = match positional.as_slice() {
        [cmd, json] if cmd == "send" => Command::Send(json.clone()),
        [cmd, path] if cmd == "send-file" => Command::SendFile {
            path: path.clone(),
            concurrency,
        },
        _ => return Err("expected `send '<json>'` or `send-file FILE`".into()),
    };
    Ok(Args {
        url: url.trim_end_matches('/').to_string(),
        secret,
        command,
    })
}

/// Signs `body` now and posts it; the status and body of the answer.
async fn post(client: &reqwest::Client, endpoint: &str, secret: &str, body: String) -> Result<(u16, String), String> {
    let t = chrono::Utc::now().timestamp();
    let sig = signature::sign(secret, t, body.as_bytes());
    let res = client
        .post(endpoint)
        .header("content-type", "application/json")
        .header("x-billing-signature", sig)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    Ok((status, res.text().await.unwrap_or_default()))
}

#[derive(Default)]
struct Tally {
    sent: usize,
    by_class: BTreeMap<String, usize>,
    failed: usize,
}

impl Tally {
    fn line(&self, total: usize) -> String {
        let classes: Vec<String> = self.by_class.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("sent {}/{total}, {}", self.sent, classes.join(", "))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("vigil-billing: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let endpoint = format!("{}/api/billing/v1/events", args.url);
    let client = reqwest::Client::new();
    match args.command {
        Command::Send(json) => match post(&client, &endpoint, &args.secret, json).await {
            Ok((status, body)) => {
                println!("{status} {body}");
                if (200..300).contains(&status) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("vigil-billing: request failed: {e}");
                ExitCode::FAILURE
            }
        },
        Command::SendFile { path, concurrency } => {
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("vigil-billing: {path}: {e}");
                    return ExitCode::from(2);
                }
            };
            let lines: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
            let total = lines.len();
            let tally = Arc::new(Mutex::new(Tally::default()));
            futures::stream::iter(lines.into_iter().enumerate())
                .for_each_concurrent(concurrency, |(n, line)| {
                    let (client, endpoint, secret, tally) = (&client, &endpoint, &args.secret, tally.clone());
                    async move {
                        let result = post(client, endpoint, secret, line).await;
                        let mut t = tally.lock().expect("tally lock");
                        t.sent += 1;
                        let class = match &result {
                            Ok((s @ (200 | 202), _)) => s.to_string(),
                            Ok((s, body)) => {
                                t.failed += 1;
                                eprintln!("\nline {}: {s} {body}", n + 1);
                                format!("{}xx", s / 100)
                            }
                            Err(e) => {
                                t.failed += 1;
                                eprintln!("\nline {}: {e}", n + 1);
                                "error".into()
                            }
                        };
                        *t.by_class.entry(class).or_default() += 1;
                        eprint!("\r {}", t.line(total));
                        let _ = std::io::stderr().flush();
                    }
                })
                .await;
            let t = tally.lock().expect("tally lock");
            eprintln!();
            println!("{}; {} failed", t.line(total), t.failed);
            if t.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
