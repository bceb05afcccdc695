//! Glue for `stage6::versioning`: files travel as `[path, bytes]`; a manifest comes back as its
//! entries `[path, digest, bytes]` and its digest, a diff as its four lists.

use crate::convert::Stage6;
use grader_protocol::Value;
use stage6::versioning;

fn files(v: &Value) -> Vec<(String, Vec<u8>)> {
    v.list().iter().map(|f| (f.at(0).text().to_string(), f.at(1).bytes().to_vec())).collect()
}

fn texts(v: Vec<String>) -> Value {
    Value::List(v.into_iter().map(Value::from).collect())
}

probe_runtime::glue! { Stage6;
    "stage6.versioning.manifest" => |data: &Value| {
        versioning::manifest(&files(data)).map(|m| {
            let entries: Vec<Value> = m
                .entries
                .into_iter()
                .map(|e| Value::List(vec![e.path.into(), e.digest.into(), Value::Int(e.bytes as i64)]))
                .collect();
            (entries, m.digest)
        })
    } => (entries, digest);
    "stage6.versioning.diff" => |old: &Value, new: &Value| {
        let (old, new) = (versioning::manifest(&files(old)), versioning::manifest(&files(new)));
        match (old, new) {
            (Ok(o), Ok(n)) => {
                let d = versioning::diff(&o, &n);
                let renamed = d.renamed.into_iter().map(|(a, b)| Value::List(vec![a.into(), b.into()])).collect::<Vec<Value>>();
                Ok((texts(d.added), texts(d.removed), texts(d.changed), Value::List(renamed)))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    } => (added, removed, changed, renamed);
}
