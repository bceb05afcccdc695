//! Prototype of a service probe's glue: the grader's listener arrives as fd 3; the runtime and
//! the SIGTERM handler are set up before the sandbox; then the student's router is served until
//! SIGTERM, with in-flight requests finishing.
use axum::{
    routing::{get, post},
    Json, Router,
};
#[path = "../../../../probe-runtime/src/sandbox.rs"]
mod sandbox;
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

#[derive(serde::Deserialize)]
struct Req {
    x: Vec<f64>,
}

fn student_router(ready: Arc<AtomicBool>, count: Arc<AtomicU64>) -> Router {
    let r2 = ready.clone();
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/ready",
            get(move || {
                let r = r2.clone();
                async move {
                    if r.load(Ordering::SeqCst) {
                        (axum::http::StatusCode::OK, "ready")
                    } else {
                        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "draining")
                    }
                }
            }),
        )
        .route(
            "/predict",
            post(move |Json(r): Json<Req>| {
                let c = count.clone();
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    if r.x.len() == 1 && r.x[0] < 0.0 {
                        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    }
                    Json(serde_json::json!({"y": r.x.iter().sum::<f64>()}))
                }
            }),
        )
}

fn main() {
    let scratch = std::env::args().nth(1).unwrap_or("/tmp".into());
    let std_listener = unsafe { std::net::TcpListener::from_raw_fd(3) };
    std_listener.set_nonblocking(true).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut term =
        rt.block_on(async { tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) }).unwrap();
    let listener = rt.block_on(async { tokio::net::TcpListener::from_std(std_listener) }).unwrap();
    let layers = sandbox::confine(std::path::Path::new(&scratch));
    for l in &layers {
        eprintln!("layer {} {} {}", l.name, l.enforced, l.detail);
    }
    // Student code runs only now, confined.
    let outbound = std::net::TcpStream::connect("93.184.216.34:80").map(|_| "CONNECTED").unwrap_or_else(|e| {
        if e.raw_os_error().is_some() {
            "refused"
        } else {
            "refused"
        }
    });
    eprintln!("outbound connect from the service: {outbound}");
    let ready = Arc::new(AtomicBool::new(true));
    let count = Arc::new(AtomicU64::new(0));
    let app = student_router(ready.clone(), count.clone());
    rt.block_on(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                term.recv().await;
                ready.store(false, Ordering::SeqCst);
                eprintln!("SIGTERM: draining");
            })
            .await
            .unwrap();
    });
    eprintln!("served {} predictions, exiting", count.load(Ordering::SeqCst));
}
