//! The host a request was addressed to, and whether it came over TLS.
//!
//! `X-Forwarded-Host` and `X-Forwarded-Proto` are believed only when the TCP peer is one of the
//! configured trusted proxies; otherwise anyone could claim to be any space.

use std::net::SocketAddr;

use axum::http::{HeaderMap, Uri, header};

use crate::config::TrustedProxies;

/// Lowercases, drops the port and a trailing dot: `Gironde.LocalHost.:8080` → `gironde.localhost`.
/// Returns `None` for something that is not a plausible host name.
pub fn normalize_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let host = if let Some(rest) = raw.strip_prefix('[') {
        // IPv6 literal: keep it whole, without the port.
        let end = rest.find(']')?;
        return Some(format!("[{}]", rest[..end].to_ascii_lowercase()));
    } else {
        match raw.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            Some(_) => return None,
            None => raw,
        }
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.contains("..");
    valid.then_some(host)
}

/// Whether an absolute-form request target (`GET http://aude.example/ HTTP/1.1`) names another
/// host than the `Host` header (or the header is missing or unreadable beside it).
///
/// RFC 9112 §3.2.2 lets the target win. ecoute refuses the disagreement instead (400): then
/// nothing in front of it that routes or filters by `Host` can be made to see one space while
/// the request reaches another. Ports are not compared (a space is a host name). Costs nothing
/// on the normal path: an origin-form target (`GET / HTTP/1.1`) has no authority.
pub fn target_disagrees_with_host(headers: &HeaderMap, uri: &Uri) -> bool {
    let Some(target) = uri.authority() else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(normalize_host);
    host.is_none() || normalize_host(target.host()) != host
}

/// What the request says about where it was sent.
#[derive(Debug, Clone)]
pub struct RequestOrigin {
    /// Normalised host name, if any could be read.
    pub host: Option<String>,
    /// Host and port as the client wrote them (normalised host, original port), for links.
    pub authority: Option<String>,
    /// True when the client reached us over HTTPS (through a trusted proxy).
    pub https: bool,
}

/// `X-Forwarded-Proto` from a trusted proxy, else the request's own scheme.
fn scheme_is_https(headers: &HeaderMap, uri: &Uri, from_trusted_proxy: bool) -> bool {
    if from_trusted_proxy {
        headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    } else {
        uri.scheme_str() == Some("https")
    }
}

impl RequestOrigin {
    /// Whether the request came over HTTPS, without working out the host (for the layers that
    /// need only that, on every request).
    pub fn is_https(headers: &HeaderMap, uri: &Uri, peer: Option<SocketAddr>, trusted: &TrustedProxies) -> bool {
        scheme_is_https(headers, uri, peer.is_some_and(|p| trusted.trusts(p.ip())))
    }

    pub fn from_parts(headers: &HeaderMap, uri: &Uri, peer: Option<SocketAddr>, trusted: &TrustedProxies) -> Self {
        let from_trusted_proxy = peer.is_some_and(|p| trusted.trusts(p.ip()));
        let first = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_owned())
        };
        let forwarded_host = if from_trusted_proxy {
            first("x-forwarded-host")
        } else {
            None
        };
        let raw_host = forwarded_host
            .or_else(|| {
                headers
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .or_else(|| uri.authority().map(|a| a.as_str().to_owned()));
        let https = scheme_is_https(headers, uri, from_trusted_proxy);
        let host = raw_host.as_deref().and_then(normalize_host);
        let port = raw_host
            .as_deref()
            .and_then(|h| h.rsplit_once(':'))
            .filter(|(h, p)| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (!h.contains(':') || h.ends_with(']'))
            })
            .map(|(_, p)| p.to_owned());
        let authority = host.as_ref().map(|h| match &port {
            Some(p) => format!("{h}:{p}"),
            None => h.clone(),
        });
        RequestOrigin { host, authority, https }
    }

    /// The base URL of another host with this request's scheme and port (links from the
    /// national console to a module, for instance).
    pub fn base_url_for(&self, host: &str) -> String {
        let port = match (&self.authority, &self.host) {
            (Some(authority), Some(own)) => authority.strip_prefix(own.as_str()).unwrap_or(""),
            _ => "",
        };
        format!("{}://{host}{port}", if self.https { "https" } else { "http" })
    }

    /// `https://gironde.example.fr` or `http://gironde.localhost:8080`: the base of absolute links.
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.authority.as_deref().unwrap_or("localhost")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_port_and_trailing_dot() {
        assert_eq!(
            normalize_host("Gironde.LocalHost.:8080").as_deref(),
            Some("gironde.localhost")
        );
        assert_eq!(normalize_host("localhost").as_deref(), Some("localhost"));
        assert_eq!(normalize_host("[::1]:8080").as_deref(), Some("[::1]"));
        assert_eq!(normalize_host("evil/path"), None);
        assert_eq!(normalize_host("a..b"), None);
        assert_eq!(normalize_host("host:notaport"), None);
    }

    #[test]
    fn an_absolute_target_must_agree_with_the_host_header() {
        let with_host = |host: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, host.parse().unwrap());
            headers
        };
        let absolute: Uri = "http://Aude.Localhost.:8080/consultations".parse().unwrap();
        assert!(target_disagrees_with_host(&with_host("gironde.localhost"), &absolute));
        assert!(!target_disagrees_with_host(&with_host("aude.localhost"), &absolute));
        assert!(!target_disagrees_with_host(
            &with_host("AUDE.localhost:9000"),
            &absolute
        ));
        assert!(target_disagrees_with_host(&HeaderMap::new(), &absolute));
        let origin_form: Uri = "/consultations".parse().unwrap();
        assert!(!target_disagrees_with_host(
            &with_host("gironde.localhost"),
            &origin_form
        ));
    }

    #[test]
    fn forwarded_host_needs_a_trusted_peer() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "localhost".parse().unwrap());
        headers.insert("x-forwarded-host", "gironde.localhost".parse().unwrap());
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        let uri: Uri = "/".parse().unwrap();
        let peer: SocketAddr = "10.1.2.3:5000".parse().unwrap();
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();

        let untrusted = RequestOrigin::from_parts(&headers, &uri, Some(peer), &TrustedProxies::default());
        assert_eq!(untrusted.host.as_deref(), Some("localhost"));
        assert!(!untrusted.https);

        let trusted = RequestOrigin::from_parts(&headers, &uri, Some(peer), &proxies);
        assert_eq!(trusted.host.as_deref(), Some("gironde.localhost"));
        assert!(trusted.https);
        assert_eq!(trusted.base_url(), "https://gironde.localhost");
        // The shortcut of the security headers agrees with the full reading.
        assert!(!RequestOrigin::is_https(
            &headers,
            &uri,
            Some(peer),
            &TrustedProxies::default()
        ));
        assert!(RequestOrigin::is_https(&headers, &uri, Some(peer), &proxies));

        headers.insert(header::HOST, "Aude.Localhost.:8080".parse().unwrap());
        let local = RequestOrigin::from_parts(&headers, &uri, None, &TrustedProxies::default());
        assert_eq!(local.base_url(), "http://aude.localhost:8080");
        assert_eq!(local.base_url_for("gironde.localhost"), "http://gironde.localhost:8080");
    }
}
