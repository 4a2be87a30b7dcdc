//! What the mock remembers between requests.
//!
//! Always, stateful or not: which paths were deleted (a read there answers 404) and who first
//! used each private (`x-private`) path ([`deleted`]). By default also the game backend's state
//! that the API's behaviour file describes ([`behaviour`] plays it, [`store`] keeps it bounded,
//! [`render`] writes it into answers, [`fill`] fills a list's template with many items fast);
//! `--stateless` (`MockOptions::stateless`) turns that off.

pub mod behaviour;
pub mod deleted;
pub mod fill;
pub mod render;
pub mod store;

pub use behaviour::{Call, Engine, Refused};
pub use deleted::{Deleted, MAX_DELETED, Owners};
pub use store::Caps;
