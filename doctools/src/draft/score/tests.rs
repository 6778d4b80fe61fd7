//! The comparison on small hand-made spec pairs: each kind of item once, right, wrong and
//! excused.

use serde_json::{Value, json};

use super::*;

/// A one-operation spec: `GET /v1/{project_id}/jobs/{job_id}` with the given parts.
fn spec(parameters: Value, responses: Value, schemas: Value, job: Option<Value>) -> Value {
    let mut op =
        json!({"operationId": "ShowJob", "parameters": parameters, "responses": responses});
    if let Some(j) = job {
        op["x-cloudjobs-job"] = j;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Jobs", "version": "1"},
        "paths": {"/v1/{project_id}/jobs/{job_id}": {"get": op}},
        "components": {"schemas": schemas}
    })
}

fn path_params() -> Value {
    json!([
        {"name": "project_id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "job_id", "in": "path", "required": true, "schema": {"type": "string"}}
    ])
}

fn ok(schema: &str, example: Value) -> Value {
    json!({"200": {"description": "OK", "content": {"application/json": {
        "schema": {"$ref": format!("#/components/schemas/{schema}")},
        "example": example
    }}}})
}

fn job_schema() -> Value {
    json!({"Job": {"type": "object", "properties": {
        "status": {"type": "string", "x-extensible-enum": ["RUNNING", "SUCCESS", "FAIL"]},
        "job_id": {"type": "string"},
        "entities": {"type": "object", "properties": {
            "sub_jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Sub"}}
        }}
    }}, "Sub": {"type": "object", "properties": {"status": {"type": "string"}}}})
}

fn job() -> Value {
    json!({"status": "/status", "running": ["RUNNING"], "succeeded": ["SUCCESS"],
           "failed": ["FAIL"], "id": "/job_id",
           "subtasks": {"items": "/entities/sub_jobs", "status": "/status"}})
}

fn items_of(truth: &Value, draft: &Value, accepted: &[Accepted]) -> Vec<Item> {
    let t = facts(truth, &operation(truth, Some("ShowJob")).unwrap());
    let d = facts(draft, &operation(draft, None).unwrap());
    compare(&t, &d, accepted)
}

fn find<'a>(items: &'a [Item], at: &str) -> &'a Item {
    items
        .iter()
        .find(|i| i.at == at)
        .unwrap_or_else(|| panic!("no item at {at}: {items:#?}"))
}

fn example() -> Value {
    json!({"status": "RUNNING", "job_id": "j1", "entities": {"sub_jobs": [{"status": "RUNNING"}]}})
}

#[test]
fn identical_specs_are_all_right() {
    let s = spec(
        path_params(),
        ok("Job", example()),
        job_schema(),
        Some(job()),
    );
    let items = items_of(&s, &s, &[]);
    assert!(items.iter().all(|i| i.mark == Mark::Right), "{items:#?}");
    // The call, two parameters, five fields (sub_jobs.status through the array), one value
    // list, one status, one example, pointers, parameter names and both lists of states.
    assert_eq!(count(&items, Some(Category::Parameters)), (3, 0, 0));
    assert_eq!(count(&items, Some(Category::Fields)), (5, 0, 0));
    assert!(
        items
            .iter()
            .any(|i| i.at == "response 200 entities.sub_jobs.status")
    );
    assert_eq!(count(&items, Some(Category::Enums)), (1, 0, 0));
    assert_eq!(count(&items, Some(Category::Statuses)), (1, 0, 0));
    assert_eq!(count(&items, Some(Category::Examples)), (1, 0, 0));
    // status, id, job_id_param, project_param, subtasks.items, subtasks.status
    assert_eq!(count(&items, Some(Category::JobPointers)), (6, 0, 0));
    // four lists of the job, four of the sub-tasks (the job's, by default)
    assert_eq!(count(&items, Some(Category::JobStates)), (8, 0, 0));
}

#[test]
fn types_required_values_and_pointers_differ() {
    let truth = spec(
        path_params(),
        ok("Job", example()),
        job_schema(),
        Some(job()),
    );
    let mut schemas = job_schema();
    schemas["Job"]["properties"]["job_id"] = json!({"type": "integer", "format": "int64"});
    schemas["Job"]["properties"]["status"]["x-extensible-enum"] = json!(["RUNNING", "SUCCESS"]);
    let mut params = path_params();
    params[1]["schema"] = json!({"type": "integer", "format": "int32"});
    params.as_array_mut().unwrap().push(
        json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}}),
    );
    let mut j = job();
    j["id"] = json!("/entities/id");
    j["pending"] = json!(["INIT"]);
    let draft = spec(params, ok("Job", example()), schemas, Some(j));
    let items = items_of(&truth, &draft, &[]);
    let wrong = |at: &str| {
        let i = items
            .iter()
            .find(|i| i.at == at && i.mark != Mark::Right)
            .unwrap_or_else(|| panic!("nothing wrong at {at}: {items:#?}"));
        assert_eq!(i.mark, Mark::Wrong, "{i:?}");
        i.detail.clone()
    };
    assert!(wrong("response 200 job_id").contains("draft integer (int64), optional"));
    assert!(wrong("parameter path job_id").contains("spec string, required"));
    assert!(wrong("parameter query limit").starts_with("not in the spec"));
    assert!(wrong("response 200 status").contains("draft RUNNING, SUCCESS"));
    assert!(wrong("job id").contains("draft /entities/id, spec /job_id"));
    assert!(wrong("job pending").contains("draft [INIT], spec []"));
    // The sub-tasks default to the job's lists, so they differ too.
    assert_eq!(find(&items, "job subtasks.pending").mark, Mark::Wrong);
    assert_eq!(find(&items, "job status").mark, Mark::Right);
    assert_eq!(find(&items, "job running").mark, Mark::Right);
}

#[test]
fn a_request_body_and_its_required_fields() {
    let mut truth = spec(path_params(), ok("Job", example()), job_schema(), None);
    let body = |required: Value| {
        json!({"required": true, "content": {"application/json": {
            "schema": {"type": "object", "required": required, "properties": {
                "name": {"type": "string"}, "size": {"type": "integer", "format": "int32"}}},
            "example": {"name": "a", "size": 1}}}})
    };
    truth["paths"]["/v1/{project_id}/jobs/{job_id}"]["get"]["requestBody"] = body(json!(["name"]));
    let mut draft = truth.clone();
    draft["paths"]["/v1/{project_id}/jobs/{job_id}"]["get"]["requestBody"] =
        body(json!(["name", "size"]));
    let items = items_of(&truth, &draft, &[]);
    assert_eq!(find(&items, "request name").mark, Mark::Right);
    let size = find(&items, "request size");
    assert_eq!(size.mark, Mark::Wrong);
    assert!(
        size.detail.contains("draft integer (int32), required"),
        "{size:?}"
    );
    assert_eq!(find(&items, "example request").mark, Mark::Right);
    // Neither side has a job: no job items.
    assert_eq!(count(&items, Some(Category::JobPointers)), (0, 0, 0));
}

#[test]
fn examples_are_compared_as_json_sets_per_status() {
    let a = json!({"status": "RUNNING", "n": 1});
    let b = json!({"n": 1.0, "status": "RUNNING"});
    let c = json!({"status": "SUCCESS"});
    let truth = spec(path_params(), ok("Job", a), job_schema(), None);
    let same = spec(path_params(), ok("Job", b.clone()), job_schema(), None);
    assert_eq!(
        find(&items_of(&truth, &same, &[]), "example response 200").mark,
        Mark::Right
    );
    // Two examples under `examples` against one: wrong.
    let mut two = same.clone();
    two["paths"]["/v1/{project_id}/jobs/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"] = json!({
            "schema": {"$ref": "#/components/schemas/Job"},
            "examples": {"one": {"value": b}, "two": {"value": c}}
    });
    let i = items_of(&truth, &two, &[]);
    let e = find(&i, "example response 200");
    assert_eq!(e.mark, Mark::Wrong);
    // The other way round (the spec has the page's example and one more): excused.
    let i = items_of(&two, &same, &[]);
    let e2 = find(&i, "example response 200");
    assert_eq!(e2.mark, Mark::Excused, "{e2:?}");
    assert!(
        e.detail.contains("draft 2 example(s), spec 1 example(s)"),
        "{e:?}"
    );
}

#[test]
fn accepted_departures_are_excused_by_place_and_kind() {
    let mut responses = ok("Job", example());
    responses["400"] = json!({"description": "Bad", "content": {"application/json": {
        "schema": {"type": "object", "properties": {"error_code": {"type": "string"}}},
        "example": {"error_code": "X"}}}});
    let mut params = path_params();
    params.as_array_mut().unwrap().push(
        json!({"name": "X-Auth-Token", "in": "header", "required": true, "schema": {"type": "string"}}),
    );
    let mut schemas = job_schema();
    schemas["Job"]["properties"]["job_id"]["nullable"] = json!(true);
    let truth = spec(params, responses, schemas, None);
    let draft = spec(path_params(), ok("Job", example()), job_schema(), None);
    let accepted: Vec<Accepted> = serde_json::from_value(json!([
        {"at": "parameter header x-auth-token", "kind": "extra", "reason": "token authentication"},
        {"at": "status 400", "kind": "extra", "reason": "from the error code appendix"},
        {"at": "response 200 job_id", "kind": "type", "reason": "examples send null"}
    ]))
    .unwrap();
    let items = items_of(&truth, &draft, &accepted);
    for at in [
        "parameter header x-auth-token",
        "status 400",
        "response 400 error_code",
        "example response 400",
        "response 200 job_id",
    ] {
        let i = find(&items, at);
        assert_eq!(i.mark, Mark::Excused, "{i:?}");
        assert!(i.detail.contains("; accepted: "), "{i:?}");
    }
    // Without the entries they are wrong; an entry of another kind does not cover them.
    let other: Vec<Accepted> = serde_json::from_value(json!([
        {"at": "response 200 job_id", "kind": "enum", "reason": "not about the type"},
        {"at": "parameter header x-auth-token", "kind": "missing", "reason": "the other way round"}
    ]))
    .unwrap();
    let items = items_of(&truth, &draft, &other);
    assert_eq!(find(&items, "response 200 job_id").mark, Mark::Wrong);
    assert_eq!(
        find(&items, "parameter header x-auth-token").mark,
        Mark::Wrong
    );
    assert_eq!(find(&items, "status 400").mark, Mark::Wrong);
    let (right, wrong, excused) = count(&items, None);
    assert_eq!(excused, 0);
    assert!(right > 0 && wrong >= 5, "{items:#?}");
}

#[test]
fn the_operation_is_found_by_id_else_the_first() {
    let s = json!({"paths": {
        "/a": {"get": {"operationId": "A", "responses": {}}},
        "/b": {"post": {"operationId": "B", "responses": {}}, "parameters": []}
    }});
    assert_eq!(operation(&s, Some("B")).unwrap().path, "/b");
    assert_eq!(operation(&s, Some("C")).unwrap().path, "/a");
    assert_eq!(operation(&s, None).unwrap().method, "get");
    assert!(operation(&json!({}), None).is_none());
}

#[test]
fn a_recursive_type_is_walked_once() {
    let schemas = json!({"Job": {"type": "object", "properties": {
        "status": {"type": "string"},
        "spec": {"type": "object", "properties": {
            "subJobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}
        }},
        "parent": {"allOf": [{"$ref": "#/components/schemas/Job"}]}
    }}});
    let s = spec(path_params(), ok("Job", json!({})), schemas, None);
    let f = facts(&s, &operation(&s, None).unwrap());
    let fields: Vec<&str> =
        f.0.keys()
            .filter(|(c, _)| *c == Category::Fields)
            .map(|(_, at)| at.as_str())
            .collect();
    assert_eq!(
        fields,
        [
            "response 200 parent",
            "response 200 spec",
            "response 200 spec.subJobs",
            "response 200 status"
        ]
    );
}

#[test]
fn job_pointers_to_fields_beyond_the_page_are_set_aside() {
    let mut schemas = job_schema();
    schemas["Job"]["properties"]["entities"]["properties"]["disk_id"] = json!({"type": "string"});
    schemas["Job"]["properties"]["entities"]["properties"]["host_id"] = json!({"type": "string"});
    let mut j = job();
    j["resources"] = json!(["/entities/disk_id", "/entities/host_id"]);
    let truth = spec(
        path_params(),
        ok("Job", example()),
        schemas.clone(),
        Some(j.clone()),
    );
    let mut draft_schemas = schemas;
    draft_schemas["Job"]["properties"]["entities"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("host_id");
    j["resources"] = json!(["/entities/disk_id"]);
    let draft = spec(path_params(), ok("Job", example()), draft_schemas, Some(j));
    let accepted: Vec<Accepted> = serde_json::from_value(json!([
        {"at": "response 200 entities.host_id", "kind": "extra", "reason": "from the SDK"}
    ]))
    .unwrap();
    let items = items_of(&truth, &draft, &accepted);
    let r = find(&items, "job resources");
    assert_eq!(r.mark, Mark::Excused, "{r:?}");
    assert!(r.detail.contains("/entities/host_id"), "{r:?}");
    // Without the entry the field is wrong, and so is the pointer.
    let items = items_of(&truth, &draft, &[]);
    assert_eq!(find(&items, "job resources").mark, Mark::Wrong);
}
