-- Administrators edited from the console (issue 16): a version for the
-- save precondition (409 when another administrator saved first).
ALTER TABLE admins ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
-- The audit log names an administrator as the target of an administrator
-- change, and keeps the changed values (JSON, before and after) beside the
-- free-form detail.
ALTER TABLE audit_log ADD COLUMN target_admin_id BIGINT REFERENCES admins(id) ON DELETE SET NULL;
ALTER TABLE audit_log ADD COLUMN before_value {json};
ALTER TABLE audit_log ADD COLUMN after_value {json};
CREATE INDEX audit_log_admin ON audit_log (admin_id, created_at, id);
CREATE INDEX audit_log_target_admin ON audit_log (target_admin_id, created_at, id);
