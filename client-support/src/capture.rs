//! Reading one field of a JSON response body without taking the response away from the
//! generated code that decodes it.

/// Read `response`'s body, return the string value of top-level `field` (if the body is a JSON
/// object with it), and an identical response for the caller to decode.
pub async fn capture_json_field(
    response: reqwest::Response,
    field: &str,
) -> reqwest::Result<(reqwest::Response, Option<String>)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let value = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get(field)?.as_str().map(str::to_owned));
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), value))
}
