//! The e-mails the original sends on package transitions (spec §2.3) and on new messages
//! (§6.1), word for word: subjects here, bodies in `templates/mail/*.txt` (embedded at compile
//! time). Nothing is sent from here: a [`Mail`] is queued in the outbox by the caller, inside
//! the transaction of the change it announces, and delivered later by `crate::notify`.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// The parts of a user that e-mails mention.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// One e-mail to queue: the same subject and body for every recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// `package_submitted`, `package_accepted`, `package_rejected` or `new_message`.
    pub kind: &'static str,
    /// Non-empty, without duplicates, in the order given.
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub package_id: Option<i64>,
}

const SUBMITTED: &str = include_str!("../../templates/mail/package_submitted.txt");
const ACCEPTED: &str = include_str!("../../templates/mail/package_accepted.txt");
const REJECTED: &str = include_str!("../../templates/mail/package_rejected.txt");
const NEW_MESSAGE: &str = include_str!("../../templates/mail/new_message.txt");

/// Django's user display string as the original's e-mails use it: `"First Last"` (an unset
/// half stays empty, so `"Ann "`), or the username when both names are empty.
pub fn display_name(p: &Person) -> String {
    if p.first_name.is_empty() && p.last_name.is_empty() {
        p.username.clone()
    } else {
        format!("{} {}", p.first_name, p.last_name)
    }
}

/// Python 3's `repr()` of a `str`, which the original puts around package names (`{name!r}`):
/// single quotes unless the text holds a single quote and no double quote; `\\`, the chosen
/// quote, `\t`, `\n`, `\r` escaped; other non-printable characters as `\xNN`, `\uNNNN` or
/// `\UNNNNNNNN`. Printable means Python's `str.isprintable()`: every general category except
/// Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs, plus the ASCII space.
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for one character (Unicode tables of the
/// `unicode-properties` crate; Python's own tables may be a version older or newer).
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::Surrogate
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::SpaceSeparator
    )
}

/// Fills `{key}` placeholders in one pass, so that a value holding `{owner}` stays as it is.
/// The template's final newline (every text file has one) is not part of the text.
fn render(template: &str, values: &[(&str, &str)]) -> String {
    let template = template.strip_suffix('\n').unwrap_or(template);
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let hit = values.iter().find_map(|(key, value)| {
            let tail = after
                .strip_prefix('{')?
                .strip_prefix(key)?
                .strip_prefix('}')?;
            Some((value, tail))
        });
        match hit {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Drops empty addresses (the original's staff query keeps them and Django's mailer skips
/// them at sending; tbseq never queues them) and repeated ones.
fn recipients<'a>(emails: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for email in emails {
        if !email.is_empty() && !out.contains(email) {
            out.push(email.clone());
        }
    }
    out
}

/// A package went to PENDING: tell every admin on duty.
pub fn package_submitted(
    package_id: i64,
    package_name: &str,
    owner: &Person,
    staff_emails: &[String],
) -> Mail {
    Mail {
        kind: "package_submitted",
        recipients: recipients(staff_emails),
        subject: "New data package submission".into(),
        body: render(
            SUBMITTED,
            &[
                ("name", &py_repr(package_name)),
                ("owner", &display_name(owner)),
            ],
        ),
        package_id: Some(package_id),
    }
}

/// A package went to ACCEPTED: tell its owner.
pub fn package_accepted(package_id: i64, package_name: &str, owner: &Person) -> Mail {
    let name = py_repr(package_name);
    Mail {
        kind: "package_accepted",
        recipients: recipients([&owner.email]),
        subject: format!("Package {name} has been accepted"),
        body: render(
            ACCEPTED,
            &[("name", &name), ("owner", &display_name(owner))],
        ),
        package_id: Some(package_id),
    }
}

/// A package went to REJECTED: tell its owner why. (The original falls back to `-` when the
/// reason was passed positionally; tbseq always has the real reason.)
pub fn package_rejected(package_id: i64, package_name: &str, owner: &Person, reason: &str) -> Mail {
    let name = py_repr(package_name);
    Mail {
        kind: "package_rejected",
        recipients: recipients([&owner.email]),
        subject: format!("Package {name} has been rejected"),
        body: render(
            REJECTED,
            &[
                ("name", &name),
                ("owner", &display_name(owner)),
                ("reason", reason),
            ],
        ),
        package_id: Some(package_id),
    }
}

/// A message was posted on a package: from the owner it goes to the admins on duty,
/// from anyone else to the owner. The body is the message itself.
pub fn new_message(
    package_id: i64,
    package_name: &str,
    sender: &Person,
    sender_is_owner: bool,
    owner: &Person,
    staff_emails: &[String],
    content: &str,
) -> Mail {
    let to = if sender_is_owner {
        recipients(staff_emails)
    } else {
        recipients([&owner.email])
    };
    Mail {
        kind: "new_message",
        recipients: to,
        subject: format!(
            "[TbKb] New message from {} on package {package_name}",
            display_name(sender)
        ),
        body: render(NEW_MESSAGE, &[("content", content)]),
        package_id: Some(package_id),
    }
}

/// How long to wait before trying a failed e-mail again, after `attempts` failures: one
/// minute, doubling each time (1, 2, 4, … minutes), at most six hours. With the default
/// eight attempts a message is given up about two hours after it was queued.
pub fn retry_delay(attempts: u32) -> std::time::Duration {
    let minutes = 1u64 << attempts.saturating_sub(1).min(20);
    std::time::Duration::from_secs((minutes * 60).min(6 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(username: &str, first: &str, last: &str, email: &str) -> Person {
        Person {
            username: username.into(),
            first_name: first.into(),
            last_name: last.into(),
            email: email.into(),
        }
    }

    fn staff() -> Vec<String> {
        vec![
            "a@who.int".into(),
            String::new(),
            "b@who.int".into(),
            "a@who.int".into(),
        ]
    }

    #[test]
    fn display_names_follow_django() {
        assert_eq!(display_name(&person("ann", "Ann", "Lee", "")), "Ann Lee");
        assert_eq!(display_name(&person("ann", "Ann", "", "")), "Ann ");
        assert_eq!(display_name(&person("ann", "", "Lee", "")), " Lee");
        assert_eq!(display_name(&person("ann", "", "", "")), "ann");
    }

    #[test]
    fn repr_picks_quotes_like_python() {
        assert_eq!(py_repr("My package"), "'My package'");
        assert_eq!(py_repr(""), "''");
        assert_eq!(py_repr("Ann's"), "\"Ann's\"");
        assert_eq!(py_repr("say \"hi\""), "'say \"hi\"'");
        assert_eq!(py_repr("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(py_repr("\""), "'\"'");
        assert_eq!(py_repr("'"), "\"'\"");
    }

    #[test]
    fn repr_escapes_like_python() {
        assert_eq!(py_repr("a\\b"), "'a\\\\b'");
        assert_eq!(py_repr("a\nb\tc\rd"), "'a\\nb\\tc\\rd'");
        assert_eq!(py_repr("\0\x07\x1b\x7f"), "'\\x00\\x07\\x1b\\x7f'");
        // C1 controls, no-break space, soft hyphen: \x escapes.
        assert_eq!(py_repr("\u{85}\u{a0}\u{ad}"), "'\\x85\\xa0\\xad'");
        // Printable non-ASCII stays as it is.
        assert_eq!(py_repr("Müller – 結核 🦠"), "'Müller – 結核 🦠'");
        // Format characters, separators, private use, unassigned: \u or \U.
        assert_eq!(
            py_repr("\u{200b}\u{2028}\u{2029}\u{3000}\u{feff}\u{e000}\u{ffff}"),
            "'\\u200b\\u2028\\u2029\\u3000\\ufeff\\ue000\\uffff'"
        );
        assert_eq!(py_repr("\u{e0001}\u{10ffff}"), "'\\U000e0001\\U0010ffff'");
    }

    #[test]
    fn submitted_goes_to_staff() {
        let owner = person("ann", "Ann", "Lee", "ann@x.org");
        let mail = package_submitted(7, "Ann's data", &owner, &staff());
        assert_eq!(mail.kind, "package_submitted");
        assert_eq!(mail.recipients, vec!["a@who.int", "b@who.int"]);
        assert_eq!(mail.subject, "New data package submission");
        assert_eq!(
            mail.body,
            "New data package \"Ann's data\" has been submitted for review by Ann Lee."
        );
        assert_eq!(mail.package_id, Some(7));
    }

    #[test]
    fn accepted_goes_to_the_owner() {
        let owner = person("ann", "", "", "ann@x.org");
        let mail = package_accepted(3, "P1", &owner);
        assert_eq!(mail.kind, "package_accepted");
        assert_eq!(mail.recipients, vec!["ann@x.org"]);
        assert_eq!(mail.subject, "Package 'P1' has been accepted");
        assert_eq!(
            mail.body,
            "Hi ann, your package 'P1' has been reviewed and approved."
        );
    }

    #[test]
    fn rejected_carries_the_reason() {
        let owner = person("ann", "Ann", "", "ann@x.org");
        let mail = package_rejected(3, "P{owner}", &owner, "Missing {name}\nsee row 4");
        assert_eq!(mail.kind, "package_rejected");
        assert_eq!(mail.subject, "Package 'P{owner}' has been rejected");
        assert_eq!(
            mail.body,
            "Hi Ann , your package 'P{owner}' has been reviewed and rejected with reason:\n\
             Missing {name}\nsee row 4"
        );
    }

    #[test]
    fn an_owner_without_address_gets_nothing() {
        let owner = person("ann", "Ann", "Lee", "");
        assert!(package_accepted(1, "P", &owner).recipients.is_empty());
        assert!(package_rejected(1, "P", &owner, "r").recipients.is_empty());
    }

    #[test]
    fn messages_go_the_other_way() {
        let owner = person("ann", "Ann", "Lee", "ann@x.org");
        let admin = person("root", "", "", "root@who.int");
        let from_owner = new_message(5, "Ann's data", &owner, true, &owner, &staff(), "Hello\n");
        assert_eq!(from_owner.kind, "new_message");
        assert_eq!(from_owner.recipients, vec!["a@who.int", "b@who.int"]);
        // The package name is not repr()'d here.
        assert_eq!(
            from_owner.subject,
            "[TbKb] New message from Ann Lee on package Ann's data"
        );
        assert_eq!(from_owner.body, "Hello\n");
        let to_owner = new_message(5, "P", &admin, false, &owner, &staff(), "");
        assert_eq!(to_owner.recipients, vec!["ann@x.org"]);
        assert_eq!(
            to_owner.subject,
            "[TbKb] New message from root on package P"
        );
        assert_eq!(to_owner.body, "");
    }

    #[test]
    fn retries_back_off_exponentially() {
        let minutes = |n| retry_delay(n).as_secs() / 60;
        assert_eq!(
            (0..=8).map(minutes).collect::<Vec<_>>(),
            vec![1, 1, 2, 4, 8, 16, 32, 64, 128]
        );
        assert_eq!(minutes(30), 360);
        assert_eq!(minutes(u32::MAX), 360);
    }

    #[test]
    fn render_leaves_unknown_braces() {
        assert_eq!(render("{a} {b} {", &[("a", "{b}")]), "{b} {b} {");
        assert_eq!(render("x\n", &[]), "x");
    }
}
