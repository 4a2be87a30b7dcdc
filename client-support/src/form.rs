//! Sending `multipart/form-data` requests (which progenitor cannot generate) through a generated
//! client's hooks, so they get the same credentials, timeouts and error types as generated calls.
//! The caller maps the response's status as the generated `send()` methods do, from the spec's
//! declared responses.

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::multipart::Part;

/// Send `form` as `method path` on `client`, running its `pre`/`exec`/`post` hooks with
/// `operation` as the operation name (the client method's name, so the generated security table
/// applies), and return the response undecoded.
pub async fn send_form<C, Inner, E>(
    client: &C,
    method: reqwest::Method,
    path: &str,
    form: reqwest::multipart::Form,
    operation: &'static str,
) -> Result<reqwest::Response, Error<E>>
where
    C: ClientInfo<Inner> + ClientHooks<Inner>,
{
    let url = format!("{}{path}", client.baseurl());
    let mut request = client
        .client()
        .request(method, url)
        .header(reqwest::header::ACCEPT, "application/json")
        .multipart(form)
        .build()?;
    let info = OperationInfo {
        operation_id: operation,
    };
    client.pre(&mut request, &info).await?;
    let result = client.exec(request, &info).await;
    client.post(&result, &info).await?;
    Ok(result?)
}

/// A file part named `file_name` of type `content_type`; an invalid type is an error naming it.
pub fn file_part(bytes: Vec<u8>, file_name: String, content_type: &str) -> Result<Part, String> {
    Part::bytes(bytes)
        .file_name(file_name)
        .mime_str(content_type)
        .map_err(|_| format!("{content_type:?} is not a valid content type"))
}
