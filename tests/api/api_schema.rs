//! `GET /api/schema/`: the OpenAPI document, as the repository holds it,
//! with its media type and a cache lifetime; routed like every other path.

use serde_json::Value;

use crate::helpers::spawn_app;

/// The document in the repository, which the binary must serve unchanged.
const DOCUMENT: &str = include_str!("../../api/openapi.json");

#[test]
fn the_schema_is_the_repository_document_as_openapi_json() {
    let app = spawn_app();
    let response = app.get("/api/schema/");
    response.assert_status(200);
    assert_eq!(
        response.header("Content-Type"),
        Some("application/vnd.oai.openapi+json")
    );
    assert_eq!(response.body, DOCUMENT);
    let document: Value = serde_json::from_str(&response.body).expect("the document is JSON");
    assert_eq!(document["openapi"], "3.1.0");
}

#[test]
fn the_schema_may_be_cached_for_five_minutes_by_anyone() {
    let app = spawn_app();
    for response in [app.get("/api/schema/"), app.head("/api/schema")] {
        response.assert_status(200);
        assert_eq!(
            response.header_all("Cache-Control"),
            vec!["public, max-age=300"],
            "{} {}",
            response.method,
            response.path
        );
        assert_eq!(response.header("X-Content-Type-Options"), Some("nosniff"));
    }
}

#[test]
fn the_schema_is_routed_like_every_path() {
    let app = spawn_app();
    let options = app.request("OPTIONS", "/api/schema/", &[], None);
    options.assert_status(204);
    assert_eq!(options.header("Allow"), Some("GET, HEAD, OPTIONS"));
    let post = app.request("POST", "/api/schema/", &[], None);
    post.assert_status(405);
    assert_eq!(post.header("Allow"), Some("GET, HEAD, OPTIONS"));
}
