//! Serving the router: one single-threaded Tokio runtime per thread, each
//! with its own listening socket on the same port (`SO_REUSEPORT`: the
//! kernel spreads new connections evenly over them; one shared socket would
//! let whichever thread wakes first take a whole burst of connections).
//!
//! Why not `axum::serve` on the multi-threaded runtime: measured here, under
//! the mixed load it panicked 1–2 times per run ("reactive value already
//! disposed": a resource's source memo re-run on one worker after its page
//! was disposed on another; docs/benchmarks.md), and this serving did not in
//! about 120,000 requests. After every memo read in the app was made
//! fallible it still panicked twice per 30 s when a tenth of the pages were
//! abandoned mid-render (`vigil-bench load --abandon 10`: a memo recomputed
//! inside a resource's task); this serving did not, over 232,766 requests.
//! (The lost wake-up between a resource and a `<Suspense>` on different
//! workers, leptos#4851, is fixed in 0.8.23 itself: its
//! `suspense_component.rs` tracks `tasks` before reading them.) On a
//! current-thread runtime a request's render, its resources and its effects
//! all run on one thread, so no such race can happen. Work is spread by
//! connection instead of by task, which suits short page renders; the
//! database drivers keep their own threads.

use axum::serve::ListenerExt;
use axum::Router;
use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use tokio::sync::watch;

/// The serving threads; [`Serving::shutdown`] stops them gracefully
/// (in-flight requests finish).
pub struct Serving {
    threads: Vec<JoinHandle<io::Result<()>>>,
    stop: watch::Sender<bool>,
}

/// How requests are spread over the cores (`VIGIL_HTTP_RUNTIME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuntimeKind {
    /// One current-thread runtime per serving thread, each with its own
    /// listener (the default, see above).
    #[default]
    PerCore,
    /// One multi-threaded (work-stealing) runtime with one listener, as
    /// `axum::serve` is usually run; kept so the two can be measured side by
    /// side with one binary.
    Multi,
}

/// Starts `threads` serving threads (at least one) on `addr`; the address
/// they serve (its port chosen by the system when `addr`'s is 0).
pub fn spawn(addr: SocketAddr, router: Router, threads: usize) -> io::Result<(Serving, SocketAddr)> {
    spawn_with(addr, router, threads, RuntimeKind::default())
}

/// [`spawn`] with the runtime kind chosen.
pub fn spawn_with(addr: SocketAddr, router: Router, threads: usize, kind: RuntimeKind) -> io::Result<(Serving, SocketAddr)> {
    if kind == RuntimeKind::Multi {
        return spawn_multi(addr, router, threads);
    }
    // A plain bind first: it fails when anything (an older Vigil, whose
    // sockets also allow port sharing) already listens there; without it the
    // kernel would quietly split connections between the two.
    let addr = std::net::TcpListener::bind(addr)?.local_addr()?;
    let listeners = (0..threads.max(1)).map(|_| listen(addr)).collect::<io::Result<Vec<_>>>()?;
    let (stop, stopped) = watch::channel(false);
    let mut handles = Vec::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        let router = router.clone();
        let stopped = stopped.clone();
        let handle = std::thread::Builder::new().name(format!("http-{i}")).spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(serve(listener, router, stopped))
        })?;
        handles.push(handle);
    }
    Ok((Serving { threads: handles, stop }, addr))
}

fn spawn_multi(addr: SocketAddr, router: Router, threads: usize) -> io::Result<(Serving, SocketAddr)> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let handle = std::thread::Builder::new().name("http".into()).spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("http-worker")
            .enable_all()
            .build()?;
        rt.block_on(serve(listener, router, stopped))
    })?;
    Ok((
        Serving {
            threads: vec![handle],
            stop,
        },
        addr,
    ))
}

/// Serves `router` on `listener` until `stopped` turns true.
async fn serve(listener: std::net::TcpListener, router: Router, mut stopped: watch::Receiver<bool>) -> io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?.tap_io(|tcp| {
        // Streamed SSR otherwise stalls on delayed ACKs.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await
}

fn listen(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// One serving thread per available core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

impl Serving {
    /// Asks every thread to stop accepting and to finish what it serves.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops and waits for the threads; the first error any of them had.
    pub fn shutdown(self) -> io::Result<()> {
        self.stop();
        let mut result = Ok(());
        for t in self.threads {
            let r = t.join().unwrap_or_else(|_| Err(io::Error::other("a serving thread panicked")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}
