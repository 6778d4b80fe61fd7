//! Configuration as seen on the wire: endpoints from a region or set explicitly, the default
//! and a custom `User-Agent`, a caller-supplied HTTP client, and the `Accept` header.

use cloudjobs::runtime::{
    Config, ConfigBuilder, Method, Operation, Request, Server, ServerVariable, Service,
    ServiceClient,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

static JOBS: Service = Service {
    name: "test_jobs",
    title: "Test jobs",
    servers: &[Server {
        url: "https://jobs.{region}.example.invalid/",
        variables: &[ServerVariable {
            name: "region",
            default: "eu-de",
            allowed: &["eu-de", "eu-nl"],
        }],
    }],
};

static SHOW_JOB: Operation = Operation {
    id: "ShowJob",
    method: Method::GET,
    path: "/v1/{project_id}/jobs/{job_id}",
    authenticated: true,
};

/// Sends one request through a config made from `builder` (pointed at a fresh mock server)
/// and returns it as the server received it.
async fn received_with(builder: ConfigBuilder) -> wiremock::Request {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let config = builder.endpoint("test_jobs", server.uri()).build().unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    client
        .execute::<()>(Request::new(&SHOW_JOB, "/v1/p1/jobs/j1".into()))
        .await
        .unwrap();
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    received.remove(0)
}

#[tokio::test]
async fn default_user_agent_and_accept() {
    let r = received_with(Config::builder()).await;
    let agent = r.headers["user-agent"].to_str().unwrap();
    assert!(agent.starts_with("cloudjobs/"), "{agent}");
    assert_eq!(r.headers["accept"], "application/json");
    assert_eq!(r.url.path(), "/v1/p1/jobs/j1");
}

#[tokio::test]
async fn custom_user_agent() {
    let r = received_with(Config::builder().user_agent("my-tool/2.0")).await;
    assert_eq!(r.headers["user-agent"], "my-tool/2.0");
}

#[tokio::test]
async fn caller_supplied_http_client_with_a_user_agent() {
    // Any reqwest::Client will do; here, the one another configuration built.
    let shared = Config::builder()
        .build()
        .unwrap()
        .connection()
        .http_client()
        .clone();
    let r = received_with(
        Config::builder()
            .http_client(shared.clone())
            .user_agent("supplied/1.0"),
    )
    .await;
    assert_eq!(r.headers["user-agent"], "supplied/1.0");
    // Without an explicit user agent, the supplied client's own is kept.
    let r = received_with(Config::builder().http_client(shared)).await;
    assert!(
        r.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("cloudjobs/")
    );
}

#[tokio::test]
async fn an_operation_header_can_ask_for_another_media_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("plain"))
        .mount(&server)
        .await;
    let config = Config::builder()
        .endpoint("test_jobs", server.uri())
        .build()
        .unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let mut request = Request::new(&SHOW_JOB, "/v1/p1/jobs/j1".into());
    request.header("Accept", "text/plain");
    let text = client
        .execute::<()>(request)
        .await
        .unwrap()
        .text::<()>()
        .unwrap();
    assert_eq!(text.body(), "plain");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].headers["accept"], "text/plain");
}

#[test]
fn endpoints_from_the_region_or_explicit() {
    let config = Config::builder().region("eu-nl").build().unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    assert_eq!(client.base_url(), "https://jobs.eu-nl.example.invalid");

    let e =
        ServiceClient::new(&Config::builder().region("xx-1").build().unwrap(), &JOBS).unwrap_err();
    assert!(e.to_string().contains("not one of the values"), "{e}");

    let e = ServiceClient::new(&Config::builder().build().unwrap(), &JOBS).unwrap_err();
    assert!(e.to_string().contains("no region set"), "{e}");

    let config = Config::builder()
        .region("xx-1")
        .endpoint("test_jobs", "https://proxy.example.invalid/jobs/")
        .build()
        .unwrap();
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    assert_eq!(client.base_url(), "https://proxy.example.invalid/jobs");

    assert!(
        Config::builder()
            .endpoint("test_jobs", "jobs.example.invalid")
            .build()
            .is_err()
    );
}

/// Before the fix an IAM password went to a plain `http` IAM endpoint on any host, in clear.
/// Every route to IAM is checked where the token is requested: `PasswordAuth::iam_endpoint`
/// and the configuration's `iam_tokens` endpoint. The HTTP client sends everything through a
/// local proxy (the mock server), so the test sees whether anything was sent, and nothing
/// leaves the machine.
#[tokio::test]
async fn plain_http_iam_endpoints_are_refused_before_sending() {
    use cloudjobs::runtime::{Error, PasswordAuth, TokenSource};
    let proxy = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).insert_header("X-Subject-Token", "tok"))
        .mount(&proxy)
        .await;
    // Building a configuration installs the TLS crypto provider reqwest needs.
    Config::builder().build().unwrap();
    let client = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(proxy.uri()).unwrap())
        .build()
        .unwrap();
    let proxied = || Config::builder().http_client(client.clone());
    let password = || PasswordAuth::new("dom", "user", "pw-SECRET").project_name("eu-de");
    let plain = proxied().build().unwrap();
    let via_builder = password().iam_endpoint("http://u:url-SECRET@iam.example.invalid/v3");
    let via_endpoint = proxied()
        .endpoint("iam_tokens", "http://iam.example.invalid")
        .build()
        .unwrap();
    for (auth, config, source) in [
        (via_builder, &plain, "PasswordAuth::iam_endpoint"),
        (password(), &via_endpoint, "iam_tokens"),
    ] {
        let e = auth.fetch(config.connection()).await.unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, Error::InvalidRequest { .. }), "{text}");
        assert!(
            text.contains("plain http") && text.contains(source),
            "{text}"
        );
        assert!(!text.contains("SECRET"), "{text}");
    }
    assert_eq!(
        proxy.received_requests().await.unwrap().len(),
        0,
        "nothing sent"
    );
    // Allowed explicitly, the request is sent.
    let token = password()
        .iam_endpoint("http://iam.example.invalid/v3")
        .allow_plaintext_http()
        .fetch(plain.connection())
        .await
        .unwrap();
    assert_eq!(token.value().expose(), "tok");
    let received = proxy.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].url.host_str(), Some("iam.example.invalid"));
    // Loopback http needs nothing.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).insert_header("X-Subject-Token", "tok"))
        .mount(&server)
        .await;
    let token = password()
        .iam_endpoint(format!("{}/v3", server.uri()))
        .fetch(Config::builder().build().unwrap().connection())
        .await
        .unwrap();
    assert_eq!(token.value().expose(), "tok");
}

/// Before the fix a token (or an AK/SK signature and security token) went to a plain `http`
/// job endpoint on any host, in clear. Now an explicit endpoint that breaks the rule is
/// refused when the configuration is built, and any other URL (a server of the service) when
/// the request would be sent; requests without credentials, and the explicit opt-in, go.
/// The HTTP client sends through a local proxy (the mock server): nothing leaves the
/// machine.
#[tokio::test]
async fn credentials_are_not_sent_to_a_plain_http_endpoint_off_this_machine() {
    use cloudjobs::runtime::{Auth, Error};
    static PLAIN: Service = Service {
        name: "plain_jobs",
        title: "Plain jobs",
        servers: &[Server {
            url: "http://jobs.example.invalid/",
            variables: &[],
        }],
    };
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&proxy)
        .await;
    Config::builder().build().unwrap();
    let client = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(proxy.uri()).unwrap())
        .build()
        .unwrap();
    let token = || Auth::token("tok-SECRET");
    let e = Config::builder()
        .auth(token())
        .endpoint("test_jobs", "http://u:url-SECRET@jobs.example.invalid")
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("test_jobs") && e.contains("plain http"), "{e}");
    assert!(!e.contains("SECRET"), "{e}");
    let client = &client;
    let send = |builder: ConfigBuilder| async move {
        let config = builder.http_client(client.clone()).build().unwrap();
        let client = ServiceClient::new(&config, &PLAIN).unwrap();
        let request = Request::new(&SHOW_JOB, "/v1/p/jobs/j".to_owned());
        client.execute::<serde_json::Value>(request).await
    };
    let refused = send(Config::builder().auth(token())).await.unwrap_err();
    assert!(matches!(refused, Error::InvalidRequest { .. }), "{refused}");
    assert!(refused.to_string().contains("--insecure-http"), "{refused}");
    assert!(
        proxy.received_requests().await.unwrap().is_empty(),
        "nothing sent"
    );
    // Without credentials, and with the opt-in, the request goes.
    send(Config::builder()).await.unwrap();
    send(Config::builder().auth(token()).allow_plaintext_http(true))
        .await
        .unwrap();
    let received = proxy.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    assert!(!received[0].headers.contains_key("x-auth-token"));
    assert_eq!(received[1].headers["x-auth-token"], "tok-SECRET");
}

/// A region the spec's servers do not name (here `eu-ch2`, the Swiss cloud's) is reached
/// where IAM's service catalog puts the service: the catalog is asked with the request's own
/// token, and the job request goes to the catalog's host (resolved to a local server here),
/// never to a host made up from the region.
#[tokio::test]
async fn a_region_the_spec_does_not_name_is_reached_through_the_iam_catalog() {
    use cloudjobs::runtime::{Auth, Catalog};
    use wiremock::matchers::{header, path};

    let iam = MockServer::start().await;
    let jobs = MockServer::start().await;
    let port = jobs.address().port();
    Mock::given(method("GET"))
        .and(path("/v3/auth/catalog"))
        .and(header("x-auth-token", "tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "catalog": [
                {"type": "compute", "name": "nova", "endpoints": [
                    {"url": format!("http://ecs.eu-ch2.test:{port}/v2/p1"), "region_id": "eu-ch2", "interface": "public"}
                ]},
                {"type": "jobs", "name": "jobs", "endpoints": [
                    {"url": format!("http://jobs.eu-ch2.test:{port}/v1"), "region_id": "eu-ch2", "interface": "public"}
                ]}
            ]
        })))
        .expect(1)
        .mount(&iam)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/p1/jobs/j1"))
        .and(header("x-auth-token", "tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&jobs)
        .await;
    cloudjobs::runtime::connection::install_crypto_provider();
    let http = reqwest::Client::builder()
        .resolve("jobs.eu-ch2.test", *jobs.address())
        .build()
        .unwrap();
    let config = Config::builder()
        .region("eu-ch2")
        .auth(Auth::token("tok-1"))
        .http_client(http)
        // The catalog's hosts are plain http here (a local server), so allowed.
        .allow_plaintext_http(true)
        .build()
        .unwrap();
    // Without the catalog the spec refuses the region, naming the ones it serves.
    let refused = ServiceClient::new(&config, &JOBS).unwrap_err();
    assert!(refused.to_string().contains("eu-de, eu-nl"), "{refused}");
    let catalog = Catalog::fetch(&config, Some(&format!("{}/v3", iam.uri())))
        .await
        .unwrap();
    let config = config.with_catalog(catalog.clone());
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    assert_eq!(client.base_url(), format!("http://jobs.eu-ch2.test:{port}"));
    client
        .execute::<()>(Request::new(&SHOW_JOB, "/v1/p1/jobs/j1".into()))
        .await
        .unwrap();
    // A region the catalog does not name either stays refused.
    let other = Config::builder().region("xx-none-1").build().unwrap();
    let other = Config::new(other.connection().with_catalog(catalog), Auth::None);
    let refused = ServiceClient::new(&other, &JOBS).unwrap_err();
    assert!(refused.to_string().contains("xx-none-1"), "{refused}");
}
