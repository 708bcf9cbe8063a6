//! The wire answer of Synchronize cameras (the user card header's button).

use serde::{Deserialize, Serialize};

/// What a sync did, for the administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncOutcome {
    /// Cameras the user's environments now have.
    pub cameras: i64,
    /// The account is paused: the cameras are pushed as blocked.
    pub blocked: bool,
    /// The user and its sub users whose version was bumped.
    pub users: i64,
    /// Live clients connected to this server instance that were notified.
    pub local_clients: i64,
    /// PostgreSQL: other instances were told too (their clients are not
    /// counted here).
    pub cluster: bool,
}

impl SyncOutcome {
    /// The sentence the card shows.
    pub fn summary(&self) -> String {
        let cams = if self.cameras == 1 { "camera" } else { "cameras" };
        let clients = if self.local_clients == 1 { "client" } else { "clients" };
        let mut s = format!(
            "Synchronized {} {cams}{}; {} connected {clients} notified",
            self.cameras,
            if self.blocked { " (blocked: the account is paused)" } else { "" },
            self.local_clients
        );
        if self.cluster {
            s.push_str(" on this server; other servers notified via PostgreSQL");
        }
        s.push('.');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::SyncOutcome;

    #[test]
    fn summary_is_honest_about_other_servers() {
        let o = SyncOutcome {
            cameras: 12,
            blocked: false,
            users: 1,
            local_clients: 2,
            cluster: false,
        };
        assert_eq!(o.summary(), "Synchronized 12 cameras; 2 connected clients notified.");
        let o = SyncOutcome { cluster: true, ..o };
        assert!(o.summary().contains("other servers notified via PostgreSQL"));
    }
}
