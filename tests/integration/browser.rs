//! A cookie-keeping HTTP client for one space, like a browser on one host.

use std::collections::BTreeMap;

use crate::helpers::TestApp;

pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub host: String,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp, host: &str) -> Self {
        Browser {
            app,
            host: host.to_owned(),
            cookies: BTreeMap::new(),
        }
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            if value.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), v.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> (u16, String) {
        let (status, _, body) = self.get_full(path).await;
        (status, body)
    }

    /// GET; returns status, Location (if any) and body.
    pub async fn get_full(&mut self, path: &str) -> (u16, Option<String>, String) {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .header("host", &self.host)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    /// Posts a form; returns status, Location (if any) and body.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post(path, "application/x-www-form-urlencoded", body).await
    }

    /// Posts a `multipart/form-data` body: text fields, then an optional file field
    /// (name, file name, content). Returns status, Location (if any) and body.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &str)>,
    ) -> (u16, Option<String>, String) {
        let boundary = format!("----ecoute{}", uuid::Uuid::new_v4().simple());
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        if let Some((name, filename, content)) = file {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.post(path, &content_type, body).await
    }

    async fn post(&mut self, path: &str, content_type: &str, body: String) -> (u16, Option<String>, String) {
        let response = self
            .app
            .client
            .post(self.app.url(path))
            .header("host", &self.host)
            .header("cookie", self.cookie_header())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    pub async fn api(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .header("host", &self.host)
            .header("cookie", self.cookie_header());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// Sends any request (a form or JSON body, or none); returns status, the request id the
    /// server gave it, the Location (if any) and the body.
    pub async fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<Body<'_>>,
    ) -> (u16, String, Option<String>, String) {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .header("host", &self.host)
            .header("cookie", self.cookie_header());
        request = match body {
            Some(Body::Form(fields)) => request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(fields).unwrap()),
            Some(Body::Json(value)) => request.json(value),
            None => request,
        };
        let response = request.send().await.unwrap();
        self.keep_cookies(&response);
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
        let (request_id, location) = (header("x-request-id").unwrap_or_default(), header("location"));
        let status = response.status().as_u16();
        (status, request_id, location, response.text().await.unwrap())
    }

    /// The CSRF token of the first form on `path` (loading it also sets the visitor cookie).
    pub async fn csrf(&mut self, path: &str) -> String {
        let (_, html) = self.get(path).await;
        extract(&html, "name=\"csrf\" value=\"").expect("a form with a CSRF token")
    }
}

/// A request body for [`Browser::send`].
pub enum Body<'a> {
    Form(&'a [(&'a str, &'a str)]),
    Json(&'a serde_json::Value),
}

/// The text after `marker` up to the next double quote.
pub fn extract(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}
