//! Contacts: the people a team sells to and supports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::address::Address;
use super::body::Body;
use super::custom_field::CustomValues;
use crate::ids::{CompanyId, ContactId, UserId};
use crate::validation::{Errors, FieldError};
use crate::values::{EmailAddress, LifecycleStage, PhoneE164, Tag};

/// The most email addresses or phone numbers one contact keeps.
pub const MAX_CHANNELS: usize = 20;

/// One email address of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmailEntry {
    /// The address as given (domain lower-cased).
    #[schema(value_type = String, example = "ana@example.com")]
    pub address: EmailAddress,
    /// Free label such as `work` or `home`.
    pub label: Option<String>,
    /// Exactly one address of a contact is primary.
    pub primary: bool,
}

/// One phone number of a contact, normalised to E.164.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PhoneEntry {
    /// E.164 form, e.g. `+33612345678`.
    #[schema(value_type = String, example = "+33612345678")]
    pub number: PhoneE164,
    /// Free label such as `mobile` or `office`.
    pub label: Option<String>,
}

/// The writable fields of a contact, validated. Also the request body of create and the shape a
/// merge patch applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ContactInput)]
pub struct ContactDraft {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Email addresses; when any, exactly one is primary (the first, when none is marked).
    pub emails: Vec<EmailEntry>,
    /// Phone numbers in international form.
    pub phones: Vec<PhoneEntry>,
    /// Job title.
    pub title: Option<String>,
    /// The company the contact works for (same workspace).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub company_id: Option<CompanyId>,
    /// Postal address.
    pub address: Option<Address>,
    /// Where the contact stands in the customer lifecycle.
    #[schema(value_type = Option<String>, example = "lead")]
    pub lifecycle_stage: Option<LifecycleStage>,
    /// The user responsible for the contact.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub owner_id: Option<UserId>,
    /// Free tags.
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<Tag>,
    /// Free notes (multi-line).
    pub notes: Option<String>,
    /// The workspace's custom fields (`custom.<key>`), checked against their definitions.
    #[serde(default)]
    pub custom: CustomValues,
}

/// A stored contact as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    /// Id (UUIDv7).
    #[schema(value_type = String, format = Uuid)]
    pub id: ContactId,
    /// The writable fields.
    #[serde(flatten)]
    pub fields: ContactDraft,
    /// When it was created.
    #[serde(serialize_with = "super::time::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "super::time::serialize")]
    pub updated_at: DateTime<Utc>,
    /// +1 on every change; the ETag.
    pub version: i64,
    /// In the answer to a write only: what the write did that the client should know (an
    /// address another live contact already has). Never stored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::validation::Warning>,
}

crate::impl_record!(Contact, ContactId, ContactDraft, derived: warnings);

/// The fields a client may send.
pub const WRITABLE: &[&str] = &[
    "first_name",
    "last_name",
    "emails",
    "phones",
    "title",
    "company_id",
    "address",
    "lifecycle_stage",
    "owner_id",
    "tags",
    "notes",
    "custom",
];

/// The read-only fields, named in the error when a client sends one.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];

impl ContactDraft {
    /// Parses a create body (or a record after a merge patch), listing every problem.
    pub fn parse(
        value: Value,
        default_phone_region: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let draft = read(value, default_phone_region, &mut errors);
        match draft {
            Some(d) => errors.finish(d),
            None => Err(errors.into_vec()),
        }
    }

    /// The primary email address, when there is one.
    pub fn primary_email(&self) -> Option<&EmailAddress> {
        self.emails.iter().find(|e| e.primary).map(|e| &e.address)
    }

    /// The name a person reads: first and last name, else the primary email.
    pub fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            self.primary_email()
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default()
        } else {
            name
        }
    }
}

fn read(value: Value, region: Option<&str>, errors: &mut Errors) -> Option<ContactDraft> {
    let mut known: Vec<&str> = WRITABLE.to_vec();
    known.extend_from_slice(READ_ONLY);
    let mut body = Body::open(value, "", &known, errors)?;
    let custom = CustomValues::take_raw(&mut body);
    for key in READ_ONLY {
        if body.take(key).is_some() {
            body.fail(
                key,
                "read_only",
                format!("'{key}' is set by the server and cannot be written"),
            );
        }
    }
    let first_name = body.text("first_name", 100);
    let last_name = body.text("last_name", 100);
    let emails = read_emails(&mut body);
    let phones = read_phones(&mut body, region);
    let title = body.text("title", 200);
    let company_id = body.uuid("company_id").map(CompanyId);
    let address = Address::read(&mut body, "address");
    let lifecycle_stage = body.parsed("lifecycle_stage", LifecycleStage::parse);
    let owner_id = body.uuid("owner_id").map(UserId);
    let tags = body.tags("tags");
    let notes = body.multiline("notes", 100_000);
    if first_name.is_none() && last_name.is_none() && emails.is_empty() && body.errors().is_empty()
    {
        body.fail(
            "first_name",
            "required",
            "a contact needs a first name, a last name or an email address",
        );
    }
    Some(ContactDraft {
        custom,
        first_name,
        last_name,
        emails,
        phones,
        title,
        company_id,
        address,
        lifecycle_stage,
        owner_id,
        tags,
        notes,
    })
}

fn read_emails(body: &mut Body<'_>) -> Vec<EmailEntry> {
    let items = body.array("emails", MAX_CHANNELS);
    let base = body.pointer("emails");
    let mut out: Vec<EmailEntry> = Vec::with_capacity(items.len());
    let mut primaries = 0;
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("{base}/{i}");
        let Some(mut entry) = Body::open(
            item,
            &prefix,
            &["address", "label", "primary"],
            body.errors(),
        ) else {
            continue;
        };
        let address = entry.parsed("address", EmailAddress::parse);
        let label = entry.text("label", 50);
        let primary = match entry.take("primary") {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(_) => {
                entry.fail("primary", "invalid_type", "must be true or false");
                false
            }
        };
        let Some(address) = address else {
            if entry.errors().is_empty() {
                entry.fail("address", "required", "an email entry needs an address");
            }
            continue;
        };
        if out
            .iter()
            .any(|e| e.address.normalized() == address.normalized())
        {
            entry.fail("address", "duplicate", "this address is already listed");
            continue;
        }
        primaries += usize::from(primary);
        out.push(EmailEntry {
            address,
            label,
            primary,
        });
    }
    if primaries > 1 {
        body.fail(
            "emails",
            "multiple_primary",
            "only one email address can be primary",
        );
    } else if primaries == 0
        && let Some(first) = out.first_mut()
    {
        first.primary = true;
    }
    out
}

fn read_phones(body: &mut Body<'_>, region: Option<&str>) -> Vec<PhoneEntry> {
    let items = body.array("phones", MAX_CHANNELS);
    let base = body.pointer("phones");
    let mut out: Vec<PhoneEntry> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let prefix = format!("{base}/{i}");
        let Some(mut entry) = Body::open(item, &prefix, &["number", "label"], body.errors()) else {
            continue;
        };
        let number = entry.parsed("number", |s| PhoneE164::parse(s, region));
        let label = entry.text("label", 50);
        let Some(number) = number else {
            if entry.errors().is_empty() {
                entry.fail("number", "required", "a phone entry needs a number");
            }
            continue;
        };
        if out.iter().any(|p| p.number == number) {
            entry.fail("number", "duplicate", "this number is already listed");
            continue;
        }
        out.push(PhoneEntry { number, label });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_body_parses_and_round_trips() {
        let body = json!({
            "first_name": " Ana ", "last_name": "Lima",
            "emails": [{"address": "ana@Example.com", "label": "work"}, {"address": "a@b.io", "primary": false}],
            "phones": [{"number": "+33 6 12 34 56 78", "label": "mobile"}],
            "address": {"city": "Lyon", "country": "fr"},
            "lifecycle_stage": "lead", "tags": ["vip", "VIP", "beta"], "notes": "line 1\nline 2"
        });
        let draft = ContactDraft::parse(body, None).expect("valid");
        assert_eq!(draft.first_name.as_deref(), Some("Ana"));
        assert_eq!(draft.emails[0].address.as_str(), "ana@example.com");
        assert!(
            draft.emails[0].primary,
            "first email becomes primary when none is marked"
        );
        assert_eq!(draft.phones[0].number.as_str(), "+33612345678");
        assert_eq!(draft.tags.len(), 2);
        assert_eq!(
            draft
                .address
                .as_ref()
                .and_then(|a| a.country.as_ref())
                .map(|c| c.as_str()),
            Some("FR")
        );
        let again = ContactDraft::parse(serde_json::to_value(&draft).expect("json"), None)
            .expect("round trip");
        assert_eq!(again, draft);
    }

    #[test]
    fn every_bad_field_is_listed_with_its_pointer() {
        let body = json!({
            "first_name": 3, "emails": [{"address": "nope"}, {"address": "x@y.io", "primary": true}, {"address": "z@y.io", "primary": true}],
            "phones": [{"number": "12"}], "company_id": "zzz", "lifecycle_stage": "king", "nickname": "A", "id": "x"
        });
        let errors = ContactDraft::parse(body, None).expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        for p in [
            "/first_name",
            "/emails/0/address",
            "/emails",
            "/phones/0/number",
            "/company_id",
            "/lifecycle_stage",
            "/nickname",
            "/id",
        ] {
            assert!(pointers.contains(&p), "missing {p} in {pointers:?}");
        }
        assert!(
            errors
                .iter()
                .any(|e| e.pointer == "/nickname" && e.code == "unknown_field")
        );
        assert!(
            errors
                .iter()
                .any(|e| e.pointer == "/id" && e.code == "read_only")
        );
    }

    #[test]
    fn an_empty_contact_is_refused() {
        let errors = ContactDraft::parse(json!({"title": "CEO"}), None).expect_err("needs a name");
        assert_eq!(errors[0].code, "required");
        let errors = ContactDraft::parse(json!([1]), None).expect_err("not an object");
        assert_eq!(errors[0].pointer, "/");
    }
}
