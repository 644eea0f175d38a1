//! `Authentication-Results` headers (RFC 8601) as the trusted server wrote them: which
//! methods it ran (`dkim`, `dmarc`, `spf`…), each one's result and properties
//! (`header.d=example.org`). Comments are dropped, quoted values unquoted. Only a header
//! whose authserv-id is the configured server's is believed: anyone can write one.

/// One method's result in a header: `dkim=pass header.d=example.org`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// The method, lower-cased (`dkim`).
    pub method: String,
    /// The result, lower-cased (`pass`, `fail`, `none`…).
    pub result: String,
    /// Its properties as `ptype.property` and value (`header.d`, `example.org`), the
    /// name lower-cased.
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    /// A property's value (`header.d`).
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A header's results, if its authserv-id is `trusted` (compared case-insensitively).
pub fn from_trusted(header: &str, trusted: &str) -> Option<Vec<MethodResult>> {
    let text = strip_comments(header);
    let mut parts = split_outside_quotes(&text, ';').into_iter();
    let authserv = parts.next()?;
    let id = authserv.split_whitespace().next()?;
    if !id.eq_ignore_ascii_case(trusted) {
        return None;
    }
    Some(parts.filter_map(|p| method_result(&p)).collect())
}

fn method_result(part: &str) -> Option<MethodResult> {
    let mut words = split_outside_quotes(part, ' ')
        .into_iter()
        .filter(|w| !w.is_empty());
    let first = words.next()?;
    let (method, result) = first.split_once('=')?;
    // `dkim/1=pass`: a method may carry a version.
    let method = method.split('/').next().unwrap_or(method).trim();
    let mut properties = Vec::new();
    for w in words {
        if let Some((name, value)) = w.split_once('=') {
            properties.push((name.trim().to_ascii_lowercase(), unquote(value.trim())));
        }
    }
    Some(MethodResult {
        method: method.to_ascii_lowercase(),
        result: result.trim().to_ascii_lowercase(),
        properties,
    })
}

/// The header without its comments (`(…)`, nested, outside quoted strings).
fn strip_comments(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in header.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(if c.is_whitespace() { ' ' } else { c }),
            _ => {}
        }
    }
    out
}

fn split_outside_quotes(text: &str, at: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == at && !quoted {
            out.push(std::mem::take(&mut current).trim().to_string());
            continue;
        }
        current.push(c);
    }
    out.push(current.trim().to_string());
    out
}

fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_of_the_trusted_server_with_their_properties() {
        let h = "mx.consultation.test (OpenDKIM);\r\n\tdkim=pass (2048-bit key; unprotected) \
                 header.d=iom.test header.i=@iom.test header.b=\"ab;c\";\r\n\t\
                 dmarc=fail (p=reject dis=none) header.from=who.test";
        let results = from_trusted(h, "MX.consultation.test").expect("trusted");
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(
            (results[0].method.as_str(), results[0].result.as_str()),
            ("dkim", "pass")
        );
        assert_eq!(results[0].property("header.d"), Some("iom.test"));
        assert_eq!(results[0].property("header.b"), Some("ab;c"));
        assert_eq!(results[1].result, "fail");
        assert_eq!(results[1].property("header.from"), Some("who.test"));
        assert_eq!(from_trusted(h, "other.test"), None, "another server's");
    }

    #[test]
    fn a_comment_cannot_pose_as_a_result_and_none_is_no_result() {
        let h = "mx.test; dkim=fail (but dkim=pass header.d=iom.test) header.d=iom.test";
        let results = from_trusted(h, "mx.test").expect("trusted");
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].result, "fail");
        assert_eq!(from_trusted("mx.test; none", "mx.test"), Some(vec![]));
        assert_eq!(
            from_trusted("(mx.test) other.test; dkim=pass", "mx.test"),
            None
        );
    }
}
