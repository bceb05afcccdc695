//! Typed glue: one line per exercise, values converted to and from Rust types.
//!
//! A stage's glue crate declares its exercises with [`glue!`](crate::glue):
//!
//! ```ignore
//! probe_runtime::glue! { Stage1;
//!     "stage1.linalg.dot" => |a: &[f64], b: &[f64]| linalg::dot(a, b);
//!     "stage3.activations.sigmoid" => |x: Vec<f64>| sigmoid(&x) => (sigmoid, sigmoid_grad);
//! }
//! ```
//!
//! Each line is the single declaration of an exercise's wire shape: its id, its input parts (the
//! closure's parameters, by name and type, in the order the hidden suite sends them: one part is
//! the input itself, several are a tuple), the function it calls, and where the output is a tuple
//! whose parts are judged by name, those names. The grader reads these lines from the glue's
//! sources when it starts and checks them against the manifest and the hidden suites.
//!
//! Inputs convert through [`Arg`], outputs through [`Ret`]. Both take the glue crate's marker
//! type `M` (`Stage1` above), so that a glue crate can teach them its stage's own types
//! (`impl Arg<'_, Stage1> for Matrix`) despite the orphan rule; the impls here hold for every
//! marker. A value of the wrong kind is a bug of the grader's, never of the student's: it panics
//! with `glue:` in front, and the reference run in `cargo test` finds it.

use grader_protocol::{error_variant, Value};

/// Added to a case's seed for the third run of [`three_runs`]. The suites' unit tests repeat it.
pub const OTHER_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// A random function run three times, each with a generator `rng(seed)` made here: from `seed`,
/// from `seed` again, then from `seed + OTHER_SEED`. The suites check that the same seed gives
/// the same result and another seed another one, so that the function takes its randomness from
/// the generator it is given, and all of it.
pub fn three_runs<R, T>(seed: u64, rng: impl Fn(u64) -> R, f: impl Fn(&mut R) -> T) -> (T, T, T) {
    (f(&mut rng(seed)), f(&mut rng(seed)), f(&mut rng(seed.wrapping_add(OTHER_SEED))))
}

/// A type an input part decodes to.
pub trait Arg<'a, M>: Sized {
    fn arg(v: &'a Value) -> Self;
}

/// A type an output encodes from.
pub trait Ret<M> {
    fn ret(self) -> Value;
}

impl<'a, M> Arg<'a, M> for &'a Value {
    fn arg(v: &'a Value) -> Self {
        v
    }
}
impl<M> Arg<'_, M> for f64 {
    fn arg(v: &Value) -> Self {
        v.float()
    }
}
impl<M> Arg<'_, M> for i64 {
    fn arg(v: &Value) -> Self {
        v.int()
    }
}
/// A `u64` travels as the bits of an `i64` (seeds use all 64 bits).
impl<M> Arg<'_, M> for u64 {
    fn arg(v: &Value) -> Self {
        v.int() as u64
    }
}
impl<M> Arg<'_, M> for usize {
    fn arg(v: &Value) -> Self {
        v.usize()
    }
}
impl<M> Arg<'_, M> for bool {
    fn arg(v: &Value) -> Self {
        v.bool()
    }
}
impl<'a, M> Arg<'a, M> for &'a str {
    fn arg(v: &'a Value) -> Self {
        v.text()
    }
}
impl<M> Arg<'_, M> for String {
    fn arg(v: &Value) -> Self {
        v.text().to_string()
    }
}
impl<'a, M> Arg<'a, M> for &'a [u8] {
    fn arg(v: &'a Value) -> Self {
        v.bytes()
    }
}
impl<'a, M> Arg<'a, M> for &'a [f64] {
    fn arg(v: &'a Value) -> Self {
        v.floats()
    }
}
impl<M> Arg<'_, M> for Vec<f64> {
    fn arg(v: &Value) -> Self {
        v.floats().to_vec()
    }
}
impl<'a, M> Arg<'a, M> for &'a [i64] {
    fn arg(v: &'a Value) -> Self {
        v.ints()
    }
}
impl<M> Arg<'_, M> for Vec<i64> {
    fn arg(v: &Value) -> Self {
        v.ints().to_vec()
    }
}
impl<M> Arg<'_, M> for Vec<u64> {
    fn arg(v: &Value) -> Self {
        v.ints().iter().map(|&k| k as u64).collect()
    }
}
impl<M> Arg<'_, M> for Vec<usize> {
    fn arg(v: &Value) -> Self {
        v.ints().iter().map(|&k| usize::try_from(k).expect("glue: negative index")).collect()
    }
}
impl<M> Arg<'_, M> for Vec<Vec<f64>> {
    fn arg(v: &Value) -> Self {
        v.list().iter().map(|p| p.floats().to_vec()).collect()
    }
}
/// Labels and class indices as `u32` (candle's index type).
impl<M> Arg<'_, M> for Vec<u32> {
    fn arg(v: &Value) -> Self {
        v.ints().iter().map(|&k| u32::try_from(k).expect("glue: integer out of the range of u32")).collect()
    }
}
/// A list of texts (column names...).
impl<'a, M> Arg<'a, M> for Vec<&'a str> {
    fn arg(v: &'a Value) -> Self {
        v.list().iter().map(Value::text).collect()
    }
}
/// No input (`Unit`).
impl<M> Arg<'_, M> for () {
    fn arg(v: &Value) -> Self {
        assert!(matches!(v, Value::Unit), "glue: expected unit, got {}", v.kind());
    }
}

impl<M> Ret<M> for Value {
    fn ret(self) -> Value {
        self
    }
}
macro_rules! ret_via_into {
    ($($t:ty),*) => {$(
        impl<M> Ret<M> for $t {
            fn ret(self) -> Value {
                self.into()
            }
        }
    )*};
}
ret_via_into!(f64, bool, i64, usize, String, Vec<f64>, Vec<i64>, Vec<Value>);
impl<M> Ret<M> for u64 {
    fn ret(self) -> Value {
        Value::Int(self as i64)
    }
}
impl<M> Ret<M> for Vec<usize> {
    fn ret(self) -> Value {
        Value::Ints(self.into_iter().map(|k| k as i64).collect())
    }
}
impl<M> Ret<M> for Vec<u64> {
    fn ret(self) -> Value {
        Value::Ints(self.into_iter().map(|k| k as i64).collect())
    }
}
impl<M> Ret<M> for Vec<u32> {
    fn ret(self) -> Value {
        Value::Ints(self.into_iter().map(i64::from).collect())
    }
}
/// `None` is `Unit` (no value: a gradient that does not exist, a baseline that does not apply).
impl<M, T: Ret<M>> Ret<M> for Option<T> {
    fn ret(self) -> Value {
        self.map_or(Value::Unit, T::ret)
    }
}
/// Pairs as a list of 2-tuples (cross-validation folds, a layer's `(dW, db)`...).
impl<M, A: Ret<M>, B: Ret<M>> Ret<M> for Vec<(A, B)> {
    fn ret(self) -> Value {
        Value::List(self.into_iter().map(|(a, b)| Value::List(vec![a.ret(), b.ret()])).collect())
    }
}
/// `Err(e)` is the error's variant name ([`error_variant`]): payloads never decide a comparison.
impl<M, T: Ret<M>, E: std::fmt::Debug> Ret<M> for Result<T, E> {
    fn ret(self) -> Value {
        match self {
            Ok(t) => t.ret(),
            Err(e) => Value::Error(error_variant(&format!("{e:?}"))),
        }
    }
}
macro_rules! ret_tuple {
    ($($name:ident)+) => {
        impl<M, $($name: Ret<M>),+> Ret<M> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn ret(self) -> Value {
                let ($($name,)+) = self;
                Value::List(vec![$($name.ret()),+])
            }
        }
    };
}
ret_tuple!(A B);
ret_tuple!(A B C);
ret_tuple!(A B C D);
ret_tuple!(A B C D E);
ret_tuple!(A B C D E F);

/// The parts of a tuple input, checked for their number.
#[doc(hidden)]
pub fn parts<'a>(v: &'a Value, n: usize, id: &str) -> &'a [Value] {
    let parts = v.list();
    assert!(parts.len() == n, "glue: {id} takes {n} input parts, the suite sent {}", parts.len());
    parts
}

/// An output declared with named parts (`=> (a, b)`): checked to be a tuple of that many parts,
/// or an error.
#[doc(hidden)]
pub fn named(v: Value, names: &[&str], id: &str) -> Value {
    match &v {
        Value::List(p) if p.len() == names.len() => {}
        Value::Error(_) => {}
        other => panic!(
            "glue: {id} declares the output parts ({}) but returned {}",
            names.join(", "),
            match other {
                Value::List(p) => format!("a tuple of {}", p.len()),
                v => v.kind().to_string(),
            }
        ),
    }
    v
}

/// Declares a glue crate's exercises: see the [module documentation](self). Expands to
/// `pub fn dispatch(id: &str) -> Option<Handler>` and `pub const IDS: &[&str]`.
#[macro_export]
macro_rules! glue {
    ($m:ty; $($id:literal => |$($arg:ident : $t:ty),+| $body:expr $(=> ($($out:ident),+))?;)+) => {
        pub fn dispatch(id: &str) -> Option<$crate::Handler> {
            Some(match id {
                $($id => |v: &$crate::Value| -> $crate::Value {
                    $crate::glue!(@decode $m, $id, v, $($arg : $t),+);
                    let out = <_ as $crate::glue::Ret<$m>>::ret($body);
                    $(let out = $crate::glue::named(out, &[$(stringify!($out)),+], $id);)?
                    out
                },)+
                _ => return None,
            })
        }
        /// The exercise (and baseline) ids this glue answers.
        #[allow(dead_code)]
        pub const IDS: &[&str] = &[$($id),+];
    };
    (@decode $m:ty, $id:literal, $v:ident, $arg:ident : $t:ty) => {
        let $arg: $t = <$t as $crate::glue::Arg<$m>>::arg($v);
    };
    (@decode $m:ty, $id:literal, $v:ident, $($arg:ident : $t:ty),+) => {
        let mut parts = $crate::glue::parts($v, [$(stringify!($arg)),+].len(), $id).iter();
        $(let $arg: $t = <$t as $crate::glue::Arg<$m>>::arg(parts.next().unwrap());)+
    };
}
