//! Parsing and validating a request body into an [`Incoming`] event.
//!
//! `Err` is a 400 (not JSON; `id`, `type` or `data` missing or malformed):
//! nothing is stored. Everything else is `Ok`: a valid known event, a known
//! type with invalid `data` (a 422 that is stored as rejected), or an
//! unknown type (stored as `billing.unknown_type`). Nothing here panics on
//! any input.

use super::event::{BillingEventType, Body, Event, Incoming, Mac, NewEntity, Password, Rejection, PASSWORD_MASK};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// A 400: the named field is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRequest {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> BadRequest {
    BadRequest {
        field,
        message: message.into(),
    }
}

pub const MAX_ID_LEN: usize = 128;

pub fn parse(bytes: &[u8]) -> Result<Incoming, BadRequest> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| bad("body", format!("the body is not JSON: {e}")))?;
    let Value::Object(root) = &value else {
        return Err(bad("body", "the body must be a JSON object"));
    };
    let request_id = match root.get("id") {
        None | Some(Value::Null) => return Err(bad("id", "id is required")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("id", "id must be a string")),
    };
    if request_id.is_empty() || request_id.len() > MAX_ID_LEN || !request_id.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(bad("id", "id must be 1–128 printable ASCII characters"));
    }
    let event_type = match root.get("type") {
        None | Some(Value::Null) => return Err(bad("type", "type is required")),
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(_) => return Err(bad("type", "type must be a non-empty string")),
    };
    let data = match root.get("data") {
        None | Some(Value::Null) => return Err(bad("data", "data is required")),
        Some(Value::Object(d)) => d,
        Some(_) => return Err(bad("data", "data must be a JSON object")),
    };
    let occurred_at = match root.get("occurred_at") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| Rejection::new("occurred_at", "must be an RFC 3339 time like 2026-11-26T10:00:00Z")),
        Some(_) => Err(Rejection::new("occurred_at", "must be an RFC 3339 time string")),
    };
    let account = data.get("account").and_then(Value::as_str).map(str::to_string);
    let mut stored = value.clone();
    mask_passwords(&mut stored);
    let body = match known_type(&event_type) {
        None => Body::Unknown {
            original_type: event_type.clone(),
        },
        Some(known) => match occurred_at.clone().and_then(|_| event(known, data)) {
            Ok(e) => Body::Known(e),
            Err(rejection) => Body::Invalid {
                event_type: known,
                rejection,
            },
        },
    };
    Ok(Incoming {
        request_id,
        body,
        // An unknown type's bad time is no reason to refuse it.
        occurred_at: occurred_at.unwrap_or(None),
        account,
        stored_payload: stored.to_string(),
    })
}

fn known_type(t: &str) -> Option<BillingEventType> {
    BillingEventType::parse(t).filter(|k| k.is_request())
}

/// Replaces every `password` value, at any depth, by the fixed mask.
fn mask_passwords(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, inner) in map.iter_mut() {
                if k.eq_ignore_ascii_case("password") {
                    *inner = Value::String(PASSWORD_MASK.into());
                } else {
                    mask_passwords(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_passwords),
        _ => {}
    }
}

fn event(event_type: BillingEventType, d: &Map<String, Value>) -> Result<Event, Rejection> {
    Ok(match event_type {
        BillingEventType::NewEntity => Event::NewEntity(NewEntity {
            account: account(d)?,
            login: login(d)?,
            password: password(d)?,
            name: text(d, "name", 200)?,
            contract_number: opt_text(d, "contract_number", 64)?,
            tariff: opt_text(d, "tariff", 200)?,
            phone: opt_text(d, "phone", 64)?,
            email: opt_text(d, "email", 254)?,
            address: opt_text(d, "address", 500)?,
            properties: properties(d)?,
        }),
        BillingEventType::PauseEntity => Event::PauseEntity { account: account(d)? },
        BillingEventType::UnpauseEntity => Event::UnpauseEntity { account: account(d)? },
        BillingEventType::TerminateEntity => Event::TerminateEntity { account: account(d)? },
        BillingEventType::CreateLocation => Event::CreateLocation {
            account: account(d)?,
            csa: text(d, "csa", 64)?,
            contract_number: opt_text(d, "contract_number", 64)?,
        },
        BillingEventType::DeleteLocation => Event::DeleteLocation {
            account: account(d)?,
            csa: text(d, "csa", 64)?,
        },
        BillingEventType::UpdateLogin => Event::UpdateLogin {
            account: account(d)?,
            login: login(d)?,
        },
        BillingEventType::UpdatePassword => Event::UpdatePassword {
            account: account(d)?,
            password: password(d)?,
        },
        BillingEventType::NewCamera => Event::NewCamera {
            mac: mac(d)?,
            serial_number: text(d, "serial_number", 128)?,
            model: opt_text(d, "model", 128)?,
        },
        BillingEventType::AttachCamera => Event::AttachCamera {
            account: account(d)?,
            mac: mac(d)?,
            csa: text(d, "csa", 64)?,
            archive_days: archive_days(d)?,
            replace: match d.get("replace") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(Rejection::new("replace", "must be true or false")),
            },
        },
        BillingEventType::DetachCamera => Event::DetachCamera {
            account: account(d)?,
            mac: mac(d)?,
        },
        stored
        @ (BillingEventType::CreateLocationUnknownCsa | BillingEventType::AttachCameraUnknownCsa | BillingEventType::UnknownType) => {
            return Err(Rejection::new("type", format!("{stored} is not a request type")))
        }
    })
}

fn opt_text(d: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, Rejection> {
    match d.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.chars().count() > max {
                Err(Rejection::new(field, format!("must be at most {max} characters")))
            } else if s.chars().any(char::is_control) {
                Err(Rejection::new(field, "must not contain control characters"))
            } else if s.is_empty() {
                Ok(None)
            } else {
                Ok(Some(s.to_string()))
            }
        }
        Some(_) => Err(Rejection::new(field, "must be a string")),
    }
}

fn text(d: &Map<String, Value>, field: &str, max: usize) -> Result<String, Rejection> {
    if !d.contains_key(field) || d.get(field) == Some(&Value::Null) {
        return Err(Rejection::new(field, "is required"));
    }
    opt_text(d, field, max)?.ok_or_else(|| Rejection::new(field, "must not be empty"))
}

fn account(d: &Map<String, Value>) -> Result<String, Rejection> {
    text(d, "account", 128)
}

fn login(d: &Map<String, Value>) -> Result<String, Rejection> {
    let login = text(d, "login", 64)?;
    if login.chars().any(char::is_whitespace) {
        return Err(Rejection::new("login", "must not contain spaces"));
    }
    Ok(login)
}

fn password(d: &Map<String, Value>) -> Result<Password, Rejection> {
    match d.get("password") {
        None | Some(Value::Null) => Err(Rejection::new("password", "is required")),
        // Taken as sent: spaces are part of a password.
        Some(Value::String(s)) if s.is_empty() => Err(Rejection::new("password", "must not be empty")),
        Some(Value::String(s)) if s.chars().count() > 256 => Err(Rejection::new("password", "must be at most 256 characters")),
        Some(Value::String(s)) => Ok(Password(s.clone())),
        Some(_) => Err(Rejection::new("password", "must be a string")),
    }
}

fn mac(d: &Map<String, Value>) -> Result<Mac, Rejection> {
    let raw = text(d, "mac", 32)?;
    Mac::parse(&raw).ok_or_else(|| Rejection::new("mac", format!("“{raw}” is not a MAC address like 00:1A:2B:3C:4D:5E")))
}

fn archive_days(d: &Map<String, Value>) -> Result<Option<i32>, Rejection> {
    match d.get("archive_days") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(days) if (1..=365).contains(&days) => Ok(Some(days as i32)),
            _ => Err(Rejection::new("archive_days", "must be a whole number of days from 1 to 365")),
        },
        Some(_) => Err(Rejection::new("archive_days", "must be a whole number of days from 1 to 365")),
    }
}

fn properties(d: &Map<String, Value>) -> Result<Map<String, Value>, Rejection> {
    match d.get("properties") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => {
            if m.len() > 100 {
                return Err(Rejection::new("properties", "at most 100 properties"));
            }
            for (k, v) in m {
                if k.is_empty() || k.chars().count() > 100 {
                    return Err(Rejection::new("properties", "property names must be 1–100 characters"));
                }
                match v {
                    Value::String(s) if s.chars().count() <= 1000 => {}
                    Value::String(_) => return Err(Rejection::new("properties", format!("“{k}” is longer than 1000 characters"))),
                    _ => return Err(Rejection::new("properties", format!("“{k}” must be a string"))),
                }
            }
            Ok(m.clone())
        }
        Some(_) => Err(Rejection::new("properties", "must be an object of strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_the_parser() {
        assert_eq!(parse(b"nope").unwrap_err().field, "body");
        assert_eq!(parse(br#"{"type":"x","data":{}}"#).unwrap_err().field, "id");
        assert_eq!(parse(br#"{"id":"a","data":{}}"#).unwrap_err().field, "type");
        assert_eq!(parse(br#"{"id":"a","type":"x"}"#).unwrap_err().field, "data");
        assert_eq!(
            parse("{\"id\":\"a\u{e9}\",\"type\":\"x\",\"data\":{}}".as_bytes())
                .unwrap_err()
                .field,
            "id"
        );
        let i = parse(br#"{"id":"a","type":"billing.update_password","data":{"account":"A","password":"hunter22"}}"#).unwrap();
        assert!(matches!(i.body, Body::Known(Event::UpdatePassword { .. })));
        assert!(!i.stored_payload.contains("hunter22"));
        assert!(i.stored_payload.contains(PASSWORD_MASK));
        let i = parse(br#"{"id":"a","type":"billing.new_camera","data":{"mac":"zz","serial_number":"s"}}"#).unwrap();
        assert!(matches!(i.body, Body::Invalid { rejection, .. } if rejection.field == "mac"));
        let i = parse(br#"{"id":"a","type":"billing.change_tariff","data":{"account":"A"}}"#).unwrap();
        assert_eq!(
            i.body,
            Body::Unknown {
                original_type: "billing.change_tariff".into()
            }
        );
        assert_eq!(i.account.as_deref(), Some("A"));
    }
}
