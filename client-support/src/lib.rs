//! Runtime support shared by every generated gamespec client.
//!
//! Each client crate's generated `security` module describes its spec in an [`ApiSecurity`]:
//! per operation the security requirements ([`OperationSecurity`]), whether a request may be
//! repeated, and where a session start's answer carries the credential it issues; per scheme
//! how its credential is sent ([`SecurityScheme`]). A client's hand-written hooks hand that
//! table and the request to its [`Runtime`] ([`Runtime::prepare`] and [`Runtime::execute`]),
//! which attaches credentials, retries by the [`RetryPolicy`], captures and renews credentials
//! and records a `tracing` span per call; nothing else in a client knows header names.
//!
//! [`ClientBuilder`] configures every client the same way.

mod builder;
mod call;
mod capture;
mod credentials;
mod form;
mod paginate;
mod retry;
mod runtime;
mod secret;
mod security;
mod session;

pub use builder::{BuildClient, BuildError, ClientBuilder, ClientParts, host_label};
pub use capture::capture_json_field;
pub use credentials::CredentialStore;
pub use form::{file_part, send_form};
pub use paginate::{ItemStream, Page, PageStyle, cursor_as, json_at, paginate};
pub use retry::{RetryPolicy, retry_after};
pub use runtime::{Runtime, Settings};
pub use secret::Secret;
pub use security::{
    ApiSecurity, Carrier, CredentialError, IssueRule, OperationSecurity, SecurityScheme,
    SessionToken, TokenAt, apply_credentials, chosen_credentials, strip_credentials,
};
pub use session::jwt_expiry;
