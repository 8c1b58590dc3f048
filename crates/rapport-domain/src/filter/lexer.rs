//! Splits filter text into tokens, one at a time, tracking byte offset and character column.
//!
//! The lexer is pulled by the parser instead of running ahead, so the first error reported is
//! the leftmost one: a bad operator is reported before an unterminated string further on.

use super::ast::{FilterError, Pos};

/// What a token is; borrowed text where no unescaping is needed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind<'a> {
    /// A run of letters, digits, `_` and `.` starting with a letter or `_`: a field path,
    /// operator or keyword. Validated by the parser, which knows which one it expects.
    Word(&'a str),
    /// A double-quoted string with escapes resolved.
    Str(String),
    /// A number's exact text, already checked to look like `-12` or `3.50`.
    Number(&'a str),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// No more input.
    End,
}

impl TokenKind<'_> {
    /// How error messages name this token after "found".
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Word(word) => format!("'{word}'"),
            TokenKind::Str(_) => "a string".to_owned(),
            TokenKind::Number(text) => format!("the number {text}"),
            TokenKind::LParen => "'('".to_owned(),
            TokenKind::RParen => "')'".to_owned(),
            TokenKind::Comma => "','".to_owned(),
            TokenKind::End => "the end of the filter".to_owned(),
        }
    }
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'a> {
    /// What was read.
    pub(crate) kind: TokenKind<'a>,
    /// Where its first character is.
    pub(crate) pos: Pos,
}

/// A cursor over the filter text.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    offset: usize,
    column: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub(crate) fn new(src: &'a str) -> Self {
        Self {
            src,
            offset: 0,
            column: 1,
        }
    }

    /// Reads the next token, or `End` once the input is exhausted (repeatedly).
    pub(crate) fn next_token(&mut self) -> Result<Token<'a>, FilterError> {
        while matches!(self.peek_char(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump_char();
        }
        let pos = self.pos();
        let kind = match self.peek_char() {
            None => TokenKind::End,
            Some('(') => self.single(TokenKind::LParen),
            Some(')') => self.single(TokenKind::RParen),
            Some(',') => self.single(TokenKind::Comma),
            Some('"') => TokenKind::Str(self.string(pos)?),
            Some('-' | '0'..='9') => TokenKind::Number(self.number(pos)?),
            Some('a'..='z' | 'A'..='Z' | '_') => TokenKind::Word(self.word()),
            Some(other) => return Err(unexpected_char(other, pos)),
        };
        Ok(Token { kind, pos })
    }

    fn pos(&self) -> Pos {
        Pos {
            offset: self.offset,
            column: self.column,
        }
    }

    fn peek_char(&self) -> Option<char> {
        self.src
            .get(self.offset..)
            .and_then(|rest| rest.chars().next())
    }

    fn bump_char(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.offset += c.len_utf8();
        self.column += 1;
        Some(c)
    }

    fn single(&mut self, kind: TokenKind<'a>) -> TokenKind<'a> {
        self.bump_char();
        kind
    }

    /// Consumes characters while `keep` holds and returns the text from `start`.
    fn take_while(&mut self, start: usize, keep: impl Fn(char) -> bool) -> &'a str {
        while self.peek_char().is_some_and(&keep) {
            self.bump_char();
        }
        self.src.get(start..self.offset).unwrap_or_default()
    }

    fn word(&mut self) -> &'a str {
        let start = self.offset;
        self.take_while(start, is_word_char)
    }

    /// Reads greedily over word characters too, so `1.2.3` or `12abc` is one bad number
    /// instead of a number followed by confusing leftovers.
    fn number(&mut self, pos: Pos) -> Result<&'a str, FilterError> {
        let start = self.offset;
        if self.peek_char() == Some('-') {
            self.bump_char();
        }
        let text = self.take_while(start, is_word_char);
        if text == "-" {
            let msg = format!("expected a digit after '-' at column {}", pos.column);
            return Err(FilterError::new(msg, pos));
        }
        if !is_valid_number(text) {
            let msg = format!(
                "invalid number '{text}' at column {} (numbers look like 12, -3 or 3.50)",
                pos.column
            );
            return Err(FilterError::new(msg, pos));
        }
        Ok(text)
    }

    fn string(&mut self, start: Pos) -> Result<String, FilterError> {
        self.bump_char(); // the opening quote
        let mut out = String::new();
        loop {
            let here = self.pos();
            match self.bump_char() {
                None => return Err(unterminated(start)),
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.escape(here, start)?),
                // Postgres text cannot hold NUL, so refuse it here rather than in the database.
                Some('\0') => return Err(nul_char(here)),
                Some(c) => out.push(c),
            }
        }
    }

    /// Resolves the escape whose backslash is at `at`, inside the string starting at `start`.
    fn escape(&mut self, at: Pos, start: Pos) -> Result<char, FilterError> {
        match self.bump_char() {
            None => Err(unterminated(start)),
            Some('"') => Ok('"'),
            Some('\\') => Ok('\\'),
            Some('n') => Ok('\n'),
            Some('t') => Ok('\t'),
            Some('u') => self.unicode_escape(at),
            Some(other) => {
                let msg = format!(
                    "unknown escape '\\{other}' at column {} \
                     (use \\\", \\\\, \\n, \\t or \\uXXXX)",
                    at.column
                );
                Err(FilterError::new(msg, at))
            }
        }
    }

    /// `\uXXXX`, with JSON-style surrogate pairs for characters beyond the BMP.
    fn unicode_escape(&mut self, at: Pos) -> Result<char, FilterError> {
        let first = self.hex4(at)?;
        let code = match first {
            0xD800..=0xDBFF => {
                let low_at = self.pos();
                let has_low = self.bump_char() == Some('\\') && self.bump_char() == Some('u');
                let low = if has_low { self.hex4(low_at)? } else { 0 };
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(lone_surrogate(at));
                }
                0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(lone_surrogate(at)),
            other => other,
        };
        match char::from_u32(code) {
            Some('\0') => Err(nul_char(at)),
            Some(c) => Ok(c),
            None => Err(lone_surrogate(at)),
        }
    }

    fn hex4(&mut self, at: Pos) -> Result<u32, FilterError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.peek_char().and_then(|c| c.to_digit(16));
            let Some(digit) = digit else {
                let msg = format!(
                    "invalid unicode escape at column {} (expected \\u and 4 hex digits)",
                    at.column
                );
                return Err(FilterError::new(msg, at));
            };
            self.bump_char();
            value = value * 16 + digit;
        }
        Ok(value)
    }
}

/// The position of the first character that does not fit in `limit` bytes, if any.
pub(crate) fn first_pos_beyond(src: &str, limit: usize) -> Option<Pos> {
    src.char_indices()
        .enumerate()
        .find(|(_, (offset, c))| offset + c.len_utf8() > limit)
        .map(|(index, (offset, _))| Pos {
            offset,
            column: index + 1,
        })
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// `-?[0-9]+(\.[0-9]+)?`
fn is_valid_number(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match unsigned.split_once('.') {
        None => all_digits(unsigned),
        Some((whole, frac)) => all_digits(whole) && all_digits(frac),
    }
}

fn unexpected_char(c: char, pos: Pos) -> FilterError {
    // Hints for the notations people bring from SQL or programming languages.
    let hint = match c {
        '=' | '!' | '<' | '>' => " (operators are words: eq, ne, lt, lte, gt, gte)",
        '&' | '|' => " (use 'and' / 'or')",
        '\'' => " (strings use double quotes)",
        _ => "",
    };
    let msg = format!("unexpected character '{c}' at column {}{hint}", pos.column);
    FilterError::new(msg, pos)
}

fn unterminated(start: Pos) -> FilterError {
    let msg = format!("unterminated string starting at column {}", start.column);
    FilterError::new(msg, start)
}

fn nul_char(at: Pos) -> FilterError {
    let msg = format!(
        "NUL character in string at column {} is not allowed",
        at.column
    );
    FilterError::new(msg, at)
}

fn lone_surrogate(at: Pos) -> FilterError {
    let msg = format!(
        "invalid unicode escape at column {} (a surrogate must come as a \\uD8xx\\uDCxx pair)",
        at.column
    );
    FilterError::new(msg, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind<'_>> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token().unwrap();
            if token.kind == TokenKind::End {
                return out;
            }
            out.push(token.kind);
        }
    }

    fn string_of(src: &str) -> String {
        match Lexer::new(src).next_token().unwrap().kind {
            TokenKind::Str(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }

    fn error(src: &str) -> FilterError {
        let mut lexer = Lexer::new(src);
        loop {
            match lexer.next_token() {
                Err(e) => return e,
                Ok(Token {
                    kind: TokenKind::End,
                    ..
                }) => panic!("no error in {src:?}"),
                Ok(_) => {}
            }
        }
    }

    #[test]
    fn splits_words_punctuation_strings_and_numbers() {
        assert_eq!(
            kinds(r#"address.city in ("a",-1, 2.50)"#),
            vec![
                TokenKind::Word("address.city"),
                TokenKind::Word("in"),
                TokenKind::LParen,
                TokenKind::Str("a".into()),
                TokenKind::Comma,
                TokenKind::Number("-1"),
                TokenKind::Comma,
                TokenKind::Number("2.50"),
                TokenKind::RParen,
            ]
        );
    }

    #[test]
    fn skips_all_ascii_whitespace() {
        assert_eq!(kinds(" \t\r\n a \n"), vec![TokenKind::Word("a")]);
        assert_eq!(kinds("   "), vec![]);
    }

    #[test]
    fn end_repeats() {
        let mut lexer = Lexer::new("x");
        lexer.next_token().unwrap();
        assert_eq!(lexer.next_token().unwrap().kind, TokenKind::End);
        assert_eq!(lexer.next_token().unwrap().kind, TokenKind::End);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let mut lexer = Lexer::new("\"héllo\" x");
        lexer.next_token().unwrap();
        let x = lexer.next_token().unwrap();
        assert_eq!(
            x.pos,
            Pos {
                offset: 9,
                column: 9
            }
        );
    }

    #[test]
    fn numbers_keep_their_exact_text() {
        assert_eq!(
            kinds("0 -12 3.50 007"),
            vec![
                TokenKind::Number("0"),
                TokenKind::Number("-12"),
                TokenKind::Number("3.50"),
                TokenKind::Number("007"),
            ]
        );
    }

    #[test]
    fn rejects_malformed_numbers() {
        for (src, text) in [
            ("1.2.3", "1.2.3"),
            ("1.", "1."),
            ("-.5", "-.5"),
            ("12abc", "12abc"),
        ] {
            let e = error(src);
            assert_eq!(
                e.message,
                format!("invalid number '{text}' at column 1 (numbers look like 12, -3 or 3.50)")
            );
            assert_eq!(e.pos, Pos::START);
        }
        let e = error("a - 1");
        assert_eq!(e.message, "expected a digit after '-' at column 3");
        assert_eq!(
            e.pos,
            Pos {
                offset: 2,
                column: 3
            }
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(string_of(r#""say \"hi\"""#), "say \"hi\"");
        assert_eq!(string_of(r#""back\\slash""#), "back\\slash");
        assert_eq!(string_of(r#""a\nb\tc""#), "a\nb\tc");
        assert_eq!(string_of(r#""\u00e9\u00E9""#), "éé");
        assert_eq!(string_of(r#""\ud83d\ude00""#), "😀");
        assert_eq!(string_of(r#""""#), "");
        assert_eq!(string_of("\"raw ü and 😀\""), "raw ü and 😀");
    }

    #[test]
    fn rejects_unknown_escapes() {
        let e = error(r#"a eq "x\q""#);
        assert_eq!(
            e.message,
            "unknown escape '\\q' at column 8 (use \\\", \\\\, \\n, \\t or \\uXXXX)"
        );
        assert_eq!(
            e.pos,
            Pos {
                offset: 7,
                column: 8
            }
        );
        assert_eq!(error(r#""\/""#).pos.column, 2);
        assert_eq!(error(r#""\r""#).pos.column, 2);
    }

    #[test]
    fn rejects_bad_unicode_escapes() {
        let e = error(r#""ab\u12G4""#);
        assert_eq!(
            e.message,
            "invalid unicode escape at column 4 (expected \\u and 4 hex digits)"
        );
        assert_eq!(
            e.pos,
            Pos {
                offset: 3,
                column: 4
            }
        );
        assert_eq!(error(r#""\u12""#).pos.column, 2);
        let lone = error(r#""x\ud83d""#);
        assert!(
            lone.message
                .starts_with("invalid unicode escape at column 3 (a surrogate")
        );
        assert_eq!(error(r#""\ude00""#).pos.column, 2);
        assert_eq!(error(r#""\ud83d\u0041""#).pos.column, 2);
        let e = error(r#""\u0000""#);
        assert_eq!(
            e.message,
            "NUL character in string at column 2 is not allowed"
        );
        assert_eq!(
            error("\"a\0\"").pos,
            Pos {
                offset: 2,
                column: 3
            }
        );
    }

    #[test]
    fn unterminated_strings_point_at_the_opening_quote() {
        let e = error(r#"name eq "Ana"#);
        assert_eq!(e.message, "unterminated string starting at column 9");
        assert_eq!(
            e.pos,
            Pos {
                offset: 8,
                column: 9
            }
        );
        // A trailing backslash escapes the closing quote, so the string never ends.
        assert_eq!(
            error(r#""abc\""#).message,
            "unterminated string starting at column 1"
        );
        assert_eq!(
            error(r#""abc\"#).message,
            "unterminated string starting at column 1"
        );
    }

    #[test]
    fn unexpected_characters_get_hints() {
        let e = error("email = \"x\"");
        assert_eq!(
            e.message,
            "unexpected character '=' at column 7 (operators are words: eq, ne, lt, lte, gt, gte)"
        );
        assert_eq!(
            error("a eq 'x'").message,
            "unexpected character ''' at column 6 (strings use double quotes)"
        );
        assert_eq!(
            error("a && b").message,
            "unexpected character '&' at column 3 (use 'and' / 'or')"
        );
        let e = error("\"é\" ß");
        assert_eq!(e.message, "unexpected character 'ß' at column 5");
        assert_eq!(
            e.pos,
            Pos {
                offset: 5,
                column: 5
            }
        );
    }

    #[test]
    fn first_pos_beyond_respects_char_boundaries() {
        assert_eq!(first_pos_beyond("abcd", 4), None);
        assert_eq!(
            first_pos_beyond("abcde", 4),
            Some(Pos {
                offset: 4,
                column: 5
            })
        );
        // 'é' occupies bytes 3..5, so it is the first character that does not fit in 4.
        assert_eq!(
            first_pos_beyond("abcé", 4),
            Some(Pos {
                offset: 3,
                column: 4
            })
        );
    }
}
