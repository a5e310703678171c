//! Request heads above the platform's limits (`web::limits::{URI, HEADER_COUNT, HEADER_BYTES}`)
//! are answered 414 or 431 in the client's format: a French page on pages, a problem document
//! under `/api`. hyper refuses much larger heads itself with an empty body (documented in
//! docs/api.md); these limits sit below its own so that a real client always reads why.

use ecoute::web::limits;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::helpers::TestApp;

async fn send(app: &TestApp, path: &str, headers: HeaderMap) -> (u16, String, String) {
    let response = app
        .client
        .get(app.url(path))
        .header("host", "gironde.localhost")
        .header("accept-language", "fr")
        .headers(headers)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

fn many_headers(count: usize) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for i in 0..count {
        let name = HeaderName::from_bytes(format!("x-probe-{i}").as_bytes()).unwrap();
        headers.insert(name, HeaderValue::from_static("1"));
    }
    headers
}

fn one_big_cookie(bytes: usize) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = format!("junk={}", "a".repeat(bytes));
    headers.insert("cookie", HeaderValue::from_str(&value).unwrap());
    headers
}

#[tokio::test]
async fn a_long_target_or_a_heavy_head_is_told_why_in_the_clients_format() {
    let app = TestApp::spawn().await;
    let long_query = format!("?q={}", "x".repeat(limits::URI));

    // Just below the limits, the request is served as usual.
    let fits = format!("?q={}", "x".repeat(limits::URI - 200));
    let (status, _, _) = send(&app, &format!("/api/v1/campaigns{fits}"), HeaderMap::new()).await;
    assert_eq!(status, 200, "a target under the limit is served");
    let (status, _, _) = send(&app, "/", many_headers(limits::HEADER_COUNT - 10)).await;
    assert_eq!(status, 200, "a head under the limit is served");

    // Pages: the French error page, with its status.
    let cases = [
        (format!("/{long_query}"), HeaderMap::new(), 414, "Adresse trop longue"),
        (
            "/".to_owned(),
            many_headers(limits::HEADER_COUNT + 1),
            431,
            "Requête trop volumineuse",
        ),
        (
            "/".to_owned(),
            one_big_cookie(limits::HEADER_BYTES),
            431,
            "Requête trop volumineuse",
        ),
    ];
    for (path, headers, expected, title) in cases {
        let (status, kind, body) = send(&app, &path, headers).await;
        assert_eq!(status, expected, "{path:.40}: {body:.300}");
        assert!(kind.starts_with("text/html"), "{path:.40}: a page, not {kind}");
        assert!(
            body.contains(title),
            "{path:.40}: the French page says why: {body:.600}"
        );
    }

    // API: a problem document naming the limit.
    let cases = [
        (
            format!("/api/v1/campaigns{long_query}"),
            HeaderMap::new(),
            414,
            "uri-too-long",
        ),
        (
            "/api/v1/campaigns".to_owned(),
            many_headers(limits::HEADER_COUNT + 1),
            431,
            "headers-too-large",
        ),
        (
            "/api/v1/campaigns".to_owned(),
            one_big_cookie(limits::HEADER_BYTES),
            431,
            "headers-too-large",
        ),
    ];
    for (path, headers, expected, kind_slug) in cases {
        let (status, kind, body) = send(&app, &path, headers).await;
        assert_eq!(status, expected, "{path:.40}: {body:.300}");
        assert_eq!(kind, "application/problem+json", "{path:.40}");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["status"], expected);
        assert_eq!(problem["type"], format!("/problems/{kind_slug}"));
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.chars().any(|c| c.is_ascii_digit()),
            "the detail names the limit: {detail}"
        );
    }
}
