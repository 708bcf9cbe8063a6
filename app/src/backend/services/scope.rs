//! Camera scope as SQL: which users and cameras an administrator may see.

use crate::backend::auth::Admin;
use sea_orm::Value;

/// A condition on a camera row aliased `cam` (`cam.location_id`) that holds
/// when the camera lies in the administrator's scope. Placeholders continue
/// after `params`.
pub fn camera_condition(admin: &Admin, cam: &str, params: usize) -> (String, Vec<Value>) {
    if admin.is_super {
        return ("1=1".into(), vec![]);
    }
    if admin.scope_paths.is_empty() {
        return ("1=0".into(), vec![]);
    }
    let (likes, values) = path_likes("sl.path", params, admin);
    (
        format!("EXISTS (SELECT 1 FROM locations sl WHERE sl.id = {cam}.location_id AND ({likes}))"),
        values,
    )
}

/// A condition that holds when the user `user_expr` (a sub user counts as its
/// main user) has at least one camera or location in scope.
pub fn user_condition(admin: &Admin, user_expr: &str, params: usize) -> (String, Vec<Value>) {
    user_condition_with(admin, user_expr, params, "")
}

/// [`user_condition`], checked row by row: `OFFSET 0` keeps PostgreSQL from
/// building, before the first row, the set of every user in scope (a
/// hashed subplan of each `EXISTS`).
pub fn user_condition_per_row(admin: &Admin, user_expr: &str, params: usize) -> (String, Vec<Value>) {
    user_condition_with(admin, user_expr, params, " LIMIT 1 OFFSET 0")
}

fn user_condition_with(admin: &Admin, user_expr: &str, params: usize, fence: &str) -> (String, Vec<Value>) {
    if admin.is_super {
        return ("1=1".into(), vec![]);
    }
    if admin.scope_paths.is_empty() {
        return ("1=0".into(), vec![]);
    }
    let (likes, mut values) = path_likes("sl.path", params, admin);
    let (likes2, values2) = path_likes("sl.path", params + values.len(), admin);
    values.extend(values2);
    (
        format!(
            "(EXISTS (SELECT 1 FROM user_cameras suc JOIN cameras sc ON sc.id = suc.camera_id \
             JOIN locations sl ON sl.id = sc.location_id WHERE suc.user_id = {user_expr} AND ({likes}){fence}) \
             OR EXISTS (SELECT 1 FROM user_locations sul JOIN locations sl ON sl.id = sul.location_id \
             WHERE sul.user_id = {user_expr} AND ({likes2}){fence}))"
        ),
        values,
    )
}

fn path_likes(column: &str, params: usize, admin: &Admin) -> (String, Vec<Value>) {
    let likes = (0..admin.scope_paths.len())
        .map(|i| format!("{column} LIKE ${}", params + i + 1))
        .collect::<Vec<_>>()
        .join(" OR ");
    let values = admin.scope_paths.iter().map(|p| Value::from(format!("{p}%"))).collect();
    (likes, values)
}
