//! Converting JSON arguments to the exact types the generated builder setters take, and passing
//! JSON through a generated type.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::outcome::DispatchError;

/// `value` as the exact type the setter takes; a failure names the argument (`name`, e.g.
/// `query/count`).
pub fn arg<T: DeserializeOwned>(name: &str, value: &Value) -> Result<T, DispatchError> {
    T::deserialize(value).map_err(|e| DispatchError::Argument {
        name: name.to_owned(),
        message: e.to_string(),
    })
}

/// A list the generator view turned into one comma-joined string: a JSON array of strings,
/// numbers or booleans is joined with `,`; any other value converts as with [`arg`].
pub fn joined<T: DeserializeOwned>(name: &str, value: &Value) -> Result<T, DispatchError> {
    let Value::Array(items) = value else {
        return arg(name, value);
    };
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => parts.push(s.clone()),
            Value::Number(_) | Value::Bool(_) => parts.push(item.to_string()),
            _ => {
                return Err(DispatchError::Argument {
                    name: name.to_owned(),
                    message: "a comma-joined list holds strings, numbers or booleans only"
                        .to_owned(),
                });
            }
        }
    }
    arg(name, &Value::String(parts.join(",")))
}

/// Deserialize `value` into `T` and serialize it back; the error says which direction failed.
pub fn roundtrip_as<T: DeserializeOwned + Serialize>(value: Value) -> Result<Value, String> {
    let typed: T =
        serde_json::from_value(value).map_err(|e| format!("does not deserialize: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("does not serialize back: {e}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn arg_converts_to_the_setter_type_or_names_the_argument() {
        assert_eq!(arg::<i64>("path/id", &json!(7)), Ok(7));
        let Err(DispatchError::Argument { name, message }) = arg::<i64>("path/id", &json!("x"))
        else {
            panic!("a string is not an i64");
        };
        assert_eq!(name, "path/id");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn joined_joins_scalars_with_commas() {
        let list = json!(["purchasable", "!rentable", 3, true]);
        assert_eq!(
            joined::<String>("query/filter", &list),
            Ok("purchasable,!rentable,3,true".to_owned())
        );
        // A value that is already a string passes unchanged.
        assert_eq!(
            joined::<String>("query/filter", &json!("a,b")),
            Ok("a,b".to_owned())
        );
    }

    #[test]
    fn joined_refuses_nested_values() {
        let Err(DispatchError::Argument { name, message }) =
            joined::<String>("query/ids", &json!([1, [2]]))
        else {
            panic!("a nested list cannot be joined");
        };
        assert_eq!(name, "query/ids");
        assert!(
            message.contains("strings, numbers or booleans"),
            "{message}"
        );
    }

    #[derive(serde::Deserialize, Serialize)]
    struct Score {
        score: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    #[test]
    fn roundtrip_as_passes_json_through_the_type() {
        assert_eq!(
            roundtrip_as::<Score>(json!({"score": 5})),
            Ok(json!({"score": 5}))
        );
        let err = roundtrip_as::<Score>(json!({"score": "five"})).unwrap_err();
        assert!(err.starts_with("does not deserialize: "), "{err}");
    }
}
