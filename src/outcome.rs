//! What a command's result looks like to a person and to a program: the
//! reports and outcomes of the library implement [`Outcome`], and the
//! command line prints one form or the other (`--output text|json`).

use serde_json::Value;

/// A result that can be shown as text and as JSON.
pub trait Outcome {
    /// The text for a person, ending with a newline (empty: nothing to say).
    fn to_text(&self) -> String;
    /// The JSON for a program (its shape is documented with the command).
    fn to_json(&self) -> Value;
}
