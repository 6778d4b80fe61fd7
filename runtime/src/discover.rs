//! What IAM says about the credentials beyond the token: the service catalog
//! (`GET /v3/auth/catalog`), where each service of the token's project is (see
//! [`Catalog`]).

use reqwest::Method;

use super::catalog::Catalog;
use super::client::ServiceClient;
use super::config::Config;
use super::connection::named_region_server;
use super::error::Error;
use super::iam::{IAM, iam_base};
use super::transport::{Operation, Request};

/// The catalog request, as IAM's API reference names it.
static LIST_CATALOG: Operation = Operation {
    id: "KeystoneListAuthCatalog",
    method: Method::GET,
    path: "/v3/auth/catalog",
    authenticated: true,
};

impl Catalog {
    /// The catalog of `config`'s credentials, from IAM: `iam_endpoint` when given (an
    /// `OS_AUTH_URL`, with or without `/v3`), else IAM's own server for `config`'s region
    /// (refused when IAM's servers do not name the region: its host would be a guess).
    /// Authenticated like any request of `config` (a token, or a cached IAM token); sent only
    /// over TLS or to this machine unless plain http is allowed.
    pub async fn fetch(config: &Config, iam_endpoint: Option<&str>) -> Result<Self, Error> {
        let invalid = |message: String| Error::InvalidRequest {
            operation: LIST_CATALOG.id,
            message,
        };
        let connection = match iam_endpoint {
            Some(url) => config
                .connection()
                .with_endpoint(IAM.name, &iam_base(url))
                .map_err(|e| invalid(format!("IAM endpoint: {e}")))?,
            None => {
                // IAM's own server for the region, never one made up from the region: the
                // credentials would go to a host nobody named.
                let region = config.region().unwrap_or_default();
                if named_region_server(IAM.servers, region).is_none() {
                    return Err(invalid(format!(
                        "no IAM endpoint is known for region `{region}`: give the IAM URL"
                    )));
                }
                config.connection().clone()
            }
        };
        let client = ServiceClient::new(&config.with_connection(connection), &IAM)
            .map_err(|e| invalid(format!("IAM endpoint: {e}")))?;
        let request = Request::new(&LIST_CATALOG, LIST_CATALOG.path.to_owned());
        let response = client.execute(request).await?;
        if !response.status().is_success() {
            return response.unexpected();
        }
        let catalog = Self::from_json(response.body())
            .map_err(|message| response.decode_error("the body", message))?;
        tracing::debug!(
            endpoints = catalog.endpoints().len(),
            request_id = response.request_id(),
            "IAM service catalog received"
        );
        Ok(catalog)
    }
}

impl Config {
    /// This configuration with the service catalog of its credentials (see [`Catalog::fetch`]
    /// with no IAM endpoint of its own), so that a region no spec server names is reached
    /// where IAM says the service is. The authentication (and its cached token) is shared.
    pub async fn with_service_catalog(&self) -> Result<Config, Error> {
        Ok(self.with_catalog(Catalog::fetch(self, None).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Server, ServerVariable, Service};

    static IMS_LIKE: Service = Service {
        name: "ims_like",
        title: "IMS-like",
        servers: &[Server {
            url: "https://ims.{region}.otc.example",
            variables: &[ServerVariable {
                name: "region",
                default: "eu-de",
                allowed: &["eu-de"],
            }],
        }],
    };

    const BODY: &str = r#"{"catalog": [{"type": "image", "endpoints": [
        {"url": "https://ims.eu-ch2.sc.example/v2", "region_id": null, "interface": "public"}
    ]}]}"#;

    #[test]
    fn the_spec_s_servers_come_before_the_catalog() {
        let catalog = Catalog::from_json(BODY.as_bytes()).unwrap();
        let endpoint = |region: &str| {
            Config::builder()
                .region(region)
                .build()
                .unwrap()
                .connection()
                .with_catalog(catalog.clone())
                .endpoint_for(&IMS_LIKE)
        };
        assert_eq!(endpoint("eu-de").unwrap(), "https://ims.eu-de.otc.example");
        assert_eq!(endpoint("eu-ch2").unwrap(), "https://ims.eu-ch2.sc.example");
        // Neither the spec nor the catalog: the spec's refusal, naming the allowed regions.
        let e = endpoint("xx-nowhere-1").unwrap_err();
        assert!(e.to_string().contains("eu-de"), "{e}");
    }

    #[tokio::test]
    async fn no_iam_url_is_made_up_for_a_region_iam_does_not_name() {
        let config = Config::builder().region("xx-none-1").build().unwrap();
        let e = Catalog::fetch(&config, None).await.unwrap_err().to_string();
        assert!(
            e.contains("no IAM endpoint is known for region `xx-none-1`"),
            "{e}"
        );
    }
}
