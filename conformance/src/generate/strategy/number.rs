//! Integers and numbers: bounds (inclusive or exclusive, OpenAPI 3.0 or draft-6 style), the
//! `int32`/`int64` ranges, `multipleOf`, and a bias towards small values.

use proptest::strategy::{BoxedStrategy, Strategy, Union};
use serde_json::{Map, Number, Value};

use super::unsatisfiable;
use crate::generate::GenError;

/// The inclusive integer range a schema allows: explicit bounds (with OpenAPI 3.0's boolean
/// `exclusiveMinimum`/`exclusiveMaximum`, or draft-6 numeric ones) within the `int32`/`int64`
/// range of its format.
pub fn integer_range(s: &Map<String, Value>) -> (i128, i128) {
    let (lo, hi): (i128, i128) = match s.get("format").and_then(Value::as_str) {
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    let (min, min_excl) = bound(s, "minimum", "exclusiveMinimum");
    let (max, max_excl) = bound(s, "maximum", "exclusiveMaximum");
    let lo = min.map_or(lo, |m| {
        let m = if min_excl { m.floor() + 1.0 } else { m.ceil() };
        lo.max(m.clamp(-1e30, 1e30) as i128)
    });
    let hi = max.map_or(hi, |m| {
        let m = if max_excl { m.ceil() - 1.0 } else { m.floor() };
        hi.min(m.clamp(-1e30, 1e30) as i128)
    });
    (lo, hi)
}

/// A numeric bound and whether it is exclusive.
pub fn bound(s: &Map<String, Value>, key: &str, exclusive: &str) -> (Option<f64>, bool) {
    match s.get(exclusive) {
        Some(Value::Number(n)) => (n.as_f64(), true),
        Some(Value::Bool(b)) => (s.get(key).and_then(Value::as_f64), *b),
        _ => (s.get(key).and_then(Value::as_f64), false),
    }
}

pub(super) fn integer(s: &Map<String, Value>, at: &str) -> Result<BoxedStrategy<Value>, GenError> {
    let (lo, hi) = integer_range(s);
    let step = s
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m >= 1.0 && m.fract() == 0.0)
        .map_or(1, |m| m as i128);
    let (klo, khi) = (div_ceil(lo, step), div_floor(hi, step));
    if klo > khi {
        return Err(unsatisfiable(at, "no integer lies within the bounds"));
    }
    // i64 covers every range that survives the clamping above.
    let (klo, khi) = (klo as i64, khi as i64);
    let full = (klo..=khi).boxed();
    let (slo, shi) = (klo.max(-1000), khi.min(1000));
    let ks = if slo <= shi && (slo, shi) != (klo, khi) {
        Union::new_weighted(vec![(4, (slo..=shi).boxed()), (1, full)]).boxed()
    } else {
        full
    };
    Ok(ks
        .prop_map(move |k| {
            let v = i128::from(k) * step;
            i64::try_from(v).map_or(Value::from(v as f64), Value::from)
        })
        .boxed())
}

pub(super) fn number(s: &Map<String, Value>, at: &str) -> Result<BoxedStrategy<Value>, GenError> {
    let (min, min_excl) = bound(s, "minimum", "exclusiveMinimum");
    let (max, max_excl) = bound(s, "maximum", "exclusiveMaximum");
    let lo = min.unwrap_or_else(|| max.map_or(-1e6, |m| m - 1e6));
    let hi = max.unwrap_or(lo + 2e6);
    if !(lo.is_finite() && hi.is_finite()) || lo > hi || (lo == hi && (min_excl || max_excl)) {
        return Err(unsatisfiable(at, "no number lies within the bounds"));
    }
    let inside = move |v: &f64| (!min_excl || *v > lo) && (!max_excl || *v < hi);
    let step = s
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0 && m.is_finite());
    let values = match step {
        Some(m) => {
            let (klo, khi) = ((lo / m).ceil(), (hi / m).floor());
            if klo > khi || khi - klo > 9e15 {
                return Err(unsatisfiable(
                    at,
                    "no multiple of multipleOf within the bounds",
                ));
            }
            ((klo as i64)..=(khi as i64))
                .prop_map(move |k| k as f64 * m)
                .boxed()
        }
        None => {
            let (wlo, whi) = (lo.max(-1000.0).ceil(), hi.min(1000.0).floor());
            let real = (lo..=hi).boxed();
            if wlo <= whi {
                let whole = ((wlo as i64)..=(whi as i64)).prop_map(|k| k as f64).boxed();
                Union::new_weighted(vec![(2, whole), (3, real)]).boxed()
            } else {
                real
            }
        }
    };
    Ok(values
        .prop_filter("on an exclusive bound", inside)
        .prop_map(|v| Number::from_f64(v).map_or(Value::from(0), Value::Number))
        .boxed())
}

fn div_floor(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn div_ceil(a: i128, b: i128) -> i128 {
    -div_floor(-a, b)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::check;
    use super::*;

    #[test]
    fn integers_and_numbers_respect_their_keywords() {
        let root = json!({});
        for schema in [
            json!({"type": "integer", "minimum": 3, "maximum": 5}),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 2, "exclusiveMaximum": true}),
            json!({"type": "integer", "format": "int32"}),
            json!({"type": "integer", "format": "int64", "minimum": 1}),
            json!({"type": "integer", "multipleOf": 7, "minimum": -20, "maximum": 20}),
            json!({"type": "number", "minimum": 0.5, "maximum": 0.75}),
            json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}),
        ] {
            check(&root, schema, 200);
        }
    }

    #[test]
    fn ranges_read_both_styles_of_exclusive_bounds() {
        let s = |v: Value| v.as_object().cloned().unwrap();
        assert_eq!(
            integer_range(&s(
                json!({"minimum": 1, "exclusiveMinimum": true, "maximum": 9})
            )),
            (2, 9)
        );
        assert_eq!(
            integer_range(&s(json!({"exclusiveMinimum": 1, "exclusiveMaximum": 9}))),
            (2, 8)
        );
        assert_eq!(
            integer_range(&s(json!({"format": "int32"}))),
            (i32::MIN.into(), i32::MAX.into())
        );
        assert_eq!(div_floor(-7, 2), -4);
        assert_eq!(div_ceil(-7, 2), -3);
        assert!(integer(&s(json!({"minimum": 5, "maximum": 2})), "q").is_err());
        assert!(
            number(
                &s(json!({"minimum": 1, "maximum": 1, "exclusiveMaximum": true})),
                "q"
            )
            .is_err()
        );
    }
}
