//! Reading one field of a JSON response body without taking the response away from the
//! generated code that decodes it.

/// Read `response`'s body, return the string value of top-level `field` (if the body is a JSON
/// object with it), and an identical response for the caller to decode.
pub async fn capture_json_field(
    response: reqwest::Response,
    field: &str,
) -> reqwest::Result<(reqwest::Response, Option<String>)> {
    let (response, body) = crate::call::buffer(response).await?;
    let value = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get(field)?.as_str().map(str::to_owned));
    Ok((response, value))
}
