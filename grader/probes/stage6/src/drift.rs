//! Glue for `stage6::drift`.
//!
//! A table travels as a list of features `[name, kind, values]`, `kind` being `"numeric"`
//! (values: floats) or `"categorical"` (values: texts). A report comes back as one row per
//! feature: `[name, test, statistic, p_value, psi (or unit), drifted]`.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::drift::{self, Feature, Values};

probe_runtime::glue! { Stage6;
    "stage6.drift.psi" => |expected: &[f64], actual: &[f64], bins: usize| {
        drift::psi(expected, actual, bins)
    };
    "stage6.drift.ks" => |a: &[f64], b: &[f64], lambdas: &[f64]| {
        let test = drift::ks_two_sample(a, b).map(|t| (t.statistic, t.p_value));
        let sf: Vec<f64> = lambdas.iter().map(|&l| drift::kolmogorov_sf(l)).collect();
        (test, sf)
    } => (test, sf);
    "stage6.drift.chi_square" => |reference: Vec<u64>, current: Vec<u64>| {
        drift::chi_square(&reference, &current).map(|t| (t.statistic, t.dof, t.p_value))
    };
    "stage6.drift.report" => |reference: &Value, current: &Value, alpha: f64| {
        drift::drift_report(&table(reference), &table(current), alpha).map(|rows| {
            rows.into_iter()
                .map(|r| {
                    Value::List(vec![
                        r.name.into(),
                        r.test.to_string().into(),
                        r.statistic.into(),
                        r.p_value.into(),
                        r.psi.map_or(Value::Unit, Value::from),
                        r.drifted.into(),
                    ])
                })
                .collect::<Vec<Value>>()
        })
    };
}

fn table(v: &Value) -> Vec<Feature> {
    v.list()
        .iter()
        .map(|f| Feature {
            name: f.at(0).text().to_string(),
            values: match f.at(1).text() {
                "numeric" => Values::Numeric(f.at(2).floats().to_vec()),
                "categorical" => Values::Categorical(f.at(2).list().iter().map(|c| c.text().to_string()).collect()),
                other => panic!("glue: unknown feature kind {other}"),
            },
        })
        .collect()
}
