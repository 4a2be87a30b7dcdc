//! The two `multipart/form-data` operations progenitor cannot generate (see `ADAPTATIONS.md`):
//! Upload user picture (`uploadUserPicture`) and Import user data (`importUsers`).
//!
//! They go through the same hooks as the generated methods, under the method names of the
//! generated [`security`](crate::security) table, so the credentials the spec requires are
//! attached the same way, and they answer with the same [`Error`] type. Like the generated
//! methods, each is compiled with the feature of its spec tag (`user-account`, `users-admin`);
//! the module only with one of them.

use gamespec_client_support::{file_part, send_form};
use reqwest::Method;
use reqwest::multipart::Form;
use serde::{Deserialize, Serialize};

use crate::{Client, Error, ResponseValue, types};

/// The answer of Upload user picture: the URL of the new avatar.
///
/// Not generated because the spec declares it inline on an operation the generator leaves out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedPicture {
    /// URL of the new avatar.
    pub picture: String,
}

impl Client {
    /// Upload user picture (`POST /users/me/picture`, user JWT): replace the signed-in user's
    /// avatar with `image`, sent as the multipart file field `picture` named `file_name` with
    /// type `content_type` (e.g. `image/png`).
    #[cfg(feature = "user-account")]
    pub async fn upload_user_picture(
        &self,
        image: impl Into<Vec<u8>>,
        file_name: impl Into<String>,
        content_type: &str,
    ) -> Result<ResponseValue<UploadedPicture>, Error<types::Error>> {
        let part = file_part(image.into(), file_name.into(), content_type)
            .map_err(Error::InvalidRequest)?;
        let form = Form::new().part("picture", part);
        let response = send_form(
            self,
            Method::POST,
            "/users/me/picture",
            form,
            "upload_user_picture",
        )
        .await?;
        match response.status().as_u16() {
            200 => ResponseValue::from_response(response).await,
            400 | 401 | 429 => Err(Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }

    /// Import user data (`POST /projects/{project_id}/user_import`, server JWT): start importing
    /// the users of `users_csv` (at most 64 MB, sent as the file `users.csv`) into `project_id`.
    ///
    /// `mapping` is a JSON object naming the CSV column of each field, e.g.
    /// `{"email":0,"username":1}`; the report of the import is mailed to `email`; `comma` is the
    /// column separator when it is not `,`. The import runs after the call returns (204).
    #[cfg(feature = "users-admin")]
    pub async fn import_users(
        &self,
        project_id: uuid::Uuid,
        users_csv: impl Into<Vec<u8>>,
        mapping: &str,
        email: &str,
        comma: Option<&str>,
    ) -> Result<ResponseValue<()>, Error<types::Error>> {
        let part = file_part(users_csv.into(), "users.csv".to_owned(), "text/csv")
            .map_err(Error::InvalidRequest)?;
        let mut form = Form::new()
            .part("users", part)
            .text("mapping", mapping.to_owned())
            .text("email", email.to_owned());
        if let Some(comma) = comma {
            form = form.text("comma", comma.to_owned());
        }
        let path = format!(
            "/projects/{}/user_import",
            progenitor_client::encode_path(&project_id.to_string())
        );
        let response = send_form(self, Method::POST, &path, form, "import_users").await?;
        match response.status().as_u16() {
            204 => Ok(ResponseValue::empty(response)),
            400 | 401 | 403 | 404 | 429 => Err(Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
}
