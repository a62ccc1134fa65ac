//! The API description against what is served: every call the frontend makes
//! (`frontend-and-pipelines.md` §A.7, §A.9, §A.10) and every path of the original's schema
//! has a route; every route under `/api/v1` is documented with its method, and every
//! documented operation is served; the document is well-formed OpenAPI 3; live answers
//! have the documented shapes; Swagger UI renders in headless Chromium
//! (`TBSEQ_TEST_CHROMIUM=1`, set by `scripts/test`).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Backend, TestApp};
use rocket::http::{ContentType, Method, Status};
use serde_json::{json, Value as Json};

/// What the frontend calls, path parameters written `{…}`. §A.7 rows 1–34 (`#n`), the
/// dictionaries and unused-but-wired hooks of §A.7.2, the static files of §A.9, and the
/// local store's links of §A.10 (the PUT of step 3 and `sequencingData.fileUrl`).
const FRONTEND: &[(&str, &str)] = &[
    ("GET", "/api/v1/genphen/drugs/"),            // #1, #16
    ("GET", "/api/v1/overview/global-samples/"),  // #2
    ("GET", "/api/v1/overview/global-drugs/map"), // #3
    ("GET", "/api/v1/overview/global-drugs/"),    // #4
    ("GET", "/api/v1/genphen/gene-drug-resistance-associations/"), // #5
    ("GET", "/api/v1/overview/drug-gene-infos/"), // #6, #13, #14, #17
    ("GET", "/api/v1/overview/genes/"),           // #7
    ("GET", "/api/v1/overview/gene-search-history/"), // #8
    ("GET", "/api/v1/overview/gene-search-history/recently/"), // #9
    ("GET", "/api/v1/overview/genes/{geneDbCrossrefId}/"), // #10
    ("GET", "/api/v1/overview/genes/genome-context/"), // #11
    (
        "GET",
        "/api/v1/overview/gene-associations/{geneDbCrossrefId}/",
    ), // #12
    ("GET", "/api/v1/submission/genotype-resistance/"), // #15
    ("GET", "/api/v1/submission/packages/"),      // #18
    ("POST", "/api/v1/submission/packages/"),     // #19
    ("GET", "/api/v1/submission/packages/{id}"),  // #20
    ("GET", "/api/v1/submission/packages/{id}/sample-aliases"), // #21
    ("PATCH", "/api/v1/submission/packages/{id}/"), // #22
    ("POST", "/api/v1/submission/packages/{id}/pds-tests/"), // #23
    ("POST", "/api/v1/submission/packages/{id}/mic-tests/"), // #23
    ("POST", "/api/v1/submission/packages/{id}/pds-tests/clear/"), // #24
    ("POST", "/api/v1/submission/packages/{id}/mic-tests/clear/"), // #24
    (
        "PATCH",
        "/api/v1/submission/packages/{id}/sample-aliases/{aliasPk}/",
    ), // #25
    ("GET", "/api/v1/submission/packages/{id}/sequencing-data/"), // #26
    (
        "POST",
        "/api/v1/submission/packages/{id}/sequencing-data/upload-link/",
    ), // #27
    (
        "POST",
        "/api/v1/submission/packages/{id}/sequencing-data/fetch/",
    ), // #28
    (
        "DELETE",
        "/api/v1/submission/packages/{id}/sequencing-data/{pk}/",
    ), // #29
    ("POST", "/api/v1/submission/packages/{id}/match/"), // #30
    ("POST", "/api/v1/submission/packages/{id}/contributors/"), // #31
    ("POST", "/api/v1/submission/packages/{id}/submit/"), // #32
    ("GET", "/api/v1/submission/packages/{id}/messages/"), // #33
    ("POST", "/api/v1/submission/packages/{id}/messages/"), // #34
    ("GET", "/api/v1/genphen/countries/"),        // §A.7.2
    ("GET", "/api/v1/overview/gene-associations/"), // §A.7.2
    ("GET", "/static/media/GenotypeResistance.csv"), // §A.9
    ("GET", "/static_files/submission/resistance_templates_1.zip"), // §A.9
    ("PUT", "/files/{key}"),                      // §A.10 step 3
    ("GET", "/files/{key}"),                      // §A.10 step 5
];

/// A path with its parameters (`<id>`, `<key..>`, `{id}`) as `{}`, without query or trailing
/// slash: the form in which paths are compared.
fn normal(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('<') || s.starts_with('{') {
                "{}"
            } else {
                s
            }
        })
        .collect();
    format!("/{}", segments.join("/"))
}

type Operations = BTreeSet<(String, String)>;

fn served(app: &TestApp) -> Operations {
    app.client
        .rocket()
        .routes()
        .map(|r| (r.method.as_str().to_string(), normal(r.uri.path())))
        .collect()
}

fn documented(doc: &Json) -> Operations {
    let mut out = Operations::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if method != "parameters" {
                out.insert((method.to_ascii_uppercase(), normal(path)));
            }
        }
    }
    out
}

async fn schema_document(app: &TestApp) -> Json {
    let reply = app.get("/api/v1/schema/").await;
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    assert_eq!(reply.content_type, Some(ContentType::JSON));
    reply.json()
}

fn fail_with(problems: Vec<String>, what: &str) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

#[rocket::async_test]
async fn frontend_calls_have_routes_and_are_documented() {
    let app = TestApp::new(Backend::Sqlite).await;
    let doc = schema_document(&app).await;
    let (served, documented) = (served(&app), documented(&doc));
    let mut problems = vec![];
    for (method, path) in FRONTEND {
        let key = (method.to_string(), normal(path));
        if !served.contains(&key) {
            problems.push(format!("{method} {path}: no route"));
        }
        if !documented.contains(&key) {
            problems.push(format!("{method} {path}: not in the document"));
        }
    }
    fail_with(problems, "frontend calls (§A.7)");
}

#[rocket::async_test]
async fn every_path_of_the_original_has_a_route() {
    let original: Json = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/reference/openapi-schema.json"
        ))
        .expect("../shared/reference/openapi-schema.json"),
    )
    .expect("the original's schema is JSON");
    let base = original["servers"][0]["url"]
        .as_str()
        .and_then(|u| u.find("/api/").map(|i| u[i..].to_string()))
        .unwrap_or_else(|| "/api/v1".into());
    let app = TestApp::new(Backend::Sqlite).await;
    let doc = schema_document(&app).await;
    let (served, documented) = (served(&app), documented(&doc));
    let original_ops = documented_with_base(&original, &base);
    assert!(
        original_ops.len() >= 40,
        "{} operations",
        original_ops.len()
    );
    let mut problems = vec![];
    for (method, path) in &original_ops {
        let key = (method.clone(), path.clone());
        if !served.contains(&key) {
            problems.push(format!("{method} {path}: no route"));
        }
        if !documented.contains(&key) {
            problems.push(format!("{method} {path}: not in the document"));
        }
    }
    fail_with(problems, "paths of the original");
}

fn documented_with_base(doc: &Json, base: &str) -> Operations {
    documented(doc)
        .into_iter()
        .map(|(m, p)| (m, normal(&format!("{base}{p}"))))
        .collect()
}

#[rocket::async_test]
async fn served_routes_and_documented_operations_agree() {
    let app = TestApp::new(Backend::Sqlite).await;
    let doc = schema_document(&app).await;
    let (served, documented) = (served(&app), documented(&doc));
    let mut problems = vec![];
    for (method, path) in &served {
        if path.starts_with("/api/v1/") && !documented.contains(&(method.clone(), path.clone())) {
            problems.push(format!("{method} {path}: served but not documented"));
        }
    }
    for (method, path) in &documented {
        if !served.contains(&(method.clone(), path.clone())) {
            problems.push(format!("{method} {path}: documented but not served"));
        }
    }
    fail_with(problems, "routes and document");
}

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Json, out: &mut Vec<&'a str>) {
    match value {
        Json::Object(map) => {
            if let Some(Json::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[rocket::async_test]
async fn the_document_is_openapi_3() {
    let app = TestApp::new(Backend::Sqlite).await;
    let doc = schema_document(&app).await;
    // Both forms of the path, the same document.
    assert_eq!(app.get("/api/v1/schema").await.json(), doc);
    // Kept for inspection and external validators.
    let copy = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi.json");
    std::fs::write(&copy, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    println!("the document: {}", copy.display());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    let mut problems = vec![];
    let mut all = vec![];
    refs(&doc, &mut all);
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        if doc["components"]["schemas"].get(name).is_none() {
            problems.push(format!("unresolved $ref {r}"));
        }
    }
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with('/'), "{path}");
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{} {path}", method.to_uppercase());
            let responses = op["responses"].as_object().map(|r| r.len()).unwrap_or(0);
            if responses == 0 || op["summary"].as_str().unwrap_or("").is_empty() {
                problems.push(format!("{at}: no summary or responses"));
            }
            if !ids.insert(op["operationId"].as_str().unwrap_or("").to_string()) {
                problems.push(format!("{at}: operationId not unique"));
            }
            // Path parameters declared, and only those.
            let in_path: BTreeSet<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            if in_path != declared {
                problems.push(format!("{at}: path parameters {in_path:?} vs {declared:?}"));
            }
            // An error answer is the envelope.
            for (status, response) in op["responses"].as_object().unwrap() {
                let json_schema = &response["content"]["application/json"]["schema"];
                if status.starts_with('4') && !json_schema.is_null() {
                    let enveloped = json_schema["$ref"] == "#/components/schemas/Error";
                    if !enveloped {
                        problems.push(format!("{at}: {status} is not the error envelope"));
                    }
                }
            }
        }
    }
    fail_with(problems, "the document");
}

// ---- live answers against the documented schemas -------------------------------------------

fn resolve<'a>(doc: &'a Json, schema: &'a Json) -> &'a Json {
    match schema["$ref"].as_str() {
        Some(r) => resolve(
            doc,
            &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        ),
        None => schema,
    }
}

/// A small JSON-schema check of what the document uses: `$ref`, `allOf`, `oneOf`,
/// `nullable`, `type`, `enum`, `required`, `properties` (keys served but not documented are
/// errors too), `items`.
fn check(doc: &Json, schema: &Json, value: &Json, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if value.is_null() && schema["nullable"] == true {
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check(doc, s, value, at, errors);
        }
        return;
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let fits = one.iter().any(|s| {
            let mut e = vec![];
            check(doc, s, value, at, &mut e);
            e.is_empty()
        });
        if !fits {
            errors.push(format!("{at}: fits none of oneOf: {value}"));
        }
        return;
    }
    let fits = match schema["type"].as_str() {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !fits {
        errors.push(format!("{at}: expected {}, got {value}", schema["type"]));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            check(doc, &schema["items"], item, &format!("{at}[{i}]"), errors);
        }
    }
    if let (Some(map), Some(props)) = (value.as_object(), schema["properties"].as_object()) {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap();
            if !map.contains_key(key) {
                errors.push(format!("{at}: required key {key} missing"));
            }
        }
        for (key, v) in map {
            match props.get(key) {
                Some(s) => check(doc, s, v, &format!("{at}.{key}"), errors),
                None if schema.get("additionalProperties").is_none() => {
                    errors.push(format!("{at}: key {key} is served but not documented"))
                }
                None => {}
            }
        }
    }
}

/// The documented JSON schema of `method path` (a template of the document) for `status`.
fn response_schema<'a>(doc: &'a Json, method: &str, template: &str, status: u16) -> &'a Json {
    let schema = &doc["paths"][template][method]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "no documented JSON answer {status} for {method} {template}"
    );
    schema
}

struct Checker<'a> {
    app: &'a TestApp,
    doc: &'a Json,
    problems: Vec<String>,
}

impl Checker<'_> {
    /// Calls `uri` and checks the answer against `template`'s documented answer.
    async fn call(
        &mut self,
        method: Method,
        uri: &str,
        template: &str,
        caller: Option<&common::Caller>,
        body: Option<Json>,
        status: Status,
    ) -> Json {
        let reply = self.app.call(method, uri, caller, body.as_ref()).await;
        assert_eq!(reply.status, status, "{method} {uri}: {}", reply.body);
        let value = reply.json();
        let schema = response_schema(
            self.doc,
            &method.as_str().to_ascii_lowercase(),
            template,
            status.code,
        );
        check(
            self.doc,
            schema,
            &value,
            &format!("{method} {uri}"),
            &mut self.problems,
        );
        value
    }
}

#[rocket::async_test]
async fn live_answers_have_the_documented_shapes() {
    let app = TestApp::new(Backend::Sqlite).await;
    let doc = schema_document(&app).await;
    let mut c = Checker {
        app: &app,
        doc: &doc,
        problems: vec![],
    };
    let get = Method::Get;
    let drugs = c
        .call(
            get,
            "/api/v1/genphen/drugs/",
            "/api/v1/genphen/drugs/",
            None,
            None,
            Status::Ok,
        )
        .await;
    assert!(
        !drugs.as_array().unwrap().is_empty(),
        "the seeded drugs are listed"
    );
    let drug = drugs[0]["drugId"].as_i64().unwrap();
    for (uri, template) in [
        (
            "/api/v1/genphen/drugs/?is_associated=1",
            "/api/v1/genphen/drugs/",
        ),
        (
            &format!("/api/v1/genphen/drugs/{drug}/") as &str,
            "/api/v1/genphen/drugs/{id}/",
        ),
        ("/api/v1/genphen/countries/", "/api/v1/genphen/countries/"),
        (
            "/api/v1/overview/global-samples/",
            "/api/v1/overview/global-samples/",
        ),
        (
            "/api/v1/overview/global-drugs/",
            "/api/v1/overview/global-drugs/",
        ),
        (
            "/api/v1/overview/global-drugs/map",
            "/api/v1/overview/global-drugs/map/",
        ),
        (
            "/api/v1/overview/genes/?search=katG",
            "/api/v1/overview/genes/",
        ),
        (
            "/api/v1/overview/genes/genome-context/",
            "/api/v1/overview/genes/genome-context/",
        ),
        (
            "/api/v1/overview/gene-search-history/recently/",
            "/api/v1/overview/gene-search-history/recently/",
        ),
        (
            "/api/v1/overview/drug-gene-infos/?paginated=true",
            "/api/v1/overview/drug-gene-infos/",
        ),
        (
            "/api/v1/overview/drug-gene-infos/",
            "/api/v1/overview/drug-gene-infos/",
        ),
        (
            "/api/v1/submission/genotype-resistance/?paginated=true",
            "/api/v1/submission/genotype-resistance/",
        ),
        ("/ready", "/ready"),
    ] {
        c.call(get, uri, template, None, None, Status::Ok).await;
    }
    // Errors are the envelope.
    c.call(
        get,
        "/api/v1/genphen/drugs/999999/",
        "/api/v1/genphen/drugs/{id}/",
        None,
        None,
        Status::NotFound,
    )
    .await;
    c.call(
        get,
        "/api/v1/submission/packages/",
        "/api/v1/submission/packages/",
        None,
        None,
        Status::Unauthorized,
    )
    .await;

    // The submission objects the handlers build with json!.
    let user = app.caller("alice", false).await;
    let me = Some(&user);
    c.call(
        get,
        "/api/v1/identity/user/",
        "/api/v1/identity/user/",
        me,
        None,
        Status::Ok,
    )
    .await;
    let packages = "/api/v1/submission/packages/";
    let package = c
        .call(
            Method::Post,
            packages,
            packages,
            me,
            Some(json!({"name": "Contract", "description": "x"})),
            Status::Created,
        )
        .await;
    let id = package["pk"].as_i64().unwrap();
    let one = "/api/v1/submission/packages/{id}/";
    c.call(get, packages, packages, me, None, Status::Ok).await;
    c.call(get, &format!("{packages}{id}"), one, me, None, Status::Ok)
        .await;
    c.call(
        Method::Patch,
        &format!("{packages}{id}/"),
        one,
        me,
        Some(json!({"name": "Contract 2", "packageId": id})),
        Status::Ok,
    )
    .await;
    let messages = format!("{packages}{id}/messages/");
    c.call(
        Method::Post,
        &messages,
        "/api/v1/submission/packages/{id}/messages/",
        me,
        Some(json!({"content": "Hello"})),
        Status::Created,
    )
    .await;
    c.call(
        get,
        &messages,
        "/api/v1/submission/packages/{id}/messages/",
        me,
        None,
        Status::Ok,
    )
    .await;
    let contributors = format!("{packages}{id}/contributors/");
    c.call(
        Method::Post,
        &contributors,
        "/api/v1/submission/packages/{id}/contributors/",
        me,
        Some(json!({"contributors": [{"firstName": "A", "lastName": "B", "role": "PI"}]})),
        Status::Created,
    )
    .await;
    c.call(
        Method::Post,
        &contributors,
        "/api/v1/submission/packages/{id}/contributors/",
        me,
        Some(json!({"contributors": [{"firstName": ""}]})),
        Status::BadRequest,
    )
    .await;
    c.call(
        get,
        &contributors,
        "/api/v1/submission/packages/{id}/contributors/",
        me,
        None,
        Status::Ok,
    )
    .await;
    let contributor = c
        .call(
            get,
            &contributors,
            "/api/v1/submission/packages/{id}/contributors/",
            me,
            None,
            Status::Ok,
        )
        .await[0]["pk"]
        .as_i64()
        .unwrap();
    let one_contributor = "/api/v1/submission/packages/{id}/contributors/{contributorId}/";
    c.call(
        Method::Patch,
        &format!("{contributors}{contributor}/"),
        one_contributor,
        me,
        Some(json!({"role": "Curator"})),
        Status::Ok,
    )
    .await;
    c.call(
        get,
        &format!("{contributors}{contributor}/"),
        one_contributor,
        me,
        None,
        Status::Ok,
    )
    .await;
    let message = c
        .call(
            get,
            &messages,
            "/api/v1/submission/packages/{id}/messages/",
            me,
            None,
            Status::Ok,
        )
        .await[0]["pk"]
        .as_i64()
        .unwrap();
    c.call(
        get,
        &format!("{messages}{message}/"),
        "/api/v1/submission/packages/{id}/messages/{messageId}/",
        me,
        None,
        Status::Ok,
    )
    .await;
    c.call(
        Method::Put,
        &format!("{packages}{id}/"),
        one,
        me,
        Some(json!({"name": "Contract 3", "description": null})),
        Status::Ok,
    )
    .await;
    // Staff.
    let staff = app.caller("sam", true).await;
    let staff = Some(&staff);
    c.call(
        get,
        "/api/v1/identity/users/",
        "/api/v1/identity/users/",
        staff,
        None,
        Status::Ok,
    )
    .await;
    c.call(
        get,
        "/api/v1/identity/users/",
        "/api/v1/identity/users/",
        me,
        None,
        Status::Forbidden,
    )
    .await;
    c.call(
        Method::Post,
        "/api/v1/summaries/refresh",
        "/api/v1/summaries/refresh",
        staff,
        None,
        Status::Ok,
    )
    .await;
    for tail in ["sample-aliases", "sequencing-data"] {
        c.call(
            get,
            &format!("{packages}{id}/{tail}"),
            &format!("/api/v1/submission/packages/{{id}}/{tail}/"),
            me,
            None,
            Status::Ok,
        )
        .await;
    }
    let problems = c.problems;
    fail_with(problems, "live answers against the document");
}

/// The shape check is not vacuous: a missing key, an extra key, a wrong type all count.
#[rocket::async_test]
async fn the_shape_check_catches_drift() {
    let app = TestApp::new(Backend::Sqlite).await;
    let doc = schema_document(&app).await;
    let drug = json!({ "$ref": "#/components/schemas/Drug" });
    let errors = |value: Json| {
        let mut e = vec![];
        check(&doc, &drug, &value, "drug", &mut e);
        e
    };
    assert!(errors(json!({"drugId": 1, "drugName": "Isoniazid", "code": "INH"})).is_empty());
    assert_eq!(
        errors(json!({"drugId": 1, "drugName": "Isoniazid"})).len(),
        1
    );
    assert_eq!(
        errors(json!({"drugId": 1, "drugName": "Isoniazid", "code": "INH", "new": 1})).len(),
        1
    );
    assert_eq!(
        errors(json!({"drugId": "1", "drugName": "I", "code": "INH"})).len(),
        1
    );
    assert_eq!(errors(json!(null)).len(), 1);
}

#[rocket::async_test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::new(Backend::Sqlite).await;
    for uri in ["/api/v1/docs/", "/api/v1/docs"] {
        let page = app.get(uri).await;
        assert_eq!(page.status, Status::Ok);
        assert_eq!(page.content_type, Some(ContentType::HTML));
        assert!(page.body.contains("/api/v1/docs/swagger-ui-bundle.js"));
        // No inline script, so that a strict Content-Security-Policy holds.
        for script in page.body.split("<script").skip(1) {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains("src="), "inline script: {script}");
        }
        let csp = page.header("content-security-policy").expect("a CSP");
        assert!(csp.contains("script-src 'self'"), "{csp}");
    }
    let mut types = BTreeMap::new();
    for (file, kind) in [
        ("swagger-ui-bundle.js", ContentType::JavaScript),
        ("swagger-ui.css", ContentType::CSS),
        ("init.js", ContentType::JavaScript),
    ] {
        let reply = app.get(&format!("/api/v1/docs/{file}")).await;
        assert_eq!(reply.status, Status::Ok, "{file}");
        assert_eq!(reply.content_type, Some(kind), "{file}");
        types.insert(file, reply.body.len());
    }
    assert!(types["swagger-ui-bundle.js"] > 500_000, "{types:?}");
    let init = app.get("/api/v1/docs/init.js").await.body;
    assert!(init.contains("/api/v1/schema/"), "{init}");
    app.get("/api/v1/docs/nothing.js")
        .await
        .assert_error(Status::NotFound, "not_found");
}

/// Swagger UI in a real browser: the page renders offline (no other origin), under its
/// CSP, and lists at least as many operations as the document has.
#[rocket::async_test]
async fn swagger_ui_lists_the_operations_in_chromium() {
    if !common::browser::enabled() {
        return;
    }
    let app = TestApp::live(Backend::Sqlite, |_| {}).await;
    let base = app.base_url.clone().unwrap();
    let doc = schema_document(&app).await;
    let count = documented(&doc).len();
    common::browser::run("swagger.mjs", vec![base, count.to_string()]).await;
}
