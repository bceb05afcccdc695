//! Privacy for the data a model is trained on and answers about (reference solutions):
//! pseudonymisation with a keyed hash, k-anonymity by generalisation, and the Laplace mechanism
//! of differential privacy.

use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;
use std::collections::HashMap;

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

pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A table of text cells, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub fn pseudonymise(key: &[u8], table: &Table, identifiers: &[&str]) -> Result<Table, PrivacyError> {
    let mut is_identifier = vec![false; table.columns.len()];
    for name in identifiers {
        let i = table.columns.iter().position(|c| c == name).ok_or(PrivacyError::UnknownColumn)?;
        is_identifier[i] = true;
    }
    let mut tokens: HashMap<&str, String> = HashMap::new();
    let rows = table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&is_identifier)
                .map(|(cell, &id)| {
                    if id && !cell.is_empty() {
                        tokens.entry(cell).or_insert_with(|| hmac_sha256_hex(key, cell.as_bytes())).clone()
                    } else {
                        cell.clone()
                    }
                })
                .collect()
        })
        .collect();
    Ok(Table { columns: table.columns.clone(), rows })
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

pub fn generalise(person: &Person, age_bands: &[u32], g: Generalisation) -> Generalised {
    let (age_from, age_to) = match g.age_level {
        0 => (person.age, person.age + 1),
        i => {
            let w = age_bands[i - 1];
            (person.age / w * w, person.age / w * w + w)
        }
    };
    let chars: Vec<char> = person.postcode.chars().collect();
    let kept = chars.len().saturating_sub(g.postcode_level);
    let postcode = chars[..kept].iter().chain(std::iter::repeat_n(&'*', chars.len() - kept)).collect();
    Generalised { age_from, age_to, postcode }
}

pub fn k_anonymity(people: &[Person], age_bands: &[u32], g: Generalisation) -> usize {
    let mut classes: HashMap<Generalised, usize> = HashMap::new();
    for p in people {
        *classes.entry(generalise(p, age_bands, g)).or_default() += 1;
    }
    classes.values().copied().min().unwrap_or(0)
}

pub fn minimal_generalisation(
    people: &[Person],
    age_bands: &[u32],
    target_k: usize,
) -> Result<Generalisation, PrivacyError> {
    let top_age = age_bands.len();
    let top_postcode = people.iter().map(|p| p.postcode.chars().count()).max().unwrap_or(0);
    for height in 0..=top_age + top_postcode {
        for age_level in 0..=height.min(top_age) {
            let postcode_level = height - age_level;
            if postcode_level > top_postcode {
                continue;
            }
            let g = Generalisation { age_level, postcode_level };
            if k_anonymity(people, age_bands, g) >= target_k {
                return Ok(g);
            }
        }
    }
    Err(PrivacyError::Unreachable)
}

// ---------------------------------------------------------------------------------------------
// The Laplace mechanism

/// One draw of Laplace(0, scale): an exponential draw of mean `scale` with a random sign.
fn laplace<R: Rng + ?Sized>(rng: &mut R, scale: f64) -> f64 {
    // In (0, 1]: the logarithm is finite.
    let u = 1.0 - rng.random::<f64>();
    let magnitude = -scale * u.ln();
    if rng.random::<bool>() {
        magnitude
    } else {
        -magnitude
    }
}

fn check_epsilon(epsilon: f64) -> Result<(), PrivacyError> {
    if epsilon.is_finite() && epsilon > 0.0 {
        Ok(())
    } else {
        Err(PrivacyError::InvalidEpsilon)
    }
}

pub fn noisy_count<R: Rng + ?Sized>(rng: &mut R, count: u64, epsilon: f64) -> Result<f64, PrivacyError> {
    check_epsilon(epsilon)?;
    Ok(count as f64 + laplace(rng, 1.0 / epsilon))
}

pub fn noisy_sum<R: Rng + ?Sized>(
    rng: &mut R,
    values: &[f64],
    lower: f64,
    upper: f64,
    epsilon: f64,
) -> Result<f64, PrivacyError> {
    check_epsilon(epsilon)?;
    if !(lower.is_finite() && upper.is_finite() && lower < upper) {
        return Err(PrivacyError::InvalidBounds);
    }
    let sensitivity = lower.abs().max(upper.abs());
    let sum: f64 = values.iter().map(|v| v.clamp(lower, upper)).sum();
    Ok(sum + laplace(rng, sensitivity / epsilon))
}
