//! The OpenAPI 3 description of the billing endpoint, served at
//! `GET /api/billing/v1/openapi.json`. Written by hand from
//! `shared/spec/billing-api.md`: the types and their effects come from
//! [`BillingEventType`], the `data` schemas are here; a test checks it names
//! every type and answer.

use app::types::catalogue::BillingEventType;
use serde_json::{json, Value};

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn data_schema(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties, "additionalProperties": true })
}

/// The `data` schema of a request type (its effect is the catalogue's).
fn data_of(t: BillingEventType) -> Value {
    let account = string("Billing's identifier of the subscriber (stable; the login may change).");
    let csa = string("A code of the central address system (address directory).");
    let mac = json!({ "type": "string", "description": "MAC address: 00:1A:2B:3C:4D:5E, 00-1A-2B-3C-4D-5E, 001A2B3C4D5E or 001a.2b3c.4d5e; stored upper-case with colons." });
    let password = json!({ "type": "string", "format": "password", "minLength": 1, "maxLength": 256, "description": "Never stored: the event log keeps \"********\", the user an Argon2id hash." });
    let login = json!({ "type": "string", "minLength": 1, "maxLength": 64, "description": "Unique among all users; no spaces." });
    match t {
        BillingEventType::NewEntity => data_schema(
            &["account", "login", "password", "name"],
            json!({
                "account": account, "login": login, "password": password, "name": string("Display name."),
                "contract_number": string("Optional."), "tariff": string("Optional."), "phone": string("Optional."),
                "email": string("Optional."), "address": string("Optional."),
                "properties": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Optional string map shown on the user card." }
            }),
        ),
        BillingEventType::PauseEntity | BillingEventType::UnpauseEntity | BillingEventType::TerminateEntity => {
            data_schema(&["account"], json!({ "account": account }))
        }
        BillingEventType::CreateLocation => data_schema(
            &["account", "csa"],
            json!({ "account": account, "csa": csa, "contract_number": string("Optional.") }),
        ),
        BillingEventType::DeleteLocation => data_schema(&["account", "csa"], json!({ "account": account, "csa": csa })),
        BillingEventType::UpdateLogin => data_schema(&["account", "login"], json!({ "account": account, "login": login })),
        BillingEventType::UpdatePassword => data_schema(&["account", "password"], json!({ "account": account, "password": password })),
        BillingEventType::NewCamera => data_schema(
            &["mac", "serial_number"],
            json!({ "mac": mac, "serial_number": string("Serial number."), "model": string("Optional.") }),
        ),
        BillingEventType::AttachCamera => data_schema(
            &["account", "mac", "csa"],
            json!({
                "account": account, "mac": mac, "csa": csa,
                "archive_days": { "type": "integer", "minimum": 1, "maximum": 365, "description": "Optional archive retention." },
                "replace": { "type": "boolean", "default": false, "description": "The camera replaces an older one: the user's other cameras at the same location are detached from the user." }
            }),
        ),
        BillingEventType::DetachCamera => data_schema(&["account", "mac"], json!({ "account": account, "mac": mac })),
        // Stored only: billing never sends them.
        BillingEventType::CreateLocationUnknownCsa | BillingEventType::AttachCameraUnknownCsa | BillingEventType::UnknownType => {
            json!({ "type": "object" })
        }
    }
}

pub fn document() -> Value {
    let one_of: Vec<Value> = BillingEventType::requests()
        .map(|t| {
            json!({
                "title": t.slug(),
                "description": t.effect(),
                "type": "object",
                "required": ["id", "type", "data"],
                "properties": {
                    "id": { "$ref": "#/components/schemas/RequestId" },
                    "type": { "type": "string", "enum": [t.slug()] },
                    "occurred_at": { "type": "string", "format": "date-time" },
                    "data": data_of(t)
                }
            })
        })
        .chain(std::iter::once(json!({
            "title": "any other type",
            "description": BillingEventType::UnknownType.effect(),
            "type": "object",
            "required": ["id", "type", "data"],
            "properties": {
                "id": { "$ref": "#/components/schemas/RequestId" },
                "type": { "type": "string" },
                "occurred_at": { "type": "string", "format": "date-time" },
                "data": { "type": "object" }
            }
        })))
        .collect();
    let stored_types: Vec<&str> = BillingEventType::ALL.iter().map(|t| t.slug()).collect();
    let error = |description: &str, with_field: bool| {
        let mut schema = json!({ "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } });
        if with_field {
            schema["required"] = json!(["error", "field"]);
            schema["properties"]["field"] =
                json!({ "type": "string", "description": "The offending field (\"id\", \"type\", \"data\", \"body\", or a key of data)." });
        }
        json!({ "description": description, "content": { "application/json": { "schema": schema } } })
    };
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Vigil billing events API",
            "version": "1",
            "description": "Billing sends each event as one signed HTTP request and retries until it gets a 2xx answer. The request id is the idempotency key. An event is stored and applied in one transaction."
        },
        "paths": {
            "/api/billing/v1/events": {
                "post": {
                    "operationId": "postBillingEvent",
                    "summary": "Deliver one billing event",
                    "parameters": [{
                        "name": "X-Billing-Signature",
                        "in": "header",
                        "required": true,
                        "description": "t=<unix seconds>,v1=<hex>: HMAC-SHA256 over the bytes `<t>.<raw body>` with the shared secret. t must be within 300 seconds of the server clock.",
                        "schema": { "type": "string", "pattern": "^t=[0-9]+,v1=[0-9a-f]{64}$" }
                    }],
                    "requestBody": {
                        "required": true,
                        "description": "At most 64 KiB.",
                        "content": { "application/json": { "schema": { "oneOf": one_of } } }
                    },
                    "responses": {
                        "202": {
                            "description": "Stored and applied (or stored as an *_unknown_csa / unknown_type outcome).",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Answer" } } }
                        },
                        "200": {
                            "description": "The same id was already received: the first answer's body with \"duplicate\": true (for a first answer of 422, its error body).",
                            "content": { "application/json": { "schema": { "oneOf": [
                                { "allOf": [{ "$ref": "#/components/schemas/Answer" }, { "type": "object", "required": ["duplicate"], "properties": { "duplicate": { "type": "boolean", "enum": [true] } } }] },
                                { "type": "object", "required": ["error", "field", "duplicate"], "properties": { "error": { "type": "string" }, "field": { "type": "string" }, "duplicate": { "type": "boolean", "enum": [true] } } }
                            ] } } }
                        },
                        "400": error("The body is not JSON, or misses id/type/data (or they are malformed). Nothing stored.", true),
                        "401": error("Signature missing, wrong or too old, or billing is not configured on the server. Nothing stored.", false),
                        "413": error("The body is over 64 KiB. Nothing stored.", false),
                        "422": error("A known type with invalid data (missing field, bad MAC, unknown account, login taken…). Stored with outcome rejected.", true),
                        "503": error("The database is unavailable. Nothing stored; retry.", false)
                    }
                }
            },
            "/api/billing/v1/openapi.json": {
                "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3 JSON" } } }
            }
        },
        "components": {
            "schemas": {
                "RequestId": { "type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[\\x20-\\x7E]+$", "description": "Unique per request in billing; the idempotency key." },
                "Answer": {
                    "type": "object",
                    "required": ["id", "type", "outcome", "detail"],
                    "properties": {
                        "id": { "type": "string" },
                        "type": { "type": "string", "enum": stored_types, "description": "The stored type." },
                        "outcome": { "type": "string", "enum": ["applied", "rejected"] },
                        "detail": { "type": "string", "nullable": true }
                    }
                }
            }
        }
    })
}
