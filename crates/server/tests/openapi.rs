//! The API contract: the OpenAPI document is valid OpenAPI 3.1 (checked against the official
//! JSON Schema, vendored in tests/openapi/), it is what the server serves, and every operation it
//! lists is a route of the router.

mod common;

use axum::http::{Method, StatusCode};
use common::{Auth, server};
use serde_json::Value;

fn document() -> Value {
    serde_json::from_str(&riskpath_server::routes::openapi_json()).unwrap()
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let schema: Value = serde_json::from_str(include_str!("openapi/schema-3.1.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc = document();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."), "{}", doc["openapi"]);
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut broken = doc.clone();
    broken["paths"]["/api/health"]["get"]["responses"] = Value::String("none".into());
    assert!(!validator.is_valid(&broken), "the schema catches a malformed document");
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let s = server();
    let r = s.call(Method::GET, "/api/openapi.json", &Auth::None, Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), document());
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_nothing_else_is() {
    let s = server();
    let doc = document();
    let mut operations = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = template.replace('{', "x").replace('}', "");
        for method in
            item.as_object().unwrap().keys().filter(|k| ["get", "post", "put", "delete"].contains(&k.as_str()))
        {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = s.call(m, &path, &Auth::None, Value::Null).await;
            let unrouted = r.status == StatusCode::METHOD_NOT_ALLOWED
                || (r.status == StatusCode::NOT_FOUND
                    && r.json()["error"]["message"].as_str().unwrap().starts_with("no such route"));
            assert!(!unrouted, "{method} {template}: {}", r.status);
            operations += 1;
        }
        for absent in ["patch"].iter().filter(|m| !item.as_object().unwrap().contains_key(**m)) {
            let r = s
                .call(Method::from_bytes(absent.to_uppercase().as_bytes()).unwrap(), &path, &Auth::None, Value::Null)
                .await;
            assert!(
                matches!(r.status, StatusCode::METHOD_NOT_ALLOWED),
                "{absent} {template} is routed but not documented"
            );
        }
    }
    assert!(operations >= 20, "{operations}");
    let r = s.call(Method::GET, "/api/undocumented", &Auth::None, Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
