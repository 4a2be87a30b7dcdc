//! Runtime support shared by every generated gamespec client.
//!
//! Each client crate's generated `security` module lists, per operation, the security
//! requirements of the spec ([`OperationSecurity`]) and how each scheme is sent
//! ([`SecurityScheme`]). A client's hand-written hooks hand those tables, the request and its
//! [`CredentialStore`] to [`apply_credentials`]; nothing else in a client knows header names.
//!
//! [`dispatch`] is the runtime of each client's generated `dispatch` module (calling operations
//! by operationId with JSON arguments, for test tools), so the generated files hold only what
//! depends on their spec.

mod capture;
mod credentials;
pub mod dispatch;
mod form;
mod secret;
mod security;

pub use capture::capture_json_field;
pub use credentials::CredentialStore;
pub use form::{file_part, send_form};
pub use secret::Secret;
pub use security::{
    Carrier, OperationSecurity, SecurityScheme, SessionToken, TokenAt, apply_credentials,
};
