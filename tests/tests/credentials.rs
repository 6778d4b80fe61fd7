//! The credential chain (`runtime::credentials`), source by source, against temporary home
//! directories and a local metadata server: the environment, `clouds.yaml` with
//! `secure.yaml`, the Huawei Cloud credentials file, the instance metadata service with
//! expiring keys, the order between them, malformed files, and no secret in any message.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use cloudjobs::runtime::credentials::{Chain, Credential, CredentialError, Profile, Resolved};
use cloudjobs::runtime::{Config, Operation, Request, Secret, Service, ServiceClient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A chain over exactly these variables, a temporary home and no metadata service.
fn chain(home: &Path, vars: &[(&str, &str)]) -> Chain {
    let mut map: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    map.insert("HOME".into(), home.display().to_string());
    map.entry("CLOUDJOBS_METADATA_URL".into())
        .or_insert_with(|| "off".into());
    Chain::with_env(move |name| map.get(name).cloned()).system_config_dir(home.join("no-etc"))
}

async fn resolve(chain: Chain) -> Result<Resolved, CredentialError> {
    chain.resolve().await
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn no_secret(text: &str) {
    for secret in ["pw-SECRET", "sk-SECRET", "st-SECRET", "tok-SECRET"] {
        assert!(!text.contains(secret), "{secret} shown: {text}");
    }
}

#[tokio::test]
async fn environment_variables_of_both_tool_families() {
    let home = tempfile::tempdir().unwrap();
    let r = resolve(chain(
        home.path(),
        &[
            ("OS_USERNAME", "user"),
            ("OS_PASSWORD", "pw-SECRET"),
            ("OS_USER_DOMAIN_NAME", "OTC0001"),
            ("OS_PROJECT_NAME", "eu-de_p"),
            ("OS_REGION_NAME", "eu-de"),
            ("OS_AUTH_URL", "https://iam.eu-de.otc.t-systems.com/v3"),
        ],
    ))
    .await
    .unwrap();
    assert!(matches!(&r.credential, Credential::Password { user_name, .. } if user_name == "user"));
    assert_eq!(r.source, "environment");
    assert_eq!(r.settings.region.as_deref(), Some("eu-de"));
    assert_eq!(r.settings.project_name.as_deref(), Some("eu-de_p"));
    no_secret(&format!("{r:?} {:?}", r.trail));

    let r = resolve(chain(
        home.path(),
        &[
            ("HUAWEICLOUD_SDK_AK", "AK1"),
            ("HUAWEICLOUD_SDK_SK", "sk-SECRET"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "st-SECRET"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p1"),
        ],
    ))
    .await
    .unwrap();
    assert!(
        matches!(&r.credential, Credential::AkSk { access_key, security_token: Some(_), .. } if access_key == "AK1")
    );
    assert_eq!(r.settings.project_id.as_deref(), Some("p1"));

    // Half a credential is an error that names the variables, not a silent skip.
    let e = resolve(chain(home.path(), &[("HUAWEICLOUD_SDK_AK", "AK1")]))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("HUAWEICLOUD_SDK_SK or OS_SECRET_KEY"),
        "{e}"
    );
    let e = resolve(chain(
        home.path(),
        &[("OS_USERNAME", "u"), ("OS_PASSWORD", "pw-SECRET")],
    ))
    .await
    .unwrap_err();
    assert!(e.to_string().contains("OS_USER_DOMAIN_NAME"), "{e}");
    no_secret(&e.to_string());
}

const CLOUDS: &str = "
clouds:
  otc:
    region_name: eu-nl
    auth:
      auth_url: https://iam.eu-nl.otc.t-systems.com/v3
      username: cloud-user
      user_domain_name: OTC0002
      project_name: eu-nl
  other:
    auth:
      token: tok-SECRET
";

const SECURE: &str = "
clouds:
  otc:
    auth:
      password: pw-SECRET
";

#[tokio::test]
async fn clouds_yaml_with_secure_yaml_merged_over_it() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/openstack");
    write(&dir.join("clouds.yaml"), CLOUDS);
    write(&dir.join("secure.yaml"), SECURE);
    let r = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
        .await
        .unwrap();
    let Credential::Password {
        user_name,
        password,
    } = &r.credential
    else {
        panic!("{r:?}")
    };
    assert_eq!(user_name, "cloud-user");
    assert_eq!(password.expose(), "pw-SECRET");
    assert!(r.source.contains("clouds.yaml (cloud otc"), "{}", r.source);
    assert_eq!(r.settings.region.as_deref(), Some("eu-nl"));
    assert_eq!(r.settings.domain_name.as_deref(), Some("OTC0002"));

    // The environment comes first: its region wins, its credential too.
    let r = resolve(chain(
        home.path(),
        &[
            ("OS_CLOUD", "otc"),
            ("OS_REGION_NAME", "eu-de"),
            ("OS_AUTH_TOKEN", "tok-SECRET"),
        ],
    ))
    .await
    .unwrap();
    assert!(matches!(r.credential, Credential::Token(_)));
    assert_eq!(r.settings.region.as_deref(), Some("eu-de"));
    // ... and clouds.yaml still fills the settings the environment leaves unset, but not
    // those bound to a credential (the account, the IAM URL) from a lower source.
    assert_eq!(r.settings.project_name.as_deref(), Some("eu-nl"));
    assert_eq!(r.settings.domain_name, None);
    assert!(
        r.trail.iter().any(|t| t.contains("settings only")),
        "{:?}",
        r.trail
    );

    // Explicit settings come before everything.
    let r = resolve(
        chain(home.path(), &[("OS_CLOUD", "otc")]).explicit(Profile {
            region: Some("eu-ch2".into()),
            ..Profile::default()
        }),
    )
    .await
    .unwrap();
    assert_eq!(r.settings.region.as_deref(), Some("eu-ch2"));

    // The current directory is searched first; OS_CLIENT_CONFIG_FILE replaces the search.
    let cwd = tempfile::tempdir().unwrap();
    write(
        &cwd.path().join("clouds.yaml"),
        "clouds: {otc: {region_name: eu-de, auth: {token: tok-SECRET}}}",
    );
    let r = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]).current_dir(cwd.path()))
        .await
        .unwrap();
    assert!(matches!(r.credential, Credential::Token(_)), "{r:?}");
    let explicit = home.path().join("elsewhere.yaml");
    write(
        &explicit,
        "clouds: {mine: {auth: {ak: AK2, sk: sk-SECRET}}}",
    );
    let r = resolve(chain(
        home.path(),
        &[
            ("OS_CLOUD", "mine"),
            ("OS_CLIENT_CONFIG_FILE", explicit.to_str().unwrap()),
        ],
    ))
    .await
    .unwrap();
    assert!(matches!(&r.credential, Credential::AkSk { access_key, .. } if access_key == "AK2"));
}

#[tokio::test]
async fn malformed_or_missing_clouds_yaml_is_an_error_naming_file_and_key() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/openstack");
    let file = dir.join("clouds.yaml");
    // A cloud that is not there.
    write(&file, CLOUDS);
    let e = resolve(chain(home.path(), &[("OS_CLOUD", "missing")]))
        .await
        .unwrap_err();
    assert_eq!(e.file.as_deref(), Some(file.as_path()));
    assert_eq!(e.key.as_deref(), Some("clouds.missing"));
    // A value of the wrong shape.
    write(
        &file,
        "clouds: {otc: {auth: {username: u, password: [pw-SECRET], user_domain_name: d}}}",
    );
    let e = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
        .await
        .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("clouds.otc.auth.password"), "{e}");
    assert!(e.to_string().contains(&file.display().to_string()), "{e}");
    no_secret(&e.to_string());
    // Not YAML at all.
    write(&file, "clouds: {otc: [unclosed");
    let e = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is not YAML"), "{e}");
    // Half a credential in the file.
    write(&file, "clouds: {otc: {auth: {ak: AK}}}");
    let e = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
        .await
        .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("clouds.otc.auth.sk"), "{e}");
    // No clouds.yaml anywhere.
    std::fs::remove_file(&file).unwrap();
    let e = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no clouds.yaml"), "{e}");
}

#[tokio::test]
async fn huawei_cloud_credentials_file() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join(".huaweicloud/credentials");
    write(
        &file,
        "# Huawei Cloud SDK\n[basic]\nak = AK3\nsk = sk-SECRET\nproject_id = p3\n\n[global]\nak = OTHER\n",
    );
    let r = resolve(chain(home.path(), &[])).await.unwrap();
    assert!(matches!(&r.credential, Credential::AkSk { access_key, .. } if access_key == "AK3"));
    assert_eq!(r.settings.project_id.as_deref(), Some("p3"));
    assert!(r.source.contains("credentials file"), "{}", r.source);

    write(&file, "[basic]\nak AK3\n");
    let e = resolve(chain(home.path(), &[])).await.unwrap_err();
    assert_eq!(e.key.as_deref(), Some("line 2"), "{e}");
    write(&file, "[basic]\nsk = sk-SECRET\n");
    let e = resolve(chain(home.path(), &[])).await.unwrap_err();
    assert_eq!(e.key.as_deref(), Some("[basic] ak"), "{e}");
    no_secret(&e.to_string());

    let other = home.path().join("creds.ini");
    write(&other, "[basic]\nak = AK4\nsk = sk-SECRET\n");
    let r = resolve(chain(
        home.path(),
        &[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", other.to_str().unwrap())],
    ))
    .await
    .unwrap();
    assert!(matches!(&r.credential, Credential::AkSk { access_key, .. } if access_key == "AK4"));
}

static JOBS: Service = Service {
    name: "test_jobs",
    title: "Test jobs",
    servers: &[],
};

static SHOW: Operation = Operation {
    id: "ShowJob",
    method: cloudjobs::runtime::Method::GET,
    path: "/v1/p/jobs/j",
    authenticated: true,
};

/// Mounts a metadata service whose keys expire `valid` after each answer; returns the count
/// of key requests.
async fn mount_metadata(server: &MockServer, valid: Duration) -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    Mock::given(method("GET"))
        .and(path("/openstack/latest/securitykey"))
        .respond_with(move |_: &wiremock::Request| {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            let expires =
                cloudjobs::runtime::Timestamp::from_system_time(SystemTime::now() + valid);
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"credential": {
                "access": format!("TEMPAK{n}"),
                "secret": format!("sk-SECRET-{n}"),
                "securitytoken": format!("st-SECRET-{n}"),
                "expires_at": expires.to_rfc3339(),
            }}))
        })
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/p/jobs/j"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(server)
        .await;
    calls
}

#[tokio::test]
async fn instance_metadata_keys_are_used_and_refreshed_before_they_expire() {
    let home = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    // Valid for 2 s: refreshed after 1 s (half the lifetime, as the margin is larger).
    let calls = mount_metadata(&server, Duration::from_secs(2)).await;
    let r = resolve(chain(
        home.path(),
        &[("CLOUDJOBS_METADATA_URL", &server.uri())],
    ))
    .await
    .unwrap();
    assert!(
        matches!(r.credential, Credential::InstanceMetadata(_)),
        "{r:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the probe");
    let config = Config::new(
        Config::builder()
            .endpoint("test_jobs", server.uri())
            .build()
            .unwrap()
            .connection()
            .clone(),
        r.auth(None),
    );
    let client = ServiceClient::new(&config, &JOBS).unwrap();
    let send = || async {
        let response = client
            .execute::<()>(Request::new(&SHOW, SHOW.path.to_owned()))
            .await
            .unwrap();
        assert_eq!(response.code(), 200);
    };
    send().await;
    // The probe's keys served the first request: no second fetch.
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    send().await;
    assert_eq!(calls.load(Ordering::SeqCst), 2, "refreshed before expiry");
    let received = server.received_requests().await.unwrap();
    let jobs: Vec<_> = received
        .iter()
        .filter(|r| r.url.path() == "/v1/p/jobs/j")
        .collect();
    assert_eq!(jobs[0].headers["x-security-token"], "st-SECRET-1");
    assert_eq!(jobs[1].headers["x-security-token"], "st-SECRET-2");
    assert!(
        jobs[1].headers["authorization"]
            .to_str()
            .unwrap()
            .contains("Access=TEMPAK2")
    );
    no_secret(&format!("{r:?} {config:?}"));
}

#[tokio::test]
async fn no_credentials_anywhere_says_what_was_tried() {
    let home = tempfile::tempdir().unwrap();
    let server = MockServer::start().await; // answers 404 to everything
    let e = resolve(chain(
        home.path(),
        &[("CLOUDJOBS_METADATA_URL", &server.uri())],
    ))
    .await
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("no credentials found"), "{text}");
    assert!(text.contains("environment: no credential"), "{text}");
    assert!(text.contains("instance metadata"), "{text}");
}

#[test]
fn secrets_in_profiles_are_not_shown() {
    let p = Profile {
        password: Some(Secret::new("pw-SECRET")),
        secret_key: Some(Secret::new("sk-SECRET")),
        ..Profile::default()
    };
    no_secret(&format!("{p:?}"));
}

/// A password is never sent to an IAM URL, or used with an account, that comes from a source
/// of lower priority than the password's own (`./clouds.yaml` in a cloned repository, say);
/// a project or an account is one setting, whichever of id or name names it.
#[tokio::test]
async fn credential_bound_settings_come_from_the_credentials_source_or_above() {
    let home = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    write(
        &cwd.path().join("clouds.yaml"),
        "clouds: {otc: {auth: {auth_url: 'https://evil.example/v3', user_domain_id: EVIL-DOMAIN, project_id: FILE-PROJECT}}}",
    );
    let r = resolve(
        chain(
            home.path(),
            &[
                ("OS_CLOUD", "otc"),
                ("OS_USERNAME", "u"),
                ("OS_PASSWORD", "pw-SECRET"),
                ("OS_USER_DOMAIN_NAME", "ENV-DOMAIN"),
                ("OS_PROJECT_NAME", "env-project"),
            ],
        )
        .current_dir(cwd.path()),
    )
    .await
    .unwrap();
    assert_eq!(r.source, "environment");
    assert_eq!(r.settings.auth_url, None, "{r:?}");
    assert_eq!(r.settings.domain_id, None);
    assert_eq!(r.settings.domain_name.as_deref(), Some("ENV-DOMAIN"));
    // The project named in the environment wins over the file's project id.
    assert_eq!(r.settings.project_id, None);
    assert_eq!(r.settings.project_name.as_deref(), Some("env-project"));
    let auth = format!("{:?}", r.password_auth(None).unwrap());
    assert!(!auth.contains("evil") && !auth.contains("EVIL"), "{auth}");
    assert!(auth.contains("env-project"), "{auth}");

    // The credential's own source may set them.
    write(
        &cwd.path().join("clouds.yaml"),
        "clouds: {otc: {auth: {auth_url: 'https://iam.example/v3', username: u, password: pw-SECRET, user_domain_id: D1}}}",
    );
    let r = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]).current_dir(cwd.path()))
        .await
        .unwrap();
    assert_eq!(
        r.settings.auth_url.as_deref(),
        Some("https://iam.example/v3")
    );
    assert_eq!(r.settings.domain_id.as_deref(), Some("D1"));
}

/// Mounts an IAM token endpoint that answers every request with a token.
async fn mount_iam(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", "tok-SECRET")
                .set_body_json(serde_json::json!({"token": {"project": {"id": "p1"}}})),
        )
        .mount(server)
        .await;
}

/// Asks for a token with the password credentials `r` resolved to, as a client would; the
/// outcome does not matter, only what reached the server.
async fn ask_iam(r: &Resolved) {
    use cloudjobs::runtime::{ProjectScope, TokenSource};
    let auth = r
        .password_auth(Some(ProjectScope::Name("eu-de".into())))
        .expect("a password credential");
    let config = Config::builder().build().unwrap();
    let _ = auth.fetch(config.connection()).await;
}

async fn passwords_received(server: &MockServer) -> usize {
    let received = server.received_requests().await.unwrap();
    received
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("pw-SECRET"))
        .count()
}

/// Before the fix `clouds.yaml` and `secure.yaml` were searched independently: a
/// `./clouds.yaml` (a cloned repository's) got the password of the home folder's
/// `secure.yaml`, and the password went to that `clouds.yaml`'s `auth_url`. Now `secure.yaml`
/// is merged only from the chosen `clouds.yaml`'s own folder.
#[tokio::test]
async fn secure_yaml_is_merged_only_from_the_folder_of_the_chosen_clouds_yaml() {
    let home = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let server = MockServer::start().await; // the IAM URL the repository's clouds.yaml names
    mount_iam(&server).await;
    write(&home.path().join(".config/openstack/secure.yaml"), SECURE);
    let repository_clouds = format!(
        "clouds: {{otc: {{region_name: eu-de, auth: {{auth_url: '{}/v3', username: u, \
         user_domain_name: D, project_name: eu-de}}}}}}",
        server.uri()
    );
    write(&cwd.path().join("clouds.yaml"), &repository_clouds);
    let chain = || chain(home.path(), &[("OS_CLOUD", "otc")]).current_dir(cwd.path());
    match resolve(chain()).await {
        Ok(r) => ask_iam(&r).await,
        Err(e) => {
            // The user name without a password, in the file that has it.
            assert_eq!(e.key.as_deref(), Some("clouds.otc.auth.password"), "{e}");
            assert_eq!(e.file, Some(cwd.path().join("clouds.yaml")));
            no_secret(&e.to_string());
        }
    }
    assert_eq!(
        passwords_received(&server).await,
        0,
        "the home secure.yaml's password reached the URL of ./clouds.yaml"
    );

    // A secure.yaml beside that clouds.yaml is still merged (and a loopback http IAM works).
    write(&cwd.path().join("secure.yaml"), SECURE);
    let r = resolve(chain()).await.unwrap();
    assert!(
        matches!(&r.credential, Credential::Password { password, .. } if password.expose() == "pw-SECRET")
    );
    ask_iam(&r).await;
    assert_eq!(passwords_received(&server).await, 1);
    // So is the home secure.yaml, with the home clouds.yaml.
    std::fs::remove_dir_all(cwd.path()).unwrap();
    write(&home.path().join(".config/openstack/clouds.yaml"), CLOUDS);
    let r = resolve(chain()).await.unwrap();
    assert!(matches!(r.credential, Credential::Password { .. }), "{r:?}");
}

/// Before the fix a password went to a plain-http IAM URL on any host, in clear, and a
/// `clouds.yaml` `auth_url` was not checked at all. Now `http` is refused before anything is
/// sent (except to loopback, or when allowed), naming where the URL came from.
#[tokio::test]
async fn a_plain_http_iam_url_off_this_machine_is_refused_before_anything_is_sent() {
    let home = tempfile::tempdir().unwrap();
    let password = [
        ("OS_USERNAME", "u"),
        ("OS_PASSWORD", "pw-SECRET"),
        ("OS_USER_DOMAIN_NAME", "D"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut vars = password.to_vec();
        vars.extend_from_slice(extra);
        chain(home.path(), &vars)
    };
    let e = resolve(with(&[(
        "OS_AUTH_URL",
        "http://u:url-SECRET@iam.example.invalid/v3",
    )]))
    .await
    .unwrap_err();
    let text = e.to_string();
    assert_eq!(e.key.as_deref(), Some("OS_AUTH_URL"), "{text}");
    assert!(
        text.contains("plain http") && text.contains("environment"),
        "{text}"
    );
    assert!(text.contains("CLOUDJOBS_ALLOW_HTTP_IAM=1"), "{text}");
    assert!(
        !text.contains("url-SECRET") && text.contains("***@iam.example.invalid"),
        "{text}"
    );
    no_secret(&text);

    // Allowed explicitly: resolved, and the request goes (and fails: no such host).
    let r = resolve(with(&[
        ("OS_AUTH_URL", "http://iam.example.invalid/v3"),
        ("CLOUDJOBS_ALLOW_HTTP_IAM", "1"),
    ]))
    .await
    .unwrap();
    assert!(matches!(r.credential, Credential::Password { .. }));
    let r = resolve(
        with(&[("OS_AUTH_URL", "http://iam.example.invalid/v3")]).allow_plaintext_http_iam(true),
    )
    .await
    .unwrap();
    assert!(format!("{:?}", r.password_auth(None)).contains("allow_plaintext_http: true"));
    // https, and http to this machine, need nothing.
    for url in [
        "https://iam.example.invalid/v3",
        "http://127.0.0.1:9/v3",
        "http://localhost:9",
    ] {
        let vars = [("OS_AUTH_URL", url)];
        let mut all = password.to_vec();
        all.extend_from_slice(&vars);
        resolve(chain(home.path(), &all)).await.unwrap();
    }
}

/// The same from clouds.yaml, named by file and key; an `auth_url` that is no http(s) URL
/// at all is an error, whatever the credential.
#[tokio::test]
async fn a_plain_http_or_malformed_auth_url_in_clouds_yaml_is_refused_naming_its_key() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/openstack");
    let file = dir.join("clouds.yaml");
    write(
        &file,
        "clouds: {otc: {auth: {auth_url: 'http://iam.example.invalid/v3', username: u, \
         password: pw-SECRET, user_domain_name: D}}}",
    );
    let e = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
        .await
        .unwrap_err();
    assert_eq!(e.file.as_deref(), Some(file.as_path()), "{e}");
    assert_eq!(e.key.as_deref(), Some("clouds.otc.auth.auth_url"), "{e}");
    assert!(e.to_string().contains("plain http"), "{e}");
    no_secret(&e.to_string());
    for url in [
        "iam.example.invalid/v3",
        "ftp://iam.example.invalid",
        "file:///etc/passwd",
    ] {
        write(
            &file,
            &format!("clouds: {{otc: {{auth: {{auth_url: '{url}', token: tok-SECRET}}}}}}"),
        );
        let e = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
            .await
            .unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some("clouds.otc.auth.auth_url"),
            "{url}: {e}"
        );
        assert!(e.to_string().contains("is not an http(s) URL"), "{e}");
    }
    // secure.yaml may set it too; the error then names the file where the value is wrong
    // only through the key (both files are named in the trail of a successful run).
    write(&file, "clouds: {otc: {auth: {token: tok-SECRET}}}");
    write(
        &dir.join("secure.yaml"),
        "clouds: {otc: {auth: {auth_url: 'not a url'}}}",
    );
    let e = resolve(chain(home.path(), &[("OS_CLOUD", "otc")]))
        .await
        .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("clouds.otc.auth.auth_url"), "{e}");
}

/// Runs the chain on a thread of its own, so that a hang fails the test instead of stalling
/// the suite.
fn resolve_within(chain: Chain, limit: Duration) -> Result<Resolved, CredentialError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _ = tx.send(runtime.block_on(chain.resolve()));
    });
    rx.recv_timeout(limit)
        .expect("the chain answers within the limit")
}

/// Before the fix `clouds.yaml` went to yaml-rust2's recursive loader: 542 bytes of aliases
/// of aliases expanded to gigabytes ("billion laughs"), and deep nesting overflowed the stack
/// (killing the process). Now aliases count at their expanded size, nesting and size are
/// capped, and each is an error naming the file, at once.
#[test]
fn alias_bombs_deep_nesting_and_huge_or_special_files_are_refused_naming_the_file() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("clouds.yaml");
    let run = |text: &[u8]| {
        std::fs::write(&file, text).unwrap();
        let started = std::time::Instant::now();
        let e = resolve_within(
            chain(
                home.path(),
                &[
                    ("OS_CLOUD", "otc"),
                    ("OS_CLIENT_CONFIG_FILE", file.to_str().unwrap()),
                ],
            ),
            Duration::from_secs(20),
        )
        .unwrap_err();
        assert_eq!(e.file.as_deref(), Some(file.as_path()), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5), "{e}");
        e.to_string()
    };
    // Billion laughs: nine levels of nine aliases each, 9^9 values expanded.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ('a'..='h').zip('b'..='i') {
        let list = vec![format!("*{prev}"); 9].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{list}]\n"));
    }
    bomb.push_str("clouds: {otc: {auth: {token: tok-SECRET, x: *i}}}\n");
    assert!(bomb.len() < 600, "{}", bomb.len());
    let e = run(bomb.as_bytes());
    assert!(e.contains("more than 100000 values"), "{e}");
    // Deep nesting: 300,000 levels of block sequences in 600 kB.
    let deep = format!("{}x\n", "- ".repeat(300_000));
    let e = run(deep.as_bytes());
    assert!(e.contains("more than 64 levels deep"), "{e}");
    let e = run(format!("{}x", "[".repeat(200)).as_bytes());
    assert!(e.contains("more than 64 levels deep"), "{e}");
    // Too large to read at all (2 MiB).
    let mut huge = b"clouds: {otc: {auth: {token: tok-SECRET}}}\n".to_vec();
    huge.resize(2 * 1024 * 1024, b'#');
    let e = run(&huge);
    assert!(e.contains("larger than 1 MiB"), "{e}");
    no_secret(&e);

    // A FIFO (or a device) is not opened: opening one for reading waits for a writer.
    let fifo = home.path().join("fifo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    for special in [made.then_some(fifo.as_path()), Some(Path::new("/dev/zero"))]
        .into_iter()
        .flatten()
    {
        let e = resolve_within(
            chain(
                home.path(),
                &[
                    ("OS_CLOUD", "otc"),
                    ("OS_CLIENT_CONFIG_FILE", special.to_str().unwrap()),
                ],
            ),
            Duration::from_secs(20),
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert_eq!(e.file.as_deref(), Some(special));
    }
}

/// Before the fix a metadata address that accepted connections and never answered cost every
/// run without credentials 3 attempts of 5 s. Now the probe waits at most 1 s, is not
/// repeated without an answer, and the address is not asked again by the process.
#[test]
fn a_silent_metadata_service_is_asked_once_and_briefly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut open = Vec::new(); // held open, never answered
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            open.push(stream);
        }
    });
    let home = tempfile::tempdir().unwrap();
    let silent = || chain(home.path(), &[("CLOUDJOBS_METADATA_URL", &url)]);
    let started = std::time::Instant::now();
    let e = resolve_within(silent(), Duration::from_secs(30)).unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "gave up after {took:?}: {e}");
    assert!(e.to_string().contains("no answer after"), "{e}");
    // Give a retry the time it would take to show.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one connection only");
    // The same process does not ask again.
    let started = std::time::Instant::now();
    let e = resolve_within(silent(), Duration::from_secs(30)).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500), "{e}");
    assert!(e.to_string().contains("did not answer earlier"), "{e}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// A metadata service that answers `503` is asked again (it is there, and busy); one that
/// answers `404` is not.
#[tokio::test]
async fn a_metadata_service_that_answers_an_error_is_retried_only_on_5xx() {
    let home = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/openstack/latest/securitykey"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let calls = mount_metadata(&server, Duration::from_secs(3600)).await;
    let r = resolve(chain(
        home.path(),
        &[("CLOUDJOBS_METADATA_URL", &server.uri())],
    ))
    .await
    .unwrap();
    assert!(matches!(r.credential, Credential::InstanceMetadata(_)));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "asked again after the 503");
}

/// `Chain::resolve_config` (what `Config::from_env_resolved` runs on the process's
/// environment) gives the configuration with the project id, the region and
/// `CLOUDJOBS_ENDPOINT`, which `config_for` makes that service's endpoint (#24 item 14).
#[tokio::test]
async fn from_env_resolved_gives_the_project_id_and_the_endpoint() {
    let home = tempfile::tempdir().unwrap();
    let vars = [
        ("OS_AUTH_TOKEN", "tok-SECRET"),
        ("OS_PROJECT_ID", "a4da8115c9d8464ead3a38309130523f"),
        ("OS_REGION_NAME", "eu-de"),
        ("CLOUDJOBS_ENDPOINT", "http://127.0.0.1:9/jobs"),
    ];
    let env = chain(home.path(), &vars).resolve_config().await.unwrap();
    assert_eq!(env.project_id(), Some("a4da8115c9d8464ead3a38309130523f"));
    assert_eq!(env.region(), Some("eu-de"));
    assert_eq!(env.endpoint.as_deref(), Some("http://127.0.0.1:9/jobs"));
    no_secret(&format!("{env:?}"));
    let ims = cloudjobs::apis::registry::find("ims").unwrap();
    let config = env.config_for(ims.module).unwrap();
    assert_eq!(
        config.connection().endpoint_for(ims.service).unwrap(),
        "http://127.0.0.1:9/jobs"
    );
    // Without CLOUDJOBS_ENDPOINT: the URL made from the region.
    let env = chain(home.path(), &vars[..3])
        .resolve_config()
        .await
        .unwrap();
    assert!(env.endpoint.is_none());
    let url = env
        .config_for(ims.module)
        .unwrap()
        .connection()
        .endpoint_for(ims.service)
        .unwrap();
    assert!(url.contains("eu-de"), "{url}");
    // A malformed one is an error naming the variable.
    let bad = [vars[0], vars[1], vars[2], ("CLOUDJOBS_ENDPOINT", "ftp://x")];
    let env = chain(home.path(), &bad).resolve_config().await.unwrap();
    let e = env.config_for(ims.module).unwrap_err().to_string();
    assert!(e.contains("CLOUDJOBS_ENDPOINT"), "{e}");
}
