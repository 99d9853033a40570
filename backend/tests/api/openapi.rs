//! The OpenAPI document: the committed `openapi/openapi.json` is what the code serves, and every
//! operation is documented well enough to integrate against.
use serde_json::Value;

fn spec() -> Value {
    let json = hospital::api::openapi().to_pretty_json().unwrap();
    serde_json::from_str(&json).unwrap()
}

#[test]
fn committed_spec_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).expect("openapi/openapi.json is committed");
    let generated = hospital::api::openapi().to_pretty_json().unwrap();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn every_operation_has_a_summary_a_tag_and_its_errors() {
    let spec = spec();
    let public = [
        "/health",
        "/ready",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
    ];
    let mut operations = 0;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let at = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at} has no summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{at} has no tag"
            );
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(
                ids.insert(id.clone()),
                "{at}: operationId {id:?} is not unique"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{at} does not document 500");
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            assert_eq!(secured, !public.contains(&path.as_str()), "{at}: security");
            if secured {
                for code in ["401", "403"] {
                    let content = &responses[code]["content"]["application/problem+json"];
                    assert!(
                        content.is_object(),
                        "{at} does not document {code} as problem JSON"
                    );
                }
            }
            if path.contains('{') {
                assert!(
                    responses["404"]["content"]["application/problem+json"].is_object(),
                    "{at} names a record but does not document 404"
                );
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(code),
                        "{at} does not document {code}"
                    );
                }
            }
        }
    }
    assert!(operations >= 25, "only {operations} operations");
    let scheme = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
}

/// The multipart operations: (path, method).
pub fn uploads(spec: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"]["multipart/form-data"].is_object() {
                found.push((path.clone(), method.clone()));
            }
        }
    }
    found
}

/// Every refusal of an upload has one shape, the problem JSON every other error has (a refused file's
/// rows in its `report`, a missing `file` part in its `errors`), and the upload's own causes are named.
#[test]
fn every_upload_documents_its_refusals_as_problem_json() {
    let spec = spec();
    let uploads = uploads(&spec);
    assert!(uploads.len() >= 5, "{uploads:?}");
    for (path, method) in uploads {
        let responses = &spec["paths"][&path][&method]["responses"];
        for code in ["400", "413", "415", "422"] {
            assert_eq!(
                responses[code]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path}: {code}"
            );
        }
        let says = |code: &str, what: &str| {
            let description = responses[code]["description"].as_str().unwrap_or_default();
            assert!(
                description.contains(what),
                "{method} {path}: {code} says {description:?}"
            );
        };
        says("400", "MALFORMED_MULTIPART");
        says("415", "multipart/form-data");
        says("422", "IMPORT_REJECTED");
        says("422", "VALIDATION_FAILED");
    }
    let problem = &spec["components"]["schemas"]["Problem"]["properties"];
    assert!(problem["report"].is_object() && problem["errors"].is_object());
}
