//! Sending `multipart/form-data` requests (which progenitor cannot generate) through a generated
//! client's hooks, so they get the same credentials, timeouts and error types as generated calls.

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue};
use serde::de::DeserializeOwned;

/// Send `form` as `method path` on `client`, running its `pre`/`exec`/`post` hooks with
/// `operation` as the operation name (the client method name, so the security table applies).
/// A 2xx decodes into `T`; a 4xx or 5xx into the API's error body `E`; anything else is
/// `Error::UnexpectedResponse`.
pub async fn send_form<C, Inner, T, E>(
    client: &C,
    method: reqwest::Method,
    path: &str,
    form: reqwest::multipart::Form,
    operation: &'static str,
) -> Result<ResponseValue<T>, Error<E>>
where
    C: ClientInfo<Inner> + ClientHooks<Inner>,
    T: DeserializeOwned,
    E: DeserializeOwned,
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
    let response = result?;
    let status = response.status();
    if status.is_success() {
        ResponseValue::from_response(response).await
    } else if status.is_client_error() || status.is_server_error() {
        Err(Error::ErrorResponse(
            ResponseValue::from_response(response).await?,
        ))
    } else {
        Err(Error::UnexpectedResponse(response))
    }
}
