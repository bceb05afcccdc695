//! Hidden suites for `stage7::privacy`.
//!
//! HMAC-SHA256 is checked on RFC 4231's test vectors (each a case that carries the RFC's value:
//! the reference must agree with it, or the case fails as the grader's own bug) and on random
//! keys and messages; pseudonymisation and k-anonymity are exact. The Laplace mechanism is
//! judged statistically (`Check::Custom`), never against the reference's draws: each case
//! releases 20,000 noisy answers from one seeded `ChaCha20Rng`, and their mean, their variance
//! and a Kolmogorov–Smirnov test against the Laplace CDF must pass at significance [`ALPHA`];
//! the glue runs the mechanism three times (the case's seed, the same seed again, another seed)
//! so that the noise must come from the generator given, all of it.

use crate::exact;
use grader_protocol::Value;
use grader_suite_api::compare;
use grader_suite_api::stats::{kolmogorov_cdf, kolmogorov_sf, num};
use grader_suite_api::suite::{Case, CheckCtx, ExerciseSuite, Failure, Gen};
use statrs::distribution::{ContinuousCDF, Normal};

pub fn suites() -> Vec<ExerciseSuite> {
    vec![
        ExerciseSuite::custom("stage7.privacy.hmac", hmac_cases, check_hmac),
        ExerciseSuite::custom("stage7.privacy.pseudonymise", pseudonymise_cases, exact),
        ExerciseSuite::custom("stage7.privacy.k_anonymity", k_anonymity_cases, exact),
        ExerciseSuite::custom("stage7.privacy.laplace", laplace_cases, check_laplace),
    ]
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn texts<S: AsRef<str>>(v: &[S]) -> Value {
    Value::List(v.iter().map(|s| text(s.as_ref())).collect())
}

// ---------------------------------------------------------------------------------------------
// HMAC-SHA256

/// RFC 4231 ("Identifiers and Test Vectors for HMAC-SHA-224, HMAC-SHA-256, HMAC-SHA-384, and
/// HMAC-SHA-512", M. Nystrom, December 2005), section 4: test cases 1, 2, 3, 4, 6 and 7 with
/// their HMAC-SHA-256 values (test case 5 gives only a truncated value). Label, key, data, MAC.
pub(crate) fn rfc4231() -> Vec<(&'static str, Vec<u8>, Vec<u8>, &'static str)> {
    vec![
        (
            "RFC 4231 test case 1: a 20-byte key",
            vec![0x0b; 20],
            b"Hi There".to_vec(),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            "RFC 4231 test case 2: a key shorter than the output",
            b"Jefe".to_vec(),
            b"what do ya want for nothing?".to_vec(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            "RFC 4231 test case 3: 50 bytes of 0xdd",
            vec![0xaa; 20],
            vec![0xdd; 50],
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        ),
        (
            "RFC 4231 test case 4: a 25-byte key",
            (1..=25).collect(),
            vec![0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
        (
            "RFC 4231 test case 6: a 131-byte key, longer than the block, is hashed first",
            vec![0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
        (
            "RFC 4231 test case 7: a long key and data longer than the block",
            vec![0xaa; 131],
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ]
}

fn hmac_input(key: Vec<u8>, messages: Vec<Vec<u8>>) -> Value {
    Value::List(vec![Value::Bytes(key), Value::List(messages.into_iter().map(Value::Bytes).collect())])
}

fn random_bytes(g: &mut Gen, n: usize) -> Vec<u8> {
    (0..n).map(|_| g.int(0, 255) as u8).collect()
}

fn hmac_cases(g: &mut Gen) -> Vec<Case> {
    let mut cases: Vec<Case> = rfc4231()
        .into_iter()
        .map(|(label, key, data, mac)| Case::new(label, hmac_input(key, vec![data])).with_secret(text(mac)))
        .collect();
    cases.push(Case::new("an empty key and an empty message", hmac_input(vec![], vec![vec![], b"a".to_vec()])));
    cases.push(Case::new(
        "a key of exactly 64 bytes, the block size",
        hmac_input(random_bytes(g, 64), vec![b"user@example.com".to_vec()]),
    ));
    cases.push(Case::new(
        "a 65-byte key, one byte over the block",
        hmac_input(random_bytes(g, 65), vec![b"user@example.com".to_vec()]),
    ));
    let key = random_bytes(g, 32);
    let messages = (0..20)
        .map(|_| {
            let n = g.size(0, 300);
            random_bytes(g, n)
        })
        .collect();
    cases.push(Case::new("a random 32-byte key, 20 random messages of up to 300 bytes", hmac_input(key, messages)));
    cases
}

/// The cases from RFC 4231 carry the RFC's value: the reference must agree with it (otherwise
/// the case fails as the grader's bug, and `cargo test` finds it), then the output is compared
/// with the reference's.
fn check_hmac(ctx: &CheckCtx) -> Result<(), Failure> {
    if let Value::Text(rfc) = ctx.secret {
        if ctx.expected != &Value::List(vec![text(rfc)]) {
            return Err(Failure::plain(
                "the grader's reference disagrees with RFC 4231 on this case (a bug in the grader, not in your code: \
                 please report it)",
            ));
        }
    }
    exact(ctx)
}

// ---------------------------------------------------------------------------------------------
// Pseudonymisation

fn pseudonymise_input(key: &[u8], columns: &[&str], rows: &[Vec<String>], identifiers: &[&str]) -> Value {
    let rows = rows.iter().map(|r| texts(r)).collect();
    Value::List(vec![Value::Bytes(key.to_vec()), texts(columns), Value::List(rows), texts(identifiers)])
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn pseudonymise_cases(g: &mut Gen) -> Vec<Case> {
    let key = b"course-pepper-2026";
    let columns = ["email", "country", "referrer", "spend"];
    let rows = vec![
        row(&["ann@example.com", "FR", "bob@example.com", "12.50"]),
        row(&["bob@example.com", "DE", "", "3.00"]),
        row(&["ann@example.com", "FR", "ann@example.com", "7.25"]),
        row(&["", "US", "carl@example.com", "0.00"]),
    ];
    let mut cases = vec![
        Case::new(
            "one identifier column: equal values get equal pseudonyms, other columns unchanged",
            pseudonymise_input(key, &columns, &rows, &["email"]),
        ),
        Case::new(
            "two identifier columns: one value gets one pseudonym in both; empty cells stay empty",
            pseudonymise_input(key, &columns, &rows, &["email", "referrer"]),
        ),
        Case::new(
            "a column named twice is replaced once",
            pseudonymise_input(key, &columns, &rows, &["email", "email"]),
        ),
        Case::new("no identifier columns: the table is unchanged", pseudonymise_input(key, &columns, &rows, &[])),
        Case::new("an unknown column", pseudonymise_input(key, &columns, &rows, &["email", "phone"])),
        Case::new("a table without rows", pseudonymise_input(key, &columns, &[], &["email"])),
        Case::new(
            "unicode values and an empty key",
            pseudonymise_input(
                b"",
                &["name", "city"],
                &[row(&["Zoë Ünal", "Zürich"]), row(&["李雷", "北京"])],
                &["name"],
            ),
        ),
    ];
    let users: Vec<String> = (0..40).map(|i| format!("user{i}@example.org")).collect();
    let rows: Vec<Vec<String>> = (0..300)
        .map(|_| {
            let u = users[g.size(0, users.len() - 1)].clone();
            let r = if g.float(0.0, 1.0) < 0.3 { String::new() } else { users[g.size(0, users.len() - 1)].clone() };
            vec![format!("{}", g.int(1, 9999)), u, r, format!("{:.2}", g.float(0.0, 200.0))]
        })
        .collect();
    let key = (0..24).map(|_| g.int(0, 255) as u8).collect::<Vec<u8>>();
    cases.push(Case::new(
        "300 orders of 40 users, buyer and referrer pseudonymised",
        pseudonymise_input(&key, &["order", "buyer", "referrer", "total"], &rows, &["referrer", "buyer"]),
    ));
    cases
}

// ---------------------------------------------------------------------------------------------
// k-anonymity

fn k_input(people: &[(u32, &str)], bands: &[u32], target: usize) -> Value {
    let people = people.iter().map(|&(a, p)| Value::List(vec![Value::Int(a.into()), text(p)])).collect();
    Value::List(vec![Value::List(people), Value::Ints(bands.iter().map(|&b| b.into()).collect()), target.into()])
}

fn k_anonymity_cases(g: &mut Gen) -> Vec<Case> {
    let bands = [5, 10, 20, 100];
    let pairs = [(34, "75011"), (34, "75011"), (51, "69003"), (51, "69003"), (28, "13001"), (28, "13001")];
    let spread = [(31, "75011"), (33, "75012"), (36, "75013"), (38, "75019"), (41, "75020"), (44, "75015")];
    let mut cases = vec![
        Case::new("already 2-anonymous: nothing to generalise", k_input(&pairs, &bands, 2)),
        Case::new("target 1: any table, as it is", k_input(&spread, &bands, 1)),
        Case::new("target 0 and an empty table", k_input(&[], &bands, 0)),
        Case::new("target 1 and an empty table: unreachable", k_input(&[], &bands, 1)),
        Case::new("more people asked for than the table holds: unreachable", k_input(&pairs, &bands, 7)),
        Case::new(
            "a tie at height 1: one postcode digit or one age band both make pairs; the postcode goes first",
            // (0, 1) and (1, 0) both reach k = 2; (0, 1) comes first in the lattice's order.
            k_input(&[(30, "75011"), (30, "75012"), (31, "75011"), (31, "75012")], &[5], 2),
        ),
        Case::new(
            "the tie again, the other way: only the age band makes pairs at height 1",
            k_input(&[(30, "75011"), (31, "75011"), (30, "75022"), (31, "75022")], &[5], 2),
        ),
        Case::new(
            "ages must be banded: postcodes alone never reach the target",
            k_input(
                &[(21, "10001"), (23, "10001"), (24, "10001"), (38, "10001"), (39, "10001"), (35, "10001")],
                &bands,
                3,
            ),
        ),
        Case::new("6-anonymous: one class, the widest age band", k_input(&spread, &bands, 6)),
        Case::new(
            "bands too narrow to merge the ages, postcodes already equal: unreachable",
            k_input(&[(20, "1"), (40, "1"), (60, "1")], &[2, 4], 2),
        ),
        Case::new(
            "no age bands at all: only whole postcodes removed reach the target (the lattice's top, height 5)",
            k_input(&[(30, "75011"), (30, "13002"), (30, "69003"), (30, "31004")], &[], 4),
        ),
    ];
    for (n, target, prefixes) in [(60, 3, 4), (200, 5, 6), (500, 10, 12)] {
        let prefixes: Vec<String> = (0..prefixes).map(|_| format!("{:03}", g.int(10, 999))).collect();
        let people: Vec<(u32, String)> = (0..n)
            .map(|_| {
                let p = &prefixes[g.size(0, prefixes.len() - 1)];
                (g.int(18, 90) as u32, format!("{p}{:02}", g.int(0, 20)))
            })
            .collect();
        let people: Vec<(u32, &str)> = people.iter().map(|(a, p)| (*a, p.as_str())).collect();
        cases.push(Case::new(format!("{n} people, target k = {target}"), k_input(&people, &bands, target)));
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// The Laplace mechanism

/// Significance of every statistical test: a correct mechanism fails a case this rarely.
const ALPHA: f64 = 1e-7;
/// Releases per case: enough that Gaussian noise of the same variance, or Laplace noise of a
/// scale 10% off, fails by a wide margin.
const RELEASES: usize = 20_000;
/// Tests below this many releases are skipped: only the count and the reproducibility are
/// checked.
const MIN_FOR_TESTS: usize = 1000;

/// `[seed, query, values, lower, upper, epsilon, releases]`.
fn laplace_input(
    g: &mut Gen,
    query: &str,
    values: Vec<f64>,
    (lower, upper): (f64, f64),
    epsilon: f64,
    n: usize,
) -> Value {
    Value::List(vec![
        Value::Int(g.seed() as i64),
        text(query),
        Value::Floats(values),
        lower.into(),
        upper.into(),
        epsilon.into(),
        n.into(),
    ])
}

fn laplace_cases(g: &mut Gen) -> Vec<Case> {
    let records = |g: &mut Gen, n: usize| g.floats(n, 0.0, 100.0);
    let mut cases = Vec::new();
    for (label, epsilon, n) in [
        ("a count of 1,000 records, epsilon 0.5", 0.5, 1000),
        ("a count of 250 records, epsilon 0.1 (much noise)", 0.1, 250),
        ("a count of 5,000 records, epsilon 2 (little noise)", 2.0, 5000),
        ("a count of 40 records, epsilon 1", 1.0, 40),
        ("a count of an empty table, epsilon 0.7", 0.7, 0),
    ] {
        let values = records(g, n);
        cases.push(Case::new(
            format!("{label}, 20,000 releases"),
            laplace_input(g, "count", values, (0.0, 1.0), epsilon, RELEASES),
        ));
    }
    let salaries: Vec<f64> = (0..500).map(|_| (g.float(20.0, 180.0) * 1000.0).round()).collect();
    let mut wild = salaries.clone();
    wild.extend([5_000_000.0, -250_000.0, 1e9]);
    let scores = g.floats(300, -80.0, 40.0);
    for (label, query, values, lower, upper, epsilon) in [
        ("a sum of 500 salaries clipped to [0, 200,000], epsilon 1", "sum", salaries, 0.0, 200_000.0, 1.0),
        ("values beyond the bounds are clipped before summing, epsilon 0.5", "sum", wild, 0.0, 200_000.0, 0.5),
        ("bounds [−50, 20]: the sensitivity is 50, epsilon 0.25", "sum", scores, -50.0, 20.0, 0.25),
    ] {
        cases.push(Case::new(
            format!("{label}, 20,000 releases"),
            laplace_input(g, query, values, (lower, upper), epsilon, RELEASES),
        ));
    }
    let few = records(g, 10);
    cases.push(Case::new(
        "5 releases (reproducibility only)",
        laplace_input(g, "count", few.clone(), (0.0, 1.0), 0.5, 5),
    ));
    for (label, query, lower, upper, epsilon) in [
        ("epsilon 0", "count", 0.0, 1.0, 0.0),
        ("a negative epsilon", "sum", 0.0, 100.0, -1.0),
        ("epsilon NaN", "count", 0.0, 1.0, f64::NAN),
        ("an infinite epsilon (no privacy at all)", "sum", 0.0, 100.0, f64::INFINITY),
        ("bounds the wrong way round", "sum", 100.0, 0.0, 1.0),
        ("equal bounds", "sum", 5.0, 5.0, 1.0),
        ("an infinite bound", "sum", 0.0, f64::INFINITY, 1.0),
        ("a bad epsilon and bad bounds: the epsilon is checked first", "sum", 100.0, 0.0, 0.0),
    ] {
        cases.push(Case::new(label, laplace_input(g, query, few.clone(), (lower, upper), epsilon, 3)));
    }
    cases
}

/// The mechanism's three runs (`=> (releases, same_seed, other_seed)`), checked for their kind
/// and length; `None` when the reference refused the case (then the variant must match).
fn releases<'a>(ctx: &'a CheckCtx, n: usize) -> Result<Option<[&'a [f64]; 3]>, Failure> {
    let (Value::List(expected), Value::List(got)) = (ctx.expected, ctx.got) else {
        panic!("suite: the Laplace glue returns its three runs as a tuple")
    };
    if let Value::Error(_) = expected[0] {
        return compare::values(&expected[0], &got[0], ctx.tol).map(|()| None);
    }
    let mut runs = [&[][..]; 3];
    for (i, (run, got)) in ["", " from the same seed again", " from another seed"].iter().zip(got).enumerate() {
        runs[i] = match got {
            Value::Floats(x) if x.len() == n => x,
            Value::Floats(x) => {
                return Err(Failure::plain(format!("expected exactly {n} releases{run}, got {}", x.len())));
            }
            Value::Error(e) => return Err(Failure::plain(format!("expected {n} releases{run}, got error `{e}`"))),
            other => return Err(Failure::plain(format!("expected {n} releases{run}, got a {}", other.kind()))),
        };
    }
    Ok(Some(runs))
}

/// The true answer and the noise's scale `b = Δ/ε` of a case the reference answered.
fn truth(input: &Value) -> (f64, f64) {
    let (values, lower, upper, epsilon) =
        (input.at(2).floats(), input.at(3).float(), input.at(4).float(), input.at(5).float());
    match input.at(1).text() {
        "count" => (values.len() as f64, 1.0 / epsilon),
        _ => (values.iter().map(|v| v.clamp(lower, upper)).sum(), lower.abs().max(upper.abs()) / epsilon),
    }
}

/// The CDF of Laplace(mu, b).
fn laplace_cdf(x: f64, mu: f64, b: f64) -> f64 {
    if x < mu {
        0.5 * ((x - mu) / b).exp()
    } else {
        1.0 - 0.5 * (-(x - mu) / b).exp()
    }
}

fn p_value(p: f64) -> String {
    if p < 1e-300 {
        format!("p < 1e-300, far below {ALPHA:e}")
    } else {
        format!("p = {p:.1e} < {ALPHA:e}")
    }
}

/// Two-sided p-value of a standard normal statistic.
fn two_sided(z: f64) -> f64 {
    2.0 * Normal::standard().sf(z.abs())
}

/// Releases of the Laplace mechanism, judged statistically: reproducible from the seed, changed
/// by another seed, finite, independent of each other (lag-1 autocorrelation), with the mean of
/// the true answer, the variance `2b²`, and the shape of the Laplace distribution
/// (Kolmogorov–Smirnov, both tails: not too far, and not implausibly close, from its CDF).
fn check_laplace(ctx: &CheckCtx) -> Result<(), Failure> {
    let n = ctx.input.at(6).usize();
    let Some([x, same, other]) = releases(ctx, n)? else {
        return Ok(());
    };
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Failure::plain(format!("release {i} is {}: every release must be a finite number", x[i])));
    }
    if let Some(i) = x.iter().zip(same).position(|(a, b)| a.to_bits() != b.to_bits()) {
        return Err(Failure::plain(format!(
            "two generators made from the same seed gave different releases (first at release {i}): the noise must \
             come from the `rng` you are given, and from nothing else"
        )));
    }
    if n == 0 {
        return Ok(());
    }
    if x == other {
        return Err(Failure::plain(format!(
            "generators made from two different seeds gave the same {n} releases: the noise must come from the `rng` \
             you are given"
        )));
    }
    if n < MIN_FOR_TESTS {
        return Ok(());
    }
    let (mu, b) = truth(ctx.input);
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    let name = format!("the true answer {} plus Laplace(0, b = {}) noise", num(mu), num(b));
    let moments = format!("your releases have mean {} and variance {}", num(mean), num(var));
    // 1. The mean: the noise's mean is 0, its variance 2b².
    let z = (mean - mu) / (2.0f64.sqrt() * b / nf.sqrt());
    let p = two_sided(z);
    if p < ALPHA {
        return Err(Failure::plain(format!(
            "the mean is off: {moments}, where {name} has mean {} (z = {z:.1}, {})",
            num(mu),
            p_value(p)
        )));
    }
    // 2. The variance 2b²: the sample variance has variance (μ₄ − σ⁴)/n = (24 − 4) b⁴ / n.
    let z = (var - 2.0 * b * b) / (20.0f64.sqrt() * b * b / nf.sqrt());
    let p = two_sided(z);
    if p < ALPHA {
        return Err(Failure::plain(format!(
            "the spread is off: {moments}, where {name} has variance 2b² = {} (z = {z:.1}, {}): is the scale Δ/ε?",
            num(2.0 * b * b),
            p_value(p)
        )));
    }
    // 3. No release predicts the next: lag-1 autocorrelation, about normal with mean -1/n and
    //    variance 1/n for independent releases.
    let spread: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    let r = x.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum::<f64>() / spread;
    let p = two_sided((r + 1.0 / nf) * nf.sqrt());
    if p < ALPHA {
        return Err(Failure::plain(format!(
            "the releases are not independent: each is correlated with the previous one (autocorrelation {r:.3}, {}); \
             every release needs fresh noise",
            p_value(p)
        )));
    }
    // 4. The shape: Kolmogorov–Smirnov distance to the Laplace CDF.
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (mut d, mut at, mut emp, mut cdf_at) = (0.0, 0.0, 0.0, 0.0);
    for (i, &v) in sorted.iter().enumerate() {
        let f = laplace_cdf(v, mu, b);
        for e in [i as f64 / nf, (i + 1) as f64 / nf] {
            if (e - f).abs() > d {
                (d, at, emp, cdf_at) = ((e - f).abs(), v, e, f);
            }
        }
    }
    let t = d * (nf.sqrt() + 0.12 + 0.11 / nf.sqrt());
    let p = kolmogorov_sf(t);
    if p < ALPHA {
        return Err(Failure::plain(format!(
            "the releases do not look like {name}: Kolmogorov–Smirnov distance {d:.4} ({}); the largest gap is at {}, \
             where {emp:.4} of your releases lie below and the Laplace distribution puts {cdf_at:.4} (Gaussian noise \
             has thinner tails and a rounder peak)",
            p_value(p),
            num(at)
        )));
    }
    let p_lower = kolmogorov_cdf(t);
    if p_lower < ALPHA {
        return Err(Failure::plain(format!(
            "the releases fit {name} too well to be random: a Kolmogorov–Smirnov distance this small ({d:.2e}) happens \
             by chance with probability {p_lower:.1e} < {ALPHA:e}; the noise must be random, not laid out over the \
             distribution's quantiles"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader_suite_api::compare::Tolerance;
    use hmac::{Hmac, KeyInit, Mac};
    use rand::{Rng, SeedableRng};

    /// The vectors as transcribed here agree with an independent HMAC-SHA-256 (the `hmac` and
    /// `sha2` crates), so a typo in this file cannot pass for a bug of the reference's.
    #[test]
    fn the_rfc_4231_vectors_are_transcribed_right() {
        for (label, key, data, mac) in rfc4231() {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            m.update(&data);
            let hex: String = m.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, mac, "{label}");
        }
    }

    #[test]
    fn the_hmac_check_holds_the_reference_to_the_rfc() {
        let (_, _, _, mac) = &rfc4231()[0];
        let right = Value::List(vec![text(mac)]);
        let wrong = Value::List(vec![text(&mac.replace('b', "c"))]);
        let secret = text(mac);
        let mut ctx = CheckCtx::new(&Value::Unit, &right, &right, Tolerance::EXACT);
        ctx.secret = &secret;
        assert!(check_hmac(&ctx).is_ok());
        ctx.got = &wrong;
        let f = check_hmac(&ctx).unwrap_err();
        assert_eq!(f.diagnosis.as_deref(), Some("a different value at output[0]"));
        // A reference that disagrees with the RFC fails the case, whatever the student sent.
        ctx.expected = &wrong;
        ctx.got = &wrong;
        assert!(check_hmac(&ctx).unwrap_err().message.contains("disagrees with RFC 4231"));
    }

    fn draws(seed: u64, n: usize, f: impl Fn(&mut rand_chacha::ChaCha20Rng) -> f64) -> Vec<f64> {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| f(&mut rng)).collect()
    }

    /// Judges three runs of `sampler` (seeded 1, 1, 2) on a count query of 100 records with
    /// epsilon 0.5 (b = 2), as the glue would send them.
    fn judge(sampler: impl Fn(&mut rand_chacha::ChaCha20Rng) -> f64 + Copy) -> Result<(), Failure> {
        let input = Value::List(vec![
            Value::Int(1),
            text("count"),
            Value::Floats(vec![0.0; 100]),
            0.0.into(),
            1.0.into(),
            0.5.into(),
            RELEASES.into(),
        ]);
        let run = |seed| Value::Floats(draws(seed, RELEASES, sampler));
        let got = Value::List(vec![run(1), run(1), run(2)]);
        check_laplace(&CheckCtx::new(&input, &got, &got, Tolerance::EXACT))
    }

    fn exponential(rng: &mut rand_chacha::ChaCha20Rng) -> f64 {
        -(1.0 - rng.random::<f64>()).ln()
    }

    fn gaussian(rng: &mut rand_chacha::ChaCha20Rng) -> f64 {
        let (u, v) = (1.0 - rng.random::<f64>(), rng.random::<f64>());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    #[test]
    fn the_laplace_check_passes_laplace_noise_and_rejects_its_look_alikes() {
        let b = 2.0;
        let laplace = |rng: &mut rand_chacha::ChaCha20Rng| {
            let e = b * exponential(rng);
            100.0 + if rng.random::<bool>() { e } else { -e }
        };
        assert_eq!(judge(laplace), Ok(()));
        // Gaussian noise of the same variance 2b²: only the shape tells them apart.
        let f = judge(|rng| 100.0 + 2.0f64.sqrt() * b * gaussian(rng)).unwrap_err();
        assert!(f.message.contains("do not look like"), "{}", f.message);
        // The scale Δ·ε instead of Δ/ε: b = 0.5.
        let f = judge(|rng| {
            let e = 0.5 * exponential(rng);
            100.0 + if rng.random::<bool>() { e } else { -e }
        })
        .unwrap_err();
        assert!(f.message.contains("the spread is off"), "{}", f.message);
        // Noise around the wrong answer (the count off by one).
        let f = judge(move |rng| laplace(rng) + 1.0).unwrap_err();
        assert!(f.message.contains("the mean is off"), "{}", f.message);
        // One-sided noise (no random sign) has the wrong mean too.
        let f = judge(move |rng| 100.0 + b * exponential(rng)).unwrap_err();
        assert!(f.message.contains("the mean is off"), "{}", f.message);
    }

    #[test]
    fn the_laplace_check_rejects_what_is_not_a_mechanism() {
        let b = 2.0;
        let input = Value::List(vec![
            Value::Int(1),
            text("count"),
            Value::Floats(vec![0.0; 100]),
            0.0.into(),
            1.0.into(),
            0.5.into(),
            RELEASES.into(),
        ]);
        let judge_runs = |runs: [Vec<f64>; 3]| {
            let got = Value::List(runs.map(Value::Floats).to_vec());
            check_laplace(&CheckCtx::new(&input, &got, &got, Tolerance::EXACT))
        };
        // Exact Laplace quantiles, in random order: the right shape, but no randomness.
        let mut grid: Vec<f64> = (0..RELEASES)
            .map(|i| {
                let u = (i as f64 + 0.5) / RELEASES as f64;
                if u < 0.5 {
                    100.0 + b * (2.0 * u).ln()
                } else {
                    100.0 - b * (2.0 - 2.0 * u).ln()
                }
            })
            .collect();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        rand::seq::SliceRandom::shuffle(&mut grid[..], &mut rng);
        let other: Vec<f64> = grid.iter().rev().copied().collect();
        let f = judge_runs([grid.clone(), grid.clone(), other]).unwrap_err();
        assert!(f.message.contains("too well"), "{}", f.message);
        // A fixed seed inside the mechanism: every seed gives the same releases.
        let same = draws(7, RELEASES, exponential);
        let f = judge_runs([same.clone(), same.clone(), same.clone()]).unwrap_err();
        assert!(f.message.contains("two different seeds"), "{}", f.message);
        // A generator of its own: the same seed does not reproduce the releases.
        let f = judge_runs([draws(3, RELEASES, exponential), draws(4, RELEASES, exponential), same]).unwrap_err();
        assert!(f.message.contains("same seed gave different releases"), "{}", f.message);
        // Sorted releases: right shape, but each predicts the next.
        let mut sorted = draws(5, RELEASES, |rng| {
            let e = b * exponential(rng);
            100.0 + if rng.random::<bool>() { e } else { -e }
        });
        sorted.sort_by(f64::total_cmp);
        let f = judge_runs([sorted.clone(), sorted.clone(), grid]).unwrap_err();
        assert!(f.message.contains("not independent"), "{}", f.message);
    }
}
