//! Whether a concrete path reaches an operation, decided by the mock's router
//! ([`crate::mock::router`]) so that "which operation takes this path" has one answer.

use super::problem::Problem;
use crate::mock::router::{Route, Routes};

/// The raw (still percent-encoded) path parameters `path` gives operation `index` when sent
/// with `method`, or why it does not reach that operation.
pub fn reach(
    routes: &Routes,
    index: usize,
    method: &str,
    path: &str,
) -> Result<Vec<(String, String)>, Problem> {
    // Clients resolve `.` and `..` segments before sending (RFC 3986, section 5.2.4), so such a
    // path never arrives as written.
    if path.split('/').any(|s| s == "." || s == "..") {
        return Err(Problem::transport(
            "path",
            format!("{path} has a dot segment, which clients resolve away"),
        ));
    }
    match routes.find(method, path) {
        Route::Operation { index: i, params } if i == index => Ok(params),
        Route::Operation { index: i, .. } => Err(Problem::transport(
            "path",
            format!(
                "{path} goes to another operation ({method} {})",
                routes.template(i).unwrap_or("?")
            ),
        )),
        Route::MethodNotAllowed(_) => Err(Problem::transport(
            "path",
            format!("{path} does not take {method}"),
        )),
        Route::NotFound => Err(Problem::transport(
            "path",
            format!("{path} matches no route"),
        )),
    }
}
