//! Model formats: a model saved as safetensors with its metadata, and loaded back only if it is
//! the model that was saved.
//!
//! safetensors is the format of the Hugging Face hub and of candle: an 8-byte little-endian
//! header length, a JSON header naming each tensor's dtype, shape and byte range (with a
//! `__metadata__` map of strings), then the raw bytes. Unlike a pickle it runs no code when
//! loaded, and every tool reads it. What it does not do is prove that the tensors are the ones the
//! training run wrote: [`save`] puts their digest in the metadata, and [`load`] refuses a file
//! whose tensors no longer match it (a registry's tamper check).
//!
//! Use the `safetensors` crate (`safetensors::serialize`, `SafeTensors::read_metadata`,
//! `SafeTensors::deserialize`), the version candle uses. ONNX, TorchScript and SavedModel are the
//! other formats of the study plan; no pure-Rust ONNX reader is among the course's dependencies
//! (see README).

// You will want: safetensors::tensor::TensorView, safetensors::{Dtype, SafeTensors},
// sha2::{Digest, Sha256}, std::collections::HashMap.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    /// Two tensors have one name, a name is empty, or the metadata uses the key [`DIGEST_KEY`].
    InvalidName,
    /// A tensor's data does not hold the product of its shape's dimensions values.
    ShapeMismatch,
    /// The bytes are not a safetensors file, or a tensor in it is not `F32`.
    Corrupt,
    /// The file's metadata has no [`DIGEST_KEY`].
    MissingDigest,
    /// The tensors do not match the digest in the metadata: the file was changed.
    DigestMismatch,
}

/// The metadata key of the tensors' digest.
pub const DIGEST_KEY: &str = "tensors_sha256";

/// What [`load`] gives back: the tensors and the metadata.
pub type Loaded = (Vec<Tensor>, Vec<(String, String)>);

/// A named `F32` tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// The tensors' digest: SHA-256, as 64 lowercase hex digits, of the tensors in order of name (byte
/// order), each as its name, a newline, its dimensions in decimal joined by commas, a newline,
/// then its values' `f32::to_le_bytes`. A renamed tensor, a changed shape or one changed bit
/// of a value gives another digest.
pub fn tensors_digest(tensors: &[Tensor]) -> String {
    todo!()
}

/// The safetensors bytes of `tensors` (`F32`), with `metadata` and [`DIGEST_KEY`] →
/// [`tensors_digest`] in the header's `__metadata__`.
///
/// # Errors
/// `InvalidName` for an empty or repeated tensor name, or a metadata key equal to
/// [`DIGEST_KEY`]; `ShapeMismatch` when a tensor's data and shape disagree.
pub fn save(tensors: &[Tensor], metadata: &[(String, String)]) -> Result<Vec<u8>, FormatError> {
    todo!()
}

/// The tensors (sorted by name) and the metadata (sorted by key, without [`DIGEST_KEY`]) of a
/// file written by [`save`], once its digest is checked.
///
/// # Errors
/// `Corrupt` when the bytes are not safetensors or a tensor is not `F32`; `MissingDigest` when
/// the metadata has no [`DIGEST_KEY`]; `DigestMismatch` when the tensors' digest is another.
pub fn load(bytes: &[u8]) -> Result<Loaded, FormatError> {
    todo!()
}
