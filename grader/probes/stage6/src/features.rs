//! Glue for `stage6::features`: the events' CSV, the tables as `[name, csv]` pairs and the
//! maximum age go in; the data frame comes back as its columns, each `[name, values]`, a value
//! being text, an integer, a number or unit for null (any other type is answered as an error, so
//! that a frame with a wrongly typed column fails by name).

use crate::convert::Stage6;
use grader_protocol::Value;
use polars::prelude::*;

fn column(c: &Column) -> Value {
    let s = c.as_materialized_series();
    let values: Vec<Value> = match s.dtype() {
        DataType::String => {
            s.str().expect("string").iter().map(|v| v.map_or(Value::Unit, |t| Value::Text(t.into()))).collect()
        }
        DataType::Int64 => s.i64().expect("i64").iter().map(|v| v.map_or(Value::Unit, Value::Int)).collect(),
        DataType::Float64 => s.f64().expect("f64").iter().map(|v| v.map_or(Value::Unit, Value::Float)).collect(),
        other => {
            return Value::List(vec![
                Value::Text(c.name().to_string()),
                Value::Error(format!("column of type {other}")),
            ])
        }
    };
    Value::List(vec![Value::Text(c.name().to_string()), Value::List(values)])
}

fn frame(df: DataFrame) -> Value {
    Value::List(df.columns().iter().map(column).collect())
}

probe_runtime::glue! { Stage6;
    "stage6.features.point_in_time" => |events: &Value, tables: &Value, max_age: i64| {
        let tables: Vec<(String, String)> =
            tables.list().iter().map(|t| (t.at(0).text().to_string(), t.at(1).text().to_string())).collect();
        stage6::features::training_rows(events.text(), &tables, max_age).map(frame)
    };
}
