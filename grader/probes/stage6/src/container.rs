//! Glue for `stage6::container`: a Dockerfile travels as its text; findings come back as
//! `[line, rule]`.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::container;

probe_runtime::glue! { Stage6;
    "stage6.container.lint" => |dockerfile: &str| {
        container::lint(dockerfile)
            .into_iter()
            .map(|f| Value::List(vec![f.line.into(), f.rule.to_string().into()]))
            .collect::<Vec<Value>>()
    };
}
