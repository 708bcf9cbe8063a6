//! The OpenAPI 3 description of the billing endpoint, served at
//! `GET /api/billing/v1/openapi.json`. Written by hand from
//! `shared/spec/billing-api.md`; a test checks it names every type and answer.

use serde_json::{json, Value};

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn data_schema(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties, "additionalProperties": true })
}

/// (type, data schema, effect) for every request type of the contract.
fn types() -> Vec<(&'static str, Value, &'static str)> {
    let account = string("Billing's identifier of the subscriber (stable; the login may change).");
    let csa = string("A code of the central address system (address directory).");
    let mac = json!({ "type": "string", "description": "MAC address: 00:1A:2B:3C:4D:5E, 00-1A-2B-3C-4D-5E, 001A2B3C4D5E or 001a.2b3c.4d5e; stored upper-case with colons." });
    let password = json!({ "type": "string", "format": "password", "minLength": 1, "maxLength": 256, "description": "Never stored: the event log keeps \"********\", the user an Argon2id hash." });
    let login = json!({ "type": "string", "minLength": 1, "maxLength": 64, "description": "Unique among all users; no spaces." });
    vec![
        (
            "billing.new_entity",
            data_schema(
                &["account", "login", "password", "name"],
                json!({
                    "account": account, "login": login, "password": password, "name": string("Display name."),
                    "contract_number": string("Optional."), "tariff": string("Optional."), "phone": string("Optional."),
                    "email": string("Optional."), "address": string("Optional."),
                    "properties": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Optional string map shown on the user card." }
                }),
            ),
            "Creates a user of kind billing, status active, with the default permissions. 422 field login when the login is taken, field account when the account exists.",
        ),
        ("billing.pause_entity", data_schema(&["account"], json!({ "account": account })), "Status paused for the user and its sub users: cameras blocked in the clients."),
        ("billing.unpause_entity", data_schema(&["account"], json!({ "account": account })), "Status active again for the user and its sub users."),
        (
            "billing.terminate_entity",
            data_schema(&["account"], json!({ "account": account })),
            "Status terminated for the user and its sub users; their client sessions end; data is kept.",
        ),
        (
            "billing.create_location",
            data_schema(&["account", "csa"], json!({ "account": account, "csa": csa, "contract_number": string("Optional.") })),
            "Builds the location (city → street → house → entrance) from the directory and links it to the user. Unknown code: stored as billing.create_location_unknown_csa, nothing else changes.",
        ),
        (
            "billing.delete_location",
            data_schema(&["account", "csa"], json!({ "account": account, "csa": csa })),
            "Unlinks the location from the user; removes it (and emptied ancestors) when nothing uses it any more.",
        ),
        ("billing.update_login", data_schema(&["account", "login"], json!({ "account": account, "login": login })), "Changes the login (422 field login when taken)."),
        ("billing.update_password", data_schema(&["account", "password"], json!({ "account": account, "password": password })), "Changes the password."),
        (
            "billing.new_camera",
            data_schema(&["mac", "serial_number"], json!({ "mac": mac, "serial_number": string("Serial number."), "model": string("Optional.") })),
            "Registers a camera: status empty, no user. 422 field mac when malformed or already registered.",
        ),
        (
            "billing.attach_camera",
            data_schema(
                &["account", "mac", "csa"],
                json!({
                    "account": account, "mac": mac, "csa": csa,
                    "archive_days": { "type": "integer", "minimum": 1, "maximum": 365, "description": "Optional archive retention." },
                    "replace": { "type": "boolean", "default": false, "description": "The camera replaces an older one: the user's other cameras at the same location are detached from the user." }
                }),
            ),
            "Gives the user the camera and places it at the location of csa. 422 field mac when no such camera is registered. Unknown code: stored as billing.attach_camera_unknown_csa, nothing else changes.",
        ),
        ("billing.detach_camera", data_schema(&["account", "mac"], json!({ "account": account, "mac": mac })), "Takes the camera away from the user."),
    ]
}

pub fn document() -> Value {
    let types = types();
    let one_of: Vec<Value> = types
        .iter()
        .map(|(t, data, effect)| {
            json!({
                "title": t,
                "description": effect,
                "type": "object",
                "required": ["id", "type", "data"],
                "properties": {
                    "id": { "$ref": "#/components/schemas/RequestId" },
                    "type": { "type": "string", "enum": [t] },
                    "occurred_at": { "type": "string", "format": "date-time" },
                    "data": data
                }
            })
        })
        .chain(std::iter::once(json!({
            "title": "any other type",
            "description": "Stored as billing.unknown_type with the original type kept in the stored payload; answered 202.",
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
    let stored_types: Vec<&str> = app::types::BILLING_EVENT_TYPES.iter().map(|(t, _)| *t).collect();
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
