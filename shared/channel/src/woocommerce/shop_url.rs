//! Shop URL checks against server-side request forgery: a shop must be
//! served over HTTPS, and its host must not resolve to a loopback, private,
//! link-local or otherwise internal address (cloud metadata at
//! 169.254.169.254 included). Redirects are never followed by the channel's
//! HTTP client, so a public shop cannot bounce a request inward either.
//!
//! The check runs twice: when a shop URL is given ([`check_shop_url`], with
//! a clear answer to the operator), and on every connection to a shop, in
//! the shop HTTP client's resolver ([`GuardedResolver`]), so a host that
//! passes the first check and later resolves inward (DNS rebinding) is
//! refused at connect time.
//!
//! `local` alone may allow loopback shops (the sandboxes run on 127.0.0.1
//! over plain HTTP); private and link-local addresses stay refused even then.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// What a shop URL may point at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShopUrlPolicy {
    /// Allow hosts that resolve to loopback addresses, over HTTP too (`local` only).
    pub allow_loopback: bool,
}

/// Why a shop URL is refused. Messages are shown to the operator as they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShopUrlError {
    #[error("the shop URL is not a valid URL: {0}")]
    Malformed(String),
    #[error("the shop must be served over HTTPS (SSL); {0} is not an https:// URL")]
    NotHttps(String),
    #[error("the shop URL must not contain a user name, password, query or fragment")]
    ExtraParts,
    #[error("the shop host {0} could not be resolved")]
    Unresolvable(String),
    #[error(
        "the shop host {host} resolves to a {kind} address ({addr}), which the channel never calls"
    )]
    Forbidden {
        host: String,
        kind: &'static str,
        addr: IpAddr,
    },
}

impl ShopUrlError {
    /// A short machine-readable code for API answers.
    pub fn code(&self) -> &'static str {
        match self {
            ShopUrlError::Malformed(_) | ShopUrlError::ExtraParts => "invalid_shop_url",
            ShopUrlError::NotHttps(_) => "shop_not_https",
            ShopUrlError::Unresolvable(_) => "shop_unresolvable",
            ShopUrlError::Forbidden { .. } => "shop_address_forbidden",
        }
    }
}

/// Parses and normalises a shop URL (no trailing slash), checking everything
/// that does not need DNS: scheme, no credentials/query/fragment, and literal
/// IP addresses.
pub fn parse_shop_url(raw: &str, policy: ShopUrlPolicy) -> Result<Url, ShopUrlError> {
    let url = Url::parse(raw.trim()).map_err(|e| ShopUrlError::Malformed(e.to_string()))?;
    let host = url
        .host()
        .ok_or_else(|| ShopUrlError::Malformed("no host".into()))?;
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(ShopUrlError::ExtraParts);
    }
    let literal = match host {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    };
    let loopback_name = matches!(host, Host::Domain(d) if d.eq_ignore_ascii_case("localhost"));
    let loopback =
        loopback_name || literal.is_some_and(|ip| forbidden_kind(ip) == Some("loopback"));
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_loopback && loopback => {}
        _ => return Err(ShopUrlError::NotHttps(url.origin().ascii_serialization())),
    }
    if let Some(ip) = literal {
        check_addr(&host.to_string(), ip, policy)?;
    }
    let mut normalised = url.clone();
    let path = normalised.path().trim_end_matches('/').to_string();
    normalised.set_path(&path);
    Ok(normalised)
}

/// [`parse_shop_url`] plus DNS: every address the host resolves to must be allowed.
pub async fn check_shop_url(raw: &str, policy: ShopUrlPolicy) -> Result<Url, ShopUrlError> {
    let url = parse_shop_url(raw, policy)?;
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    resolve_allowed(&host, port, policy).await?;
    Ok(url)
}

/// The addresses of `host`, if every one of them is allowed.
pub async fn resolve_allowed(
    host: &str,
    port: u16,
    policy: ShopUrlPolicy,
) -> Result<Vec<SocketAddr>, ShopUrlError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| ShopUrlError::Unresolvable(host.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(ShopUrlError::Unresolvable(host.to_string()));
    }
    for addr in &addrs {
        check_addr(host, addr.ip(), policy)?;
    }
    Ok(addrs)
}

/// The DNS resolver of the shop HTTP client: resolves like the system, and
/// refuses a name any of whose addresses is not allowed by the policy.
/// (Literal IP hosts do not reach a resolver; [`parse_shop_url`] checks them.)
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    pub policy: ShopUrlPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: reqwest puts the URL's port in.
            let addrs = resolve_allowed(&host, 0, policy).await.map_err(|e| {
                tracing::warn!(host = %host, error = %e, "shop connection refused");
                Box::new(e) as Box<dyn std::error::Error + Send + Sync>
            })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn check_addr(host: &str, addr: IpAddr, policy: ShopUrlPolicy) -> Result<(), ShopUrlError> {
    match forbidden_kind(addr) {
        None => Ok(()),
        Some("loopback") if policy.allow_loopback => Ok(()),
        Some(kind) => Err(ShopUrlError::Forbidden {
            host: host.to_string(),
            kind,
            addr,
        }),
    }
}

/// The kind of internal address `addr` is, or `None` for a public one.
pub fn forbidden_kind(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_kind(v4),
            None => v6_kind(v6),
        },
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_broadcast()
        || ip.is_multicast()
        || a >= 240
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
    {
        Some("reserved")
    } else {
        None
    }
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("reserved")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: ShopUrlPolicy = ShopUrlPolicy {
        allow_loopback: false,
    };
    const LOCAL: ShopUrlPolicy = ShopUrlPolicy {
        allow_loopback: true,
    };

    #[test]
    fn http_shops_are_refused_with_a_clear_message() {
        let err = parse_shop_url("http://shop.example.lv", STRICT).unwrap_err();
        assert_eq!(err.code(), "shop_not_https");
        assert!(err.to_string().contains("HTTPS"), "{err}");
        // The local flag allows plain HTTP for loopback hosts only.
        let err = parse_shop_url("http://shop.example.lv", LOCAL).unwrap_err();
        assert_eq!(err.code(), "shop_not_https");
        assert!(parse_shop_url("http://127.0.0.1:8081", LOCAL).is_ok());
        assert_eq!(
            parse_shop_url("ftp://shop.example.lv", STRICT)
                .unwrap_err()
                .code(),
            "shop_not_https"
        );
    }

    #[test]
    fn literal_internal_addresses_are_refused() {
        for raw in [
            "https://127.0.0.1",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.5",
            "https://172.16.3.4",
            "https://192.168.1.1",
            "https://[::1]",
            "https://[fd00::1]",
            "https://[fe80::1]",
            "https://[::ffff:169.254.169.254]",
            "https://0.0.0.0",
            "https://100.64.0.1",
        ] {
            let err = parse_shop_url(raw, STRICT).unwrap_err();
            assert_eq!(err.code(), "shop_address_forbidden", "{raw}: {err}");
        }
        // Loopback allowed in local; metadata and private ranges never.
        assert!(parse_shop_url("https://127.0.0.1", LOCAL).is_ok());
        for raw in [
            "https://169.254.169.254",
            "https://10.1.2.3",
            "http://169.254.169.254",
        ] {
            assert!(parse_shop_url(raw, LOCAL).is_err(), "{raw}");
        }
    }

    #[test]
    fn credentials_query_and_fragment_are_refused_and_paths_normalised() {
        assert_eq!(
            parse_shop_url("https://u:p@shop.example.lv", STRICT)
                .unwrap_err()
                .code(),
            "invalid_shop_url"
        );
        assert_eq!(
            parse_shop_url("https://shop.example.lv/?x=1", STRICT)
                .unwrap_err()
                .code(),
            "invalid_shop_url"
        );
        assert_eq!(
            parse_shop_url("not a url", STRICT).unwrap_err().code(),
            "invalid_shop_url"
        );
        let url = parse_shop_url(" https://shop.example.lv/store/ ", STRICT).unwrap();
        assert_eq!(url.as_str(), "https://shop.example.lv/store");
        assert_eq!(
            parse_shop_url("https://93.184.216.34", STRICT)
                .unwrap()
                .host_str(),
            Some("93.184.216.34")
        );
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_unless_local() {
        let err = check_shop_url("https://localhost:9", STRICT)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "shop_address_forbidden", "{err}");
        assert!(check_shop_url("https://localhost:9", LOCAL).await.is_ok());
        assert!(check_shop_url("http://localhost:9", LOCAL).await.is_ok());
        let err = check_shop_url("https://no-such-host.invalid", STRICT)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "shop_unresolvable", "{err}");
    }

    #[test]
    fn public_addresses_pass() {
        assert_eq!(forbidden_kind("93.184.216.34".parse().unwrap()), None);
        assert_eq!(forbidden_kind("2606:2800:220:1::1".parse().unwrap()), None);
        assert_eq!(
            forbidden_kind("169.254.169.254".parse().unwrap()),
            Some("link-local")
        );
    }

    /// A name that resolves to a loopback address is refused when the shop
    /// client connects, not only when the URL is checked: what DNS says at
    /// connect time is what counts (DNS rebinding).
    #[tokio::test]
    async fn the_shop_client_refuses_internal_addresses_at_connect_time() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            }
        });
        let url = format!("http://localhost:{port}/wp-json/wc/v3/system_status");

        let strict = crate::app::http_client(Some(STRICT), &[]).unwrap();
        let err = strict.get(&url).send().await.unwrap_err();
        let mut chain = Vec::new();
        let mut source: Option<&dyn std::error::Error> = Some(&err);
        while let Some(e) = source {
            chain.push(e.to_string());
            source = e.source();
        }
        assert!(
            chain.iter().any(|m| m.contains("loopback address")),
            "{chain:?}"
        );

        let local = crate::app::http_client(Some(LOCAL), &[]).unwrap();
        let ok = local.get(&url).send().await.unwrap();
        assert_eq!(ok.status(), 200);
    }
}
