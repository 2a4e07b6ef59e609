//! Shop URL checks against server-side request forgery: a shop must be
//! served over HTTPS, and its host must not resolve to a loopback, private,
//! link-local or otherwise internal address (cloud metadata at
//! 169.254.169.254 included). Redirects are never followed by the channel's
//! HTTP client, so a public shop cannot bounce a request inward either.
//!
//! "Internal" is every row of the IANA IPv4 and IPv6 special-purpose
//! address registries that the registry does not mark globally reachable
//! ([`IPV4_SPECIAL`], [`IPV6_SPECIAL`], with their RFCs), and the IPv6
//! forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64
//! `64:ff9b::/96`, 6to4 `2002::/16`) are judged as that IPv4 address: in a
//! network with a NAT64 gateway `64:ff9b::a9fe:a9fe` *is* 169.254.169.254.
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
        "the shop host {host} resolves to a {kind} address ({addr}; {rule}), which the channel never calls"
    )]
    Forbidden {
        host: String,
        kind: String,
        addr: IpAddr,
        /// The special-purpose registry row: range and RFC.
        rule: String,
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
    let loopback = is_loopback_host(&host);
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

/// Whether a URL's host names this machine's loopback as written: `localhost`,
/// or a literal loopback address (127/8, `::1`, 127/8 written IPv4-mapped).
pub fn is_loopback_host<S: AsRef<str>>(host: &Host<S>) -> bool {
    match host {
        Host::Domain(d) => d.as_ref().eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => special_use(IpAddr::V4(*ip)).is_some_and(|found| found.loopback),
        Host::Ipv6(ip) => special_use(IpAddr::V6(*ip)).is_some_and(|found| found.loopback),
    }
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
    match special_use(addr) {
        None => Ok(()),
        Some(found) if found.loopback && policy.allow_loopback => Ok(()),
        Some(found) => Err(ShopUrlError::Forbidden {
            host: host.to_string(),
            kind: found.kind,
            addr,
            rule: found.rule,
        }),
    }
}

// ---- the IANA special-purpose address registries --------------------------

/// How the channel treats the addresses of one registry row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// "Globally Reachable: True" in the registry: a shop may live there.
    Global,
    /// Not globally reachable (False, or N/A for deprecated rows): refused.
    Internal,
    /// An IPv6 form that carries an IPv4 address (at [`Embedding`]): judged
    /// as that IPv4 address.
    Embeds(Embedding),
}

/// Where an IPv6 form keeps its IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Embedding {
    /// The last 32 bits (IPv4-mapped, IPv4-compatible, NAT64 /96).
    Low32,
    /// Bits 16–47 (6to4, `2002:AABB:CCDD::/48`).
    SixToFour,
}

/// One row of an address registry: the range, what it is, its RFC and how
/// the channel treats it. The most specific row containing an address rules.
#[derive(Clone, Copy, Debug)]
pub struct Row<A> {
    pub net: A,
    pub prefix: u8,
    pub kind: &'static str,
    pub rfc: &'static str,
    pub reach: Reach,
}

const fn v4(
    octets: [u8; 4],
    prefix: u8,
    kind: &'static str,
    rfc: &'static str,
    reach: Reach,
) -> Row<Ipv4Addr> {
    let [a, b, c, d] = octets;
    Row {
        net: Ipv4Addr::new(a, b, c, d),
        prefix,
        kind,
        rfc,
        reach,
    }
}

const fn v6(
    s: [u16; 8],
    prefix: u8,
    kind: &'static str,
    rfc: &'static str,
    reach: Reach,
) -> Row<Ipv6Addr> {
    Row {
        net: Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        prefix,
        kind,
        rfc,
        reach,
    }
}

use Embedding::{Low32, SixToFour};
use Reach::{Embeds, Global, Internal};

/// The IANA IPv4 Special-Purpose Address Registry (RFC 6890; rows as of
/// 2024), column "Globally Reachable" as [`Reach`] (N/A, for the deprecated
/// 6to4 relay anycast, as not reachable), plus multicast `224.0.0.0/4`,
/// which IANA lists in its multicast registry instead.
#[rustfmt::skip]
pub const IPV4_SPECIAL: &[Row<Ipv4Addr>] = &[
    v4([0, 0, 0, 0],         8,  "\"this network\"",              "RFC 791 §3.2",                  Internal),
    v4([0, 0, 0, 0],         32, "unspecified",                   "RFC 1122 §3.2.1.3",             Internal),
    v4([10, 0, 0, 0],        8,  "private",                       "RFC 1918",                      Internal),
    v4([100, 64, 0, 0],      10, "shared (carrier-grade NAT)",    "RFC 6598",                      Internal),
    v4([127, 0, 0, 0],       8,  "loopback",                      "RFC 1122 §3.2.1.3",             Internal),
    v4([169, 254, 0, 0],     16, "link-local",                    "RFC 3927",                      Internal),
    v4([172, 16, 0, 0],      12, "private",                       "RFC 1918",                      Internal),
    v4([192, 0, 0, 0],       24, "IETF protocol assignment",      "RFC 6890 §2.1",                 Internal),
    v4([192, 0, 0, 0],       29, "IPv4 service continuity",       "RFC 7335",                      Internal),
    v4([192, 0, 0, 8],       32, "IPv4 dummy",                    "RFC 7600",                      Internal),
    v4([192, 0, 0, 9],       32, "PCP anycast",                   "RFC 7723",                      Global),
    v4([192, 0, 0, 10],      32, "TURN anycast",                  "RFC 8155",                      Global),
    v4([192, 0, 0, 170],     32, "NAT64/DNS64 discovery",         "RFC 8880, RFC 7050 §2.2",       Internal),
    v4([192, 0, 0, 171],     32, "NAT64/DNS64 discovery",         "RFC 8880, RFC 7050 §2.2",       Internal),
    v4([192, 0, 2, 0],       24, "documentation (TEST-NET-1)",    "RFC 5737",                      Internal),
    v4([192, 31, 196, 0],    24, "AS112-v4",                      "RFC 7535",                      Global),
    v4([192, 52, 193, 0],    24, "AMT",                           "RFC 7450",                      Global),
    v4([192, 88, 99, 0],     24, "deprecated 6to4 relay anycast", "RFC 7526",                      Internal),
    v4([192, 88, 99, 2],     32, "6a44 relay anycast",            "RFC 6751",                      Internal),
    v4([192, 168, 0, 0],     16, "private",                       "RFC 1918",                      Internal),
    v4([192, 175, 48, 0],    24, "AS112 direct delegation",       "RFC 7534",                      Global),
    v4([198, 18, 0, 0],      15, "benchmarking",                  "RFC 2544",                      Internal),
    v4([198, 51, 100, 0],    24, "documentation (TEST-NET-2)",    "RFC 5737",                      Internal),
    v4([203, 0, 113, 0],     24, "documentation (TEST-NET-3)",    "RFC 5737",                      Internal),
    v4([224, 0, 0, 0],       4,  "multicast",                     "RFC 5771 (multicast registry)", Internal),
    v4([240, 0, 0, 0],       4,  "reserved",                      "RFC 1112 §4",                   Internal),
    v4([255, 255, 255, 255], 32, "limited broadcast",             "RFC 8190, RFC 919 §7",          Internal),
];

/// The IANA IPv6 Special-Purpose Address Registry (RFC 6890; rows as of
/// 2024), column "Globally Reachable" as [`Reach`] (N/A, for Teredo and the
/// deprecated ORCHID, as not reachable; the forms that carry an IPv4 address
/// are judged by it), plus the ranges RFC 4291 defines outside it:
/// IPv4-compatible `::/96` (deprecated), site-local `fec0::/10` (deprecated,
/// RFC 3879) and multicast `ff00::/8`.
#[rustfmt::skip]
pub const IPV6_SPECIAL: &[Row<Ipv6Addr>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 1],              128, "loopback",                 "RFC 4291",           Internal),
    v6([0, 0, 0, 0, 0, 0, 0, 0],              128, "unspecified",              "RFC 4291",           Internal),
    v6([0, 0, 0, 0, 0, 0, 0, 0],              96,  "IPv4-compatible",          "RFC 4291 §2.5.5.1",  Embeds(Low32)),
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0],         96,  "IPv4-mapped",              "RFC 4291",           Embeds(Low32)),
    v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0],      96,  "NAT64",                    "RFC 6052",           Embeds(Low32)),
    // Local-use NAT64: where the IPv4 address sits depends on the operator's
    // prefix length (RFC 6052 §2.2), and the registry says "not globally
    // reachable": refused whole.
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0],      48,  "local-use NAT64",          "RFC 8215",           Internal),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0],          64,  "discard-only",             "RFC 6666",           Internal),
    v6([0x100, 0, 0, 1, 0, 0, 0, 0],          64,  "dummy prefix",             "RFC 9780",           Internal),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0],         23,  "IETF protocol assignment", "RFC 2928",           Internal),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0],         32,  "Teredo",                   "RFC 4380, RFC 8190", Internal),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 1],         128, "PCP anycast",              "RFC 7723",           Global),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 2],         128, "TURN anycast",             "RFC 8155",           Global),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 3],         128, "DNS-SD SRP anycast",       "RFC 9665",           Global),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0],         48,  "benchmarking",             "RFC 5180",           Internal),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0],         32,  "AMT",                      "RFC 7450",           Global),
    v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0],     48,  "AS112-v6",                 "RFC 7535",           Global),
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0],      28,  "deprecated ORCHID",        "RFC 4843",           Internal),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0],      28,  "ORCHIDv2",                 "RFC 7343",           Global),
    v6([0x2001, 0x30, 0, 0, 0, 0, 0, 0],      28,  "drone remote ID (DET)",    "RFC 9374",           Global),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],     32,  "documentation",            "RFC 3849",           Internal),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0],         16,  "6to4",                     "RFC 3056",           Embeds(SixToFour)),
    v6([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48,  "AS112 direct delegation",  "RFC 7534",           Global),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0],         20,  "documentation",            "RFC 9637",           Internal),
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0],         16,  "SRv6 SID",                 "RFC 9602",           Internal),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0],         7,   "unique-local (private)",   "RFC 4193, RFC 8190", Internal),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0],         10,  "link-local",               "RFC 4291",           Internal),
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0],         10,  "deprecated site-local",    "RFC 3879",           Internal),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0],         8,   "multicast",                "RFC 4291",           Internal),
];

/// Why an address is not one the channel calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecialUse {
    /// What the address is, in words ("loopback", "benchmarking", …).
    pub kind: String,
    /// The registry row(s): range and RFC.
    pub rule: String,
    /// A loopback address of this machine itself (127/8, `::1`, and 127/8
    /// written IPv4-mapped): `local` may allow it, nothing else is.
    pub loopback: bool,
}

/// The special-purpose use of `addr` that keeps the channel from calling
/// it, or `None` for an address a shop may have (public unicast, or a row
/// the registry marks globally reachable).
pub fn special_use(addr: IpAddr) -> Option<SpecialUse> {
    match addr {
        IpAddr::V4(ip) => v4_special_use(ip),
        IpAddr::V6(ip) => v6_special_use(ip),
    }
}

fn v4_special_use(ip: Ipv4Addr) -> Option<SpecialUse> {
    let row = most_specific(IPV4_SPECIAL, |r| {
        prefix_matches(u32::from(ip).into(), u32::from(r.net).into(), r.prefix, 32)
    })?;
    match row.reach {
        Global | Reach::Embeds(_) => None,
        Internal => Some(SpecialUse {
            kind: row.kind.to_string(),
            rule: format!("{}/{}, {}", row.net, row.prefix, row.rfc),
            loopback: row.kind == "loopback",
        }),
    }
}

fn v6_special_use(ip: Ipv6Addr) -> Option<SpecialUse> {
    let row = most_specific(IPV6_SPECIAL, |r| {
        prefix_matches(u128::from(ip), u128::from(r.net), r.prefix, 128)
    })?;
    let range = format!("{}/{}, {}", row.net, row.prefix, row.rfc);
    match row.reach {
        Global => None,
        Internal => Some(SpecialUse {
            kind: row.kind.to_string(),
            rule: range,
            loopback: row.kind == "loopback",
        }),
        Reach::Embeds(at) => {
            let inner = v4_special_use(embedded_v4(ip, at))?;
            let mapped = row.net.segments()[5] == 0xffff;
            Some(SpecialUse {
                kind: format!("{} (written as {})", inner.kind, row.kind),
                rule: format!("{}; inside {range}", inner.rule),
                // Only the mapped form reaches this machine's own loopback.
                loopback: inner.loopback && mapped,
            })
        }
    }
}

/// The IPv4 address an IPv6 form carries.
fn embedded_v4(ip: Ipv6Addr, at: Embedding) -> Ipv4Addr {
    let bits = u128::from(ip);
    let shift = match at {
        Embedding::Low32 => 0,
        Embedding::SixToFour => 80,
    };
    // Masked to 32 bits: the cast keeps exactly them.
    Ipv4Addr::from(((bits >> shift) & 0xffff_ffff) as u32)
}

/// Whether `addr` is inside `net/prefix` (addresses as integers of `width` bits).
fn prefix_matches(addr: u128, net: u128, prefix: u8, width: u32) -> bool {
    let host_bits = width.saturating_sub(u32::from(prefix));
    let mask = if host_bits >= 128 {
        0
    } else {
        u128::MAX << host_bits
    };
    let width_mask = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    (addr & mask & width_mask) == (net & mask & width_mask)
}

/// The row with the longest prefix among those `contains` accepts.
fn most_specific<A>(rows: &[Row<A>], contains: impl Fn(&Row<A>) -> bool) -> Option<&Row<A>> {
    rows.iter().filter(|r| contains(r)).max_by_key(|r| r.prefix)
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

    /// An address inside a row: the network address with its lowest bit
    /// set, or the address itself for a one-address row.
    fn inside_v4(row: &Row<Ipv4Addr>) -> Ipv4Addr {
        if row.prefix == 32 {
            row.net
        } else {
            Ipv4Addr::from(u32::from(row.net) | 1)
        }
    }

    fn inside_v6(row: &Row<Ipv6Addr>) -> Ipv6Addr {
        if row.prefix == 128 {
            row.net
        } else {
            Ipv6Addr::from(u128::from(row.net) | 1)
        }
    }

    /// `v4` written in the IPv6 form of `row`.
    fn carrying(row: &Row<Ipv6Addr>, at: Embedding, v4: Ipv4Addr) -> Ipv6Addr {
        let shift = match at {
            Embedding::Low32 => 0,
            Embedding::SixToFour => 80,
        };
        Ipv6Addr::from(u128::from(row.net) | (u128::from(u32::from(v4)) << shift))
    }

    fn allowed(addr: IpAddr) -> bool {
        let url = match addr {
            IpAddr::V4(ip) => format!("https://{ip}"),
            IpAddr::V6(ip) => format!("https://[{ip}]"),
        };
        let by_url = parse_shop_url(&url, STRICT);
        assert_eq!(
            by_url.is_ok(),
            special_use(addr).is_none(),
            "{url}: the URL check and the address check agree"
        );
        if let Err(e) = &by_url {
            assert_eq!(e.code(), "shop_address_forbidden", "{url}: {e}");
        }
        by_url.is_ok()
    }

    #[test]
    fn every_special_purpose_row_is_refused_unless_globally_reachable() {
        for row in IPV4_SPECIAL {
            let addr = inside_v4(row);
            let what = format!("{addr} in {}/{} ({})", row.net, row.prefix, row.kind);
            match row.reach {
                Reach::Global => assert!(allowed(addr.into()), "{what}"),
                Reach::Internal => assert!(!allowed(addr.into()), "{what}"),
                Reach::Embeds(_) => panic!("{what}: IPv4 rows carry nothing"),
            }
        }
        let public: Ipv4Addr = "93.184.216.34".parse().unwrap();
        let internal: [Ipv4Addr; 5] = [
            "127.0.0.1".parse().unwrap(),
            "169.254.169.254".parse().unwrap(),
            "10.0.0.1".parse().unwrap(),
            "198.18.0.1".parse().unwrap(),
            "0.0.0.0".parse().unwrap(),
        ];
        for row in IPV6_SPECIAL {
            let what = format!("{}/{} ({})", row.net, row.prefix, row.kind);
            match row.reach {
                Reach::Global => assert!(allowed(inside_v6(row).into()), "{what}"),
                Reach::Internal => assert!(!allowed(inside_v6(row).into()), "{what}"),
                Reach::Embeds(at) => {
                    let addr = carrying(row, at, public);
                    assert!(allowed(addr.into()), "{addr}: {what} of a public address");
                    for v4 in internal {
                        let addr = carrying(row, at, v4);
                        assert!(!allowed(addr.into()), "{addr}: {what} of {v4}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_probes_address_forms_are_refused() {
        for raw in [
            "198.18.0.1",
            "192.0.2.1",
            "2001:db8::1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "fec0::1",
            "64:ff9b:1::5db8:d822",
            "3fff::1",
            "5f00::1",
            "2001:2::1",
            "100::1",
        ] {
            let addr: IpAddr = raw.parse().unwrap();
            assert!(!allowed(addr), "{raw}");
            // Not this machine's loopback either: `local` refuses them too.
            let url = match addr {
                IpAddr::V4(ip) => format!("https://{ip}"),
                IpAddr::V6(ip) => format!("https://[{ip}]"),
            };
            assert!(parse_shop_url(&url, LOCAL).is_err(), "{raw} in local");
        }
        for raw in [
            "93.184.216.34",
            "2606:2800:220:1::1",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
            "192.0.0.9",
            "2001:4:112::1",
        ] {
            assert!(allowed(raw.parse().unwrap()), "{raw}");
        }
        // The message names what the address is and the registry row.
        let err = parse_shop_url("https://[64:ff9b::a9fe:a9fe]", STRICT).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("link-local (written as NAT64)")
                && text.contains("169.254.0.0/16, RFC 3927")
                && text.contains("64:ff9b::/96, RFC 6052"),
            "{text}"
        );
        // This machine's loopback, written IPv4-mapped, is still loopback for `local`.
        assert!(parse_shop_url("https://[::ffff:127.0.0.1]", LOCAL).is_ok());
        assert!(parse_shop_url("https://[::1]", LOCAL).is_ok());
    }

    #[test]
    fn public_addresses_pass() {
        assert_eq!(special_use("93.184.216.34".parse().unwrap()), None);
        assert_eq!(special_use("2606:2800:220:1::1".parse().unwrap()), None);
        assert_eq!(
            special_use("169.254.169.254".parse().unwrap()).map(|s| s.kind),
            Some("link-local".to_string())
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
