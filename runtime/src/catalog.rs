//! The IAM service catalog (`GET /v3/auth/catalog`, Open Telekom Cloud IAM API "Querying the
//! Service Catalog"): where each service of the token's project is, as IAM itself says.
//!
//! A spec's servers name the regions its document and the SDKs confirm. A region they do not
//! name (the Swiss cloud's `eu-ch2`, whose hosts are on `sc.otc.t-systems.com`; a region newer
//! than the spec) is reached through the catalog instead of a guessed host: the endpoint whose
//! host starts with the host prefix of one of the spec's servers (`ims` for
//! `https://ims.{region}.otc.t-systems.com`). See
//! [`Connection::with_catalog`](crate::Connection::with_catalog), [`Catalog::fetch`] and
//! [`Config::with_service_catalog`](crate::Config::with_service_catalog).

use reqwest::Url;
use serde::Deserialize;

use super::transport::Service;

/// The public endpoints of a service catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    endpoints: Vec<CatalogEndpoint>,
}

/// One endpoint of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CatalogEndpoint {
    /// The catalog's service type (`compute`, `image`, ...).
    pub service_type: String,
    /// The catalog's service name (`nova`, `ims`, ...).
    pub service_name: String,
    /// The region the endpoint belongs to (`region_id`, else `region`); `None` when the
    /// catalog does not say (then it is the token's project's).
    pub region: Option<String>,
    /// The endpoint URL as IAM gives it (often with a version and the project id).
    pub url: String,
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    catalog: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default, rename = "type")]
    service_type: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    endpoints: Vec<RawEndpoint>,
}

#[derive(Deserialize)]
struct RawEndpoint {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    region_id: Option<String>,
    #[serde(default)]
    interface: Option<String>,
}

impl Catalog {
    /// The catalog of an IAM answer (`{"catalog": [{"type", "name", "endpoints": [...]}]}`):
    /// its public endpoints (an endpoint without `interface` counts as public), in order.
    /// Entries without a URL are left out; unknown members are ignored.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let body: Body =
            serde_json::from_slice(body).map_err(|e| format!("not a service catalog: {e}"))?;
        let endpoints = body
            .catalog
            .into_iter()
            .flat_map(|entry| {
                let service_type = entry.service_type.unwrap_or_default();
                let service_name = entry.name.unwrap_or_default();
                entry.endpoints.into_iter().filter_map(move |e| {
                    let public = e.interface.as_deref().is_none_or(|i| i == "public");
                    let url = e.url.filter(|u| !u.trim().is_empty())?;
                    public.then(|| CatalogEndpoint {
                        service_type: service_type.clone(),
                        service_name: service_name.clone(),
                        region: e.region_id.or(e.region).filter(|r| !r.is_empty()),
                        url,
                    })
                })
            })
            .collect();
        Ok(Self { endpoints })
    }

    /// Its public endpoints.
    pub fn endpoints(&self) -> &[CatalogEndpoint] {
        &self.endpoints
    }

    /// The base URL (`scheme://host[:port]`) of `service` in `region`: the first endpoint
    /// whose host's first label is the first label of one of the service's server hosts,
    /// and that is in `region` (or in no stated region, with a host that names `region`),
    /// an endpoint of a stated region first. `None` when the catalog has none.
    pub fn base_url_for(&self, service: &Service, region: &str) -> Option<String> {
        // The first label of each server's host (`ims` of `https://ims.{region}...`), when
        // it is a plain name.
        let prefixes: Vec<&str> = service
            .servers
            .iter()
            .filter_map(|s| s.host_labels().next())
            .filter(|label| !label.is_empty() && !label.contains('{'))
            .collect();
        let candidates = self.endpoints.iter().filter_map(|e| {
            let url = Url::parse(&e.url).ok()?;
            let host = url.host_str()?;
            let label = host.split('.').next()?;
            (prefixes.contains(&label) && matches!(url.scheme(), "http" | "https"))
                .then_some((e, url))
        });
        // An endpoint of no stated region counts only when its host names the region
        // (`ims.eu-ch2.sc.otc.t-systems.com`): the catalog is the token's project's, whose
        // region may be another than the one asked for.
        let names_region = |url: &Url| {
            url.host_str()
                .is_some_and(|h| h.split('.').any(|label| label == region))
        };
        // The first of a stated region, else the first of none.
        let (_, url) = candidates
            .filter(|(e, url)| match e.region.as_deref() {
                Some(r) => r == region,
                None => names_region(url),
            })
            .min_by_key(|(e, _)| e.region.is_none())?;
        let host = url.host_str()?;
        Some(match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Server, ServerVariable};

    static IMS_LIKE: Service = Service {
        name: "ims_like",
        title: "IMS-like",
        servers: &[
            Server {
                url: "https://ims.{region}.otc.example",
                variables: &[ServerVariable {
                    name: "region",
                    default: "eu-de",
                    allowed: &["eu-de"],
                }],
            },
            Server {
                url: "https://ims.{region}.hwc.example",
                variables: &[ServerVariable {
                    name: "region",
                    default: "ap-southeast-1",
                    allowed: &["ap-southeast-1"],
                }],
            },
        ],
    };

    const BODY: &str = r#"{
      "catalog": [
        {"type": "compute", "name": "nova", "id": "1", "endpoints": [
          {"url": "https://ecs.eu-ch2.sc.example/v2/p1", "region": "eu-ch2", "region_id": "eu-ch2", "interface": "public", "id": "a"}
        ]},
        {"type": "image", "name": "ims", "endpoints": [
          {"url": "https://ims.internal.example/v2", "region_id": "eu-ch2", "interface": "internal"},
          {"url": "https://ims.eu-nl.sc.example:8443/v2", "region_id": "eu-nl", "interface": "public"},
          {"url": "https://ims.eu-ch2.sc.example/v2", "region_id": null, "region": null, "interface": "public"},
          {"url": "", "region_id": "eu-ch2"}
        ]},
        {"type": "volume", "endpoints": [{"url": "https://evs.eu-ch2.sc.example/v2/p1"}]}
      ],
      "links": {"self": "https://iam.example/v3/auth/catalog"}
    }"#;

    #[test]
    fn public_endpoints_are_read_and_matched_by_host_prefix() {
        let catalog = Catalog::from_json(BODY.as_bytes()).unwrap();
        // The internal and the URL-less endpoints are left out.
        assert_eq!(catalog.endpoints().len(), 4);
        assert_eq!(catalog.endpoints()[0].service_name, "nova");
        assert_eq!(catalog.endpoints()[3].region, None);
        assert_eq!(
            catalog.base_url_for(&IMS_LIKE, "eu-ch2").as_deref(),
            Some("https://ims.eu-ch2.sc.example")
        );
        // An endpoint of the region itself wins over one of no stated region; the port stays.
        assert_eq!(
            catalog.base_url_for(&IMS_LIKE, "eu-nl").as_deref(),
            Some("https://ims.eu-nl.sc.example:8443")
        );
        let other =
            Catalog::from_json(br#"{"catalog": [{"endpoints": [{"url": "https://ecs.x/v2"}]}]}"#)
                .unwrap();
        assert_eq!(other.base_url_for(&IMS_LIKE, "eu-ch2"), None);
    }

    #[test]
    fn odd_bodies_are_errors_or_empty_never_panics() {
        assert!(Catalog::from_json(b"not json").is_err());
        assert!(Catalog::from_json(br#"{"catalog": 3}"#).is_err());
        assert_eq!(Catalog::from_json(b"{}").unwrap(), Catalog::default());
        let odd = Catalog::from_json(
            br#"{"catalog": [{"endpoints": [{"url": "not a url"}, {"url": "ftp://ims.x/"}]}]}"#,
        )
        .unwrap();
        assert_eq!(odd.base_url_for(&IMS_LIKE, "eu-ch2"), None);
    }
}
