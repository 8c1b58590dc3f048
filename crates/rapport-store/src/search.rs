//! Full-text search over every object: FTS5 on SQLite, tsvector + pg_trgm on PostgreSQL. The
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

/// Ranked search within one workspace. Every word must match as a prefix of an indexed word;
/// PostgreSQL also accepts titles within trigram similarity (typos).
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
    let limit = i64::from(limit);
    if let Some(pool) = db.sqlite_reader() {
        return sqlite_tiers(pool, ws, &terms, types, limit).await;
    }
    if let Some(pool) = db.postgres() {
        let tsq: String = terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & ");
        let plain = terms.join(" ");
        let types: Vec<String> = types.iter().map(|t| (*t).to_owned()).collect();
        let rows = sqlx::query(
            "SELECT object_type, object_id, \
                    (ts_rank(tsv, to_tsquery('simple', $2)) + similarity(title, $3))::float8 AS score \
             FROM search_docs \
             WHERE workspace_id = $1 AND object_type = ANY($4) \
               AND (tsv @@ to_tsquery('simple', $2) OR title % $3) \
             ORDER BY score DESC LIMIT $5",
        )
        .bind(ws.0)
        .bind(tsq)
        .bind(plain)
        .bind(types)
        .bind(limit)
        .fetch_all(pool)
        .await?;
        return rows
            .iter()
            .map(|r| {
                Ok(Hit {
                    object_type: r.try_get("object_type")?,
                    id: r.try_get("object_id")?,
                    score: r.try_get("score")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into);
    }
    Ok(Vec::new())
}

/// SQLite ranking. Scoring every match (bm25) costs about 10 µs a match, and a three-letter prefix
/// matches tens of thousands of names at a million contacts. Instead, tiers that read the index in
/// its own order and stop at the limit: every word exactly in the name, then as name prefixes, then
/// as prefixes anywhere (email parts, phone digits, domains); newest first within a tier. Words are
/// letters and digits only, so quoting each as an FTS5 string cannot inject query syntax.
///
/// The join is a `CROSS JOIN`, which SQLite never reorders: the full-text index drives, and each
/// match is looked up by its document id. Left to the planner, the order follows the statistics,
/// and without them (a database that filled up while the server ran) SQLite took the workspace's
/// documents first and probed the full-text index once per document: 150 ms a tier at ten
/// thousand contacts instead of 0.1 ms.
async fn sqlite_tiers(
    pool: &sqlx::SqlitePool,
    ws: WorkspaceId,
    terms: &[String],
    types: &[&str],
    limit: i64,
) -> Result<Vec<Hit>, StoreError> {
    let joined = |suffix: &str| {
        terms
            .iter()
            .map(|t| format!("\"{t}\"{suffix}"))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let phone_like = terms.len() == 1 && terms[0].bytes().all(|b| b.is_ascii_digit());
    let tiers: Vec<(String, f64)> = if phone_like {
        vec![(joined("*"), 1.0)]
    } else {
        vec![
            (format!("title : ({})", joined("")), 3.0),
            (format!("title : ({})", joined("*")), 2.0),
            (joined("*"), 1.0),
        ]
    };
    let type_list = types.iter().map(|_| "?").collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT d.object_type, d.object_id FROM search_fts CROSS JOIN search_docs d ON d.doc_id = search_fts.rowid \
         WHERE search_fts MATCH ? AND d.workspace_id = ? AND d.object_type IN ({type_list}) \
         ORDER BY search_fts.rowid DESC LIMIT ?"
    );
    let wanted = usize::try_from(limit).unwrap_or(0);
    let mut hits: Vec<Hit> = Vec::with_capacity(wanted);
    for (expr, tier) in tiers {
        if hits.len() >= wanted {
            break;
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(expr)
            .bind(ws.0);
        for t in types {
            query = query.bind(*t);
        }
        let rows = query.bind(limit).fetch_all(pool).await?;
        for (i, r) in rows.iter().enumerate() {
            let object_type: String = r.try_get("object_type")?;
            let id: Uuid = r.try_get("object_id")?;
            if hits
                .iter()
                .any(|h| h.id == id && h.object_type == object_type)
            {
                continue;
            }
            // Order within a tier is kept: the score falls from tier + 0.5 towards tier.
            let score = tier + 0.5 / (1.0 + i as f64);
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
}
