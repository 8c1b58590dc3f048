//! `rapport seed`: realistic synthetic companies and contacts, written in batched transactions
//! through the same use cases as the API, with a progress bar.

use anyhow::Context;
use fake::Fake;
use fake::faker::address::en::{CityName, StateName, StreetName, ZipCode};
use fake::faker::company::en::{CompanyName, Industry, Profession};
use fake::faker::name::en::{FirstName, LastName};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rapport_app::config::Config;
use rapport_app::records::create_many;
use rapport_app::{App, Ctx};
use rapport_domain::ids::CompanyId;
use rapport_domain::objects::{
    Address, Company, CompanyDraft, Contact, ContactDraft, EmailEntry, PhoneEntry,
};
use rapport_domain::values::{
    CountryCode, CurrencyCode, DomainName, EmailAddress, LifecycleStage, Money, PhoneE164, Tag,
};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub companies: u64,
    pub contacts: u64,
    pub batch: u64,
    pub seed: Option<u64>,
    pub workspace: String,
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

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style =
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_message(what.to_owned());
    bar
}

pub async fn run(config: Config, plan: Plan) -> anyhow::Result<()> {
    anyhow::ensure!(plan.batch > 0, "--batch must be at least 1");
    let app = App::connect(config)
        .await
        .context("cannot open the database")?;
    app.prepare().await.context("the database is not ready")?;
    let workspace = rapport_app::identity::users::workspace_named(&app, &plan.workspace)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ctx = Ctx::system(workspace);
    let mut rng = StdRng::seed_from_u64(plan.seed.unwrap_or_else(rand::random));
    let started = std::time::Instant::now();

    let mut made: Vec<(CompanyId, String)> =
        Vec::with_capacity(usize::try_from(plan.companies).unwrap_or(0));
    let progress = bar(plan.companies, "companies");
    let mut i = 0;
    while i < plan.companies {
        let n = plan.batch.min(plan.companies - i);
        let drafts = (i..i + n)
            .map(|k| company(&mut rng, k))
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
    }
    progress.finish();

    let progress = bar(plan.contacts, "contacts");
    let mut i = 0;
    while i < plan.contacts {
        let n = plan.batch.min(plan.contacts - i);
        let drafts = (i..i + n)
            .map(|k| {
                let company = (!made.is_empty() && rng.random_bool(0.85))
                    .then(|| rng.random_range(0..made.len()))
                    .map(|idx| (made[idx].0, made[idx].1.as_str()));
                contact(&mut rng, k, company)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        create_many::<Contact>(&app, &ctx, drafts)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        i += n;
        progress.inc(n);
    }
    progress.finish();
    app.db
        .refresh_statistics()
        .await
        .context("refreshing planner statistics")?;
    app.db.close().await;
    eprintln!(
        "seeded {} companies and {} contacts in {:.1} s",
        plan.companies,
        plan.contacts,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
