//! The syntax tree a parsed filter produces, plus positions and the error type.
//!
//! The tree is purely syntactic: field paths are not resolved and values are not typed yet.
//! Positions are kept so that a later checker (unknown field, wrong value type) can point the
//! API user at the exact spot, just like a syntax error does.

use std::fmt;

/// A boolean combination of conditions.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All of these hold; a chain `a and b and c` is one flat list.
    And(Vec<Expr>),
    /// At least one of these holds; a chain `a or b or c` is one flat list.
    Or(Vec<Expr>),
    /// The inner expression does not hold.
    Not(Box<Expr>),
    /// One comparison of a field against a value.
    Cond(Condition),
}

/// One comparison: `field op operand`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The dotted field path exactly as written, e.g. `address.city`.
    pub field: String,
    /// Where the field path starts.
    pub field_pos: Pos,
    /// The comparison operator.
    pub op: Op,
    /// What the field is compared with; its shape depends on `op`.
    pub operand: Operand,
    /// Where the operand starts; for a bare `is_null` (no flag written) this is the operator.
    pub operand_pos: Pos,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `in`: equal to one of a list of values.
    In,
    /// `contains`: the text contains the value.
    Contains,
    /// `starts_with`: the text starts with the value.
    StartsWith,
    /// `is_null`: the field is (or with `false`, is not) null.
    IsNull,
    /// `in_period`: the date/time falls in a named period such as `this_month`.
    InPeriod,
}

impl Op {
    /// Every operator, in the order error messages list them.
    pub const ALL: [Op; 11] = [
        Op::Eq,
        Op::Ne,
        Op::Lt,
        Op::Lte,
        Op::Gt,
        Op::Gte,
        Op::In,
        Op::Contains,
        Op::StartsWith,
        Op::IsNull,
        Op::InPeriod,
    ];

    /// The keyword as written in a filter, e.g. `"starts_with"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::In => "in",
            Op::Contains => "contains",
            Op::StartsWith => "starts_with",
            Op::IsNull => "is_null",
            Op::InPeriod => "in_period",
        }
    }

    /// The operator spelled by `word` (case-sensitive), if any.
    pub fn from_keyword(word: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == word)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The right-hand side of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// One value (every operator except `in` and `is_null`).
    Single(Literal),
    /// The non-empty value list of `in`.
    List(Vec<Literal>),
    /// The flag of `is_null`: `true` means "is null", `false` means "is not null".
    Flag(bool),
}

/// A value as written; typing against the field happens later.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A double-quoted string with its escapes resolved (dates and periods arrive this way).
    String(String),
    /// A number's exact text, e.g. `-12` or `3.50`, so no precision is lost to floats.
    Number(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`; accepted by `eq`, `ne` and in `in` lists, the caller decides what it means.
    Null,
}

/// A place in the filter text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 0-based byte offset into the input.
    pub offset: usize,
    /// 1-based column counted in characters, which is what a human sees.
    pub column: usize,
}

impl Pos {
    /// The very start of the input.
    pub const START: Pos = Pos {
        offset: 0,
        column: 1,
    };
}

/// Why a filter was rejected; the message already names the column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    /// A sentence for the API user, e.g. `unexpected ')' at column 20`.
    pub message: String,
    /// Where the problem is.
    pub pos: Pos,
}

impl FilterError {
    /// An error at `pos`; the message is expected to mention the column itself.
    pub fn new(message: impl Into<String>, pos: Pos) -> Self {
        Self {
            message: message.into(),
            pos,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_keywords_round_trip() {
        for op in Op::ALL {
            assert_eq!(Op::from_keyword(op.as_str()), Some(op));
            assert_eq!(op.to_string(), op.as_str());
        }
        assert_eq!(Op::StartsWith.as_str(), "starts_with");
        assert_eq!(Op::InPeriod.as_str(), "in_period");
    }

    #[test]
    fn op_keywords_are_case_sensitive() {
        assert_eq!(Op::from_keyword("EQ"), None);
        assert_eq!(Op::from_keyword("Eq"), None);
        assert_eq!(Op::from_keyword("equals"), None);
    }

    #[test]
    fn error_displays_its_message() {
        let err = FilterError::new(
            "unexpected ')' at column 3",
            Pos {
                offset: 2,
                column: 3,
            },
        );
        assert_eq!(err.to_string(), "unexpected ')' at column 3");
    }
}
