//! Wire types between the grader and a probe: the only things that cross the trust boundary.
//!
//! A probe is a process built from a student's (or the reference) crate plus thin glue. The
//! grader sends it [`Request`]s on its standard input and reads [`Reply`]s from a private pipe,
//! each framed as a little-endian `u32` length followed by a postcard body. Values are plain data
//! ([`Value`]), so nothing a probe sends can be more than an answer to compare.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::io::{self, Read, Write};

/// Largest frame either side accepts; a longer length prefix is a protocol error, not an allocation.
pub const MAX_FRAME: usize = 512 << 20;

/// A value passed to or returned from an exercise function.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Value {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Floats(Vec<f64>),
    Ints(Vec<i64>),
    /// Row-major matrix.
    Matrix {
        rows: usize,
        cols: usize,
        data: Vec<f64>,
    },
    /// A tuple or a struct's fields, in declaration order.
    List(Vec<Value>),
    /// An `Err` returned on purpose by the function: the error variant's name (for example
    /// `Singular`). Compared by name, never by message.
    Error(String),
    /// A tensor of rank 3 or more (an image batch `(N, C, H, W)`, a sequence batch
    /// `(batch, time, features)`): its dimensions and its elements in row-major order.
    Tensor {
        shape: Vec<usize>,
        data: Vec<f64>,
    },
    /// The bytes of a file the course ships (a pretrained model's safetensors, a tokenizer's
    /// JSON), handed to the exercise, which has no file system of its own.
    Bytes(#[serde(with = "serde_bytes")] Vec<u8>),
}

impl Value {
    /// A short name of the variant, for messages such as "expected a matrix, got a float".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Unit => "unit",
            Value::Bool(_) => "bool",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Text(_) => "text",
            Value::Floats(_) => "vector",
            Value::Ints(_) => "integer vector",
            Value::Matrix { .. } => "matrix",
            Value::List(_) => "tuple",
            Value::Error(_) => "error",
            Value::Tensor { .. } => "tensor",
            Value::Bytes(_) => "bytes",
        }
    }

    pub fn matrix(rows: usize, cols: usize, data: Vec<f64>) -> Value {
        assert_eq!(rows * cols, data.len(), "matrix data length");
        Value::Matrix { rows, cols, data }
    }

    pub fn tensor(shape: Vec<usize>, data: Vec<f64>) -> Value {
        assert_eq!(shape.iter().product::<usize>(), data.len(), "tensor data length");
        Value::Tensor { shape, data }
    }

    // Accessors used by glue code. A wrong shape here is a bug in the course, never the
    // student's: the grader's own tests drive every glue function with the reference.
    pub fn float(&self) -> f64 {
        match self {
            Value::Float(x) => *x,
            Value::Int(i) => *i as f64,
            other => panic!("glue: expected a float, got {}", other.kind()),
        }
    }
    pub fn int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            other => panic!("glue: expected an integer, got {}", other.kind()),
        }
    }
    pub fn usize(&self) -> usize {
        usize::try_from(self.int()).expect("glue: negative size")
    }
    pub fn bool(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            other => panic!("glue: expected a bool, got {}", other.kind()),
        }
    }
    pub fn text(&self) -> &str {
        match self {
            Value::Text(s) => s,
            other => panic!("glue: expected text, got {}", other.kind()),
        }
    }
    pub fn floats(&self) -> &[f64] {
        match self {
            Value::Floats(v) => v,
            other => panic!("glue: expected a vector, got {}", other.kind()),
        }
    }
    pub fn ints(&self) -> &[i64] {
        match self {
            Value::Ints(v) => v,
            other => panic!("glue: expected an integer vector, got {}", other.kind()),
        }
    }
    pub fn list(&self) -> &[Value] {
        match self {
            Value::List(v) => v,
            other => panic!("glue: expected a tuple, got {}", other.kind()),
        }
    }
    pub fn bytes(&self) -> &[u8] {
        match self {
            Value::Bytes(b) => b,
            other => panic!("glue: expected bytes, got {}", other.kind()),
        }
    }
    /// The `i`-th field of a tuple.
    pub fn at(&self, i: usize) -> &Value {
        &self.list()[i]
    }
    /// `(rows, cols, data)` of a matrix.
    pub fn matrix_parts(&self) -> (usize, usize, &[f64]) {
        match self {
            Value::Matrix { rows, cols, data } => (*rows, *cols, data),
            other => panic!("glue: expected a matrix, got {}", other.kind()),
        }
    }
    /// `(shape, data)` of a tensor of any rank: a matrix, a vector and a number count as
    /// tensors of rank 2, 1 and 0.
    pub fn tensor_parts(&self) -> (Vec<usize>, &[f64]) {
        match self {
            Value::Tensor { shape, data } => (shape.clone(), data),
            Value::Matrix { rows, cols, data } => (vec![*rows, *cols], data),
            Value::Floats(data) => (vec![data.len()], data),
            Value::Float(x) => (vec![], std::slice::from_ref(x)),
            other => panic!("glue: expected a tensor, got {}", other.kind()),
        }
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<bool> for Value {
    fn from(x: bool) -> Self {
        Value::Bool(x)
    }
}
impl From<i64> for Value {
    fn from(x: i64) -> Self {
        Value::Int(x)
    }
}
impl From<usize> for Value {
    fn from(x: usize) -> Self {
        Value::Int(x as i64)
    }
}
impl From<Vec<f64>> for Value {
    fn from(x: Vec<f64>) -> Self {
        Value::Floats(x)
    }
}
impl From<&[f64]> for Value {
    fn from(x: &[f64]) -> Self {
        Value::Floats(x.to_vec())
    }
}
impl From<Vec<i64>> for Value {
    fn from(x: Vec<i64>) -> Self {
        Value::Ints(x)
    }
}
impl From<String> for Value {
    fn from(x: String) -> Self {
        Value::Text(x)
    }
}
impl From<Vec<Value>> for Value {
    fn from(x: Vec<Value>) -> Self {
        Value::List(x)
    }
}
impl<A: Into<Value>, B: Into<Value>> From<(A, B)> for Value {
    fn from((a, b): (A, B)) -> Self {
        Value::List(vec![a.into(), b.into()])
    }
}
impl<A: Into<Value>, B: Into<Value>, C: Into<Value>> From<(A, B, C)> for Value {
    fn from((a, b, c): (A, B, C)) -> Self {
        Value::List(vec![a.into(), b.into(), c.into()])
    }
}
impl<T: Into<Value>, E: std::fmt::Debug> From<Result<T, E>> for Value {
    /// `Err(e)` becomes [`Value::Error`] holding the variant's name: the text of `Debug` up to
    /// the first `(`, `{` or space, so payloads and messages never decide a comparison.
    fn from(r: Result<T, E>) -> Self {
        match r {
            Ok(v) => v.into(),
            Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
        }
    }
}

/// The variant name at the start of an error's `Debug` text.
pub fn error_variant(debug: &str) -> String {
    debug.split(['(', '{', ' ']).next().unwrap_or(debug).to_string()
}

/// What the grader asks of a probe.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Request {
    /// Decode `input` for `exercise` and hold it; nothing of the student's runs yet.
    Prepare { exercise: String, input: Value },
    /// Call the prepared function once. The grader's clock runs from this request to `Done`.
    Call,
    /// Send the output of the last call.
    Fetch,
}

/// One protection a probe applied to itself before serving, as it reports it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Layer {
    pub name: String,
    pub enforced: bool,
    pub detail: String,
}

/// What a probe answers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Reply {
    /// The first frame of every probe, sent before any student code can run: the sandbox
    /// layers it applied to itself.
    Hello {
        layers: Vec<Layer>,
    },
    Ready,
    /// The glue has no function for this exercise id.
    UnknownExercise(String),
    /// The call returned or panicked; the output waits for `Fetch`.
    Done,
    Output(Outcome),
}

/// The result of one call of student (or reference) code.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Outcome {
    Returned(Value),
    Panicked { message: String, location: Option<String> },
}

/// Writes one frame.
pub fn write_frame<W: Write, T: Serialize>(w: &mut W, msg: &T) -> io::Result<()> {
    let body = encode(msg)?;
    w.write_all(&(body.len() as u32).to_le_bytes())?;
    w.write_all(&body)?;
    w.flush()
}

/// `msg`'s frame body: what [`write_frame`] sends after the length.
pub fn encode<T: Serialize>(msg: &T) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(msg).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The size of `msg`'s frame body in bytes (what [`write_frame`] would send after the length).
pub fn encoded_len<T: Serialize>(msg: &T) -> usize {
    postcard::experimental::serialized_size(msg).unwrap_or(usize::MAX)
}

/// A frame longer than the reader allowed; nothing of its body was read.
#[derive(Debug)]
pub struct FrameTooLarge {
    pub len: usize,
    pub max: usize,
}

impl std::fmt::Display for FrameTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a frame of {} bytes, more than the {} bytes allowed", self.len, self.max)
    }
}

impl std::error::Error for FrameTooLarge {}

/// Reads one frame; `Ok(None)` on a clean end of stream before a frame starts.
pub fn read_frame<R: Read, T: DeserializeOwned>(r: &mut R) -> io::Result<Option<T>> {
    read_frame_max(r, MAX_FRAME)
}

/// [`read_frame`] refusing, before reading or allocating its body, a frame longer than `max`
/// bytes (and than [`MAX_FRAME`]): the error's inner value is then a [`FrameTooLarge`].
pub fn read_frame_max<R: Read, T: DeserializeOwned>(r: &mut R, max: usize) -> io::Result<Option<T>> {
    read_frame_with(r, || max)
}

/// [`read_frame_max`] with the limit asked for once the frame's length has arrived, not before
/// waiting for it: a reader that waits on a pipe sees the limit set for *this* frame (the
/// grader sets a reply's limit only after the call returned, while its reader already waits).
pub fn read_frame_with<R: Read, T: DeserializeOwned>(r: &mut R, max: impl FnOnce() -> usize) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let max = max().min(MAX_FRAME);
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, FrameTooLarge { len, max }));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    postcard::from_bytes(&body).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_including_non_finite_floats() {
        let v = Value::List(vec![
            Value::Floats(vec![1.5, f64::NAN, f64::INFINITY, -0.0]),
            Value::matrix(1, 2, vec![3.0, 4.0]),
            Value::Error("Singular".into()),
            Value::Bytes(vec![0, 255, 7]),
        ]);
        let mut buf = Vec::new();
        write_frame(&mut buf, &Request::Prepare { exercise: "x".into(), input: v.clone() }).unwrap();
        let back: Request = read_frame(&mut buf.as_slice()).unwrap().unwrap();
        let Request::Prepare { input, .. } = back else { panic!("wrong request") };
        let got = input.at(0).floats();
        assert!(got[1].is_nan() && got[2] == f64::INFINITY && got[3].is_sign_negative());
        assert_eq!(input.at(2), &Value::Error("Singular".into()));
        assert_eq!(input.at(3).bytes(), [0, 255, 7]);
    }

    #[test]
    fn oversized_frame_is_an_error_not_an_allocation() {
        let bytes = (u32::MAX).to_le_bytes();
        let r: io::Result<Option<Reply>> = read_frame(&mut bytes.as_slice());
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn error_variant_ignores_payload() {
        assert_eq!(error_variant("ShapeMismatch { left: (2, 3) }"), "ShapeMismatch");
        assert_eq!(error_variant("Singular"), "Singular");
        assert_eq!(error_variant("Empty(3)"), "Empty");
    }
}
