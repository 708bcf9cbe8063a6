//! The location tree as the administrators' scope picker browses it: the
//! roots of the editor's own scope, a node's children, and a search by
//! name — never beyond the editor's scope. Every location is shown with its
//! path of names ("Moscow / Lenina St / 5"), so nobody picks by id.

use crate::backend::auth::Admin;
use crate::backend::sql;
use crate::error::AppError;
use crate::types::admins::LocationOption;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::HashMap;

/// At most this many nodes in one answer of the picker.
const LIMIT: usize = 50;

#[derive(FromQueryResult)]
struct Node {
    id: i64,
    kind: String,
    path: String,
    has_children: bool,
}

const NODE: &str = "SELECT l.id, l.kind, l.path, \
     EXISTS (SELECT 1 FROM locations c WHERE c.parent_id = l.id) AS has_children FROM locations l";

/// Whether `path` lies in the administrator's scope.
pub fn within(admin: &Admin, path: &str) -> bool {
    admin.is_super || admin.scope_paths.iter().any(|p| path.starts_with(p.as_str()))
}

/// The ids a materialised path ("/1/5/9/") names, root first.
fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// Nodes with their name paths.
async fn labelled<C: ConnectionTrait>(db: &C, nodes: Vec<Node>) -> Result<Vec<LocationOption>, AppError> {
    #[derive(FromQueryResult)]
    struct Name {
        id: i64,
        name: String,
    }
    let mut ids: Vec<i64> = nodes.iter().flat_map(|n| path_ids(&n.path)).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names: HashMap<i64, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let found = sql::rows::<Name, _>(
            db,
            format!("SELECT id, name FROM locations WHERE id IN ({list})"),
            chunk.iter().map(|id| Value::from(*id)).collect(),
        )
        .await?;
        names.extend(found.into_iter().map(|n| (n.id, n.name)));
    }
    Ok(nodes
        .into_iter()
        .map(|n| LocationOption {
            id: n.id,
            kind: n.kind,
            label: path_ids(&n.path)
                .iter()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
                .collect::<Vec<_>>()
                .join(" / "),
            has_children: n.has_children,
        })
        .collect())
}

/// The picker: with `q`, the locations in the editor's scope whose name
/// contains it; otherwise the children of `parent`, or without one the
/// roots of the editor's scope (the whole tree's roots for a
/// super-administrator). A parent outside the scope is a 404.
pub async fn browse<C: ConnectionTrait>(db: &C, editor: &Admin, parent: Option<i64>, q: &str) -> Result<Vec<LocationOption>, AppError> {
    let mut values: Vec<Value> = vec![];
    let mut sql = format!("{NODE} WHERE 1=1");
    let filter = sql::contains(Some(q), &["l.name"], &mut values)?;
    if !filter.is_empty() {
        sql.push_str(&filter);
        if !editor.is_super {
            if editor.scope_paths.is_empty() {
                return Ok(vec![]);
            }
            let likes: Vec<String> = editor
                .scope_paths
                .iter()
                .map(|p| {
                    values.push(format!("{p}%").into());
                    format!("l.path LIKE ${}", values.len())
                })
                .collect();
            sql.push_str(&format!(" AND ({})", likes.join(" OR ")));
        }
        sql.push_str(" ORDER BY LENGTH(l.path), l.name, l.id");
    } else if let Some(parent) = parent {
        let found = sql::rows::<Node, _>(db, format!("{NODE} WHERE l.id = $1"), vec![parent.into()]).await?;
        if !found.first().is_some_and(|p| within(editor, &p.path)) {
            return Err(AppError::not_found("Location"));
        }
        values.push(parent.into());
        sql.push_str(" AND l.parent_id = $1 ORDER BY l.name, l.id");
    } else if editor.is_super {
        sql.push_str(" AND l.parent_id IS NULL ORDER BY l.name, l.id");
    } else {
        values.push(editor.id.into());
        sql.push_str(" AND l.id IN (SELECT location_id FROM admin_scopes WHERE admin_id = $1) ORDER BY l.path");
    }
    sql.push_str(&format!(" LIMIT {LIMIT}"));
    let nodes = sql::rows::<Node, _>(db, sql, values).await?;
    labelled(db, nodes).await
}

/// The locations `ids` with their labels and paths, in the order given;
/// an unknown id is a 422 naming `field`.
pub async fn describe<C: ConnectionTrait>(db: &C, ids: &[i64], field: &str) -> Result<Vec<(LocationOption, String)>, AppError> {
    let mut out = vec![];
    for chunk in ids.chunks(500) {
        let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let nodes = sql::rows::<Node, _>(
            db,
            format!("{NODE} WHERE l.id IN ({list})"),
            chunk.iter().map(|id| Value::from(*id)).collect(),
        )
        .await?;
        let paths: HashMap<i64, String> = nodes.iter().map(|n| (n.id, n.path.clone())).collect();
        for o in labelled(db, nodes).await? {
            let path = paths.get(&o.id).cloned().unwrap_or_default();
            out.push((o, path));
        }
    }
    let mut ordered = vec![];
    for id in ids {
        let found = out
            .iter()
            .find(|(o, _)| o.id == *id)
            .cloned()
            .ok_or_else(|| AppError::invalid(field, format!("unknown location {id}")))?;
        ordered.push(found);
    }
    Ok(ordered)
}
