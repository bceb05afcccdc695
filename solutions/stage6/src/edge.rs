//! Edge deployment: a model small enough for a device, loaded from bytes with no file system and
//! no network.
//!
//! On a phone or a sensor there is no model server and no disk to spare: the model ships as a
//! byte array inside the application, and every byte counts. [`quantize`] packs a ReLU network's
//! `f32` weights as `i8` with one scale per layer (a quarter of the size); [`predict_from_bytes`]
//! runs it from those bytes alone.
//!
//! The blob, little-endian throughout:
//!
//! ```text
//! b"EDG1"                                  4 bytes
//! layer count                              u32
//! for each layer:
//!     inputs, outputs                      u32, u32
//!     scale                                f32
//!     weights, row by row (outputs × inputs)   i8 each
//!     biases                               f32 each (outputs of them, not quantised)
//! ```
//!
//! A layer's scale is `max |w| / 127` over its weights (1 when they are all 0), and a weight `w`
//! is stored as `round(w / scale)` (`f32::round`: halves away from zero), clamped to
//! `[-127, 127]`. Reading back, a weight is `q as f32 * scale`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeError {
    /// The blob does not start with `EDG1`, ends early, or has bytes left over.
    Corrupt,
    /// A layer's inputs differ from the previous layer's outputs (or the input's length).
    ShapeMismatch,
}

/// One dense layer: `outputs × inputs` weights, row by row, and `outputs` biases.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The blob of `layers` (format above).
///
/// # Errors
/// `ShapeMismatch` when a layer's `weight` or `bias` has the wrong length, or its `inputs`
/// differ from the previous layer's `outputs`.
pub fn quantize(layers: &[Layer]) -> Result<Vec<u8>, EdgeError> {
    for (k, l) in layers.iter().enumerate() {
        if l.weight.len() != l.inputs * l.outputs || l.bias.len() != l.outputs {
            return Err(EdgeError::ShapeMismatch);
        }
        if k > 0 && layers[k - 1].outputs != l.inputs {
            return Err(EdgeError::ShapeMismatch);
        }
    }
    let mut out = b"EDG1".to_vec();
    out.extend((layers.len() as u32).to_le_bytes());
    for l in layers {
        out.extend((l.inputs as u32).to_le_bytes());
        out.extend((l.outputs as u32).to_le_bytes());
        let max = l.weight.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if max == 0.0 { 1.0 } else { max / 127.0 };
        out.extend(scale.to_le_bytes());
        out.extend(l.weight.iter().map(|w| (w / scale).round().clamp(-127.0, 127.0) as i8 as u8));
        for b in &l.bias {
            out.extend(b.to_le_bytes());
        }
    }
    Ok(out)
}

/// A cursor over the blob that fails with `Corrupt` when it runs out.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EdgeError> {
        if self.bytes.len() < n {
            return Err(EdgeError::Corrupt);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<usize, EdgeError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")) as usize)
    }
    fn f32(&mut self) -> Result<f32, EdgeError> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
}

/// The network's output (logits) for input `x`, read from `blob`: each layer computes
/// `y_o = b_o + Σ_i (q_oi · scale) x_i` (in `f32`, `i` in order), with ReLU between layers and
/// none after the last. With no layers the output is `x`.
///
/// # Errors
/// `Corrupt` for a blob that does not follow the format exactly (checked before any
/// arithmetic); `ShapeMismatch` when `x` or a layer's inputs do not match.
pub fn predict_from_bytes(blob: &[u8], x: &[f32]) -> Result<Vec<f32>, EdgeError> {
    let mut r = Reader { bytes: blob };
    if r.take(4)? != b"EDG1" {
        return Err(EdgeError::Corrupt);
    }
    let count = r.u32()?;
    let mut layers = Vec::new();
    for _ in 0..count {
        let (inputs, outputs) = (r.u32()?, r.u32()?);
        let scale = r.f32()?;
        let n = inputs.checked_mul(outputs).ok_or(EdgeError::Corrupt)?;
        let q = r.take(n)?;
        let bias: Vec<f32> = (0..outputs).map(|_| r.f32()).collect::<Result<_, _>>()?;
        layers.push((inputs, outputs, scale, q, bias));
    }
    if !r.bytes.is_empty() {
        return Err(EdgeError::Corrupt);
    }
    let mut h = x.to_vec();
    for (k, (inputs, outputs, scale, q, bias)) in layers.iter().enumerate() {
        if h.len() != *inputs {
            return Err(EdgeError::ShapeMismatch);
        }
        let mut y: Vec<f32> = (0..*outputs)
            .map(|o| {
                let row = &q[o * inputs..(o + 1) * inputs];
                bias[o] + row.iter().zip(&h).map(|(&q, &x)| (q as i8) as f32 * scale * x).sum::<f32>()
            })
            .collect();
        if k + 1 < layers.len() {
            y.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        h = y;
    }
    Ok(h)
}
