//! `docs draft-eval` (developer): each versioned spec's page drafted at its recorded
//! revision and compared with the hand-written spec.

use std::path::Path;

use crate::arguments::DraftArgs;
use crate::outcome::Outcome;

/// `docs draft --eval`.
pub fn run(_root: &Path, _a: &DraftArgs) -> Result<Outcome, String> {
    Err("not yet".into())
}
