//! Public tests of the final project: `cargo test -p capstone`. They fail on the stubs; they
//! pass on a working project.
//!
//! Each service test trains two tiny models, writes them as `v1` and `v2` in a fresh data
//! directory under the system's temporary folder, builds your router on it and sends it
//! requests in-process (`tower::ServiceExt::oneshot`), with no network. `grader project check
//! final` then does it for real: your `train` on the course's data, your service started,
//! driven, killed and restarted, with the reference beside it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use capstone::given::{model_path, Config, Input, Task, TrainingSet, PIXELS};
use capstone::model::{train, Model};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tower::ServiceExt;

const TOKEN: &str = "test-token";

/// A tiny spam set: words that say spam, words that say ham.
fn spam_set() -> TrainingSet {
    let spam = ["win money now", "free offer click here", "cheap pills free money", "click to win a prize now"];
    let ham = ["meeting at noon tomorrow", "the patch is attached", "lunch on friday", "review my code please"];
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for r in 0..5 {
        for (i, t) in spam.iter().enumerate() {
            texts.push(format!("{t} {r}{i}"));
            labels.push(1);
        }
        for (i, t) in ham.iter().enumerate() {
            texts.push(format!("{t} {r}{i}"));
            labels.push(0);
        }
    }
    TrainingSet { task: Task::Spam, texts, images: Vec::new(), labels }
}

/// A tiny digits set: image `i` lights the pixels of one row band for its label.
fn digits_set() -> TrainingSet {
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for k in 0..60u32 {
        let label = k % 10;
        let mut img = vec![0.0f32; PIXELS];
        let top = label as usize * 2 + 4;
        for p in &mut img[top * 28..(top + 2) * 28] {
            *p = 1.0;
        }
        images.push(img);
        labels.push(label);
    }
    TrainingSet { task: Task::Digits, texts: Vec::new(), images, labels }
}

/// A fresh data directory holding `v1` (seed 1) and `v2` (seed 2) of `set`'s task.
fn data_dir(name: &str, set: &TrainingSet) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capstone-public-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("models")).unwrap();
    for v in 1..=2 {
        let (model, _) = train(set, v as u64).expect("train");
        std::fs::write(model_path(&dir, v), model.to_bytes()).unwrap();
    }
    dir
}

fn service(task: Task, dir: &Path) -> (Router, tokio::sync::watch::Sender<bool>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let config = Config { task, data_dir: dir.to_path_buf(), token: TOKEN.into(), draining: rx };
    (capstone::service::app(config), tx)
}

/// One request through the router: the status, the headers and the body (JSON, or a string
/// when it is not).
async fn call(app: &Router, method: &str, path: &str, auth: bool, body: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if auth {
        req = req.header("authorization", format!("Bearer {TOKEN}"));
    }
    let req = match body {
        Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

/// Waits (at most 10 s) for readiness; returns its body.
async fn until_ready(app: &Router) -> Value {
    for _ in 0..200 {
        let (s, b) = call(app, "GET", "/health/ready", false, None).await;
        if s == StatusCode::OK {
            return b;
        }
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "readiness answers 200 or 503: {b}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not ready after 10 s");
}

#[test]
fn training_is_reproducible_and_the_bytes_round_trip() {
    for set in [spam_set(), digits_set()] {
        let (a, losses) = train(&set, 7).expect("train");
        assert!(!losses.is_empty() && losses.iter().all(|l| l.is_finite()), "{losses:?}");
        let (b, _) = train(&set, 7).expect("train");
        assert_eq!(a.to_bytes(), b.to_bytes(), "{}: the same seed must give the same bytes", set.task);
        let (c, _) = train(&set, 8).expect("train");
        assert_ne!(a.to_bytes(), c.to_bytes(), "{}: another seed, another model", set.task);

        let bytes = a.to_bytes();
        let back = Model::from_bytes(&bytes).expect("from_bytes");
        assert_eq!(back.task(), set.task);
        assert_eq!(back.to_bytes(), bytes);
        for i in 0..set.len() {
            assert_eq!(back.predict(&set.input(i)).unwrap(), a.predict(&set.input(i)).unwrap());
        }
        assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err(), "truncated bytes are an error");
        assert!(Model::from_bytes(b"").is_err());
        assert!(Model::from_bytes(b"not a model at all").is_err());
        let mut flipped = bytes.clone();
        flipped[bytes.len() / 2] ^= 0x10;
        assert!(Model::from_bytes(&flipped).is_err(), "a flipped bit is an error");
    }
}

#[test]
fn the_model_learns_the_tiny_sets_and_refuses_the_other_input() {
    let set = spam_set();
    let (model, _) = train(&set, 3).unwrap();
    assert_eq!(model.predict(&Input::Text("free money, click now".into())).unwrap(), 1);
    assert_eq!(model.predict(&Input::Text("the meeting is tomorrow".into())).unwrap(), 0);
    assert!(model.predict(&Input::Pixels(vec![0.0; PIXELS])).is_err());
    let set = digits_set();
    let (model, _) = train(&set, 3).unwrap();
    let right = (0..set.len()).filter(|&i| model.predict(&set.input(i)).unwrap() == set.labels[i]).count();
    assert!(right >= set.len() * 9 / 10, "{right} of {} training images right", set.len());
    assert!(model.predict(&Input::Pixels(vec![0.0; 10])).is_err());
    assert!(model.predict(&Input::Text("seven".into())).is_err());
}

#[tokio::test]
async fn liveness_at_once_then_readiness_and_the_model() {
    let dir = data_dir("ready", &spam_set());
    let (app, drain) = service(Task::Spam, &dir);
    let (s, b) = call(&app, "GET", "/health/live", false, None).await;
    assert_eq!((s, b), (StatusCode::OK, json!({"status": "ok"})));
    assert_eq!(until_ready(&app).await, json!({"status": "ready", "version": "v2"}));
    let (s, b) = call(&app, "GET", "/v1/model", false, None).await;
    assert_eq!((s, b), (StatusCode::OK, json!({"version": "v2", "versions": ["v1", "v2"]})));
    let (s, b) = call(&app, "GET", "/metrics", false, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(b.as_str().unwrap_or("").contains("capstone_model_info{version=\"v2\"} 1"), "{b}");
    drain.send(true).unwrap();
    let (s, b) = call(&app, "GET", "/health/ready", false, None).await;
    assert_eq!((s, b), (StatusCode::SERVICE_UNAVAILABLE, json!({"status": "draining"})));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn predict_needs_the_token_and_a_good_body() {
    let dir = data_dir("predict", &spam_set());
    let (app, _drain) = service(Task::Spam, &dir);
    until_ready(&app).await;
    let body = r#"{"text": "win free money now"}"#;
    let (s, b) = call(&app, "POST", "/v1/predict", false, Some(body)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    assert!(b["error"].is_string(), "errors are JSON with a string field error: {b}");
    let (s, b) = call(&app, "POST", "/v1/predict", false, Some("not json")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the token is checked before the body: {b}");
    let (s, b) = call(&app, "POST", "/v1/predict", true, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["version"], json!("v2"));
    assert!(b["label"] == json!(0) || b["label"] == json!(1), "{b}");
    assert_eq!(call(&app, "POST", "/v1/predict", true, Some("{\"text\":")).await.0, StatusCode::BAD_REQUEST);
    for bad in [r#"{"text": ""}"#, r#"{"text": 7}"#, r#"{}"#, r#"{"pixels": [0.5]}"#] {
        let (s, b) = call(&app, "POST", "/v1/predict", true, Some(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
    }
    let (s, b) = call(&app, "GET", "/v2/predict", true, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(b["error"].is_string(), "{b}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn digits_take_784_pixels_in_0_1() {
    let dir = data_dir("digits", &digits_set());
    let (app, _drain) = service(Task::Digits, &dir);
    until_ready(&app).await;
    let pixels = vec![0.25; PIXELS];
    let (s, b) = call(&app, "POST", "/v1/predict", true, Some(&json!({ "pixels": pixels }).to_string())).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["label"].as_u64().is_some_and(|l| l < 10), "{b}");
    let mut outside = vec![0.0; PIXELS];
    outside[3] = 1.5;
    for bad in [json!({ "pixels": outside }), json!({ "pixels": vec![0.0; 10] }), json!({"text": "7"})] {
        let (s, b) = call(&app, "POST", "/v1/predict", true, Some(&bad.to_string())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn feedback_is_stored_once_and_survives_a_restart() {
    let dir = data_dir("feedback", &spam_set());
    let (app, _drain) = service(Task::Spam, &dir);
    until_ready(&app).await;
    let record = r#"{"id": "mail-1", "label": 1}"#;
    let (s, b) = call(&app, "POST", "/v1/feedback", true, Some(record)).await;
    assert_eq!((s, b), (StatusCode::CREATED, json!({"id": "mail-1", "label": 1})));
    assert_eq!(call(&app, "POST", "/v1/feedback", true, Some(record)).await.0, StatusCode::OK, "idempotent");
    let other = r#"{"id": "mail-1", "label": 0}"#;
    assert_eq!(call(&app, "POST", "/v1/feedback", true, Some(other)).await.0, StatusCode::CONFLICT);
    for bad in [r#"{"id": "a b", "label": 1}"#, r#"{"id": "x", "label": 2}"#, r#"{"id": "x"}"#] {
        assert_eq!(
            call(&app, "POST", "/v1/feedback", true, Some(bad)).await.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
    assert_eq!(call(&app, "POST", "/v1/feedback", false, Some(record)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&app, "GET", "/v1/feedback/nobody", true, None).await.0, StatusCode::NOT_FOUND);

    // A new service on the same directory: the record is there.
    let (again, _drain) = service(Task::Spam, &dir);
    until_ready(&again).await;
    let (s, b) = call(&again, "GET", "/v1/feedback/mail-1", true, None).await;
    assert_eq!((s, b), (StatusCode::OK, json!({"id": "mail-1", "label": 1})));
    let store = capstone::store::Store::open(&dir).unwrap();
    assert_eq!(store.feedback("mail-1"), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn rollback_is_durable_and_stops_at_the_first_version() {
    let dir = data_dir("rollback", &spam_set());
    let (app, _drain) = service(Task::Spam, &dir);
    until_ready(&app).await;
    assert_eq!(call(&app, "POST", "/v1/model/rollback", false, None).await.0, StatusCode::UNAUTHORIZED);
    let (s, b) = call(&app, "POST", "/v1/model/rollback", true, None).await;
    assert_eq!((s, b), (StatusCode::OK, json!({"version": "v1"})));
    let (s, b) = call(&app, "POST", "/v1/predict", true, Some(r#"{"text": "hello"}"#)).await;
    assert_eq!((s, &b["version"]), (StatusCode::OK, &json!("v1")), "{b}");
    assert_eq!(call(&app, "POST", "/v1/model/rollback", true, None).await.0, StatusCode::CONFLICT);
    let (_, metrics) = call(&app, "GET", "/metrics", false, None).await;
    let metrics = metrics.as_str().unwrap_or("").to_string();
    assert!(metrics.contains("capstone_requests_total{route=\"/v1/model/rollback\",status=\"200\"} 1"), "{metrics}");

    // After a restart, v1 is still the active one.
    let (again, _drain) = service(Task::Spam, &dir);
    assert_eq!(until_ready(&again).await, json!({"status": "ready", "version": "v1"}));
    let _ = std::fs::remove_dir_all(&dir);
}
