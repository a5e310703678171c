use serde_json::Value;

/// Successes without a body: a 204, and these two (the status says it all).
const NO_BODY: &[(&str, &str, &str)] = &[
    ("post", "/api/v1/ideas/{id}/like", "201"),
    ("post", "/api/v1/ideas/{id}/reports", "202"),
];

fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            all.push((method.clone(), path.clone(), operation));
        }
    }
    all
}

/// The schema a content gives, followed through `$ref` (and arrays) to a component that exists.
fn resolves(document: &Value, schema: &Value) -> bool {
    match schema["$ref"].as_str() {
        Some(reference) => reference
            .strip_prefix("#/components/schemas/")
            .is_some_and(|name| document["components"]["schemas"][name].is_object()),
        None if schema["type"] == "array" => resolves(document, &schema["items"]),
        None => schema.is_object() && !schema.as_object().unwrap().is_empty(),
    }
}

#[test]
fn every_operation_documents_its_success_body_and_its_refusals_as_problems() {
    let document = super::document();
    assert_eq!(document["openapi"], "3.1.0");
    for component in ["Problem", "FieldProblem"] {
        assert!(document["components"]["schemas"][component].is_object(), "{component}");
    }
    let operations = operations(&document);
    assert!(operations.len() >= 24, "{}", operations.len());
    for (method, path, operation) in operations {
        let at = format!("{method} {path}");
        let responses = operation["responses"].as_object().expect("responses");
        let successes: Vec<_> = responses.iter().filter(|(s, _)| s.starts_with('2')).collect();
        assert!(!successes.is_empty(), "{at}: no success response");
        for (status, response) in successes {
            let quiet = status == "204" || NO_BODY.contains(&(method.as_str(), path.as_str(), status.as_str()));
            let schema = &response["content"]["application/json"]["schema"];
            if quiet {
                assert!(response.get("content").is_none(), "{at} {status} has a body");
            } else {
                assert!(
                    resolves(&document, schema),
                    "{at} {status}: no response schema: {response}"
                );
            }
        }
        for needed in ["404", "503"] {
            assert!(responses.contains_key(needed), "{at}: no {needed}");
        }
        if operation.get("requestBody").is_some() {
            for needed in ["401", "413", "415", "422"] {
                assert!(responses.contains_key(needed), "{at}: no {needed}");
            }
        }
        let refusals = responses
            .iter()
            .filter(|(s, _)| s.starts_with('4') || s.starts_with('5'));
        for (status, response) in refusals {
            let content = response["content"].as_object().expect("content");
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                ["application/problem+json"],
                "{at} {status}"
            );
            assert_eq!(
                content["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem",
                "{at} {status}"
            );
        }
    }
}

#[test]
fn links_name_operations_of_the_document() {
    let document = super::document();
    let ids: Vec<&str> = operations(&document)
        .iter()
        .filter_map(|(_, _, operation)| operation["operationId"].as_str())
        .collect();
    let mut links = 0;
    for (_, _, operation) in operations(&document) {
        for response in operation["responses"].as_object().unwrap().values() {
            for link in response["links"].as_object().into_iter().flatten().map(|(_, l)| l) {
                links += 1;
                let target = link["operationId"].as_str().unwrap();
                assert!(ids.contains(&target), "a link to {target}");
            }
        }
    }
    assert!(links >= 20, "{links}");
    // The ids are unique (a link names one operation).
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

/// Every `$ref` of `value`, recursively.
fn references<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference);
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

/// A schema named only in a parameter is not collected by utoipa unless inlined: a client
/// (and the fuzzer) would find a dangling reference.
#[test]
fn every_reference_resolves() {
    let document = super::document();
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(found.len() > 50, "{}", found.len());
    for reference in found {
        let name = reference.strip_prefix("#/components/schemas/").unwrap_or(reference);
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{reference} resolves to nothing"
        );
    }
}
