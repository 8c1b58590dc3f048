//! What makes two contacts or two companies likely the same: names compared without case,
//! accents or punctuation, names one typing mistake apart, web domains of one organisation.
//! Pure functions: the store finds candidates through indexes, these decide and explain.

use serde::Serialize;

use crate::values::DomainName;

/// Why a record looks like a duplicate of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// An email address in common (any of either's, case-insensitive).
    SameEmail,
    /// A phone number in common (E.164).
    SamePhone,
    /// At the same company, with the same name (ignoring case and accents) or one edit apart.
    SimilarName,
    /// The same registrable domain (`acme.com`, `shop.acme.com`).
    SameDomain,
    /// The same name once case, accents, punctuation and legal forms (Inc, GmbH...) are dropped.
    SameName,
    /// The same domain name under another suffix (`acme.com`, `acme.fr`).
    SimilarDomain,
}

impl Reason {
    /// How much the reason says about two records being one: ranks the candidates.
    pub fn weight(self) -> i64 {
        match self {
            Reason::SameEmail | Reason::SameDomain => 3,
            Reason::SamePhone | Reason::SameName => 2,
            Reason::SimilarName | Reason::SimilarDomain => 1,
        }
    }
}

/// Lower-cases and removes accents from Latin letters (`Élodie Müller` -> `elodie muller`).
/// A table of the common Latin letters rather than full Unicode decomposition: names in other
/// scripts are compared lower-cased as they are.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let plain: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
            'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
            'ĥ' | 'ħ' => "h",
            'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
            'ĵ' => "j",
            'ķ' => "k",
            'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
            'ñ' | 'ń' | 'ņ' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
            'ŕ' | 'ŗ' | 'ř' => "r",
            'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
            'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
            'ŵ' => "w",
            'ý' | 'ÿ' | 'ŷ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            'þ' => "th",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(plain);
    }
    out
}

/// Folded words of `s`: letters and digits, anything else separates.
fn words(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A person's name as compared: first and last name folded, one space between words; `None`
/// when the contact has no name (a contact known only by email never matches on name).
pub fn person_key(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let mut all = Vec::new();
    for part in [first, last].into_iter().flatten() {
        all.extend(words(part));
    }
    (!all.is_empty()).then(|| all.join(" "))
}

/// Whether `a` and `b` are equal or one edit apart: one character inserted, removed, replaced,
/// or two neighbours swapped (`Jhon` / `John`).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let start = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if short.len() == long.len() {
        // One replacement, or one swap of neighbours.
        let rest_equal = |from: usize| short.get(from..) == long.get(from..);
        rest_equal(start + 1)
            || (start + 1 < short.len()
                && short[start] == long[start + 1]
                && short[start + 1] == long[start]
                && rest_equal(start + 2))
    } else {
        // One insertion into the shorter.
        short.get(start..) == long.get(start + 1..)
    }
}

/// Words of a company name that name its legal form rather than the company.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sasu",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "aps",
    "pty",
    "pte",
    "kk",
];

/// A company name as compared for duplicates: folded, punctuation and legal forms dropped
/// (`ACME, Inc.` and `Acme` match); `None` for a name with no letters or digits.
pub fn company_key(name: &str) -> Option<String> {
    let all = words(name);
    let core: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect();
    // A name made only of legal-form words ("Company") is kept whole.
    let kept: Vec<&str> = if core.is_empty() {
        all.iter().map(String::as_str).collect()
    } else {
        core
    };
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// Second-level labels under which country domains register names (`acme.co.uk`).
const SECOND_LEVELS: &[&str] = &[
    "co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go", "gob", "nom",
];

/// Splits a domain into its registrable name's label and its public suffix, approximately:
/// the last label, or the last two for a country domain with a usual second level
/// (`shop.acme.co.uk` -> `acme`, `co.uk`). No public-suffix list is carried, so an unusual
/// suffix counts as a name.
fn split(domain: &str) -> Option<(&str, String)> {
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    if n < 2 {
        return None;
    }
    let tld = labels[n - 1];
    let second = labels[n - 2];
    if n >= 3 && tld.len() == 2 && SECOND_LEVELS.contains(&second) {
        Some((labels[n - 3], format!("{second}.{tld}")))
    } else {
        Some((second, tld.to_owned()))
    }
}

/// The label that names the organisation in a domain (`acme` for `shop.acme.co.uk`): companies
/// sharing it are duplicate candidates.
pub fn domain_key(domain: &DomainName) -> Option<String> {
    split(domain.as_str()).map(|(label, _)| label.to_owned())
}

/// The registrable domain (`acme.co.uk` for `shop.acme.co.uk`).
pub fn registrable(domain: &DomainName) -> String {
    match split(domain.as_str()) {
        Some((label, suffix)) => format!("{label}.{suffix}"),
        None => domain.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DomainName {
        DomainName::parse(s).expect("domain")
    }

    #[test]
    fn names_compare_without_case_accents_or_punctuation() {
        assert_eq!(
            person_key(Some(" Élodie "), Some("Müller-Çelik")),
            Some("elodie muller celik".to_owned())
        );
        assert_eq!(person_key(None, Some("  ")), None);
        assert_eq!(company_key("ACME, Inc."), Some("acme".to_owned()));
        assert_eq!(
            company_key("Société Générale SA"),
            company_key("societe generale")
        );
        assert_eq!(company_key("Company"), Some("company".to_owned()));
        assert_eq!(company_key("--"), None);
    }

    #[test]
    fn one_edit_means_one_insertion_removal_replacement_or_swap() {
        for (a, b) in [
            ("john", "john"),
            ("john", "jon"),
            ("jon", "john"),
            ("john", "joan"),
            ("jhon", "john"),
            ("ana lima", "anna lima"),
            ("x", ""),
        ] {
            assert!(within_one_edit(a, b), "{a} / {b}");
        }
        for (a, b) in [
            ("john", "jane"),
            ("ana", "anna lima"),
            ("abcd", "badc"),
            ("xy", ""),
        ] {
            assert!(!within_one_edit(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn domains_of_one_organisation_share_a_key() {
        assert_eq!(domain_key(&d("shop.acme.co.uk")).as_deref(), Some("acme"));
        assert_eq!(registrable(&d("shop.acme.co.uk")), "acme.co.uk");
        assert_eq!(domain_key(&d("acme.com")).as_deref(), Some("acme"));
        assert_eq!(registrable(&d("eu.acme.com")), "acme.com");
        assert_eq!(domain_key(&d("acme.fr")), domain_key(&d("acme.com")));
    }
}
