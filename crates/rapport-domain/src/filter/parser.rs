//! Recursive-descent parser from tokens to an [`Expr`], enforcing the size limits.
//!
//! Grammar (precedence `not` > `and` > `or`):
//!
//! ```text
//! or        := and ("or" and)*
//! and       := unary ("and" unary)*
//! unary     := "not" unary | primary
//! primary   := "(" or ")" | condition
//! condition := field op operand
//! ```
//!
//! The limits exist because filters come straight from API clients: they bound the work a
//! single request can cause and, through the depth limit, the recursion here.

use super::ast::{Condition, Expr, FilterError, Literal, Op, Operand, Pos};
use super::lexer::{Lexer, Token, TokenKind, first_pos_beyond};

/// Longest accepted filter, in bytes.
pub const MAX_INPUT_BYTES: usize = 4096;
/// Deepest accepted nesting of parentheses and `not`.
pub const MAX_DEPTH: usize = 32;
/// Most conditions accepted in one filter.
pub const MAX_CONDITIONS: usize = 100;
/// Most values accepted in one `in` list.
pub const MAX_LIST_VALUES: usize = 200;

/// Words that can never start a field path; a field with such a name would be ambiguous.
const RESERVED: [&str; 6] = ["and", "or", "not", "true", "false", "null"];

/// Parses a whole filter; see the module docs for the grammar.
pub(crate) fn parse(input: &str) -> Result<Expr, FilterError> {
    if let Some(pos) = first_pos_beyond(input, MAX_INPUT_BYTES) {
        let msg = format!(
            "filter too long at column {} ({} bytes; the limit is {MAX_INPUT_BYTES})",
            pos.column,
            input.len()
        );
        return Err(FilterError::new(msg, pos));
    }
    let mut parser = Parser {
        lexer: Lexer::new(input),
        peeked: None,
        depth: 0,
        conditions: 0,
    };
    let expr = parser.parse_or()?;
    let next = parser.bump()?;
    match next.kind {
        TokenKind::End => Ok(expr),
        TokenKind::RParen => {
            let msg = format!(
                "unexpected ')' at column {} (it has no matching '(')",
                next.pos.column
            );
            Err(FilterError::new(msg, next.pos))
        }
        other => {
            let msg = format!(
                "trailing input at column {} (expected 'and', 'or' or the end of the filter, \
                 found {})",
                next.pos.column,
                other.describe()
            );
            Err(FilterError::new(msg, next.pos))
        }
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    depth: usize,
    conditions: usize,
}

impl<'a> Parser<'a> {
    fn peek(&mut self) -> Result<&Token<'a>, FilterError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(token))
    }

    fn bump(&mut self) -> Result<Token<'a>, FilterError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    /// Consumes the keyword if it is next, returning where it was.
    fn eat_keyword(&mut self, keyword: &str) -> Result<Option<Pos>, FilterError> {
        let token = self.peek()?;
        if token.kind == TokenKind::Word(keyword) {
            let pos = token.pos;
            self.peeked = None;
            return Ok(Some(pos));
        }
        Ok(None)
    }

    fn parse_or(&mut self) -> Result<Expr, FilterError> {
        self.chain("or", Self::parse_and, Expr::Or)
    }

    fn parse_and(&mut self) -> Result<Expr, FilterError> {
        self.chain("and", Self::parse_unary, Expr::And)
    }

    /// `operand (keyword operand)*`, collected into one flat list; a lone operand stays bare.
    fn chain(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Result<Expr, FilterError>,
        build: fn(Vec<Expr>) -> Expr,
    ) -> Result<Expr, FilterError> {
        let first = operand(self)?;
        if self.eat_keyword(keyword)?.is_none() {
            return Ok(first);
        }
        let mut items = vec![first, operand(self)?];
        while self.eat_keyword(keyword)?.is_some() {
            items.push(operand(self)?);
        }
        Ok(build(items))
    }

    fn parse_unary(&mut self) -> Result<Expr, FilterError> {
        let Some(pos) = self.eat_keyword("not")? else {
            return self.parse_primary();
        };
        self.enter(pos)?;
        let inner = self.parse_unary()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(inner)))
    }

    fn parse_primary(&mut self) -> Result<Expr, FilterError> {
        let token = self.bump()?;
        match token.kind {
            TokenKind::LParen => {
                self.enter(token.pos)?;
                let inner = self.parse_or()?;
                self.expect_close(token.pos)?;
                self.depth -= 1;
                Ok(inner)
            }
            TokenKind::Word(word) if !RESERVED.contains(&word) => {
                self.parse_condition(word, token.pos)
            }
            TokenKind::RParen => {
                let msg = format!("unexpected ')' at column {}", token.pos.column);
                Err(FilterError::new(msg, token.pos))
            }
            other => {
                let msg = format!(
                    "expected a field name at column {}, found {}",
                    token.pos.column,
                    other.describe()
                );
                Err(FilterError::new(msg, token.pos))
            }
        }
    }

    /// Counts one more level of nesting opened at `pos`.
    fn enter(&mut self, pos: Pos) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let msg = format!(
                "nested too deeply at column {} (the limit is {MAX_DEPTH} levels of parentheses \
                 and 'not')",
                pos.column
            );
            return Err(FilterError::new(msg, pos));
        }
        Ok(())
    }

    fn expect_close(&mut self, open: Pos) -> Result<(), FilterError> {
        let token = self.bump()?;
        if token.kind == TokenKind::RParen {
            return Ok(());
        }
        let msg = format!(
            "expected ')' at column {} to close the '(' at column {}, found {}",
            token.pos.column,
            open.column,
            token.kind.describe()
        );
        Err(FilterError::new(msg, token.pos))
    }

    fn parse_condition(&mut self, field: &str, field_pos: Pos) -> Result<Expr, FilterError> {
        check_field(field, field_pos)?;
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            let msg = format!(
                "too many conditions at column {} (the limit is {MAX_CONDITIONS})",
                field_pos.column
            );
            return Err(FilterError::new(msg, field_pos));
        }
        let (op, op_pos) = self.parse_op(field)?;
        let (operand, operand_pos) = match op {
            Op::In => self.parse_list()?,
            Op::IsNull => self.parse_null_flag(op_pos)?,
            Op::InPeriod => self.parse_period()?,
            Op::Eq | Op::Ne => {
                let (literal, pos) = self.parse_literal(op.as_str())?;
                (Operand::Single(literal), pos)
            }
            Op::Lt | Op::Lte | Op::Gt | Op::Gte | Op::Contains | Op::StartsWith => {
                let (literal, pos) = self.parse_literal(op.as_str())?;
                if literal == Literal::Null {
                    let msg = format!(
                        "'{op}' cannot compare with null at column {} (use is_null)",
                        pos.column
                    );
                    return Err(FilterError::new(msg, pos));
                }
                (Operand::Single(literal), pos)
            }
        };
        Ok(Expr::Cond(Condition {
            field: field.to_owned(),
            field_pos,
            op,
            operand,
            operand_pos,
        }))
    }

    fn parse_op(&mut self, field: &str) -> Result<(Op, Pos), FilterError> {
        let token = self.bump()?;
        let expected = expected_ops();
        match token.kind {
            TokenKind::Word(word) => match Op::from_keyword(word) {
                Some(op) => Ok((op, token.pos)),
                None => {
                    let msg = format!(
                        "unknown operator '{word}' at column {} (expected one of {expected})",
                        token.pos.column
                    );
                    Err(FilterError::new(msg, token.pos))
                }
            },
            other => {
                let msg = format!(
                    "expected an operator after '{field}' at column {}, found {} \
                     (expected one of {expected})",
                    token.pos.column,
                    other.describe()
                );
                Err(FilterError::new(msg, token.pos))
            }
        }
    }

    /// One value; `after` names what precedes it, for the error message.
    fn parse_literal(&mut self, after: &str) -> Result<(Literal, Pos), FilterError> {
        let token = self.bump()?;
        let literal = match token.kind {
            TokenKind::Str(s) => Literal::String(s),
            TokenKind::Number(n) => Literal::Number(n.to_owned()),
            TokenKind::Word("true") => Literal::Bool(true),
            TokenKind::Word("false") => Literal::Bool(false),
            TokenKind::Word("null") => Literal::Null,
            other => {
                let hint = match other {
                    TokenKind::Word(_) => " (text values need double quotes)",
                    _ => "",
                };
                let msg = format!(
                    "expected a value after '{after}' at column {}, found {}{hint}",
                    token.pos.column,
                    other.describe()
                );
                return Err(FilterError::new(msg, token.pos));
            }
        };
        Ok((literal, token.pos))
    }

    fn parse_list(&mut self) -> Result<(Operand, Pos), FilterError> {
        let open = self.bump()?;
        if open.kind != TokenKind::LParen {
            let msg = format!(
                "expected '(' after 'in' at column {}, found {} (lists look like (\"a\", \"b\"))",
                open.pos.column,
                open.kind.describe()
            );
            return Err(FilterError::new(msg, open.pos));
        }
        if self.peek()?.kind == TokenKind::RParen {
            let msg = format!(
                "empty list after 'in' at column {} (give at least one value)",
                open.pos.column
            );
            return Err(FilterError::new(msg, open.pos));
        }
        let mut values = Vec::new();
        let mut after = "(";
        loop {
            let (literal, pos) = self.parse_literal(after)?;
            if values.len() == MAX_LIST_VALUES {
                let msg = format!(
                    "too many values in the list at column {} (the limit is {MAX_LIST_VALUES})",
                    pos.column
                );
                return Err(FilterError::new(msg, pos));
            }
            values.push(literal);
            let next = self.bump()?;
            match next.kind {
                TokenKind::Comma => after = ",",
                TokenKind::RParen => return Ok((Operand::List(values), open.pos)),
                other => {
                    let msg = format!(
                        "expected ',' or ')' in the list at column {}, found {}",
                        next.pos.column,
                        other.describe()
                    );
                    return Err(FilterError::new(msg, next.pos));
                }
            }
        }
    }

    /// `is_null` with an optional `true`/`false`; bare means `true`.
    fn parse_null_flag(&mut self, op_pos: Pos) -> Result<(Operand, Pos), FilterError> {
        let token = self.peek()?;
        let pos = token.pos;
        let flag = match &token.kind {
            TokenKind::Word("true") => true,
            TokenKind::Word("false") => false,
            // Anything value-like here is a mistake; saying so beats "trailing input".
            other @ (TokenKind::Str(_) | TokenKind::Number(_) | TokenKind::Word("null")) => {
                let msg = format!(
                    "'is_null' takes true or false at column {}, found {}",
                    pos.column,
                    other.describe()
                );
                return Err(FilterError::new(msg, pos));
            }
            _ => return Ok((Operand::Flag(true), op_pos)),
        };
        self.peeked = None;
        Ok((Operand::Flag(flag), pos))
    }

    fn parse_period(&mut self) -> Result<(Operand, Pos), FilterError> {
        let token = self.bump()?;
        match token.kind {
            TokenKind::Str(name) => Ok((Operand::Single(Literal::String(name)), token.pos)),
            other => {
                let msg = format!(
                    "expected a period name in double quotes after 'in_period' at column {}, \
                     found {} (e.g. \"this_month\")",
                    token.pos.column,
                    other.describe()
                );
                Err(FilterError::new(msg, token.pos))
            }
        }
    }
}

/// Checks `[a-z_][a-z0-9_]*` segments joined by dots, pointing at the first bad segment.
fn check_field(field: &str, pos: Pos) -> Result<(), FilterError> {
    let mut seg_offset = 0;
    for segment in field.split('.') {
        let mut chars = segment.chars();
        let starts_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !(starts_ok && rest_ok) {
            // Words are ASCII, so bytes and columns advance together.
            let at = Pos {
                offset: pos.offset + seg_offset,
                column: pos.column + seg_offset,
            };
            let msg = format!(
                "invalid field name '{field}' at column {} (use lower case letters, digits and \
                 '_', not starting with a digit, joined by dots)",
                at.column
            );
            return Err(FilterError::new(msg, at));
        }
        seg_offset += segment.len() + 1;
    }
    Ok(())
}

fn expected_ops() -> String {
    Op::ALL.map(|op| op.as_str()).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Expr {
        match parse(input) {
            Ok(expr) => expr,
            Err(e) => panic!("{input:?} failed: {e}"),
        }
    }

    fn err(input: &str) -> FilterError {
        match parse(input) {
            Ok(expr) => panic!("{input:?} parsed to {expr:?}"),
            Err(e) => e,
        }
    }

    fn cond(input: &str) -> Condition {
        match ok(input) {
            Expr::Cond(c) => c,
            other => panic!("not a condition: {other:?}"),
        }
    }

    /// A condition with fields and positions ignored, for shape assertions.
    fn c(field: &str) -> Expr {
        Expr::Cond(Condition {
            field: field.to_owned(),
            field_pos: Pos::START,
            op: Op::Eq,
            operand: Operand::Single(Literal::Number("1".into())),
            operand_pos: Pos::START,
        })
    }

    /// Normalises positions so only the tree shape and field names are compared.
    fn shape(expr: Expr) -> Expr {
        match expr {
            Expr::And(items) => Expr::And(items.into_iter().map(shape).collect()),
            Expr::Or(items) => Expr::Or(items.into_iter().map(shape).collect()),
            Expr::Not(inner) => Expr::Not(Box::new(shape(*inner))),
            Expr::Cond(cond) => c(&cond.field),
        }
    }

    fn s(text: &str) -> Literal {
        Literal::String(text.into())
    }

    fn n(text: &str) -> Literal {
        Literal::Number(text.into())
    }

    fn at(offset: usize, column: usize) -> Pos {
        Pos { offset, column }
    }

    #[test]
    fn spec_example() {
        let expr = ok(
            r#"email eq "ana@example.com" and (stage in ("won","lost") or amount.amount gte 1000)"#,
        );
        let Expr::And(items) = expr else {
            panic!("expected And")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            Expr::Cond(Condition {
                field: "email".into(),
                field_pos: at(0, 1),
                op: Op::Eq,
                operand: Operand::Single(s("ana@example.com")),
                operand_pos: at(9, 10),
            })
        );
        let Expr::Or(alts) = &items[1] else {
            panic!("expected Or")
        };
        assert_eq!(
            alts[0],
            Expr::Cond(Condition {
                field: "stage".into(),
                field_pos: at(32, 33),
                op: Op::In,
                operand: Operand::List(vec![s("won"), s("lost")]),
                operand_pos: at(41, 42),
            })
        );
        assert_eq!(
            alts[1],
            Expr::Cond(Condition {
                field: "amount.amount".into(),
                field_pos: at(59, 60),
                op: Op::Gte,
                operand: Operand::Single(n("1000")),
                operand_pos: at(77, 78),
            })
        );
    }

    #[test]
    fn single_condition_is_bare() {
        assert_eq!(shape(ok("a eq 1")), c("a"));
        assert_eq!(shape(ok("((a eq 1))")), c("a"));
    }

    #[test]
    fn and_and_or_chains_are_flat() {
        assert_eq!(
            shape(ok("a eq 1 and b eq 1 and c eq 1")),
            Expr::And(vec![c("a"), c("b"), c("c")])
        );
        assert_eq!(
            shape(ok("a eq 1 or b eq 1 or c eq 1 or d eq 1")),
            Expr::Or(vec![c("a"), c("b"), c("c"), c("d")])
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            shape(ok("a eq 1 or b eq 1 and c eq 1 or d eq 1")),
            Expr::Or(vec![c("a"), Expr::And(vec![c("b"), c("c")]), c("d")])
        );
        assert_eq!(
            shape(ok("a eq 1 and b eq 1 or c eq 1")),
            Expr::Or(vec![Expr::And(vec![c("a"), c("b")]), c("c")])
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        assert_eq!(
            shape(ok("not a eq 1 and b eq 1")),
            Expr::And(vec![Expr::Not(Box::new(c("a"))), c("b")])
        );
        assert_eq!(
            shape(ok("a eq 1 or not b eq 1")),
            Expr::Or(vec![c("a"), Expr::Not(Box::new(c("b")))])
        );
        assert_eq!(
            shape(ok("not not a eq 1")),
            Expr::Not(Box::new(Expr::Not(Box::new(c("a")))))
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        assert_eq!(
            shape(ok("(a eq 1 or b eq 1) and c eq 1")),
            Expr::And(vec![Expr::Or(vec![c("a"), c("b")]), c("c")])
        );
        assert_eq!(
            shape(ok("not (a eq 1 or b eq 1)")),
            Expr::Not(Box::new(Expr::Or(vec![c("a"), c("b")])))
        );
        // Explicit grouping is kept as written rather than merged into the outer chain.
        assert_eq!(
            shape(ok("(a eq 1 and b eq 1) and c eq 1")),
            Expr::And(vec![Expr::And(vec![c("a"), c("b")]), c("c")])
        );
    }

    #[test]
    fn every_single_value_operator() {
        for op in [
            Op::Eq,
            Op::Ne,
            Op::Lt,
            Op::Lte,
            Op::Gt,
            Op::Gte,
            Op::Contains,
            Op::StartsWith,
        ] {
            let got = cond(&format!("f {op} \"x\""));
            assert_eq!(got.op, op);
            assert_eq!(got.operand, Operand::Single(s("x")));
            assert_eq!(
                got.operand_pos,
                at(op.as_str().len() + 3, op.as_str().len() + 4)
            );
        }
    }

    #[test]
    fn literal_kinds() {
        assert_eq!(
            cond("f eq true").operand,
            Operand::Single(Literal::Bool(true))
        );
        assert_eq!(
            cond("f eq false").operand,
            Operand::Single(Literal::Bool(false))
        );
        assert_eq!(cond("f eq null").operand, Operand::Single(Literal::Null));
        assert_eq!(cond("f ne null").operand, Operand::Single(Literal::Null));
        assert_eq!(cond("f eq -12").operand, Operand::Single(n("-12")));
        assert_eq!(cond("f gt 3.50").operand, Operand::Single(n("3.50")));
        assert_eq!(
            cond(r#"f eq "a\"b\\c""#).operand,
            Operand::Single(s("a\"b\\c"))
        );
        assert_eq!(
            cond(r#"f eq "2026-11-22""#).operand,
            Operand::Single(s("2026-11-22"))
        );
    }

    #[test]
    fn ordering_and_text_operators_reject_null() {
        let e = err("f lt null");
        assert_eq!(
            e.message,
            "'lt' cannot compare with null at column 6 (use is_null)"
        );
        assert_eq!(e.pos, at(5, 6));
        assert!(
            err("f contains null")
                .message
                .starts_with("'contains' cannot compare")
        );
    }

    #[test]
    fn in_lists() {
        let got = cond(r#"stage in ( "won" , -1,2.5,true, null )"#);
        assert_eq!(got.op, Op::In);
        assert_eq!(
            got.operand,
            Operand::List(vec![
                s("won"),
                n("-1"),
                n("2.5"),
                Literal::Bool(true),
                Literal::Null
            ])
        );
        assert_eq!(got.operand_pos, at(9, 10));
        assert_eq!(cond("x in (1)").operand, Operand::List(vec![n("1")]));
    }

    #[test]
    fn in_list_errors() {
        let e = err("x in ()");
        assert_eq!(
            e.message,
            "empty list after 'in' at column 6 (give at least one value)"
        );
        assert_eq!(e.pos, at(5, 6));
        let e = err("x in \"a\"");
        assert_eq!(
            e.message,
            "expected '(' after 'in' at column 6, found a string (lists look like (\"a\", \"b\"))"
        );
        let e = err("x in (1,)");
        assert_eq!(
            e.message,
            "expected a value after ',' at column 9, found ')'"
        );
        let e = err("x in (1 2)");
        assert_eq!(
            e.message,
            "expected ',' or ')' in the list at column 9, found the number 2"
        );
        let e = err("x in (1");
        assert_eq!(
            e.message,
            "expected ',' or ')' in the list at column 8, found the end of the filter"
        );
        let e = err("x in ((1))");
        assert_eq!(
            e.message,
            "expected a value after '(' at column 7, found '('"
        );
    }

    #[test]
    fn is_null_forms() {
        let bare = cond("deleted_at is_null");
        assert_eq!(bare.op, Op::IsNull);
        assert_eq!(bare.operand, Operand::Flag(true));
        assert_eq!(bare.operand_pos, at(11, 12));
        let yes = cond("deleted_at is_null true");
        assert_eq!(yes.operand, Operand::Flag(true));
        assert_eq!(yes.operand_pos, at(19, 20));
        assert_eq!(
            cond("deleted_at is_null false").operand,
            Operand::Flag(false)
        );
        assert_eq!(
            shape(ok("a is_null and b is_null false or (c is_null)")),
            Expr::Or(vec![Expr::And(vec![c("a"), c("b")]), c("c")])
        );
        let e = err("a is_null 1");
        assert_eq!(
            e.message,
            "'is_null' takes true or false at column 11, found the number 1"
        );
        assert_eq!(err("a is_null null").pos, at(10, 11));
        assert_eq!(err("a is_null \"x\"").pos, at(10, 11));
    }

    #[test]
    fn in_period() {
        let got = cond(r#"created_at in_period "this_month""#);
        assert_eq!(got.op, Op::InPeriod);
        assert_eq!(got.operand, Operand::Single(s("this_month")));
        let e = err("created_at in_period this_month");
        assert_eq!(
            e.message,
            "expected a period name in double quotes after 'in_period' at column 22, found \
             'this_month' (e.g. \"this_month\")"
        );
    }

    #[test]
    fn field_paths() {
        assert_eq!(cond("address.city eq 1").field, "address.city");
        assert_eq!(cond("custom.tier_2 eq 1").field, "custom.tier_2");
        assert_eq!(cond("_x.a1 eq 1").field, "_x.a1");
        let e = err("Email eq 1");
        assert_eq!(
            e.message,
            "invalid field name 'Email' at column 1 (use lower case letters, digits and '_', \
             not starting with a digit, joined by dots)"
        );
        assert_eq!(err("address..city eq 1").pos, at(8, 9));
        assert_eq!(err("x eq 1 and address.City eq 1").pos, at(19, 20));
        assert_eq!(err("a.1b eq 1").pos, at(2, 3));
        assert_eq!(err("a. eq 1").pos, at(2, 3));
        assert_eq!(
            err(".a eq 1").message,
            "unexpected character '.' at column 1"
        );
    }

    #[test]
    fn reserved_words_are_not_fields() {
        let e = err("and eq 1");
        assert_eq!(e.message, "expected a field name at column 1, found 'and'");
        assert_eq!(err("true eq 1").pos, Pos::START);
        assert_eq!(err("a eq 1 and or b eq 1").pos, at(11, 12));
    }

    #[test]
    fn keywords_are_case_sensitive() {
        let e = err("a eq 1 AND b eq 1");
        assert!(
            e.message.starts_with("trailing input at column 8"),
            "{}",
            e.message
        );
        let e = err("a EQ 1");
        assert!(e.message.starts_with("unknown operator 'EQ' at column 3"));
        let e = err("a eq TRUE");
        assert_eq!(
            e.message,
            "expected a value after 'eq' at column 6, found 'TRUE' (text values need double quotes)"
        );
    }

    #[test]
    fn missing_value() {
        let e = err("email eq   ");
        assert_eq!(
            e.message,
            "expected a value after 'eq' at column 12, found the end of the filter"
        );
        assert_eq!(e.pos, at(11, 12));
        let e = err("email eq ana");
        assert_eq!(
            e.message,
            "expected a value after 'eq' at column 10, found 'ana' (text values need double quotes)"
        );
        assert_eq!(
            err("(a eq )").message,
            "expected a value after 'eq' at column 7, found ')'"
        );
    }

    #[test]
    fn unknown_and_missing_operator() {
        let e = err(r#"email equals "x""#);
        assert_eq!(
            e.message,
            "unknown operator 'equals' at column 7 (expected one of eq, ne, lt, lte, gt, gte, in, \
             contains, starts_with, is_null, in_period)"
        );
        assert_eq!(e.pos, at(6, 7));
        let e = err("email");
        assert!(
            e.message.starts_with(
                "expected an operator after 'email' at column 6, found the end of the filter"
            ),
            "{}",
            e.message
        );
        assert_eq!(err(r#"email "x""#).pos, at(6, 7));
    }

    #[test]
    fn unexpected_close_paren() {
        let e = err(r#"a eq 1 and b eq "x")"#);
        assert_eq!(
            e.message,
            "unexpected ')' at column 20 (it has no matching '(')"
        );
        assert_eq!(e.pos, at(19, 20));
        let e = err("()");
        assert_eq!(e.message, "unexpected ')' at column 2");
        assert_eq!(err("a eq 1 and )").message, "unexpected ')' at column 12");
    }

    #[test]
    fn unclosed_paren() {
        let e = err("(a eq 1 or b eq 2");
        assert_eq!(
            e.message,
            "expected ')' at column 18 to close the '(' at column 1, found the end of the filter"
        );
        let e = err("(a eq 1 b eq 2)");
        assert_eq!(e.pos, at(8, 9));
    }

    #[test]
    fn trailing_input() {
        let e = err(r#"email eq "ana@example.com" stage eq 1"#);
        assert_eq!(
            e.message,
            "trailing input at column 28 (expected 'and', 'or' or the end of the filter, found \
             'stage')"
        );
        assert_eq!(e.pos, at(27, 28));
    }

    #[test]
    fn empty_and_dangling_input() {
        assert_eq!(
            err("").message,
            "expected a field name at column 1, found the end of the filter"
        );
        assert_eq!(err("   ").pos, at(3, 4));
        assert_eq!(err("a eq 1 and").pos, at(10, 11));
        assert_eq!(err("not").pos, at(3, 4));
        assert_eq!(
            err(", a eq 1").message,
            "expected a field name at column 1, found ','"
        );
    }

    #[test]
    fn columns_count_characters() {
        // "é" and "😀" are 2 and 4 bytes but one column each.
        let e = err(r#"name eq "é😀" oops"#);
        assert!(
            e.message.starts_with("trailing input at column 14"),
            "{}",
            e.message
        );
        assert_eq!(e.pos, at(17, 14));
        let e = err(r#"name eq "ü" and x eq"#);
        assert_eq!(
            e.message,
            "expected a value after 'eq' at column 21, found the end of the filter"
        );
        assert_eq!(e.pos, at(21, 21));
        let e = err(r#"a eq "日本" and b eq "x"#);
        assert_eq!(e.message, "unterminated string starting at column 20");
        assert_eq!(e.pos, at(23, 20));
    }

    #[test]
    fn leftmost_error_wins() {
        let e = err(r#"a equals "unterminated"#);
        assert!(e.message.starts_with("unknown operator 'equals'"));
    }

    #[test]
    fn input_length_limit() {
        let prefix = "a eq \"";
        let fill = |len: usize| format!("{prefix}{}\"", "x".repeat(len - prefix.len() - 1));
        assert!(parse(&fill(MAX_INPUT_BYTES)).is_ok());
        let e = err(&fill(MAX_INPUT_BYTES + 1));
        assert_eq!(
            e.message,
            "filter too long at column 4097 (4097 bytes; the limit is 4096)"
        );
        assert_eq!(e.pos, at(4096, 4097));
        // With multi-byte characters the column is smaller than the offset.
        let e = err(&format!("a eq \"{}\"", "é".repeat(3000)));
        assert_eq!(e.pos, at(4096, 2052));
    }

    #[test]
    fn depth_limit_parentheses() {
        let nest = |depth: usize| format!("{}a eq 1{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(shape(ok(&nest(MAX_DEPTH))), c("a"));
        let e = err(&nest(MAX_DEPTH + 1));
        assert_eq!(
            e.message,
            "nested too deeply at column 33 (the limit is 32 levels of parentheses and 'not')"
        );
        assert_eq!(e.pos, at(32, 33));
        // Sibling groups do not add up; only nesting counts.
        let siblings = vec![nest(MAX_DEPTH); 3].join(" and ");
        assert!(parse(&siblings).is_ok());
    }

    #[test]
    fn depth_limit_counts_not() {
        let nots = |depth: usize| format!("{}a eq 1", "not ".repeat(depth));
        assert!(parse(&nots(MAX_DEPTH)).is_ok());
        let e = err(&nots(MAX_DEPTH + 1));
        assert_eq!(e.pos, at(128, 129));
        let mixed = format!("{}a eq 1{}", "not (".repeat(16), ")".repeat(16));
        assert!(parse(&mixed).is_ok());
        let mixed = format!("{}not a eq 1{}", "not (".repeat(16), ")".repeat(16));
        assert!(err(&mixed).message.starts_with("nested too deeply"));
        // Well beyond the limit (and near the size limit) still fails cleanly, no stack overflow.
        assert!(
            err(&"(".repeat(4000))
                .message
                .starts_with("nested too deeply")
        );
        assert!(
            err(&"not ".repeat(1000))
                .message
                .starts_with("nested too deeply")
        );
    }

    #[test]
    fn condition_limit() {
        let conds = |count: usize| vec!["a eq 1"; count].join(" or ");
        assert!(parse(&conds(MAX_CONDITIONS)).is_ok());
        let e = err(&conds(MAX_CONDITIONS + 1));
        assert_eq!(
            e.message,
            "too many conditions at column 1001 (the limit is 100)"
        );
        assert_eq!(e.pos, at(1000, 1001));
    }

    #[test]
    fn list_limit() {
        let list = |count: usize| format!("a in ({})", vec!["1"; count].join(","));
        let Operand::List(values) = cond(&list(MAX_LIST_VALUES)).operand else {
            panic!("expected a list")
        };
        assert_eq!(values.len(), MAX_LIST_VALUES);
        let e = err(&list(MAX_LIST_VALUES + 1));
        assert_eq!(
            e.message,
            "too many values in the list at column 407 (the limit is 200)"
        );
        assert_eq!(e.pos, at(406, 407));
    }
}
