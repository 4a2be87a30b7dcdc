//! [`ToolError`], what every outside-tool step of xtask fails with, and the helpers that keep its
//! messages short.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// A tool that could not be installed or run; nothing can be said about what it was to check.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// A program could not be started at all.
    #[error("{program} not found: {hint}")]
    NotFound { program: String, hint: &'static str },
    /// A step (install or tool run) failed or produced output that could not be understood.
    #[error("{step} failed: {hint}{}", on_next_line(output))]
    Failed {
        step: String,
        output: String,
        hint: &'static str,
    },
    /// A step did not finish in time (it was stopped).
    #[error("{step} did not finish within {after:?}; it was stopped")]
    TimedOut { step: String, after: Duration },
    /// A file or directory could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Arguments that cannot work together (the message says why).
    #[error("{0}")]
    Usage(String),
}

impl ToolError {
    /// A [`ToolError::Failed`] with the end of `output`.
    pub fn failed(step: impl Into<String>, output: &str, hint: &'static str) -> ToolError {
        ToolError::Failed {
            step: step.into(),
            output: tail(output, 2000).to_owned(),
            hint,
        }
    }
}

/// `text` on a line of its own, or nothing when it is empty.
fn on_next_line(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("\n{text}")
    }
}

/// Turns an I/O error on `path` into a [`ToolError`].
pub fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ToolError {
    let path = path.to_path_buf();
    move |error| ToolError::Io { path, error }
}

/// At most `max` characters of `text`, marking a cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… ({} more bytes)", &text[..cut], text.len() - cut),
        None => text.to_owned(),
    }
}

/// The last (about) `max` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, max: usize) -> &str {
    let cut = text.len().saturating_sub(max);
    let cut = (cut..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    &text[cut..]
}

/// The last `max` bytes of the file at `path` (empty if it cannot be read).
pub fn file_tail(path: &Path, max: usize) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    tail(&String::from_utf8_lossy(&text), max).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_long_messages() {
        assert_eq!(truncate("short", 400), "short");
        let long = "x".repeat(1000);
        assert!(truncate(&long, 400).starts_with(&"x".repeat(400)));
        assert!(truncate(&long, 400).ends_with("(600 more bytes)"));
        assert_eq!(tail("abcdef", 2), "ef");
        assert_eq!(tail("é", 1), "");
    }

    #[test]
    fn shows_output_below_a_failure() {
        let bare = ToolError::failed("npm ci", "", "check the lock file");
        assert_eq!(bare.to_string(), "npm ci failed: check the lock file");
        let with = ToolError::failed("npm ci", "E404", "check the lock file");
        assert_eq!(with.to_string(), "npm ci failed: check the lock file\nE404");
    }
}
