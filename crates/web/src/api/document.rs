//! The finishing pass over the generated OpenAPI document: what the derive macros cannot say
//! per operation without repeating it 127 times. It only adds to the document or removes
//! answers an operation cannot give; everything else comes from the handlers' annotations.

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

/// Methods that change state: with the session cookie they also need `X-CSRF-Token`.
const UNSAFE_METHODS: [&str; 4] = ["post", "put", "patch", "delete"];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The document as served at /api/openapi.json (pretty JSON, one trailing newline).
pub fn render(doc: &OpenApi) -> String {
    let mut v = serde_json::to_value(doc).unwrap_or(Value::Null);
    finish(&mut v);
    let mut out = serde_json::to_string_pretty(&v).unwrap_or_default();
    out.push('\n');
    out
}

fn finish(doc: &mut Value) {
    if let Some(schemes) = doc
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut)
    {
        schemes.insert(
            "csrf".into(),
            json!({
                "type": "apiKey",
                "in": "header",
                "name": "X-CSRF-Token",
                "description": "The `csrf_token` from /api/v1/auth/login (or /api/v1/portal/login): \
                    state-changing calls made with the session cookie must echo it."
            }),
        );
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut shared = Map::new();
    for item in paths.values_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                finish_operation(method, op);
                share_errors(op, &mut shared);
            }
        }
    }
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.insert("responses".into(), Value::Object(shared));
    }
}

/// The name under components/responses of the problem answer for a status.
fn error_name(status: &str) -> Option<&'static str> {
    Some(match status {
        "400" => "BadRequest",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "NotFound",
        "409" => "Conflict",
        "410" => "Gone",
        "413" => "TooLarge",
        "415" => "UnsupportedMediaType",
        "422" => "Invalid",
        "429" => "TooManyRequests",
        "503" => "Unavailable",
        _ => return None,
    })
}

/// Every operation can give the same error answers: declare each once under
/// components/responses and refer to it, so the document and the clients generated from it say
/// it once. An operation whose answer for a status says something of its own keeps it inline.
fn share_errors(op: &mut Map<String, Value>, shared: &mut Map<String, Value>) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        let Some(name) = error_name(status) else {
            continue;
        };
        if response
            .pointer("/content/application~1problem+json")
            .is_none()
        {
            continue;
        }
        let first = shared.entry(name).or_insert_with(|| response.clone());
        if first == response {
            *response = json!({ "$ref": format!("#/components/responses/{name}") });
        }
    }
}

fn finish_operation(method: &str, op: &mut Map<String, Value>) {
    let has_body = op.contains_key("requestBody");
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        if !has_body {
            // Both are about a request body; an operation that takes none cannot answer them.
            responses.remove("413");
            responses.remove("415");
        }
        for (status, response) in responses.iter_mut() {
            let Some(response) = response.as_object_mut() else {
                continue;
            };
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                describe_bytes(content);
            }
            let missing = response
                .get("description")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            if missing {
                response.insert("description".into(), default_description(status).into());
            }
        }
    }
    if method == "post" {
        // guard::idempotency honours the header on every POST; declared so clients expose it.
        let params = op
            .entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(params) = params.as_array_mut() {
            params.push(json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes a retry safe: the first request with this key runs and its \
                    answer is kept; a retry with the same key and request gets that answer again; \
                    the same key with a different request answers 422.",
                "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" }
            }));
        }
    }
    // Operations open to anyone declare their own (empty) requirement; keep it.
    if UNSAFE_METHODS.contains(&method) && !op.contains_key("security") {
        op.insert(
            "security".into(),
            json!([{ "bearer": [] }, { "cookie": [], "csrf": [] }]),
        );
    }
}

/// Downloads (attachments, mail as received) are declared by media type alone; say that they
/// are bytes, so generators give them a byte type instead of dropping them.
fn describe_bytes(content: &mut Map<String, Value>) {
    for (media_type, body) in content.iter_mut() {
        if media_type.ends_with("json") {
            continue;
        }
        if let Some(body) = body.as_object_mut()
            && !body.contains_key("schema")
        {
            body.insert(
                "schema".into(),
                json!({ "type": "string", "format": "binary" }),
            );
        }
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "Success",
        "201" => "Created",
        "202" => "Accepted: the work is queued",
        "204" => "Done; no content",
        "303" => "See Other: follow Location",
        "308" => "Moved permanently: follow Location",
        _ => "See the operation's description",
    }
}
