//! Full-text search over every object: FTS5 on SQLite, tsvector on PostgreSQL. The
//! documents are written by each object's store module inside the write's own transaction, so
//! search never shows a record that was not saved nor misses one that was.
//!
//! On SQLite the FTS5 rows of a transaction are written together just before it commits
//! ([`PendingSearch`]): FTS5 flushes its in-memory index to a new segment at every statement
//! savepoint, so interleaving its rows with the records' own statements wrote one tiny segment
//! per record and spent most of a bulk write merging them (45% of an import's time at 100,000
//! contacts, growing with the index).

use std::collections::BTreeMap;

use rapport_domain::ids::WorkspaceId;
use sqlx::{Row, Sqlite};
use uuid::Uuid;

use crate::db::{Db, Tx};
use crate::error::StoreError;

/// `object_type` of contacts.
pub const CONTACT: &str = "contact";
/// `object_type` of companies.
pub const COMPANY: &str = "company";
/// `object_type` of pipelines.
pub const PIPELINE: &str = "pipeline";
/// `object_type` of activities.
pub const ACTIVITY: &str = "activity";
/// `object_type` of leads.
pub const LEAD: &str = "lead";
/// `object_type` of deals.
pub const DEAL: &str = "deal";
/// `object_type` of tasks.
pub const TASK: &str = "task";
/// `object_type` of appointments.
pub const APPOINTMENT: &str = "appointment";
/// `object_type` of cases.
pub const CASE: &str = "case";
/// `object_type` of campaigns.
pub const CAMPAIGN: &str = "campaign";
/// `object_type` of projects.
pub const PROJECT: &str = "project";
/// `object_type` of documents.
pub const DOCUMENT: &str = "document";
/// `object_type` of custom field definitions.
pub const CUSTOM_FIELD: &str = "custom_field";

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// `contact` or `company`.
    pub object_type: String,
    /// The record's id.
    pub id: Uuid,
    /// Relevance, higher is better (comparable within one query).
    pub score: f64,
}

/// Lower-cased words of `s`: letters and digits, everything else separates. Both backends index
/// and query the same words, so `ana@example.com` is found by `example`.
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The words of a query; a phone-looking query (`+33 6 12`) becomes one run of digits.
pub fn query_words(q: &str) -> Vec<String> {
    let phone_like = q.chars().any(|c| c.is_ascii_digit())
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_like {
        vec![q.chars().filter(char::is_ascii_digit).collect()]
    } else {
        words(q).into_iter().take(8).collect()
    }
}

/// The FTS5 rows a SQLite transaction has changed, by document id: the latest text of each, or
/// `None` for a removed document. A document id freed and taken again in one transaction is
/// one entry, so its old text is deleted and its new text written.
#[derive(Debug, Default)]
pub struct PendingSearch(BTreeMap<i64, Option<(String, String)>>);

impl PendingSearch {
    /// Replaces the FTS5 rows of every changed document, one after the other with no other
    /// statement in between (see the module documentation); the caller commits next.
    pub(crate) async fn write(
        self,
        tx: &mut sqlx::Transaction<'static, Sqlite>,
    ) -> Result<(), StoreError> {
        for (doc_id, text) in self.0 {
            sqlx::query("DELETE FROM search_fts WHERE rowid = ?")
                .bind(doc_id)
                .execute(&mut **tx)
                .await?;
            if let Some((title, body)) = text {
                sqlx::query("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)")
                    .bind(doc_id)
                    .bind(title)
                    .bind(body)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Writes (or replaces) the search document of one record.
pub async fn put(
    tx: &mut Tx,
    ws: WorkspaceId,
    object_type: &str,
    id: Uuid,
    title: &str,
    body: &str,
) -> Result<(), StoreError> {
    let title = words(title).join(" ");
    let body = words(body).join(" ");
    match tx {
        Tx::Sqlite(t, pending) => {
            let doc_id: i64 = sqlx::query_scalar(
                "INSERT INTO search_docs (workspace_id, object_type, object_id) VALUES (?, ?, ?) \
                 ON CONFLICT (workspace_id, object_type, object_id) DO UPDATE SET object_type = excluded.object_type \
                 RETURNING doc_id",
            )
            .bind(ws.0)
            .bind(object_type)
            .bind(id)
            .fetch_one(&mut **t)
            .await?;
            pending.0.insert(doc_id, Some((title, body)));
        }
        Tx::Postgres(t) => {
            sqlx::query(
                "INSERT INTO search_docs (workspace_id, object_type, object_id, title, body) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (workspace_id, object_type, object_id) DO UPDATE SET title = excluded.title, body = excluded.body",
            )
            .bind(ws.0)
            .bind(object_type)
            .bind(id)
            .bind(&title)
            .bind(&body)
            .execute(&mut **t)
            .await?;
        }
    }
    Ok(())
}

/// Removes the search document of one record.
pub async fn remove(
    tx: &mut Tx,
    ws: WorkspaceId,
    object_type: &str,
    id: Uuid,
) -> Result<(), StoreError> {
    match tx {
        Tx::Sqlite(t, pending) => {
            let doc_id: Option<i64> = sqlx::query_scalar(
                "DELETE FROM search_docs WHERE workspace_id = ? AND object_type = ? AND object_id = ? RETURNING doc_id",
            )
            .bind(ws.0)
            .bind(object_type)
            .bind(id)
            .fetch_optional(&mut **t)
            .await?;
            if let Some(doc_id) = doc_id {
                pending.0.insert(doc_id, None);
            }
        }
        Tx::Postgres(t) => {
            sqlx::query("DELETE FROM search_docs WHERE workspace_id = $1 AND object_type = $2 AND object_id = $3")
                .bind(ws.0)
                .bind(object_type)
                .bind(id)
                .execute(&mut **t)
                .await?;
        }
    }
    Ok(())
}

/// Where a tier looks for the query's words, and whether the last one may be the start of a word
/// (the person is still typing it).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tier {
    title_only: bool,
    last_is_prefix: bool,
    score: f64,
}

/// The tiers of a query, best first: every word whole in the name; the last word as the start of
/// a name's word; then every word anywhere (e-mail parts, phone digits, domains). Digits alone
/// (a phone number) are looked for anywhere as a prefix; a complete e-mail address as whole words
/// only. `whole` says the words were found whole in a name (the first tier matched): the last
/// tier then takes them whole too, as expanding a complete word into every longer one (`smith`
/// into `smith1` … `smith999999` of e-mail addresses) costs much and adds little.
fn tiers(terms: &[String], q: &str, whole: bool) -> [Option<Tier>; 3] {
    let phone_like = terms.len() == 1 && terms[0].bytes().all(|b| b.is_ascii_digit());
    let address = looks_like_address(q);
    let tier = |title_only, last_is_prefix, score| {
        Some(Tier {
            title_only,
            last_is_prefix,
            score,
        })
    };
    if phone_like {
        return [None, None, tier(false, true, 1.0)];
    }
    [
        tier(true, false, 3.0),
        (!address).then_some(()).and(tier(true, true, 2.0)),
        tier(false, !address && !whole, 1.0),
    ]
}

/// `ana.lima@example.com`: one `@`, a dot in the domain, nothing after the last label.
fn looks_like_address(q: &str) -> bool {
    let q = q.trim();
    match q.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain
                    .rsplit_once('.')
                    .is_some_and(|(name, tld)| !name.is_empty() && tld.len() >= 2)
        }
        None => false,
    }
}

/// Ranked search within one workspace: tiers that read the index newest first and stop at the
/// limit, so the cost follows the limit and not the number of matches (a common surname matches
/// one contact in a hundred). Both backends run the same tiers and give the same results.
pub async fn query(
    db: &Db,
    ws: WorkspaceId,
    q: &str,
    types: &[&str],
    limit: u32,
) -> Result<Vec<Hit>, StoreError> {
    let terms = query_words(q);
    if terms.is_empty() || types.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = usize::try_from(limit).unwrap_or(0);
    let mut hits: Vec<Hit> = Vec::with_capacity(wanted);
    for i in 0..3 {
        if hits.len() >= wanted {
            break;
        }
        let Some(tier) = tiers(&terms, q, !hits.is_empty())[i] else {
            continue;
        };
        let found = tier_rows(db, ws, &terms, tier, types, i64::from(limit)).await?;
        for (rank, (object_type, id)) in found.into_iter().enumerate() {
            if hits
                .iter()
                .any(|h| h.id == id && h.object_type == object_type)
            {
                continue;
            }
            // Order within a tier is kept: the score falls from tier + 0.5 towards tier.
            let score = tier.score + 0.5 / (1.0 + rank as f64);
            hits.push(Hit {
                object_type,
                id,
                score,
            });
        }
    }
    hits.truncate(wanted);
    Ok(hits)
}

/// The newest documents of the workspace matching one tier. Words are letters and digits only
/// (see [`words`]), so they cannot carry query syntax on either backend.
async fn tier_rows(
    db: &Db,
    ws: WorkspaceId,
    terms: &[String],
    tier: Tier,
    types: &[&str],
    limit: i64,
) -> Result<Vec<(String, Uuid)>, StoreError> {
    let last = terms.len() - 1;
    if let Some(pool) = db.sqlite_reader() {
        let words = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let star = if tier.last_is_prefix && i == last {
                    "*"
                } else {
                    ""
                };
                format!("\"{t}\"{star}")
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        let expr = if tier.title_only {
            format!("title : ({words})")
        } else {
            words
        };
        // A `CROSS JOIN`, which SQLite never reorders: the full-text index drives, newest first,
        // and each match is looked up by its document id. Left to the planner, the order
        // followed the statistics, and without them (a database that filled up while the server
        // ran) SQLite took the workspace's documents first and probed the full-text index once
        // per document: 150 ms a tier at ten thousand contacts instead of 0.1 ms.
        let type_list = types.iter().map(|_| "?").collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT d.object_type, d.object_id FROM search_fts CROSS JOIN search_docs d ON d.doc_id = search_fts.rowid \
             WHERE search_fts MATCH ? AND d.workspace_id = ? AND d.object_type IN ({type_list}) \
             ORDER BY search_fts.rowid DESC LIMIT ?"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(expr).bind(ws.0);
        for t in types {
            query = query.bind(*t);
        }
        let rows = query.bind(limit).fetch_all(pool).await?;
        return rows
            .iter()
            .map(|r| Ok((r.try_get("object_type")?, r.try_get("object_id")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into);
    }
    if let Some(pool) = db.postgres() {
        // Title words carry weight A in `tsv` (see the table's definition).
        let weight = if tier.title_only { "A" } else { "" };
        let tsq = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let star = if tier.last_is_prefix && i == last {
                    "*"
                } else {
                    ""
                };
                if star.is_empty() && weight.is_empty() {
                    t.clone()
                } else {
                    format!("{t}:{star}{weight}")
                }
            })
            .collect::<Vec<_>>()
            .join(" & ");
        let types: Vec<String> = types.iter().map(|t| (*t).to_owned()).collect();
        // Not prepared once for all: each statement is planned with its own words, so a common
        // word walks the workspace newest first and a rare one reads the full-text index. A
        // cached generic plan would pick one of the two for every word.
        let rows = sqlx::query(
            "SELECT object_type, object_id FROM search_docs \
             WHERE workspace_id = $1 AND object_type = ANY($2) AND tsv @@ to_tsquery('simple', $3) \
             ORDER BY object_id DESC LIMIT $4",
        )
        .persistent(false)
        .bind(ws.0)
        .bind(types)
        .bind(tsq)
        .bind(limit)
        .fetch_all(pool)
        .await?;
        return rows
            .iter()
            .map(|r| Ok((r.try_get("object_type")?, r.try_get("object_id")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into);
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_emails_and_queries_keep_phone_digits_together() {
        assert_eq!(words("Ana@Example.com"), ["ana", "example", "com"]);
        assert_eq!(query_words("+33 6 12"), ["33612"]);
        assert_eq!(query_words("Ana L"), ["ana", "l"]);
        assert!(query_words("  \"*  ").is_empty());
    }

    #[test]
    fn whole_words_and_addresses_are_not_expanded() {
        let terms = query_words("ana lim");
        let [t1, t2, t3] = tiers(&terms, "ana lim", false);
        assert!(t1.is_some_and(|t| t.title_only && !t.last_is_prefix));
        assert!(t2.is_some_and(|t| t.title_only && t.last_is_prefix));
        assert!(t3.is_some_and(|t| !t.title_only && t.last_is_prefix));
        let [_, _, t3] = tiers(&terms, "ana lim", true);
        assert!(t3.is_some_and(|t| !t.last_is_prefix));
        let q = "ana.lima@example.com";
        let [t1, t2, t3] = tiers(&query_words(q), q, false);
        assert!(t1.is_some() && t2.is_none());
        assert!(t3.is_some_and(|t| !t.last_is_prefix));
        let [t1, t2, t3] = tiers(&query_words("+33 6 12"), "+33 6 12", false);
        assert!(t1.is_none() && t2.is_none() && t3.is_some_and(|t| t.last_is_prefix));
        assert!(!looks_like_address("ana@exa"));
        assert!(!looks_like_address("@example.com"));
    }
}
