//! Public tests for Stage 7's services: run them with `cargo test -p stage7 --test services`.
//!
//! Each builds your router and sends it requests in-process (`tower::ServiceExt::oneshot`), with
//! no network: a quick way to see your routes answer. `grader check stage7` then starts your
//! service for real and drives it with its own HTTP client, side by side with the reference's,
//! on hidden inputs, under load, with a failing feature store and a SIGTERM.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use stage7::api::Model;
use tower::ServiceExt;

fn model() -> Model {
    Model { weights: vec![0.5, -1.0, 2.0], bias: 0.25, version: "m1".into() }
}

/// One request through the router: the status and the body (JSON, or a string when it is not).
async fn send(app: &Router, method: &str, path: &str, auth: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(a) = auth {
        req = req.header("authorization", a);
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

#[tokio::test]
async fn api_health_prediction_and_a_bad_input() {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let app = stage7::api::router(model(), rx);
    assert_eq!(send(&app, "GET", "/health", None, None).await.0, StatusCode::OK);
    let (s, b) = send(&app, "POST", "/v1/predict", None, Some(json!({"features": [1.0, 1.0, 1.0]}))).await;
    assert_eq!(s, StatusCode::OK);
    let want = model().score(&[1.0, 1.0, 1.0]);
    assert!((b["score"].as_f64().unwrap() - want).abs() < 1e-12, "{b}");
    assert_eq!(b["label"], json!(1));
    let (s, b) = send(&app, "POST", "/v1/predict", None, Some(json!({"features": [1.0]}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["error"].is_string(), "errors are JSON with a string field error: {b}");
    assert_eq!(send(&app, "GET", "/ready", None, None).await.0, StatusCode::OK);
    tx.send(true).unwrap();
    assert_eq!(send(&app, "GET", "/ready", None, None).await.0, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn resilient_falls_back_when_the_store_fails() {
    use stage7::store::{FeatureStore, StoreError};
    let healthy = FeatureStore::new(|key: Vec<u8>| {
        Box::pin(async move {
            match key.as_slice() {
                b"7" => Ok(b"[1.0, 0.0, 0.0]".to_vec()),
                _ => Err(StoreError::NotFound),
            }
        })
    });
    let app = stage7::resilient::router(model(), vec![0.0; 3], healthy);
    let (s, b) = send(&app, "POST", "/v1/predict", None, Some(json!({"user": 7}))).await;
    assert_eq!((s, &b["fallback"]), (StatusCode::OK, &json!(false)), "{b}");
    assert_eq!(send(&app, "POST", "/v1/predict", None, Some(json!({"user": 8}))).await.0, StatusCode::NOT_FOUND);

    let failing = FeatureStore::new(|_| Box::pin(async { Err(StoreError::Unavailable) }));
    let app = stage7::resilient::router(model(), vec![0.0; 3], failing);
    let (s, b) = send(&app, "POST", "/v1/predict", None, Some(json!({"user": 7}))).await;
    assert_eq!((s, &b["fallback"]), (StatusCode::OK, &json!(true)), "{b}");
    let want = model().score(&[0.0; 3]);
    assert!((b["score"].as_f64().unwrap() - want).abs() < 1e-12, "the fallback scores the defaults: {b}");
}

#[tokio::test]
async fn secure_tells_401_from_403() {
    use stage7::secure::Role;
    let tokens = vec![("reader-token".to_string(), Role::Reader), ("admin-token".to_string(), Role::Admin)];
    let app = stage7::secure::router(model(), tokens);
    let x = Some(json!({"features": [0.0, 0.0, 0.0]}));
    assert_eq!(send(&app, "POST", "/v1/predict", None, x.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, "POST", "/v1/predict", Some("Bearer nobody"), x.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, "POST", "/v1/predict", Some("Bearer reader-token"), x).await.0, StatusCode::OK);
    assert_eq!(send(&app, "GET", "/admin/stats", Some("Bearer reader-token"), None).await.0, StatusCode::FORBIDDEN);
    let (s, b) = send(&app, "GET", "/admin/stats", Some("Bearer admin-token"), None).await;
    assert_eq!((s, &b["predictions"]), (StatusCode::OK, &json!(1)));
}

#[test]
fn fgsm_moves_towards_the_other_label() {
    // z = 1·1 + (−2)·1 + 0 = −1: label 0, so every feature moves up along sign(w).
    let x = stage7::secure::fgsm(&[1.0, -2.0, 0.0], 0.0, &[1.0, 1.0, 1.0], 0.5);
    assert_eq!(x, vec![1.5, 0.5, 1.0]);
    assert_eq!(stage7::secure::radius(&[1.0, -2.0, 0.0], 0.0, &[1.0, 1.0, 1.0]), 1.0 / 3.0);
}

#[tokio::test]
async fn jobs_are_accepted_then_done() {
    let app = stage7::jobs::router(model());
    let (s, b) =
        send(&app, "POST", "/v1/jobs", None, Some(json!({"instances": [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]}))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    let path = format!("/v1/jobs/{}", b["job_id"].as_str().expect("a string job_id"));
    for _ in 0..100 {
        let (s, b) = send(&app, "GET", &path, None, None).await;
        assert_eq!(s, StatusCode::OK);
        if b["status"] == json!("done") {
            assert_eq!(b["predictions"].as_array().map(Vec::len), Some(2), "{b}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the job was never done");
}

#[tokio::test]
async fn recover_rolls_back_to_the_previous_version() {
    let mut old = model();
    old.version = "m0".into();
    let app = stage7::recover::router(vec![old, model()]);
    let (_, b) = send(&app, "GET", "/admin/models", None, None).await;
    assert_eq!(b["active"], json!("m1"));
    assert_eq!(send(&app, "POST", "/admin/rollback", None, None).await.0, StatusCode::OK);
    let (_, b) = send(&app, "POST", "/v1/predict", None, Some(json!({"features": [0.0, 0.0, 0.0]}))).await;
    assert_eq!(b["model_version"], json!("m0"));
    assert_eq!(send(&app, "POST", "/admin/rollback", None, None).await.0, StatusCode::CONFLICT);
}

#[tokio::test]
async fn batching_answers_each_request_its_own_score() {
    use stage7::accel::Accelerator;
    // The "model" scores a row by its first feature.
    let accel =
        Accelerator::new(|rows: Vec<Vec<f64>>| Box::pin(async move { Ok(rows.iter().map(|r| r[0]).collect()) }));
    let app = stage7::batching::router(accel, 2, "m1".into());
    let answers =
        futures_like_join(
            (0..10).map(|k| {
                let app = app.clone();
                async move {
                    send(&app, "POST", "/v1/predict", None, Some(json!({"features": [k as f64 / 10.0, 0.0]}))).await
                }
            }),
        )
        .await;
    for (k, (s, b)) in answers.into_iter().enumerate() {
        assert_eq!(s, StatusCode::OK);
        assert!((b["score"].as_f64().unwrap() - k as f64 / 10.0).abs() < 1e-12, "request {k} got {b}");
    }
}

/// Runs the futures at once (tokio tasks) and returns their outputs in order.
async fn futures_like_join<F: std::future::Future + Send + 'static>(fs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[test]
fn perf_scores_a_one_layer_model() {
    use candle_core::{Device, Tensor};
    let dev = Device::Cpu;
    let w = Tensor::new(&[[1.0f32, -1.0]], &dev).unwrap();
    let b = Tensor::new(&[0.5f32], &dev).unwrap();
    let mlp = stage7::perf::Mlp { layers: vec![(w, b)] };
    let x = Tensor::new(&[[1.0f32, 1.0], [2.0, 0.0]], &dev).unwrap();
    let s = stage7::perf::scores(&mlp, &x).unwrap().to_vec1::<f32>().unwrap();
    let sigma = |z: f32| 1.0 / (1.0 + (-z).exp());
    assert!((s[0] - sigma(0.5)).abs() < 1e-6 && (s[1] - sigma(2.5)).abs() < 1e-6, "{s:?}");
}
