//! Privacy for the data a model is trained on and answers about: pseudonymisation with a keyed
//! hash, k-anonymity by generalisation, and the Laplace mechanism of differential privacy.

use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivacyError {
    /// A column named as an identifier is not in the table.
    UnknownColumn,
    /// No generalisation of the lattice reaches the target k.
    Unreachable,
    /// `epsilon` is not a finite number above 0.
    InvalidEpsilon,
    /// The clipping bounds are not finite, or `lower >= upper`.
    InvalidBounds,
}

// ---------------------------------------------------------------------------------------------
// Pseudonymisation

/// HMAC-SHA256 of `message` under `key` (RFC 2104 with SHA-256), as 64 lowercase hex digits.
///
/// A keyed hash, not a plain one: `sha256(email)` can be reversed by hashing every known email
/// address (a dictionary attack), `HMAC(key, email)` cannot without the key. Use the `hmac` and
/// `sha2` crates:
///
/// ```text
/// use hmac::{Hmac, KeyInit, Mac};
/// let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key)  // any key length works
/// mac.update(message);
/// mac.finalize().into_bytes()                               // 32 bytes: format each as {:02x}
/// ```
///
/// The grader checks yours on RFC 4231's test vectors (keys shorter and longer than the
/// 64-byte block, an empty key) and on random keys and messages.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    todo!()
}

/// A table of text cells, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Replaces every cell of the `identifiers` columns by its pseudonym
/// `hmac_sha256_hex(key, cell.as_bytes())`, so that a training set can be joined and
/// deduplicated by user without holding anyone's email address or customer number.
///
/// - Consistent: the same value gets the same pseudonym in every row and every identifier column
///   (joins keep working); different values get different ones.
/// - An empty cell stays empty (a missing value is not an identity: hashing it would make all
///   missing values one "person").
/// - Other columns and the column names are unchanged; rows keep their order.
/// - A column named twice in `identifiers` is replaced once (not hashed twice).
///
/// Whoever holds the key can recompute pseudonyms (to link new data): keep it out of the data
/// store, and rotate it to unlink.
///
/// # Errors
/// `UnknownColumn` when an identifier is not one of `table.columns`.
pub fn pseudonymise(key: &[u8], table: &Table, identifiers: &[&str]) -> Result<Table, PrivacyError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// k-anonymity

/// The quasi-identifiers of one person: together they can single someone out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub age: u32,
    /// Digits.
    pub postcode: String,
}

/// A node of the generalisation lattice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generalisation {
    /// 0: the exact age; `i >= 1`: bands of width `age_bands[i - 1]`.
    pub age_level: usize,
    /// How many trailing characters of the postcode are replaced by `*`.
    pub postcode_level: usize,
}

/// A person's generalised quasi-identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Generalised {
    /// The age band is `[age_from, age_to)`.
    pub age_from: u32,
    pub age_to: u32,
    pub postcode: String,
}

/// A person's quasi-identifiers at the generalisation `g`.
///
/// - Age level 0: the exact age, the band `[age, age + 1)`. Level `i >= 1`: the band of width
///   `w = age_bands[i - 1]` that holds the age, `[age / w · w, age / w · w + w)` (integer
///   division: with `w = 10`, 37 is `[30, 40)`).
/// - Postcode level `p`: the last `p` characters replaced by `*` (`"75011"` at level 2 is
///   `"750**"`; a level beyond the postcode's length stars all of it, keeping its length).
///
/// `age_bands` holds the band widths (each at least 1) from the finest to the coarsest
/// (`[5, 10, 20]`); `g.age_level <= age_bands.len()`.
pub fn generalise(person: &Person, age_bands: &[u32], g: Generalisation) -> Generalised {
    todo!()
}

/// The k of a table at the generalisation `g`: group the people by their generalised
/// quasi-identifiers (equal age band and equal generalised postcode); k is the size of the
/// smallest group. Every person is then indistinguishable from at least k − 1 others. An empty
/// table has k = 0.
pub fn k_anonymity(people: &[Person], age_bands: &[u32], g: Generalisation) -> usize {
    todo!()
}

/// The least generalisation that makes the table `target_k`-anonymous (k >= target_k).
///
/// The lattice: age levels `0..=age_bands.len()`, postcode levels `0..=L` with `L` the longest
/// postcode's length (in characters). A node's *height* is `age_level + postcode_level`: each
/// step up loses information. Search the heights from 0 upwards and return the first node that
/// reaches the target; among the nodes of one height, the one with the **lowest age level**
/// first (ages are the more useful to a model, so postcode digits go first: at height 2 the
/// order is (0, 2), (1, 1), (2, 0)).
///
/// `target_k <= 1` is reached by `(0, 0)` (any table is 1-anonymous; `target_k == 0` even
/// an empty one).
///
/// # Errors
/// `Unreachable` when no node reaches the target (more people asked for than there are in the
/// table, or bands too narrow to merge them).
pub fn minimal_generalisation(
    people: &[Person],
    age_bands: &[u32],
    target_k: usize,
) -> Result<Generalisation, PrivacyError> {
    todo!()
}

// ---------------------------------------------------------------------------------------------
// The Laplace mechanism

/// A count released with ε-differential privacy: `count + Laplace(0, 1/ε)` noise.
///
/// Adding or removing one person changes a count by at most 1: its *sensitivity* is Δ = 1. The
/// Laplace mechanism adds noise of scale `b = Δ/ε`, whose density is `exp(−|x|/b) / (2b)`
/// (mean 0, variance `2b²`). Smaller ε: more privacy, more noise.
///
/// Draw the noise from `rng` and nothing else (a seeded generator must reproduce a release).
/// One way: `u` uniform in `(0, 1]` (`1.0 - rng.random::<f64>()`), `e = −b · ln(u)` is
/// exponential with mean `b`, and a fair sign (`rng.random::<bool>()`) makes it Laplace. (The
/// inverse CDF works too; a uniform of exactly 0 must not give an infinite value.)
///
/// The grader calls it 20,000 times per case from a `ChaCha20Rng` and tests the releases: their
/// mean is the count, their variance `2b²`, a Kolmogorov–Smirnov test against the Laplace CDF
/// passes, and the same seed gives the same numbers, another seed others. Gaussian noise, or
/// Laplace noise of the wrong scale, fails.
///
/// # Errors
/// `InvalidEpsilon` unless `epsilon` is finite and `> 0`.
pub fn noisy_count<R: Rng + ?Sized>(rng: &mut R, count: u64, epsilon: f64) -> Result<f64, PrivacyError> {
    todo!()
}

/// A sum released with ε-differential privacy: each value clipped to `[lower, upper]`
/// (`v.clamp(lower, upper)`), summed, plus Laplace noise of scale `Δ/ε`.
///
/// Clipping bounds the influence of one person: adding or removing one changes the clipped sum
/// by at most `Δ = max(|lower|, |upper|)`, the sum's sensitivity. Without clipping one huge value
/// would be visible through any amount of noise. The noise is drawn as in [`noisy_count`].
///
/// # Errors
/// `InvalidEpsilon` as in [`noisy_count`] (checked first); `InvalidBounds` when a bound is not
/// finite or `lower >= upper`.
pub fn noisy_sum<R: Rng + ?Sized>(
    rng: &mut R,
    values: &[f64],
    lower: f64,
    upper: f64,
    epsilon: f64,
) -> Result<f64, PrivacyError> {
    todo!()
}
