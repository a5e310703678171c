//! The peers whose forwarded headers are believed (`ECOUTE_TRUSTED_PROXIES`): a list of
//! networks from the `ipnet` crate, with the two rules of ours on top. A bare address is a
//! single host, and an IPv4 peer seen through an IPv6 socket (`::ffff:10.0.0.2`) is matched
//! as the IPv4 address it is.

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::Context;
use ipnet::IpNet;

/// The trusted proxies, cheap to clone into every layer that asks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Parses addresses and CIDR networks (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> anyhow::Result<Self> {
        let nets = items
            .iter()
            .map(|item| parse_net(item.as_ref()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(TrustedProxies(nets.into()))
    }

    /// Whether `ip` belongs to one of the trusted networks.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// One network; a bare address is the network of that host alone.
fn parse_net(text: &str) -> anyhow::Result<IpNet> {
    let text = text.trim();
    if text.contains('/') {
        return text.parse::<IpNet>().map_err(|_| {
            anyhow::anyhow!("invalid trusted proxy network {text:?}: expected an address or CIDR such as 10.0.0.0/8")
        });
    }
    let addr: IpAddr = text
        .parse()
        .with_context(|| format!("invalid trusted proxy address {text:?}"))?;
    Ok(IpNet::from(addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn cidr_matching() {
        let net = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        assert!(net.trusts(ip("10.1.2.3")));
        assert!(!net.trusts(ip("11.0.0.1")));
        let host = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        assert!(host.trusts(ip("127.0.0.1")));
        assert!(
            host.trusts(ip("::ffff:127.0.0.1")),
            "a mapped IPv4 peer is its IPv4 address"
        );
        assert!(!host.trusts(ip("127.0.0.2")));
        assert!(TrustedProxies::parse(&["0.0.0.0/0"]).unwrap().trusts(ip("8.8.8.8")));
        let v6 = TrustedProxies::parse(&["fd00::/8"]).unwrap();
        assert!(v6.trusts(ip("fd12::1")) && !v6.trusts(ip("fe80::1")) && !v6.trusts(ip("10.0.0.1")));
        assert!(!TrustedProxies::default().trusts(ip("127.0.0.1")), "nobody by default");
    }

    #[test]
    fn errors_name_the_entry() {
        for bad in ["10.0.0.0/33", "10.0.0.0/x", "proxy.internal", "10.0.0/8", ""] {
            let error = TrustedProxies::parse(&["127.0.0.1", bad]).unwrap_err().to_string();
            assert!(error.contains(&format!("{bad:?}")), "{bad}: {error}");
        }
    }
}
