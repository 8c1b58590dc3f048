//! Where a contact or company stands in the customer lifecycle.

use super::ValueError;

/// A lifecycle stage, serialised in lower case (`"lead"`, `"customer"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LifecycleStage {
    /// Receives communications, no sales interest yet.
    Subscriber,
    /// Showed interest; not yet qualified.
    Lead,
    /// A qualified sales opportunity is open.
    Opportunity,
    /// Has bought.
    Customer,
    /// A customer who actively recommends us.
    Evangelist,
    /// Anything that fits none of the above.
    Other,
}

impl LifecycleStage {
    /// Every stage, in funnel order.
    pub const ALL: [LifecycleStage; 6] = [
        Self::Subscriber,
        Self::Lead,
        Self::Opportunity,
        Self::Customer,
        Self::Evangelist,
        Self::Other,
    ];

    /// The wire name, lower-case.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Subscriber => "subscriber",
            Self::Lead => "lead",
            Self::Opportunity => "opportunity",
            Self::Customer => "customer",
            Self::Evangelist => "evangelist",
            Self::Other => "other",
        }
    }

    /// Parses a stage name, ignoring case and surrounding spaces.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        Self::ALL
            .into_iter()
            .find(|stage| stage.as_str().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(Self::as_str).collect();
                ValueError::invalid_format(format!(
                    "'{trimmed}' is not a lifecycle stage; use one of: {}.",
                    names.join(", ")
                ))
            })
    }
}

string_value!(LifecycleStage, LifecycleStage::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_as_str_agree_for_all() {
        for stage in LifecycleStage::ALL {
            assert_eq!(LifecycleStage::parse(stage.as_str()).unwrap(), stage);
            assert_eq!(stage.to_string(), stage.as_str());
        }
        assert_eq!(
            LifecycleStage::parse(" Customer ").unwrap(),
            LifecycleStage::Customer
        );
    }

    #[test]
    fn rejects_unknown_with_the_choices() {
        let err = LifecycleStage::parse("prospect").unwrap_err();
        assert_eq!(err.code, "invalid_format");
        assert!(
            err.message.contains("subscriber, lead, opportunity"),
            "{}",
            err.message
        );
        assert!(LifecycleStage::parse("").is_err());
    }

    #[test]
    fn serde_is_lower_case() {
        assert_eq!(
            serde_json::to_string(&LifecycleStage::Opportunity).unwrap(),
            "\"opportunity\""
        );
        let s: LifecycleStage = serde_json::from_str("\"evangelist\"").unwrap();
        assert_eq!(s, LifecycleStage::Evangelist);
        assert!(serde_json::from_str::<LifecycleStage>("\"vip\"").is_err());
    }
}
