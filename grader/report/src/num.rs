//! Numbers that JSON cannot hold. A student's output can be `NaN` or infinite, and so can a
//! relative error against an expected 0; `serde_json` would write those as `null`, which a
//! reader then refuses as a number (and which loses which of the three it was). Report fields
//! that may hold them use these modules (`#[serde(with = "num")]`): a finite value is a JSON
//! number, the others the strings `"NaN"`, `"inf"` and `"-inf"`. Reading also accepts `null`
//! (as `NaN`), as written by reports from before this rule.

use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An `f64` as the report writes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

/// A number; the values JSON numbers cannot hold are the strings `"NaN"`, `"inf"` and `"-inf"`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum Number {
    Finite(f64),
    NonFinite(NonFinite),
}

#[derive(JsonSchema)]
#[allow(dead_code)]
pub enum NonFinite {
    #[serde(rename = "NaN")]
    NaN,
    #[serde(rename = "inf")]
    Inf,
    #[serde(rename = "-inf")]
    NegInf,
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, \"NaN\", \"inf\" or \"-inf\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
                Ok(Num(f64::NAN))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                match v {
                    "NaN" | "nan" => Ok(Num(f64::NAN)),
                    "inf" | "+inf" | "Infinity" => Ok(Num(f64::INFINITY)),
                    "-inf" | "-Infinity" => Ok(Num(f64::NEG_INFINITY)),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    Num(*v).serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Num::deserialize(d).map(|n| n.0)
}

/// `Option<f64>`: `null` is `None`.
pub mod opt {
    use super::Num;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.map(Num).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<Num>::deserialize(d).map(|o| o.map(|n| n.0))
    }
}

/// `Vec<f64>`.
pub mod vec {
    use super::Num;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter().map(|x| Num(*x)).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<Num>::deserialize(d).map(|v| v.into_iter().map(|n| n.0).collect())
    }
}

/// `Vec<Vec<f64>>` (a heat map's rows).
pub mod rows {
    use super::Num;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        v.iter().map(|r| r.iter().map(|x| Num(*x)).collect::<Vec<_>>()).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        Vec::<Vec<Num>>::deserialize(d).map(|v| v.into_iter().map(|r| r.into_iter().map(|n| n.0).collect()).collect())
    }
}

/// `Vec<[f64; 2]>` (a curve's points).
pub mod points {
    use super::Num;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[[f64; 2]], s: S) -> Result<S::Ok, S::Error> {
        v.iter().map(|[x, y]| [Num(*x), Num(*y)]).collect::<Vec<_>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[f64; 2]>, D::Error> {
        Vec::<[Num; 2]>::deserialize(d).map(|v| v.into_iter().map(|[x, y]| [x.0, y.0]).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug)]
    struct T {
        #[serde(with = "super")]
        a: f64,
        #[serde(with = "opt")]
        b: Option<f64>,
        #[serde(with = "points")]
        c: Vec<[f64; 2]>,
    }

    #[test]
    fn non_finite_values_round_trip_and_old_nulls_read_as_nan() {
        let t = T { a: f64::NEG_INFINITY, b: Some(f64::NAN), c: vec![[1.5, f64::INFINITY]] };
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, r#"{"a":"-inf","b":"NaN","c":[[1.5,"inf"]]}"#);
        let back: T = serde_json::from_str(&j).unwrap();
        assert_eq!(back.a, f64::NEG_INFINITY);
        assert!(back.b.unwrap().is_nan());
        assert_eq!(back.c[0][1], f64::INFINITY);
        let old: T = serde_json::from_str(r#"{"a":null,"b":null,"c":[[0,2]]}"#).unwrap();
        assert!(old.a.is_nan() && old.b.is_none() && old.c == vec![[0.0, 2.0]]);
        assert!(serde_json::from_str::<T>(r#"{"a":"lots","b":null,"c":[]}"#).is_err());
    }
}
