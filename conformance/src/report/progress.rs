//! The progress bar of a run on stderr: cases done out of planned, and the operation being
//! tested. Hidden when stderr is not a terminal, so logs and CI output stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::secrets::Redactor;

/// A run's progress bar. Cheap to clone; clones drive the same bar.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
    redactor: Redactor,
}

impl Progress {
    /// A bar over `total` planned cases on stderr, drawn only when stderr is a terminal. Text
    /// shown on it passes through `redactor`.
    pub fn new(total: u64, redactor: Redactor) -> Progress {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress::with_target(total, redactor, target)
    }

    /// A bar that is never drawn (`--quiet`, tests); [`println`](Self::println) still writes.
    pub fn hidden(total: u64, redactor: Redactor) -> Progress {
        Progress::with_target(total, redactor, ProgressDrawTarget::hidden())
    }

    fn with_target(total: u64, redactor: Redactor, target: ProgressDrawTarget) -> Progress {
        let style = ProgressStyle::with_template(
            "{elapsed_precise} {wide_bar} {pos}/{len} cases {per_sec:.1} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(Some(total), target).with_style(style);
        Progress { bar, redactor }
    }

    /// Plan `cases` more cases (the total grows as operations reach their phases).
    pub fn extend(&self, cases: u64) {
        self.bar.inc_length(cases);
    }

    /// Count `cases` more as done.
    pub fn inc(&self, cases: u64) {
        self.bar.inc(cases);
    }

    /// Show what is being tested now (an `operationId`).
    pub fn set_message(&self, message: &str) {
        self.bar.set_message(self.redactor.redact(message));
    }

    /// Write `line` to stderr above the bar (or plainly, when the bar is hidden).
    pub fn println(&self, line: &str) {
        let line = self.redactor.redact(line);
        if self.bar.is_hidden() {
            // indicatif drops lines of a hidden bar; a warning must still reach the log.
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    /// Stop the bar, leaving its last state on screen.
    pub fn finish(&self) {
        self.bar.finish();
    }

    /// Cases done so far.
    pub fn position(&self) -> u64 {
        self.bar.position()
    }

    /// The current message (already redacted).
    pub fn message(&self) -> String {
        self.bar.message()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cases_and_redacts_messages() {
        let redactor = Redactor::new();
        redactor.add("tok_0123456789", "GAMESPEC_SESSION_TOKEN");
        let progress = Progress::hidden(10, redactor);
        progress.inc(3);
        progress.clone().inc(2);
        progress.set_message("getPlayerInfo tok_0123456789");
        assert_eq!(progress.position(), 5);
        assert_eq!(
            progress.message(),
            "getPlayerInfo ${GAMESPEC_SESSION_TOKEN}"
        );
        progress.finish();
        assert!(progress.bar.is_finished());
    }
}
