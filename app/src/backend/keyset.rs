//! Keyset pagination for every table of the console. A page is fetched with
//! `WHERE (sort, id) > (cursor) ORDER BY sort, id LIMIT n + 1`, so the cost of
//! a page does not grow with its distance from the first one, and the query
//! never reads more than one page (plus one row) of results.
//!
//! SQL uses `$N` placeholders, which both SQLite and PostgreSQL accept.

use crate::error::AppError;
use crate::types::{Page, TableQuery};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, QueryResult, Value};
use serde::{Deserialize, Serialize};

pub const PAGE_SIZE: u64 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Int,
    Text,
    Ts,
}

/// One sortable column: its name in the query string and its SQL expression.
#[derive(Debug, Clone, Copy)]
pub struct SortKey {
    pub name: &'static str,
    pub expr: &'static str,
    pub kind: SortKind,
    pub default_desc: bool,
}

impl SortKey {
    pub const fn int(name: &'static str, expr: &'static str) -> Self {
        Self::new(name, expr, SortKind::Int)
    }

    pub const fn text(name: &'static str, expr: &'static str) -> Self {
        Self::new(name, expr, SortKind::Text)
    }

    pub const fn ts(name: &'static str, expr: &'static str) -> Self {
        Self::new(name, expr, SortKind::Ts)
    }

    const fn new(name: &'static str, expr: &'static str, kind: SortKind) -> Self {
        Self {
            name,
            expr,
            kind,
            default_desc: false,
        }
    }

    /// Largest (newest) first when the query names no direction.
    pub const fn desc(self) -> Self {
        Self {
            default_desc: true,
            ..self
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum CursorValue {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    First,
    After,
    Before,
    Last,
}

/// A resolved request for one page: which key, which direction, which cursor.
pub struct Plan {
    key: SortKey,
    id_expr: &'static str,
    desc: bool,
    mode: Mode,
    cursor: Option<(Value, i64)>,
    limit: u64,
}

impl Plan {
    /// Validates the query string's sort, dir and cursors against `keys`
    /// (the first key is the default).
    pub fn new(keys: &[SortKey], id_expr: &'static str, query: &TableQuery, limit: u64) -> Result<Self, AppError> {
        let key = match query.sort.as_deref() {
            None | Some("") => keys[0],
            Some(name) => *keys
                .iter()
                .find(|k| k.name == name)
                .ok_or_else(|| AppError::invalid("sort", format!("cannot sort by “{name}”")))?,
        };
        let desc = match query.dir.as_deref() {
            None | Some("") => key.default_desc,
            Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(AppError::invalid("dir", "must be asc or desc")),
        };
        let (mode, raw) = match (&query.after, &query.before, query.last) {
            (Some(c), _, _) if !c.is_empty() => (Mode::After, Some(c)),
            (_, Some(c), _) if !c.is_empty() => (Mode::Before, Some(c)),
            (_, _, true) => (Mode::Last, None),
            _ => (Mode::First, None),
        };
        let cursor = raw.map(|c| decode(c, key.kind)).transpose()?;
        Ok(Self {
            key,
            id_expr,
            desc,
            mode,
            cursor,
            limit,
        })
    }

    fn scan_desc(&self) -> bool {
        self.desc ^ matches!(self.mode, Mode::Before | Mode::Last)
    }

    /// Extra `SELECT` columns the page needs back (sort value and id).
    pub fn select_sql(&self) -> String {
        format!("{} AS k_sort, {} AS k_id", self.key.expr, self.id_expr)
    }

    /// `AND (...)` condition for the cursor, numbered after `params` existing
    /// placeholders, and the values to bind.
    pub fn where_sql(&self, params: usize) -> (String, Vec<Value>) {
        match &self.cursor {
            None => (String::new(), vec![]),
            Some((v, id)) => {
                let op = if self.scan_desc() { "<" } else { ">" };
                (
                    format!(" AND ({}, {}) {op} (${}, ${})", self.key.expr, self.id_expr, params + 1, params + 2),
                    vec![v.clone(), Value::from(*id)],
                )
            }
        }
    }

    pub fn order_sql(&self) -> String {
        self.order_limit(self.key.expr, self.id_expr, self.limit + 1)
    }

    /// ` ORDER BY sort, id LIMIT n` in the scan's direction, over the given
    /// sort and id expressions.
    fn order_limit(&self, sort: &str, id: &str, limit: u64) -> String {
        let dir = if self.scan_desc() { "DESC" } else { "ASC" };
        format!(" ORDER BY {sort} {dir}, {id} {dir} LIMIT {limit}")
    }

    /// Runs `base` (a query whose `SELECT` list includes [`Plan::select_sql`]
    /// and whose `WHERE` clause is open for more conditions), maps each row
    /// into `R` and then through `map`.
    pub async fn fetch<R, T, C>(
        &self,
        db: &C,
        base: &str,
        mut values: Vec<Value>,
        map: impl FnMut(R) -> T,
    ) -> Result<Page<T>, sea_orm::DbErr>
    where
        R: FromQueryResult,
        C: ConnectionTrait,
    {
        let (cond, extra) = self.where_sql(values.len());
        values.extend(extra);
        let sql = format!("{base}{cond}{}", self.order_sql());
        let rows = db.query_all_raw(crate::backend::sql::statement(db, sql, values)).await?;
        self.page(rows, map)
    }

    /// [`Plan::fetch`] over a window: the next `window` rows of `base` in the
    /// page's order (after the cursor), then `filter` on them (the window is
    /// named `w`; `filter` gets the number of placeholders before its own).
    /// `None` when fewer than a page (plus one) pass: the window may have
    /// ended before the table did, so the caller runs the whole query.
    ///
    /// For a condition that is cheap row by row but that PostgreSQL may
    /// evaluate for the whole table before it reads the first row (a hashed
    /// subplan of an `EXISTS`).
    pub async fn fetch_window<R, T, C>(
        &self,
        db: &C,
        base: &str,
        mut values: Vec<Value>,
        window: u64,
        filter: impl FnOnce(usize) -> (String, Vec<Value>),
        map: impl FnMut(R) -> T,
    ) -> Result<Option<Page<T>>, sea_orm::DbErr>
    where
        R: FromQueryResult,
        C: ConnectionTrait,
    {
        let (cond, extra) = self.where_sql(values.len());
        values.extend(extra);
        let (filter, extra) = filter(values.len());
        values.extend(extra);
        let sql = format!(
            "SELECT w.* FROM ({base}{cond}{}) w WHERE {filter}{}",
            self.order_limit(self.key.expr, self.id_expr, window),
            self.order_limit("w.k_sort", "w.k_id", self.limit + 1),
        );
        let rows = db.query_all_raw(crate::backend::sql::statement(db, sql, values)).await?;
        if rows.len() as u64 <= self.limit {
            return Ok(None);
        }
        self.page(rows, map).map(Some)
    }

    /// The page of `rows` (fetched in scan order, at most a page plus one).
    fn page<R, T>(&self, rows: Vec<QueryResult>, map: impl FnMut(R) -> T) -> Result<Page<T>, sea_orm::DbErr>
    where
        R: FromQueryResult,
    {
        let has_more = rows.len() as u64 > self.limit;
        let mut rows: Vec<_> = rows.into_iter().take(self.limit as usize).collect();
        if matches!(self.mode, Mode::Before | Mode::Last) {
            rows.reverse();
        }
        let cursor_of = |r: &QueryResult| encode(r, self.key.kind);
        let first = rows.first().map(cursor_of).transpose()?;
        let last = rows.last().map(cursor_of).transpose()?;
        let (prev, next) = match self.mode {
            Mode::First => (None, if has_more { last } else { None }),
            Mode::After => (first, if has_more { last } else { None }),
            Mode::Before => (if has_more { first } else { None }, last),
            Mode::Last => (if has_more { first } else { None }, None),
        };
        let rows = rows
            .iter()
            .map(|r| R::from_query_result(r, ""))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(map)
            .collect();
        Ok(Page {
            rows,
            next,
            prev,
            sort: self.key.name.to_string(),
            dir: if self.desc { "desc" } else { "asc" }.to_string(),
        })
    }
}

/// The cursor columns of a row, by sort kind.
#[derive(FromQueryResult)]
struct IntKey {
    k_sort: i64,
    k_id: i64,
}

#[derive(FromQueryResult)]
struct TextKey {
    k_sort: String,
    k_id: i64,
}

#[derive(FromQueryResult)]
struct TsKey {
    k_sort: DateTime<Utc>,
    k_id: i64,
}

fn encode(row: &QueryResult, kind: SortKind) -> Result<String, sea_orm::DbErr> {
    let (value, id) = match kind {
        SortKind::Int => IntKey::from_query_result(row, "").map(|k| (CursorValue::Int(k.k_sort), k.k_id))?,
        SortKind::Text => TextKey::from_query_result(row, "").map(|k| (CursorValue::Text(k.k_sort), k.k_id))?,
        SortKind::Ts => TsKey::from_query_result(row, "").map(|k| (CursorValue::Text(k.k_sort.to_rfc3339()), k.k_id))?,
    };
    let json = serde_json::to_vec(&(value, id)).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

fn decode(raw: &str, kind: SortKind) -> Result<(Value, i64), AppError> {
    let bad = || AppError::invalid("cursor", "this page link is invalid or out of date");
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let (value, id): (CursorValue, i64) = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let value = match (kind, value) {
        (SortKind::Int, CursorValue::Int(i)) => Value::from(i),
        (SortKind::Text, CursorValue::Text(s)) => Value::from(s),
        (SortKind::Ts, CursorValue::Text(s)) => Value::from(DateTime::parse_from_rfc3339(&s).map_err(|_| bad())?.with_timezone(&Utc)),
        _ => return Err(bad()),
    };
    Ok((value, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[SortKey] = &[SortKey::ts("created", "created_at").desc(), SortKey::text("name", "name")];

    #[test]
    fn rejects_unknown_sort_and_bad_cursor() {
        let q = TableQuery {
            sort: Some("password_hash".into()),
            ..Default::default()
        };
        assert!(matches!(Plan::new(KEYS, "id", &q, 10), Err(AppError::Invalid { field, .. }) if field == "sort"));
        let q = TableQuery {
            after: Some("%%%".into()),
            ..Default::default()
        };
        assert!(matches!(Plan::new(KEYS, "id", &q, 10), Err(AppError::Invalid { field, .. }) if field == "cursor"));
        let q = TableQuery {
            dir: Some("sideways".into()),
            ..Default::default()
        };
        assert!(matches!(Plan::new(KEYS, "id", &q, 10), Err(AppError::Invalid { field, .. }) if field == "dir"));
    }

    #[test]
    fn before_scans_backwards() {
        let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(CursorValue::Text("b".into()), 5)).unwrap());
        let q = TableQuery {
            sort: Some("name".into()),
            before: Some(c),
            ..Default::default()
        };
        let p = Plan::new(KEYS, "id", &q, 10).unwrap();
        assert!(p.where_sql(2).0.contains("(name, id) < ($3, $4)"));
        assert!(p.order_sql().contains("name DESC, id DESC LIMIT 11"));
    }
}
