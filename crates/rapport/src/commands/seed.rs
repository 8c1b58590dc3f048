//! `rapport seed`: a realistic synthetic workspace (companies, contacts, pipelines, deals,
//! activities, tasks, cases and leads), written in batched transactions through the same use
//! cases as the API, with a progress bar.
//!
//! With `--seed` the data is deterministic for a given day: every value comes from the seeded
//! generator and every time is an offset from today's midnight (UTC), so two runs on the same day
//! differ only in their ids (UUIDv7, which carry the real creation time by design). History is
//! spread into the past (deals closed over the last year, activities over 18 months) through
//! [`create_many_as_of`], so server-derived fields (`closed_at`, stage history, `completed_at`,
//! `resolved_at`) are those the same changes made through the API at those times would leave.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use fake::Fake;
use fake::faker::address::en::{CityName, StateName, StreetName, ZipCode};
use fake::faker::company::en::{CompanyName, Industry, Profession};
use fake::faker::lorem::en::Sentence;
use fake::faker::name::en::{FirstName, LastName};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rapport_app::config::Config;
use rapport_app::records::{Backdated, Object, create_many, create_many_as_of};
use rapport_app::{App, Ctx};
use rapport_domain::ids::{CompanyId, ContactId, DealId, PipelineId, StageId};
use rapport_domain::objects::{
    Activity, ActivityDraft, Address, Case, CaseDraft, CasePriority, CaseStatus, Company,
    CompanyDraft, Contact, ContactDraft, Deal, DealDraft, EmailEntry, Lead, LeadDraft, PhoneEntry,
    Pipeline, PipelineDraft, RecordRef, Stage, Task, TaskDraft, TaskPriority, TaskStatus,
};
use rapport_domain::values::{
    CountryCode, CurrencyCode, DomainName, EmailAddress, LifecycleStage, Money, PhoneE164, Tag,
};

/// What to generate. The counts left out follow the number of contacts, in the proportions of
/// a mid-sized sales team's CRM (per 1,000,000 contacts: 100,000 companies, 3 pipelines,
/// 200,000 deals, 2,000,000 activities, 300,000 tasks, 50,000 cases, 100,000 leads).
#[derive(Debug, Clone)]
pub struct Plan {
    /// Companies (default: contacts / 10).
    pub companies: Option<u64>,
    /// Contacts.
    pub contacts: u64,
    /// Pipelines (default: 3: sales, renewals, partnerships).
    pub pipelines: Option<u64>,
    /// Deals (default: contacts / 5).
    pub deals: Option<u64>,
    /// Activities (default: contacts × 2).
    pub activities: Option<u64>,
    /// Tasks (default: contacts × 3 / 10).
    pub tasks: Option<u64>,
    /// Cases (default: contacts / 20).
    pub cases: Option<u64>,
    /// Leads (default: contacts / 10).
    pub leads: Option<u64>,
    /// Records per transaction.
    pub batch: u64,
    /// Random seed, for reproducible data.
    pub seed: Option<u64>,
    /// The workspace to fill (created when missing).
    pub workspace: String,
}

/// The counts to write, defaults resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Companies.
    pub companies: u64,
    /// Contacts.
    pub contacts: u64,
    /// Pipelines.
    pub pipelines: u64,
    /// Deals.
    pub deals: u64,
    /// Activities.
    pub activities: u64,
    /// Tasks.
    pub tasks: u64,
    /// Cases.
    pub cases: u64,
    /// Leads.
    pub leads: u64,
}

impl Plan {
    /// The counts, each left-out one proportional to the contacts.
    pub fn counts(&self) -> Counts {
        let c = self.contacts;
        Counts {
            companies: self.companies.unwrap_or(c / 10),
            contacts: c,
            pipelines: self.pipelines.unwrap_or(3),
            deals: self.deals.unwrap_or(c / 5),
            activities: self.activities.unwrap_or(c.saturating_mul(2)),
            tasks: self.tasks.unwrap_or(c.saturating_mul(3) / 10),
            cases: self.cases.unwrap_or(c / 20),
            leads: self.leads.unwrap_or(c / 10),
        }
    }
}

const COUNTRIES: &[&str] = &["US", "GB", "FR", "DE", "ES", "NL", "CA", "BR"];
const TAGS: &[&str] = &[
    "vip",
    "newsletter",
    "partner",
    "churn-risk",
    "beta",
    "event-2026",
    "referral",
];
const PROVIDERS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "proton.me",
    "yahoo.com",
    "fastmail.com",
];

fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

fn address(rng: &mut StdRng) -> anyhow::Result<Address> {
    let country = CountryCode::parse(COUNTRIES[rng.random_range(0..COUNTRIES.len())])?;
    Ok(Address {
        street: Some(format!(
            "{} {}",
            rng.random_range(1..400),
            StreetName().fake_with_rng::<String, _>(rng)
        )),
        city: Some(CityName().fake_with_rng(rng)),
        region: Some(StateName().fake_with_rng(rng)),
        postal_code: Some(ZipCode().fake_with_rng(rng)),
        country: Some(country),
    })
}

fn company(rng: &mut StdRng, i: u64) -> anyhow::Result<CompanyDraft> {
    let name: String = CompanyName().fake_with_rng(rng);
    let domain = DomainName::parse(&format!("{}{i}.com", slug(&name)))?;
    let revenue = rng.random_range(100_000_i64..500_000_000) * 10_000;
    Ok(CompanyDraft {
        custom: Default::default(),
        name,
        domain: Some(domain),
        industry: Some(Industry().fake_with_rng(rng)),
        employee_count: Some(rng.random_range(1..50_000)),
        annual_revenue: Some(Money::new(
            revenue,
            CurrencyCode::parse(if rng.random_bool(0.6) { "USD" } else { "EUR" })?,
        )),
        address: Some(address(rng)?),
        owner_id: None,
        tags: Vec::new(),
    })
}

fn contact(
    rng: &mut StdRng,
    i: u64,
    company: Option<(CompanyId, &str)>,
) -> anyhow::Result<ContactDraft> {
    let first: String = FirstName().fake_with_rng(rng);
    let last: String = LastName().fake_with_rng(rng);
    let domain = match company {
        Some((_, d)) if rng.random_bool(0.8) => d.to_owned(),
        _ => PROVIDERS[rng.random_range(0..PROVIDERS.len())].to_owned(),
    };
    let email = EmailAddress::parse(&format!("{}.{}{i}@{domain}", slug(&first), slug(&last)))?;
    let mut phones = Vec::new();
    if rng.random_bool(0.7) {
        let number = format!("+3361{:07}", rng.random_range(0..10_000_000u32));
        phones.push(PhoneEntry {
            number: PhoneE164::parse(&number, None)?,
            label: Some("mobile".into()),
        });
    }
    let stage = LifecycleStage::ALL[rng.random_range(0..LifecycleStage::ALL.len())];
    let tags = if rng.random_bool(0.3) {
        vec![Tag::parse(TAGS[rng.random_range(0..TAGS.len())])?]
    } else {
        Vec::new()
    };
    Ok(ContactDraft {
        custom: Default::default(),
        first_name: Some(first),
        last_name: Some(last),
        emails: vec![EmailEntry {
            address: email,
            label: Some("work".into()),
            primary: true,
        }],
        phones,
        title: Some(Profession().fake_with_rng(rng)),
        company_id: company.map(|(id, _)| id),
        address: if rng.random_bool(0.5) {
            Some(address(rng)?)
        } else {
            None
        },
        lifecycle_stage: Some(stage),
        owner_id: None,
        tags,
        notes: None,
    })
}

/// A pipeline template: name, rotting days, currency, amount range (whole units), and stages
/// as (name, probability, kind) in board order.
struct PipelineTemplate {
    name: &'static str,
    rotting_days: Option<i64>,
    currency: &'static str,
    amounts: (i64, i64),
    stages: &'static [(&'static str, i64, &'static str)],
    /// Relative share of the deals.
    weight: u32,
}

const PIPELINES: &[PipelineTemplate] = &[
    PipelineTemplate {
        name: "Sales",
        rotting_days: Some(30),
        currency: "USD",
        amounts: (2_000, 150_000),
        stages: &[
            ("Qualification", 10, "open"),
            ("Discovery", 25, "open"),
            ("Proposal", 50, "open"),
            ("Negotiation", 75, "open"),
            ("Won", 100, "won"),
            ("Lost", 0, "lost"),
        ],
        weight: 7,
    },
    PipelineTemplate {
        name: "Renewals",
        rotting_days: Some(60),
        currency: "USD",
        amounts: (5_000, 80_000),
        stages: &[
            ("Upcoming", 60, "open"),
            ("In discussion", 70, "open"),
            ("Committed", 90, "open"),
            ("Renewed", 100, "won"),
            ("Churned", 0, "lost"),
        ],
        weight: 2,
    },
    PipelineTemplate {
        name: "Partnerships",
        rotting_days: None,
        currency: "EUR",
        amounts: (10_000, 300_000),
        stages: &[
            ("Introduction", 10, "open"),
            ("Evaluation", 30, "open"),
            ("Contract", 70, "open"),
            ("Signed", 100, "won"),
            ("Declined", 0, "lost"),
        ],
        weight: 1,
    },
];

const LOST_REASONS: &[&str] = &[
    "Price too high",
    "Chose a competitor",
    "No budget this year",
    "No decision",
    "Timing",
];
const WON_REASONS: &[&str] = &["Best fit", "Price", "Relationship", "Feature set"];
const TASK_TITLES: &[&str] = &[
    "Follow up",
    "Send the proposal",
    "Call back",
    "Prepare the demo",
    "Check in on the renewal",
    "Send the contract",
    "Book a meeting",
];
const CASE_SUBJECTS: &[&str] = &[
    "Cannot log in",
    "Invoice is wrong",
    "Export fails",
    "Question about pricing",
    "Feature request",
    "Data missing after import",
    "Slow dashboard",
];
const LEAD_SOURCES: &[(&str, u32)] = &[
    ("web", 40),
    ("referral", 15),
    ("event", 15),
    ("import", 15),
    ("api", 10),
    ("other", 5),
];
const DISQUALIFIED: &[&str] = &["No budget", "Not a fit", "Unresponsive", "Student"];

/// Picks an item by weight.
fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if pick < *w {
            return item;
        }
        pick -= w;
    }
    &items[items.len() - 1].0
}

/// A moment between `from` and `to` (`from` when the range is empty).
fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return from;
    }
    from + Duration::seconds(rng.random_range(0..span))
}

/// A moment in the last `days` days before `now`.
fn within(rng: &mut StdRng, now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    between(rng, now - Duration::days(days), now)
}

/// What later objects refer to: a seeded contact.
struct SeededContact {
    id: ContactId,
    company: Option<CompanyId>,
    email: Option<EmailAddress>,
}

/// What later objects refer to: a seeded deal and the span it was live.
struct SeededDeal {
    id: DealId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// A seeded pipeline, with its stages split by kind.
struct SeededPipeline {
    id: PipelineId,
    template: &'static PipelineTemplate,
    open: Vec<StageId>,
    won: StageId,
    lost: StageId,
    weight: u32,
}

fn pipeline(i: u64) -> (PipelineDraft, &'static PipelineTemplate) {
    let index = usize::try_from(i).unwrap_or(0) % PIPELINES.len();
    let t = &PIPELINES[index];
    let round = i / PIPELINES.len() as u64;
    let name = if round == 0 {
        t.name.to_owned()
    } else {
        format!("{} {}", t.name, round + 1)
    };
    let stages = t
        .stages
        .iter()
        .map(|(name, probability, kind)| Stage {
            id: StageId::new(),
            name: (*name).to_owned(),
            probability: *probability,
            kind: (*kind).to_owned(),
        })
        .collect();
    let draft = PipelineDraft {
        name,
        rotting_days: t.rotting_days,
        stages,
    };
    (draft, t)
}

fn seeded_pipeline(p: &Pipeline, template: &'static PipelineTemplate) -> Option<SeededPipeline> {
    let of = |kind: &'static str| p.fields.stages.iter().filter(move |s| s.kind == kind);
    Some(SeededPipeline {
        id: p.id,
        template,
        open: of("open").map(|s| s.id).collect(),
        won: of("won").next()?.id,
        lost: of("lost").next()?.id,
        weight: template.weight,
    })
}

/// A deal's history: created in the pipeline's first stage, moved forward, and for 55 % of
/// them closed (25 % won, 30 % lost) at a time spread over the last year.
fn deal(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    pipelines: &[SeededPipeline],
    companies: &[(CompanyId, String)],
) -> anyhow::Result<Backdated<DealDraft>> {
    let weights: Vec<(usize, u32)> = pipelines
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p.weight))
        .collect();
    let p = &pipelines[*weighted(rng, &weights)];
    let t = p.template;
    let first = *p.open.first().context("a pipeline without open stages")?;
    // Log-uniform amounts: many small deals, a few large ones, rounded to hundreds.
    let (lo, hi) = (t.amounts.0 as f64, t.amounts.1 as f64);
    let amount = (lo * (hi / lo).powf(rng.random::<f64>()) / 100.0).round() as i64 * 100;
    let buyer = (!companies.is_empty() && rng.random_bool(0.9))
        .then(|| &companies[rng.random_range(0..companies.len())]);
    let company = buyer.map(|(id, _)| *id);
    let name = match buyer {
        Some((_, domain)) if !domain.is_empty() => {
            format!(
                "{} — {}",
                domain.split('.').next().unwrap_or(domain),
                t.name
            )
        }
        _ => format!("{} deal", t.name),
    };
    let outcome = rng.random_range(0..100);
    let (created, end, path): (DateTime<Utc>, DateTime<Utc>, Vec<StageId>) = if outcome < 45 {
        // Open: younger, more of them in the early stages.
        let created = within(rng, now, 150);
        let weights: Vec<(usize, u32)> = (0..p.open.len())
            .map(|i| (i, u32::try_from(p.open.len() - i).unwrap_or(1)))
            .collect();
        let target = *weighted(rng, &weights);
        (created, now, p.open[..=target].to_vec())
    } else {
        let closed = within(rng, now, 365);
        let created = closed - Duration::days(rng.random_range(7..120));
        let mut path = vec![first];
        if outcome < 70 {
            if let Some(last) = p.open.last().filter(|s| **s != first) {
                path.push(*last);
            }
            path.push(p.won);
        } else {
            let reached = p.open[rng.random_range(0..p.open.len())];
            if reached != first {
                path.push(reached);
            }
            path.push(p.lost);
        }
        (created, closed, path)
    };
    let won = path.last() == Some(&p.won);
    let lost = path.last() == Some(&p.lost);
    let close_reason = if won {
        Some(WON_REASONS[rng.random_range(0..WON_REASONS.len())].to_owned())
    } else if lost {
        Some(LOST_REASONS[rng.random_range(0..LOST_REASONS.len())].to_owned())
    } else {
        None
    };
    let expected = (created + Duration::days(rng.random_range(30..150))).date_naive();
    let base = DealDraft {
        custom: Default::default(),
        name,
        pipeline_id: p.id,
        stage_id: Some(first),
        amount: Some(Money::new(
            amount.saturating_mul(10_000),
            CurrencyCode::parse(t.currency)?,
        )),
        expected_close_date: Some(expected),
        probability: None,
        company_id: company,
        close_reason: None,
        owner_id: None,
        tags: Vec::new(),
    };
    // Moves are spread evenly between creation and the end (closing, or now for open deals);
    // the probability follows each stage, as it does when a client moves a deal.
    let steps = path.len().saturating_sub(1);
    let mut changes = Vec::with_capacity(steps);
    let span = (end - created).num_seconds().max(1);
    for (k, stage) in path.iter().enumerate().skip(1) {
        let last = k == path.len() - 1;
        let at = if last && (won || lost) {
            end
        } else {
            let share =
                i64::try_from(k).unwrap_or(1) * span / i64::try_from(steps + 1).unwrap_or(1);
            created + Duration::seconds(share)
        };
        let mut draft = base.clone();
        draft.stage_id = Some(*stage);
        draft.probability = None;
        if last {
            draft.close_reason.clone_from(&close_reason);
        }
        changes.push((draft, at));
    }
    Ok(Backdated {
        draft: base,
        at: created,
        changes,
    })
}

/// An activity with a contact, and for a third of them with one of the deals too (then it
/// happened while the deal was live); occurred and logged within the last 18 months. Activities
/// are not linked to leads here: each such link rescores the lead, a count per activity.
fn activity(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    contacts: &[SeededContact],
    deals: &[SeededDeal],
) -> anyhow::Result<Option<Backdated<ActivityDraft>>> {
    if contacts.is_empty() && deals.is_empty() {
        return Ok(None);
    }
    let mut links = Vec::with_capacity(2);
    let mut email = None;
    if !contacts.is_empty() {
        let c = &contacts[rng.random_range(0..contacts.len())];
        links.push(RecordRef {
            object: "contacts".into(),
            id: c.id.0,
        });
        email.clone_from(&c.email);
    }
    let mut occurred = within(rng, now, 548);
    if !deals.is_empty() && (contacts.is_empty() || rng.random_bool(0.33)) {
        let d = &deals[rng.random_range(0..deals.len())];
        links.push(RecordRef {
            object: "deals".into(),
            id: d.id.0,
        });
        occurred = between(rng, d.from, d.to);
    }
    let kind = *weighted(
        rng,
        &[("note", 30), ("call", 30), ("email", 30), ("meeting", 10)],
    );
    let subject: String = Sentence(3..7).fake_with_rng(rng);
    let mut draft = ActivityDraft {
        custom: Default::default(),
        kind: kind.to_owned(),
        subject: Some(subject.trim_end_matches('.').to_owned()),
        body: None,
        occurred_at: occurred,
        direction: None,
        duration_seconds: None,
        outcome: None,
        from: None,
        to: Vec::new(),
        ends_at: None,
        attendees: Vec::new(),
        links,
        owner_id: None,
    };
    match kind {
        "note" => draft.body = Some(Sentence(8..20).fake_with_rng(rng)),
        "call" => {
            draft.direction = Some(
                if rng.random_bool(0.7) {
                    "outbound"
                } else {
                    "inbound"
                }
                .into(),
            );
            let outcome = *weighted(
                rng,
                &[
                    ("connected", 55),
                    ("no_answer", 20),
                    ("left_voicemail", 15),
                    ("busy", 7),
                    ("wrong_number", 3),
                ],
            );
            draft.duration_seconds = Some(if outcome == "connected" {
                rng.random_range(60..2_400)
            } else {
                rng.random_range(0..60)
            });
            draft.outcome = Some(outcome.to_owned());
        }
        "email" => {
            draft.from = Some(EmailAddress::parse("sales@rapport.example")?);
            draft.to = email.into_iter().collect();
            draft.body = Some(Sentence(10..30).fake_with_rng(rng));
        }
        _ => {
            let minutes = [30, 45, 60, 90][rng.random_range(0..4)];
            draft.ends_at = Some(occurred + Duration::minutes(minutes));
            draft.attendees = email.into_iter().collect();
        }
    }
    Ok(Some(Backdated {
        draft,
        at: occurred,
        changes: Vec::new(),
    }))
}

/// A task on a deal (half), a contact (four in ten) or nothing, created in the last six months
/// and due one to three weeks later; most past-due tasks were done (some late), some cancelled.
fn task(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    contacts: &[SeededContact],
    deals: &[SeededDeal],
) -> anyhow::Result<Backdated<TaskDraft>> {
    let created = within(rng, now, 180);
    let due = created + Duration::days(rng.random_range(1..21));
    let roll = rng.random_range(0..10);
    let record = if roll < 5 && !deals.is_empty() {
        let d = &deals[rng.random_range(0..deals.len())];
        Some(RecordRef {
            object: "deals".into(),
            id: d.id.0,
        })
    } else if roll < 9 && !contacts.is_empty() {
        let c = &contacts[rng.random_range(0..contacts.len())];
        Some(RecordRef {
            object: "contacts".into(),
            id: c.id.0,
        })
    } else {
        None
    };
    let priority = *weighted(
        rng,
        &[
            (TaskPriority::Low, 25),
            (TaskPriority::Normal, 55),
            (TaskPriority::High, 20),
        ],
    );
    let draft = TaskDraft {
        custom: Default::default(),
        title: TASK_TITLES[rng.random_range(0..TASK_TITLES.len())].to_owned(),
        description: rng
            .random_bool(0.4)
            .then(|| Sentence(6..14).fake_with_rng(rng)),
        due_at: Some(due),
        priority,
        status: TaskStatus::Open,
        assignee_id: None,
        record,
        tags: Vec::new(),
    };
    let end = if due < now {
        *weighted(
            rng,
            &[
                (Some(TaskStatus::Done), 75),
                (Some(TaskStatus::Cancelled), 10),
                (None, 15),
            ],
        )
    } else if rng.random_bool(0.1) {
        Some(TaskStatus::Done)
    } else {
        None
    };
    let changes = match end {
        Some(status) => {
            let at = between(rng, created, (due + Duration::days(3)).min(now));
            let mut done = draft.clone();
            done.status = status;
            vec![(done, at)]
        }
        None => Vec::new(),
    };
    Ok(Backdated {
        draft,
        at: created,
        changes,
    })
}

/// A support case from a contact, opened in the last year; cases older than two weeks are
/// mostly resolved (and many closed), newer ones spread over the open statuses.
fn case(
    rng: &mut StdRng,
    now: DateTime<Utc>,
    contacts: &[SeededContact],
) -> anyhow::Result<Backdated<CaseDraft>> {
    let created = within(rng, now, 365);
    let contact = (!contacts.is_empty()).then(|| &contacts[rng.random_range(0..contacts.len())]);
    let priority = *weighted(
        rng,
        &[
            (CasePriority::Low, 20),
            (CasePriority::Normal, 55),
            (CasePriority::High, 20),
            (CasePriority::Urgent, 5),
        ],
    );
    let draft = CaseDraft {
        custom: Default::default(),
        subject: CASE_SUBJECTS[rng.random_range(0..CASE_SUBJECTS.len())].to_owned(),
        description: Some(Sentence(8..24).fake_with_rng(rng)),
        status: CaseStatus::New,
        priority,
        contact_id: contact.map(|c| c.id),
        company_id: contact.and_then(|c| c.company),
        assignee_id: None,
        tags: Vec::new(),
    };
    let old = now - created > Duration::days(14);
    let path: &[CaseStatus] = match rng.random_range(0..100) {
        r if old && r < 50 => &[CaseStatus::Open, CaseStatus::Resolved, CaseStatus::Closed],
        r if old && r < 90 => &[CaseStatus::Open, CaseStatus::Resolved],
        r if r < 30 => &[],
        r if r < 70 => &[CaseStatus::Open],
        _ => &[CaseStatus::Open, CaseStatus::Pending],
    };
    let mut changes = Vec::with_capacity(path.len());
    let mut at = created;
    for status in path {
        // First answer within hours; resolution within days; closing a week later.
        let gap = match status {
            CaseStatus::Open => Duration::minutes(rng.random_range(10..2_880)),
            CaseStatus::Closed => Duration::days(7),
            _ => Duration::hours(rng.random_range(2..240)),
        };
        at = (at + gap).min(now);
        let mut next = draft.clone();
        next.status = *status;
        changes.push((next, at));
    }
    Ok(Backdated {
        draft,
        at: created,
        changes,
    })
}

/// A lead captured in the last year, most not yet worked.
fn lead(rng: &mut StdRng, now: DateTime<Utc>, i: u64) -> anyhow::Result<Backdated<LeadDraft>> {
    let first: String = FirstName().fake_with_rng(rng);
    let last: String = LastName().fake_with_rng(rng);
    let company: String = CompanyName().fake_with_rng(rng);
    let email = EmailAddress::parse(&format!(
        "{}.{}{i}@{}.com",
        slug(&first),
        slug(&last),
        slug(&company)
    ))?;
    let phone = if rng.random_bool(0.6) {
        Some(PhoneE164::parse(
            &format!("+3362{:07}", rng.random_range(0..10_000_000u32)),
            None,
        )?)
    } else {
        None
    };
    let status = *weighted(
        rng,
        &[
            ("new", 40),
            ("contacted", 30),
            ("qualified", 15),
            ("disqualified", 15),
        ],
    );
    let draft = LeadDraft {
        custom: Default::default(),
        first_name: Some(first),
        last_name: Some(last),
        company_name: Some(company),
        title: Some(Profession().fake_with_rng(rng)),
        email: Some(email),
        phone,
        source: Some((*weighted(rng, LEAD_SOURCES)).to_owned()),
        status: status.to_owned(),
        disqualified_reason: (status == "disqualified")
            .then(|| DISQUALIFIED[rng.random_range(0..DISQUALIFIED.len())].to_owned()),
        owner_id: None,
        tags: Vec::new(),
    };
    Ok(Backdated {
        draft,
        at: within(rng, now, 365),
        changes: Vec::new(),
    })
}

/// How many sales reps a seeded workspace without members gets to own its records.
const TEAM_SIZE: usize = 5;

/// A synthetic record with `set` applied to every version of its fields, so a later version
/// does not take back what the first was given (its owner).
fn owned<D>(mut b: Backdated<D>, set: impl Fn(&mut D)) -> Backdated<D> {
    set(&mut b.draft);
    for (d, _) in &mut b.changes {
        set(d);
    }
    b
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style =
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_message(what.to_owned());
    bar
}

/// Writes `count` records of one object in transactions of `batch`, with a progress bar;
/// `make` draws each one (`None`: nothing to draw it from), `keep` sees each stored batch.
async fn fill<O: Object>(
    app: &App,
    ctx: &Ctx,
    what: &str,
    count: u64,
    batch: u64,
    mut make: impl FnMut(u64) -> anyhow::Result<Option<Backdated<O::Draft>>>,
    mut keep: impl FnMut(Vec<O>),
) -> anyhow::Result<std::time::Duration> {
    let started = std::time::Instant::now();
    let progress = bar(count, what);
    let mut stats = Statistics::default();
    let mut i = 0;
    while i < count {
        let n = batch.min(count - i);
        let mut items = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        for k in i..i + n {
            if let Some(item) = make(k)? {
                items.push(item);
            }
        }
        if items.is_empty() {
            break;
        }
        let created = create_many_as_of::<O>(app, ctx, items)
            .await
            .map_err(|e| anyhow::anyhow!("{what}: {e:?}"))?;
        keep(created);
        i += n;
        progress.inc(n);
        stats.after_batch(app).await?;
    }
    progress.finish();
    let took = started.elapsed();
    // The next object's writes look rows of this one up: without statistics SQLite may plan
    // those lookups as scans, and a seed into a fresh database would slow down as it grows.
    app.db
        .analyze_after_bulk_write()
        .await
        .context("refreshing planner statistics")?;
    Ok(took)
}

/// Refreshes planner statistics after the 1st, 2nd, 4th, 8th... batch of an object: a table
/// analysed while nearly empty (or never) gets its lookups planned as scans, and each batch
/// would then cost more than the one before; doubling keeps the refreshes few.
#[derive(Debug, Default)]
struct Statistics {
    batches: u64,
}

impl Statistics {
    async fn after_batch(&mut self, app: &App) -> anyhow::Result<()> {
        self.batches += 1;
        if self.batches.is_power_of_two() {
            app.db
                .analyze_after_bulk_write()
                .await
                .context("refreshing planner statistics")?;
        }
        Ok(())
    }
}

/// Fills the workspace; prints what it wrote and how fast each object went.
pub async fn run(config: Config, plan: Plan) -> anyhow::Result<()> {
    anyhow::ensure!(plan.batch > 0, "--batch must be at least 1");
    let counts = plan.counts();
    anyhow::ensure!(
        counts.deals == 0 || counts.pipelines > 0,
        "deals need at least one pipeline (--pipelines)"
    );
    let app = App::connect(config)
        .await
        .context("cannot open the database")?;
    app.prepare().await.context("the database is not ready")?;
    let workspace = rapport_app::identity::users::workspace_named(&app, &plan.workspace)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ctx = Ctx::system(workspace);
    let team = rapport_app::identity::members::seed_team(&app, &ctx, TEAM_SIZE)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let owner = |k: u64| {
        team.get(usize::try_from(k).unwrap_or(0) % team.len().max(1))
            .copied()
    };
    let mut rng = StdRng::seed_from_u64(plan.seed.unwrap_or_else(rand::random));
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or(NaiveDate::MIN.and_time(chrono::NaiveTime::MIN))
        .and_utc();
    let started = std::time::Instant::now();
    let mut timings: Vec<(&str, u64, std::time::Duration)> = Vec::new();

    let mut made: Vec<(CompanyId, String)> =
        Vec::with_capacity(usize::try_from(counts.companies).unwrap_or(0));
    let progress = bar(counts.companies, "companies");
    let mut stats = Statistics::default();
    let mut i = 0;
    let clock = std::time::Instant::now();
    while i < counts.companies {
        let n = plan.batch.min(counts.companies - i);
        let drafts = (i..i + n)
            .map(|k| {
                let mut c = company(&mut rng, k)?;
                c.owner_id = owner(k);
                Ok(c)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let created = create_many::<Company>(&app, &ctx, drafts)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        made.extend(created.into_iter().map(|c| {
            (
                c.id,
                c.fields
                    .domain
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_default(),
            )
        }));
        i += n;
        progress.inc(n);
        stats.after_batch(&app).await?;
    }
    progress.finish();
    timings.push(("companies", counts.companies, clock.elapsed()));

    let mut contacts: Vec<SeededContact> =
        Vec::with_capacity(usize::try_from(counts.contacts).unwrap_or(0));
    let progress = bar(counts.contacts, "contacts");
    let mut stats = Statistics::default();
    let mut i = 0;
    let clock = std::time::Instant::now();
    while i < counts.contacts {
        let n = plan.batch.min(counts.contacts - i);
        let drafts = (i..i + n)
            .map(|k| {
                let company = (!made.is_empty() && rng.random_bool(0.85))
                    .then(|| rng.random_range(0..made.len()))
                    .map(|idx| (made[idx].0, made[idx].1.as_str()));
                let mut c = contact(&mut rng, k, company)?;
                c.owner_id = owner(k);
                Ok(c)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let created = create_many::<Contact>(&app, &ctx, drafts)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        contacts.extend(created.into_iter().map(|c| SeededContact {
            id: c.id,
            company: c.fields.company_id,
            email: c.fields.emails.into_iter().next().map(|e| e.address),
        }));
        i += n;
        progress.inc(n);
        stats.after_batch(&app).await?;
    }
    progress.finish();
    timings.push(("contacts", counts.contacts, clock.elapsed()));

    let templates: Vec<(PipelineDraft, &'static PipelineTemplate)> =
        (0..counts.pipelines).map(pipeline).collect();
    let drafts = templates.iter().map(|(d, _)| d.clone()).collect();
    let stored = create_many::<Pipeline>(&app, &ctx, drafts)
        .await
        .map_err(|e| anyhow::anyhow!("pipelines: {e:?}"))?;
    let pipelines: Vec<SeededPipeline> = stored
        .iter()
        .zip(&templates)
        .filter_map(|(p, (_, t))| seeded_pipeline(p, t))
        .collect();

    let mut deals: Vec<SeededDeal> = Vec::with_capacity(usize::try_from(counts.deals).unwrap_or(0));
    let took = fill::<Deal>(
        &app,
        &ctx,
        "deals",
        counts.deals,
        plan.batch,
        |k| {
            let d = deal(&mut rng, now, &pipelines, &made)?;
            Ok(Some(owned(d, |x| x.owner_id = owner(k))))
        },
        |batch| {
            // Activities on a deal happen while it is live: from its creation to its closing.
            deals.extend(batch.into_iter().map(|d| SeededDeal {
                id: d.id,
                from: d.created_at,
                to: d.state.closed_at.unwrap_or(now),
            }));
        },
    )
    .await?;
    timings.push(("deals", counts.deals, took));

    let took = fill::<Activity>(
        &app,
        &ctx,
        "activities",
        counts.activities,
        plan.batch,
        |k| {
            let a = activity(&mut rng, now, &contacts, &deals)?;
            Ok(a.map(|a| owned(a, |x| x.owner_id = owner(k))))
        },
        drop,
    )
    .await?;
    timings.push(("activities", counts.activities, took));

    let took = fill::<Task>(
        &app,
        &ctx,
        "tasks",
        counts.tasks,
        plan.batch,
        |k| {
            let t = task(&mut rng, now, &contacts, &deals)?;
            Ok(Some(owned(t, |x| x.assignee_id = owner(k))))
        },
        drop,
    )
    .await?;
    timings.push(("tasks", counts.tasks, took));

    let took = fill::<Case>(
        &app,
        &ctx,
        "cases",
        counts.cases,
        plan.batch,
        |k| {
            let c = case(&mut rng, now, &contacts)?;
            Ok(Some(owned(c, |x| x.assignee_id = owner(k))))
        },
        drop,
    )
    .await?;
    timings.push(("cases", counts.cases, took));

    let took = fill::<Lead>(
        &app,
        &ctx,
        "leads",
        counts.leads,
        plan.batch,
        |k| {
            let l = lead(&mut rng, now, k)?;
            Ok(Some(owned(l, |x| x.owner_id = owner(k))))
        },
        drop,
    )
    .await?;
    timings.push(("leads", counts.leads, took));

    app.db
        .analyze_after_bulk_write()
        .await
        .context("refreshing planner statistics")?;
    app.db.close().await;
    for (what, n, took) in &timings {
        let secs = took.as_secs_f64();
        let rate = if secs > 0.0 { *n as f64 / secs } else { 0.0 };
        eprintln!("{what:>10}: {n} in {secs:.1} s ({rate:.0} rows/s)");
    }
    eprintln!(
        "seeded {} companies, {} contacts, {} pipelines, {} deals, {} activities, {} tasks, {} \
         cases and {} leads in {:.1} s",
        counts.companies,
        counts.contacts,
        counts.pipelines,
        counts.deals,
        counts.activities,
        counts.tasks,
        counts.cases,
        counts.leads,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(contacts: u64) -> Plan {
        Plan {
            companies: None,
            contacts,
            pipelines: None,
            deals: None,
            activities: None,
            tasks: None,
            cases: None,
            leads: None,
            batch: 1,
            seed: None,
            workspace: "Demo".into(),
        }
    }

    #[test]
    fn left_out_counts_follow_the_contacts() {
        assert_eq!(
            plan(1_000_000).counts(),
            Counts {
                companies: 100_000,
                contacts: 1_000_000,
                pipelines: 3,
                deals: 200_000,
                activities: 2_000_000,
                tasks: 300_000,
                cases: 50_000,
                leads: 100_000,
            }
        );
        // The former default of 100 companies for 1,000 contacts still holds.
        assert_eq!(plan(1_000).counts().companies, 100);
        let mut given = plan(1_000);
        given.deals = Some(7);
        given.pipelines = Some(1);
        assert_eq!((given.counts().deals, given.counts().pipelines), (7, 1));
    }

    #[test]
    fn the_same_seed_draws_the_same_deals() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let (draft, template) = pipeline(0);
        let stored = Pipeline {
            id: PipelineId::new(),
            fields: draft,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let pipelines: Vec<SeededPipeline> =
            seeded_pipeline(&stored, template).into_iter().collect();
        let companies = vec![(CompanyId::new(), "acme.com".to_owned())];
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50)
                .map(|_| deal(&mut rng, now, &pipelines, &companies))
                .collect::<anyhow::Result<Vec<_>>>()
                .map(|v| {
                    v.into_iter()
                        .map(|d| (d.draft, d.at, d.changes))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        let (a, b) = (draw(7), draw(7));
        assert_eq!(a.len(), 50);
        assert_eq!(a, b);
        // Closed deals were created before they closed, within the last year and a half.
        for (_, created, changes) in &a {
            assert!(*created <= now && now - *created <= Duration::days(485));
            assert!(changes.iter().all(|(_, at)| at >= created && *at <= now));
        }
    }
}
