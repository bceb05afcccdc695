//! Glue for `stage7::privacy`.
//!
//! Keys and messages travel as bytes, a table as its column names and rows of texts, people as
//! `[age, postcode]`. The Laplace mechanism is released `releases` times from one generator,
//! three times over (`probe_runtime::glue::three_runs`): from the case's seed, from it again,
//! from another seed; each generator is a `ChaCha20Rng` built here from its seed. A count
//! query counts the values' records.

use crate::convert::Stage7;
use grader_protocol::Value;
use probe_runtime::glue::three_runs;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stage7::privacy::{self, Generalisation, Person, Table};

probe_runtime::glue! { Stage7;
    "stage7.privacy.hmac" => |key: &[u8], messages: &Value| {
        messages.list().iter().map(|m| privacy::hmac_sha256_hex(key, m.bytes()).into()).collect::<Vec<Value>>()
    };
    "stage7.privacy.pseudonymise" => |key: &[u8], columns: Vec<&str>, rows: &Value, identifiers: Vec<&str>| {
        let table = Table { columns: columns.iter().map(|c| c.to_string()).collect(), rows: text_rows(rows) };
        privacy::pseudonymise(key, &table, &identifiers).map(|t| {
            let names = t.columns.into_iter().map(Value::from).collect::<Vec<Value>>();
            let rows = t.rows.into_iter().map(|r| Value::List(r.into_iter().map(Value::from).collect())).collect();
            (Value::List(names), Value::List(rows))
        })
    } => (columns, rows);
    "stage7.privacy.k_anonymity" => |people: &Value, age_bands: Vec<u32>, target_k: usize| {
        let people = persons(people);
        let k_before = privacy::k_anonymity(&people, &age_bands, Generalisation { age_level: 0, postcode_level: 0 });
        let minimal = privacy::minimal_generalisation(&people, &age_bands, target_k).map(|g| {
            let rows = people
                .iter()
                .map(|p| {
                    let q = privacy::generalise(p, &age_bands, g);
                    Value::List(vec![Value::Int(q.age_from.into()), Value::Int(q.age_to.into()), q.postcode.into()])
                })
                .collect();
            let k_after = privacy::k_anonymity(&people, &age_bands, g);
            Value::List(vec![g.age_level.into(), g.postcode_level.into(), k_after.into(), Value::List(rows)])
        });
        (k_before, minimal)
    } => (k_before, minimal);
    "stage7.privacy.laplace" => |seed: u64, query: &str, values: Vec<f64>, lower: f64, upper: f64, epsilon: f64, releases: usize| {
        three_runs(seed, ChaCha20Rng::seed_from_u64, |rng| {
            (0..releases)
                .map(|_| match query {
                    "count" => privacy::noisy_count(rng, values.len() as u64, epsilon),
                    "sum" => privacy::noisy_sum(rng, &values, lower, upper, epsilon),
                    other => panic!("glue: unknown query {other}"),
                })
                .collect::<Result<Vec<f64>, _>>()
        })
    } => (releases, same_seed, other_seed);
}

fn text_rows(v: &Value) -> Vec<Vec<String>> {
    v.list().iter().map(|r| r.list().iter().map(|c| c.text().to_string()).collect()).collect()
}

fn persons(v: &Value) -> Vec<Person> {
    v.list()
        .iter()
        .map(|p| Person {
            age: u32::try_from(p.at(0).int()).expect("glue: an age out of the range of u32"),
            postcode: p.at(1).text().to_string(),
        })
        .collect()
}
