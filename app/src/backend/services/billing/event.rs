//! The typed billing events: what the webhook's parser produces from a
//! request body and what [`super::apply`] consumes. Validation that needs
//! only the request (shapes, lengths, MAC syntax) ends here; validation that
//! needs the database (unknown account, login taken…) happens when applying.

pub use crate::types::catalogue::BillingEventType;
use chrono::{DateTime, Utc};

/// The fixed mask that replaces every password in a stored payload.
pub const PASSWORD_MASK: &str = "********";

/// A password in clear text, on its way to being hashed. It has no
/// `Serialize` and its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(********)")
    }
}

/// A MAC address normalised to upper-case colon form (`00:1A:2B:3C:4D:5E`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mac(String);

impl Mac {
    /// Accepts `00:1a:2b:3c:4d:5e`, `00-1A-2B-3C-4D-5E`, `001A2B3C4D5E` and
    /// `001a.2b3c.4d5e`; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim();
        let hex: String = match s.len() {
            17 => {
                let sep = s.as_bytes()[2];
                if sep != b':' && sep != b'-' {
                    return None;
                }
                let parts: Vec<&str> = s.split(sep as char).collect();
                if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
                    return None;
                }
                parts.concat()
            }
            14 => {
                let parts: Vec<&str> = s.split('.').collect();
                if parts.len() != 3 || parts.iter().any(|p| p.len() != 4) {
                    return None;
                }
                parts.concat()
            }
            12 => s.to_string(),
            _ => return None,
        };
        if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let up = hex.to_ascii_uppercase();
        let pairs: Vec<&str> = (0..6).map(|i| &up[i * 2..i * 2 + 2]).collect();
        Some(Self(pairs.join(":")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `data` of `billing.new_entity`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntity {
    pub account: String,
    pub login: String,
    pub password: Password,
    pub name: String,
    pub contract_number: Option<String>,
    pub tariff: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// Billing's string map, kept as JSON text.
    pub properties: serde_json::Map<String, serde_json::Value>,
}

/// One valid event of a known type.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    NewEntity(NewEntity),
    PauseEntity {
        account: String,
    },
    UnpauseEntity {
        account: String,
    },
    TerminateEntity {
        account: String,
    },
    CreateLocation {
        account: String,
        csa: String,
        contract_number: Option<String>,
    },
    DeleteLocation {
        account: String,
        csa: String,
    },
    UpdateLogin {
        account: String,
        login: String,
    },
    UpdatePassword {
        account: String,
        password: Password,
    },
    NewCamera {
        mac: Mac,
        serial_number: String,
        model: Option<String>,
    },
    AttachCamera {
        account: String,
        mac: Mac,
        csa: String,
        archive_days: Option<i32>,
        replace: bool,
    },
    DetachCamera {
        account: String,
        mac: Mac,
    },
}

impl Event {
    /// The request type.
    pub fn event_type(&self) -> BillingEventType {
        match self {
            Self::NewEntity(_) => BillingEventType::NewEntity,
            Self::PauseEntity { .. } => BillingEventType::PauseEntity,
            Self::UnpauseEntity { .. } => BillingEventType::UnpauseEntity,
            Self::TerminateEntity { .. } => BillingEventType::TerminateEntity,
            Self::CreateLocation { .. } => BillingEventType::CreateLocation,
            Self::DeleteLocation { .. } => BillingEventType::DeleteLocation,
            Self::UpdateLogin { .. } => BillingEventType::UpdateLogin,
            Self::UpdatePassword { .. } => BillingEventType::UpdatePassword,
            Self::NewCamera { .. } => BillingEventType::NewCamera,
            Self::AttachCamera { .. } => BillingEventType::AttachCamera,
            Self::DetachCamera { .. } => BillingEventType::DetachCamera,
        }
    }

    /// The password to hash before the write transaction, if any.
    pub fn password(&self) -> Option<&Password> {
        match self {
            Self::NewEntity(e) => Some(&e.password),
            Self::UpdatePassword { password, .. } => Some(password),
            _ => None,
        }
    }
}

/// Why a known type's `data` is refused (422); `field` names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub field: String,
    pub message: String,
}

impl Rejection {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The stored `detail` of a rejected event: `field: message`, the form
    /// the duplicate answer is rebuilt from (field names hold no ": ").
    pub fn detail(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}

/// What the request's body says, after parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Known(Event),
    /// A known type whose `data` is invalid: stored as rejected.
    Invalid {
        event_type: BillingEventType,
        rejection: Rejection,
    },
    /// Any other type: stored as `billing.unknown_type`.
    Unknown {
        original_type: String,
    },
}

/// A parsed, signature-checked request, ready to be stored and applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub request_id: String,
    pub body: Body,
    pub occurred_at: Option<DateTime<Utc>>,
    /// `data.account` when it is a string (for the stored row).
    pub account: Option<String>,
    /// The request body as stored: passwords replaced by [`PASSWORD_MASK`].
    pub stored_payload: String,
}

#[cfg(test)]
mod tests {
    use super::Mac;

    #[test]
    fn mac_forms() {
        for raw in [
            "00:1a:2b:3c:4d:5e",
            "00-1A-2B-3C-4D-5E",
            "001A2B3C4D5E",
            "001a.2b3c.4d5e",
            " 00:1A:2B:3C:4D:5E ",
        ] {
            assert_eq!(Mac::parse(raw).unwrap().as_str(), "00:1A:2B:3C:4D:5E", "{raw}");
        }
        for raw in [
            "",
            "00:1A:2B:3C:4D",
            "00:1A:2B:3C:4D:5G",
            "00:1A-2B:3C:4D:5E",
            "0:01A:2B:3C:4D:5E",
            "001A2B3C4D5E00",
            "ÄÄ:1A:2B:3C:4D:5E",
        ] {
            assert!(Mac::parse(raw).is_none(), "{raw}");
        }
    }
}
