//! FASTQ upload rules: which file names are accepted, and the object keys they map to.
//!
//! The original's keys are `temporary/<user id>_<file name>` and
//! `persistent/<uuid4 hex>.<everything after the first dot>`. tbseq keeps that layout but never
//! puts a user's text into a key as it is: every character outside `[A-Za-z0-9._-]` is written
//! as `=XX` (its UTF-8 bytes in hex), so a key is always one plain path segment under its
//! prefix, the same on disk and on S3, whatever the name holds.

use crate::domain::fields::FieldError;

/// The original's message for a name outside `^[\w,\.\s-]+\.fastq\.gz$`.
pub const NAME_PATTERN: &str = "This value does not match the required pattern.";
/// The original's answers, word for word.
pub const ALREADY_UPLOADED: &str = "file is already uploaded, proceed to fetch directly.";
pub const NOT_ON_S3: &str = "file is not found on S3.";
pub const ALREADY_ATTACHED: &str = "The file is already attached to the package.";
/// What a link left unchecked by a stopped server says.
pub const INTERRUPTED: &str =
    "The check of this file was interrupted (the server stopped); delete it and upload it again.";
/// Longest accepted file name, in characters (S3 keys hold 1024 bytes).
pub const NAME_MAX_CHARS: usize = 255;

pub const TEMPORARY_PREFIX: &str = "temporary/";
pub const PERSISTENT_PREFIX: &str = "persistent/";
/// Where the local store writes an upload while it arrives (never listed as a file).
pub const INCOMING_PREFIX: &str = "_tbseq/incoming/";

/// Checks an upload's file name as the original does (`\w` is Unicode-aware in Python), and
/// additionally refuses control characters and names longer than [`NAME_MAX_CHARS`].
pub fn check_name(name: &str) -> Result<(), FieldError> {
    let Some(stem) = name.strip_suffix(".fastq.gz") else {
        return Err(pattern());
    };
    let allowed =
        |c: char| c.is_alphanumeric() || c == '_' || c == ',' || c == '.' || c == '-' || c == ' ';
    if stem.is_empty() || !stem.chars().all(allowed) {
        return Err(pattern());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(FieldError::new(
            "filename",
            "max_length",
            format!("Ensure this field has no more than {NAME_MAX_CHARS} characters."),
        ));
    }
    Ok(())
}

fn pattern() -> FieldError {
    FieldError::new("filename", "invalid", NAME_PATTERN)
}

/// Writes `text` with only `[A-Za-z0-9._-]` left as they are (see the module notes).
pub fn key_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out
}

/// `temporary/<user>_<name>`: where a user's upload of `name` waits to be checked.
pub fn temporary_key(user: i64, name: &str) -> String {
    format!("{TEMPORARY_PREFIX}{user}_{}", key_safe(name))
}

/// The stored name of new content: `<random hex>.<everything after the first dot>`.
pub fn persistent_name(name: &str, random: [u8; 16]) -> String {
    let rest = name.split_once('.').map(|(_, rest)| rest).unwrap_or(name);
    format!("{}.{}", hex::encode(random), key_safe(rest))
}

/// Where a link's content stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationState {
    /// Accepted for checking; the check has not started.
    Pending,
    Validating,
    Valid,
    Invalid,
}

impl ValidationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationState::Pending => "PENDING",
            ValidationState::Validating => "VALIDATING",
            ValidationState::Valid => "VALID",
            ValidationState::Invalid => "INVALID",
        }
    }

    pub fn parse(text: &str) -> ValidationState {
        match text {
            "PENDING" => ValidationState::Pending,
            "VALIDATING" => ValidationState::Validating,
            "INVALID" => ValidationState::Invalid,
            _ => ValidationState::Valid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_original_pattern() {
        for ok in [
            "a.fastq.gz",
            "S1_R1.fastq.gz",
            "run 1, lane-2.R1.fastq.gz",
            "ñandú_Ω.fastq.gz",
            "..fastq.gz",
        ] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            ".fastq.gz",
            "a.fastq",
            "a.fq.gz",
            "../a.fastq.gz",
            "a/b.fastq.gz",
            "a\\b.fastq.gz",
            "a\nb.fastq.gz",
            "a.fastq.gz\n",
            "a%2F.fastq.gz",
            "a#1.fastq.gz",
        ] {
            assert_eq!(check_name(bad).unwrap_err().detail, NAME_PATTERN, "{bad:?}");
        }
        let long = format!("{}.fastq.gz", "a".repeat(300));
        assert_eq!(check_name(&long).unwrap_err().code, "max_length");
    }

    #[test]
    fn keys_hold_no_user_text_as_is() {
        assert_eq!(
            temporary_key(7, "a b.fastq.gz"),
            "temporary/7_a=20b.fastq.gz"
        );
        assert_eq!(
            temporary_key(7, "ñ.fastq.gz"),
            "temporary/7_=C3=B1.fastq.gz"
        );
        // `=` itself is escaped, so two names never share a key.
        assert_ne!(
            temporary_key(1, "=20.fastq.gz"),
            temporary_key(1, " .fastq.gz")
        );
        assert_eq!(
            persistent_name("S1.R1.fastq.gz", [0xab; 16]),
            format!("{}.R1.fastq.gz", "ab".repeat(16))
        );
        assert_eq!(
            persistent_name("anything.fastq.gz", [0; 16]),
            format!("{}.fastq.gz", "00".repeat(16))
        );
    }
}
