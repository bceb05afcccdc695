//! Public tests for `stage6::formats`: `cargo test -p stage6 --test formats`.

use stage6::formats::{self, FormatError, Tensor, DIGEST_KEY};

fn model() -> Vec<Tensor> {
    vec![
        Tensor { name: "w".into(), shape: vec![2, 2], data: vec![1.0, 2.0, 3.0, 4.0] },
        Tensor { name: "b".into(), shape: vec![2], data: vec![0.5, -0.5] },
    ]
}

#[test]
fn a_saved_model_loads_back_with_its_metadata() {
    let bytes = formats::save(&model(), &[("seed".into(), "7".into())]).unwrap();
    let (tensors, metadata) = formats::load(&bytes).unwrap();
    assert_eq!(tensors.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["b", "w"]);
    assert_eq!(tensors[1].data, [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(metadata, [("seed".to_string(), "7".to_string())]);
}

#[test]
fn a_changed_value_is_caught() {
    let mut bytes = formats::save(&model(), &[]).unwrap();
    *bytes.last_mut().unwrap() ^= 0x40;
    assert_eq!(formats::load(&bytes), Err(FormatError::DigestMismatch));
    assert_eq!(formats::load(b"not a model"), Err(FormatError::Corrupt));
    assert_eq!(formats::save(&model(), &[(DIGEST_KEY.into(), "x".into())]), Err(FormatError::InvalidName));
}
