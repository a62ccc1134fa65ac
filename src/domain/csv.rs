//! Delimited text for downloads, quoted as Python's `csv` module (and so pandas) quotes by
//! default: a field is quoted only when it holds the separator, a quote or a line break, and
//! quotes inside are doubled. Lines end with `\n`.

/// Appends one record to `out`.
pub fn push_record<S: AsRef<str>>(out: &mut String, fields: &[S], separator: char) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        let field = field.as_ref();
        let needs_quotes = field
            .chars()
            .any(|c| c == separator || c == '"' || c == '\n' || c == '\r');
        if needs_quotes {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::push_record;

    #[test]
    fn quotes_only_when_needed() {
        let mut out = String::new();
        push_record(&mut out, &["a", "b c", "x,y"], ',');
        push_record(&mut out, &["say \"hi\"", "", "t\tab"], '\t');
        assert_eq!(out, "a,b c,\"x,y\"\n\"say \"\"hi\"\"\"\t\t\"t\tab\"\n");
    }
}
