//! The three `multipart/form-data` operations progenitor cannot generate (see
//! `ADAPTATIONS.md`): Upload Player File, Update Player File and Add File to Asset Candidate.
//!
//! They run through the same hooks as the generated methods, under the names of the generated
//! [`security`](crate::security) table, so the session token is attached the same way; responses
//! map to the same [`Error`] type, with the statuses the spec declares. Like the generated
//! methods, each is compiled with the feature of its spec tag (`players`,
//! `user-generated-content-ugc`); the module only with one of them.

use gamespec_client_support::{file_part, send_form};
use progenitor_client::encode_path;
use reqwest::Method;
use reqwest::multipart::Form;

use crate::{Client, Error, ResponseValue, types};

/// A file to upload: its bytes, the name it is stored under, and its media type.
#[derive(Clone)]
pub struct Upload {
    /// The file's content.
    pub bytes: Vec<u8>,
    /// The file name sent with the part (LootLocker stores it as the file's `name`).
    pub file_name: String,
    /// Media type of the content, e.g. `application/octet-stream`.
    pub content_type: String,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Player files can be save games: show their size, not their content.
        f.debug_struct("Upload")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl Upload {
    fn part(self) -> Result<reqwest::multipart::Part, String> {
        file_part(self.bytes, self.file_name, &self.content_type)
    }
}

/// Map a response as a generated method does: `200` decodes, the declared error statuses decode
/// the error body, anything else stays unexpected.
async fn decode<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    declared_errors: &[u16],
) -> Result<ResponseValue<T>, Error<types::Error>> {
    let status = response.status().as_u16();
    if status == 200 {
        ResponseValue::from_response(response).await
    } else if declared_errors.contains(&status) {
        Err(Error::ErrorResponse(
            ResponseValue::from_response(response).await?,
        ))
    } else {
        Err(Error::UnexpectedResponse(response))
    }
}

impl Client {
    /// Upload Player File (`POST /game/player/files`): store `file` for the current player under
    /// `purpose` (a free-form label such as `SAVE_GAME`); `public` lets other players read it.
    #[cfg(feature = "players")]
    pub async fn upload_player_file(
        &self,
        file: Upload,
        purpose: &str,
        public: Option<bool>,
    ) -> Result<ResponseValue<types::PlayerFile>, Error<types::Error>> {
        let mut form = Form::new()
            .part("file", file.part().map_err(Error::InvalidRequest)?)
            .text("purpose", purpose.to_owned());
        if let Some(public) = public {
            form = form.text("public", public.to_string());
        }
        let response = send_form(
            self,
            Method::POST,
            "/game/player/files",
            form,
            "upload_player_file",
        )
        .await?;
        decode(response, &[400, 401, 429, 503]).await
    }

    /// Update Player File (`PUT /game/player/files/{file_id}`): store `file` as a new revision
    /// of the player's file `file_id`.
    #[cfg(feature = "players")]
    pub async fn update_player_file(
        &self,
        file_id: i64,
        file: Upload,
    ) -> Result<ResponseValue<types::PlayerFile>, Error<types::Error>> {
        let form = Form::new().part("file", file.part().map_err(Error::InvalidRequest)?);
        let path = format!("/game/player/files/{}", encode_path(&file_id.to_string()));
        let response = send_form(self, Method::PUT, &path, form, "update_player_file").await?;
        decode(response, &[400, 401, 404, 429, 503]).await
    }

    /// Add File to Asset Candidate (`POST /game/v1/player/assets/candidates/{candidate_id}/file`):
    /// attach `file` to the UGC candidate in the role `purpose`.
    #[cfg(feature = "user-generated-content-ugc")]
    pub async fn add_file_to_asset_candidate(
        &self,
        candidate_id: i64,
        file: Upload,
        purpose: types::AddFileToAssetCandidateRequestPurpose,
    ) -> Result<ResponseValue<types::AssetCandidateResponse>, Error<types::Error>> {
        let form = Form::new()
            .part("file", file.part().map_err(Error::InvalidRequest)?)
            .text("purpose", purpose.to_string());
        let path = format!(
            "/game/v1/player/assets/candidates/{}/file",
            encode_path(&candidate_id.to_string())
        );
        let response = send_form(
            self,
            Method::POST,
            &path,
            form,
            "add_file_to_asset_candidate",
        )
        .await?;
        decode(response, &[400, 401, 404, 429, 503]).await
    }
}
