//! Canned replies: saved texts with `{{variables}}`, checked when saved (an unknown variable or
//! an unclosed brace is an error then, never a blank in the client's inbox) and rendered for one
//! request with the client's etiquette: the contact's preferred name and salutation, and the
//! client's glossary applied to the saved words (never to the values filled in).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::etiquette::GlossaryEntry;
use crate::ids::{CannedReplyId, MemberId, OrgId};
use crate::request::{Priority, Status};
use crate::validate::{self, Violations, limits};

/// A variable a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    ContactName,
    ContactPreferredName,
    ContactSalutation,
    ClientName,
    RequestRef,
    RequestTitle,
    RequestStatus,
    PromiseDueLocal,
    AgentName,
    OrgName,
}

/// Every variable, its name in templates and what it becomes.
pub const VARIABLES: &[(Var, &str, &str)] = &[
    (Var::ContactName, "contact.name", "the contact's full name"),
    (
        Var::ContactPreferredName,
        "contact.preferred_name",
        "the name the contact wishes to be addressed by (their etiquette profile), else their first name",
    ),
    (
        Var::ContactSalutation,
        "contact.salutation",
        "a salutation line in the client's tone (\"Dear Dr Mehta,\" / \"Hi Priya,\")",
    ),
    (Var::ClientName, "client.name", "the client's name"),
    (Var::RequestRef, "request.ref", "the request's reference"),
    (Var::RequestTitle, "request.title", "the request's title"),
    (Var::RequestStatus, "request.status", "the request's status"),
    (
        Var::PromiseDueLocal,
        "promise.due_local",
        "when the request's earliest open promise is due, in the client's time zone",
    ),
    (
        Var::AgentName,
        "agent.name",
        "the member applying the reply (for rules: the assignee, else the firm)",
    ),
    (Var::OrgName, "org.name", "the firm's name"),
];

impl Var {
    pub fn name(self) -> &'static str {
        VARIABLES
            .iter()
            .find(|(v, _, _)| *v == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("")
    }

    pub fn parse(name: &str) -> Option<Var> {
        VARIABLES
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(v, _, _)| *v)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Var),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// Why a template cannot be saved. Positions are 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown variable {{{{{name}}}}} at line {line}, column {column}; known: {known}")]
    Unknown {
        name: String,
        line: usize,
        column: usize,
        known: String,
    },
    #[error("\"{{{{\" at line {line}, column {column} is never closed with \"}}}}\"")]
    Unclosed { line: usize, column: usize },
    #[error("empty variable \"{{{{}}}}\" at line {line}, column {column}")]
    Empty { line: usize, column: usize },
}

fn known_names() -> String {
    VARIABLES
        .iter()
        .map(|(_, n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn position(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

impl Template {
    /// Parse `text`: `{{ name }}` is a variable (spaces inside allowed); a single brace is text.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut rest = 0;
        let mut literal = String::new();
        while let Some(open) = text[rest..].find("{{").map(|i| i + rest) {
            literal.push_str(&text[rest..open]);
            let inner_start = open + 2;
            let Some(close) = text[inner_start..].find("}}").map(|i| i + inner_start) else {
                let (line, column) = position(text, open);
                return Err(TemplateError::Unclosed { line, column });
            };
            let inner = &text[inner_start..close];
            if inner.contains("{{") || inner.contains('\n') {
                let (line, column) = position(text, open);
                return Err(TemplateError::Unclosed { line, column });
            }
            let name = inner.trim();
            if name.is_empty() {
                let (line, column) = position(text, open);
                return Err(TemplateError::Empty { line, column });
            }
            let Some(var) = Var::parse(name) else {
                let (line, column) = position(text, open);
                return Err(TemplateError::Unknown {
                    name: name.to_string(),
                    line,
                    column,
                    known: known_names(),
                });
            };
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Var(var));
            rest = close + 2;
        }
        literal.push_str(&text[rest..]);
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// The variables used, in order of first use.
    pub fn variables(&self) -> Vec<Var> {
        let mut out: Vec<Var> = Vec::new();
        for p in &self.pieces {
            if let Piece::Var(v) = p
                && !out.contains(v)
            {
                out.push(*v);
            }
        }
        out
    }

    /// Fill in the variables (`value` says what each is, or why it has none) and apply the
    /// glossary to the saved words. A variable without a value is an error naming it.
    pub fn render(
        &self,
        glossary: &[GlossaryEntry],
        value: impl Fn(Var) -> Result<String, String>,
    ) -> Result<String, RenderError> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(&apply_glossary(t, glossary)),
                Piece::Var(v) => match value(*v) {
                    Ok(s) => out.push_str(&s),
                    Err(reason) => {
                        return Err(RenderError {
                            variable: v.name(),
                            reason,
                        });
                    }
                },
            }
        }
        Ok(out)
    }
}

/// A variable that has no value for this request (no contact, no open promise...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{{{{{variable}}}}} has no value here: {reason}")]
pub struct RenderError {
    pub variable: &'static str,
    pub reason: String,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Replace each of our words with the client's (whole words, ASCII case-insensitive; a
/// capitalised word stays capitalised).
pub fn apply_glossary(text: &str, glossary: &[GlossaryEntry]) -> String {
    let mut out = text.to_string();
    for g in glossary {
        let ours = g.ours.trim();
        if ours.is_empty() {
            continue;
        }
        let mut result = String::with_capacity(out.len());
        let bytes = out.as_bytes();
        let n = ours.len();
        let mut i = 0;
        let mut last = 0;
        while i + n <= bytes.len() {
            let candidate = &bytes[i..i + n];
            let before_ok = i == 0 || !is_word_byte(bytes[i - 1]);
            let after_ok = i + n == bytes.len() || !is_word_byte(bytes[i + n]);
            if before_ok
                && after_ok
                && candidate.eq_ignore_ascii_case(ours.as_bytes())
                && out.is_char_boundary(i)
                && out.is_char_boundary(i + n)
            {
                result.push_str(&out[last..i]);
                let capital = candidate[0].is_ascii_uppercase();
                let theirs = g.theirs.trim();
                if capital {
                    let mut cs = theirs.chars();
                    if let Some(first) = cs.next() {
                        result.extend(first.to_uppercase());
                        result.push_str(cs.as_str());
                    }
                } else {
                    result.push_str(theirs);
                }
                i += n;
                last = i;
            } else {
                i += 1;
            }
        }
        result.push_str(&out[last..]);
        out = result;
    }
    out
}

/// A saved reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedReply {
    pub id: CannedReplyId,
    pub org_id: OrgId,
    pub name: String,
    /// The text with `{{variables}}`.
    pub body: String,
    /// Applied with the reply: move the request to this status.
    pub set_status: Option<Status>,
    pub set_priority: Option<Priority>,
    /// Added to the request's tags.
    pub add_tags: Vec<String>,
    /// Assign the request to this member.
    pub assignee_id: Option<MemberId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A new canned reply, or the whole of an edited one (PUT).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CannedReplyInput {
    pub name: String,
    pub body: String,
    #[serde(default)]
    pub set_status: Option<Status>,
    #[serde(default)]
    pub set_priority: Option<Priority>,
    #[serde(default)]
    pub add_tags: Vec<String>,
    #[serde(default)]
    pub assignee_id: Option<MemberId>,
}

impl CannedReplyInput {
    /// Check every field; the template must parse with known variables only.
    pub fn validate(self) -> Result<CannedReplyInput, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", validate::line(&self.name, limits::NAME));
        let body = v.check("body", validate::text(&self.body, limits::BODY));
        if let Some(b) = &body
            && let Err(e) = Template::parse(b)
        {
            v.add("body", e.to_string());
        }
        let add_tags = validate::tags(&self.add_tags, "add_tags", &mut v);
        v.finish(|| CannedReplyInput {
            name: name.unwrap_or_default(),
            body: body.unwrap_or_default(),
            set_status: self.set_status,
            set_priority: self.set_priority,
            add_tags,
            assignee_id: self.assignee_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: Var) -> Result<String, String> {
        match v {
            Var::ContactPreferredName => Ok("Dr Mehta".into()),
            Var::RequestRef => Ok("42".into()),
            Var::PromiseDueLocal => Err("the request has no open promise".into()),
            _ => Ok(format!("<{}>", v.name())),
        }
    }

    #[test]
    fn renders_variables_with_spaces_and_single_braces_as_text() {
        let t =
            Template::parse("Dear {{ contact.preferred_name }}, re #{{request.ref}} {x}").unwrap();
        assert_eq!(
            t.variables(),
            vec![Var::ContactPreferredName, Var::RequestRef]
        );
        assert_eq!(t.render(&[], values).unwrap(), "Dear Dr Mehta, re #42 {x}");
    }

    #[test]
    fn unknown_and_unclosed_variables_are_refused_with_their_position() {
        let e = Template::parse("Hi {{contact.name}},\nsee {{ request.nmae }}").unwrap_err();
        match &e {
            TemplateError::Unknown {
                name, line, column, ..
            } => {
                assert_eq!((name.as_str(), *line, *column), ("request.nmae", 2, 5));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("{{request.nmae}}"), "{e}");
        assert!(
            e.to_string().contains("request.ref"),
            "lists the known ones: {e}"
        );
        assert_eq!(
            Template::parse("ok\nthen {{contact.name").unwrap_err(),
            TemplateError::Unclosed { line: 2, column: 6 }
        );
        assert_eq!(
            Template::parse("{{ }}").unwrap_err(),
            TemplateError::Empty { line: 1, column: 1 }
        );
        assert!(matches!(
            Template::parse("{{contact.name {{request.ref}}").unwrap_err(),
            TemplateError::Unclosed { .. }
        ));
    }

    #[test]
    fn a_missing_value_names_the_variable() {
        let t = Template::parse("Due {{promise.due_local}}").unwrap();
        let e = t.render(&[], values).unwrap_err();
        assert_eq!(e.variable, "promise.due_local");
        assert!(e.to_string().contains("no open promise"));
    }

    #[test]
    fn the_glossary_applies_to_saved_words_not_to_values() {
        let g = vec![GlossaryEntry {
            ours: "okra".into(),
            theirs: "ladies' fingers".into(),
        }];
        let t = Template::parse("Okra delivered, okra-free? {{contact.name}} bookra").unwrap();
        let out = t.render(&g, |_| Ok("okra lover".to_string())).unwrap();
        assert_eq!(
            out,
            "Ladies' fingers delivered, ladies' fingers-free? okra lover bookra"
        );
    }

    #[test]
    fn input_validation_names_the_body() {
        let bad = CannedReplyInput {
            name: "Ack".into(),
            body: "Hi {{agent.nam}}".into(),
            set_status: None,
            set_priority: None,
            add_tags: vec![],
            assignee_id: None,
        }
        .validate()
        .unwrap_err();
        assert_eq!(bad.0[0].field, "body");
        assert!(bad.0[0].message.contains("agent.nam"));
    }
}
