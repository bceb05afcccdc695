//! Glue for `stage6::quality`: the schema travels as columns `[name, kind, nullable, min, max,
//! allowed, unique]` (`min`/`max` unit when absent); each violation comes back as
//! `[row or unit, column, rule]`.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::quality::{self, Column, Kind};

fn bound(v: &Value) -> Option<f64> {
    match v {
        Value::Unit => None,
        other => Some(other.float()),
    }
}

fn schema(v: &Value) -> Vec<Column> {
    v.list()
        .iter()
        .map(|c| Column {
            name: c.at(0).text().to_string(),
            kind: match c.at(1).text() {
                "int" => Kind::Int,
                "float" => Kind::Float,
                "text" => Kind::Text,
                other => panic!("glue: no kind `{other}`"),
            },
            nullable: c.at(2).bool(),
            min: bound(c.at(3)),
            max: bound(c.at(4)),
            allowed: c.at(5).list().iter().map(|a| a.text().to_string()).collect(),
            unique: c.at(6).bool(),
        })
        .collect()
}

probe_runtime::glue! { Stage6;
    "stage6.quality.violations" => |csv: &str, columns: &Value| {
        quality::violations(csv, &schema(columns)).map(|vs| {
            Value::List(
                vs.into_iter()
                    .map(|v| {
                        Value::List(vec![
                            v.row.map_or(Value::Unit, |r| Value::Int(r as i64)),
                            Value::Text(v.column),
                            Value::Text(format!("{:?}", v.rule)),
                        ])
                    })
                    .collect(),
            )
        })
    };
}
