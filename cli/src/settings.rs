//! Where the connection settings come from: flags first, then the library's credential chain
//! (the environment variables the OpenStack / Open Telekom Cloud and Huawei Cloud tools use,
//! `clouds.yaml`, the Huawei Cloud credentials file, the instance metadata service).

#[cfg(test)]
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use cloudjobs::runtime::any_service::ParamKind;
use cloudjobs::runtime::credentials::{Chain, Credential, Lookup, Profile, Resolved, vars};
use cloudjobs::runtime::iam::{check_credential_url, check_iam_url};
use cloudjobs::runtime::secret::redact_url;
use cloudjobs::runtime::{Auth, ProjectScope, Secret};

use super::args::Connection;
use super::service::Service;
use super::values::{Usage, check_id};

/// The environment, as a lookup (the process environment in the binary, a map in tests).
pub trait Env {
    /// The value of `name`, when it is set and not empty.
    fn get(&self, name: &str) -> Option<String>;
    /// The variables as an owned lookup, for the credential chain.
    fn lookup(&self) -> Box<Lookup>;
    /// The current directory (`./clouds.yaml`), when there is one.
    fn current_dir(&self) -> Option<PathBuf>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }

    fn lookup(&self) -> Box<Lookup> {
        Box::new(|name| std::env::var(name).ok())
    }

    fn current_dir(&self) -> Option<PathBuf> {
        std::env::current_dir().ok()
    }
}

/// An environment of fixed variables (tests).
#[cfg(test)]
pub struct MapEnv(pub BTreeMap<String, String>);

#[cfg(test)]
impl Env for MapEnv {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned().filter(|v| !v.trim().is_empty())
    }

    fn lookup(&self) -> Box<Lookup> {
        let map = self.0.clone();
        Box::new(move |name| map.get(name).cloned())
    }

    fn current_dir(&self) -> Option<PathBuf> {
        None
    }
}

/// The command line's own variables (the chain's are in [`vars`]).
pub mod cli_vars {
    /// The job API's endpoint.
    pub const ENDPOINT: &[&str] = &["CLOUDJOBS_ENDPOINT"];
    /// Credentials may go to a plain http endpoint on another host (`--insecure-http`).
    pub const ALLOW_HTTP: &[&str] = &["CLOUDJOBS_ALLOW_HTTP"];
    // A service's extra parameters are read from the variable the registry names
    // (`CLOUDJOBS_<SERVICE>_<PARAM>`, such as `CLOUDJOBS_CAE_ENVIRONMENT_ID`).
}

/// The first variable of `names` that is set.
fn first(env: &dyn Env, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| env.get(n))
}

/// A flag's value, or else the first variable of `names` that is set.
fn pick(flag: &Option<String>, env: &dyn Env, names: &[&str]) -> Option<String> {
    flag.clone()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| first(env, names))
}

/// Everything needed to call a job API.
pub struct Settings {
    /// What the credential chain found (flags first).
    pub resolved: Resolved,
    /// Explicit endpoint of the job API, when set.
    pub endpoint: Option<String>,
    /// The service's extra parameters that are set: wire name and value.
    pub params: Vec<(&'static str, String)>,
    /// Timeout of one HTTP attempt.
    pub request_timeout: Duration,
    /// Credentials may go to a plain http endpoint on another host.
    pub allow_plaintext_http: bool,
}

impl Settings {
    /// Region, when set.
    pub fn region(&self) -> Option<&str> {
        self.resolved.settings.region.as_deref()
    }

    /// Project id, when known before authenticating.
    pub fn project_id(&self) -> Option<&str> {
        self.resolved.settings.project_id.as_deref()
    }

    /// The project name to look the project id up with (else the region's default project).
    pub fn project_name(&self) -> Option<&str> {
        self.resolved.settings.project_name.as_deref()
    }

    /// Whether the credential is an IAM password (which can look the project id up).
    pub fn is_password(&self) -> bool {
        matches!(self.resolved.credential, Credential::Password { .. })
    }

    /// The runtime's authentication for the project `scope` names.
    pub fn auth(&self, scope: ProjectScope) -> Auth {
        self.resolved.auth(Some(scope))
    }
}

/// The flags as the chain's explicit source. A credential method named by a flag takes its
/// other parts from the environment (`--username` with `OS_PASSWORD`), so secrets stay out
/// of the command line.
fn explicit(conn: &Connection, env: &dyn Env) -> Profile {
    let secret = |v: &Option<String>| v.clone().filter(|v| !v.is_empty()).map(Secret::new);
    let text = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let mut p = Profile {
        region: text(&conn.region),
        project_id: text(&conn.project_id),
        project_name: text(&conn.project_name),
        domain_name: text(&conn.credentials.domain_name),
        auth_url: text(&conn.auth_url),
        token: secret(&conn.credentials.token),
        access_key: text(&conn.credentials.access_key),
        secret_key: secret(&conn.credentials.secret_key),
        security_token: secret(&conn.credentials.security_token),
        user_name: text(&conn.credentials.username),
        password: secret(&conn.credentials.password),
        ca_file: text(&conn.os_cacert),
        insecure: conn.insecure.then_some(true),
        ..Profile::default()
    };
    let from_env = |names: &[&str]| first(env, names);
    if p.access_key.is_some() || p.secret_key.is_some() {
        p.access_key = p.access_key.or_else(|| from_env(vars::ACCESS_KEY));
        p.secret_key = p
            .secret_key
            .or_else(|| from_env(vars::SECRET_KEY).map(Secret::new));
        p.security_token = p
            .security_token
            .or_else(|| from_env(vars::SECURITY_TOKEN).map(Secret::new));
        p.domain_id = p.domain_id.or_else(|| from_env(vars::DOMAIN_ID));
    } else if p.user_name.is_some() || p.password.is_some() {
        p.user_name = p.user_name.or_else(|| from_env(vars::USERNAME));
        p.password = p
            .password
            .or_else(|| from_env(vars::PASSWORD).map(Secret::new));
        // The account and the IAM URL go with the password (the chain takes them only from
        // the credential's source or above).
        if p.domain_name.is_none() {
            p.domain_name = from_env(vars::DOMAIN_NAME);
            p.domain_id = from_env(vars::DOMAIN_ID);
        }
        p.auth_url = p.auth_url.or_else(|| from_env(vars::AUTH_URL));
    }
    p
}

/// Reads the settings: the flags, then the credential chain.
pub async fn resolve(
    conn: &Connection,
    service: Service,
    env: &dyn Env,
) -> Result<Settings, Usage> {
    let endpoint = pick(&conn.endpoint, env, cli_vars::ENDPOINT);
    let allow_plaintext_http = conn.insecure_http
        || first(env, cli_vars::ALLOW_HTTP).is_some_and(|v| {
            matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
        });
    if let Some(url) = &endpoint {
        check_url("--endpoint / CLOUDJOBS_ENDPOINT", url)?;
        if !allow_plaintext_http && let Err(why) = check_credential_url(url) {
            return Err(Usage(format!(
                "--endpoint / CLOUDJOBS_ENDPOINT: {why}, or pass --insecure-http (or set \
                 CLOUDJOBS_ALLOW_HTTP=1) to send them anyway"
            )));
        }
    }
    if let Some(url) = pick(&conn.auth_url, env, vars::AUTH_URL) {
        check_url("--auth-url / OS_AUTH_URL", &url)?;
    }
    let params = service_params(conn, service, env)?;
    let explicit = explicit(conn, env);
    let mut chain = Chain::with_env(env.lookup());
    if conn.insecure_http_iam {
        chain = chain.allow_plaintext_http_iam(true);
    }
    // A password named by a flag goes to the flag's (or OS_AUTH_URL's) IAM URL: refused here,
    // by its name, when the chain (and the token request) would refuse it.
    if explicit.password.is_some()
        && let Some(url) = &explicit.auth_url
        && let Err(why) = check_iam_url(url, chain.allows_plaintext_http_iam())
    {
        return Err(Usage(format!("--auth-url / OS_AUTH_URL: {why}")));
    }
    let mut chain = chain.explicit(explicit);
    if let Some(dir) = env.current_dir() {
        chain = chain.current_dir(dir);
    }
    if let Some(cloud) = conn.os_cloud.clone().filter(|c| !c.trim().is_empty()) {
        chain = chain.cloud(cloud);
    }
    let resolved = chain.resolve().await.map_err(|e| Usage(e.to_string()))?;
    if resolved.settings.region.is_none() && endpoint.is_none() {
        return Err(Usage(format!(
            "no region: pass --region (such as {}) or set OS_REGION_NAME, or give the API's URL with --endpoint",
            super::service::example_region(service)
        )));
    }
    if let Some(id) = &resolved.settings.project_id {
        check_id(
            "project id",
            id,
            "pass the id shown in the console (My Credentials > Projects)",
        )?;
    }
    let settings = Settings {
        resolved,
        endpoint,
        params,
        request_timeout: conn.request_timeout,
        allow_plaintext_http,
    };
    // The IAM URL comes from the settings or from the region; with neither, say which flags
    // set them (rather than the library's builder calls, at the token request).
    if settings.is_password()
        && settings.resolved.settings.auth_url.is_none()
        && settings.region().is_none()
    {
        return Err(Usage(format!(
            "IAM password authentication ({}) needs the IAM endpoint: pass --auth-url or set \
             OS_AUTH_URL (such as https://iam.eu-de.otc.t-systems.com/v3, or auth_url in \
             clouds.yaml), or pass --region (or set OS_REGION_NAME) to use that region's IAM",
            settings.resolved.source
        )));
    }
    if settings.project_id().is_none() && !settings.is_password() {
        return Err(Usage(
            "no project id: pass --project-id or set OS_PROJECT_ID (or HUAWEICLOUD_SDK_PROJECT_ID)"
                .to_owned(),
        ));
    }
    Ok(settings)
}

/// The service's extra parameters: each from its flag, else from its variable; a required one
/// that is missing, or a value of the wrong kind, is a usage error that says how to give it.
fn service_params(
    conn: &Connection,
    service: Service,
    env: &dyn Env,
) -> Result<Vec<(&'static str, String)>, Usage> {
    let reserved = super::args::reserved_flags();
    let mut params = Vec::new();
    for p in service.params {
        let flag = super::service::flag_for(service, p, &reserved);
        let variable = super::service::env_for(service, p);
        let given = pick(&conn.params.get(&flag).cloned(), env, &[&variable]);
        let how = format!("pass --{flag} or set {variable}");
        match given {
            None if p.required => {
                return Err(Usage(format!(
                    "{} needs the {} parameter `{}` ({}): {how}",
                    service.name,
                    p.place,
                    p.name,
                    p.summary.trim_end_matches('.')
                )));
            }
            None => {}
            Some(value) if !p.kind.accepts(&value) || value.chars().any(char::is_control) => {
                let origin = if conn.params.contains_key(&flag) {
                    format!("--{flag}")
                } else {
                    variable.clone()
                };
                return Err(Usage(format!(
                    "{origin}: `{}` is not {} ({}'s {} parameter `{}`: {}); pass one such as {}",
                    value.escape_debug(),
                    match p.kind {
                        ParamKind::Integer => "a whole number",
                        ParamKind::Number => "a number",
                        ParamKind::Boolean => "true or false",
                        _ => "text without control characters",
                    },
                    service.name,
                    p.place,
                    p.name,
                    p.summary.trim_end_matches('.'),
                    match p.kind {
                        ParamKind::Integer => "10",
                        ParamKind::Number => "1.5",
                        ParamKind::Boolean => "true",
                        _ => "abc",
                    },
                )));
            }
            Some(value) => params.push((p.name, value.trim().to_owned())),
        }
    }
    Ok(params)
}

fn check_url(what: &str, url: &str) -> Result<(), Usage> {
    match cloudjobs::runtime::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(Usage(format!(
            "{what}: `{}` is not an http(s) URL: pass one like https://host or http://127.0.0.1:8080",
            redact_url(url)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Credentials;

    fn env(pairs: &[(&str, &str)]) -> MapEnv {
        let mut map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.insert("CLOUDJOBS_METADATA_URL".into(), "off".into());
        map.insert("HOME".into(), "/nonexistent-home".into());
        MapEnv(map)
    }

    fn conn() -> Connection {
        Connection::default()
    }

    fn service(name: &str) -> Service {
        super::super::service::parse(name).unwrap()
    }

    async fn kind(conn: &Connection, env: &MapEnv) -> Result<&'static str, String> {
        let mut c = Connection {
            region: Some("eu-de".into()),
            project_id: Some("p".into()),
            ..Connection::default()
        };
        c.credentials.token.clone_from(&conn.credentials.token);
        c.credentials
            .username
            .clone_from(&conn.credentials.username);
        c.credentials
            .access_key
            .clone_from(&conn.credentials.access_key);
        resolve(&c, service("ims"), env)
            .await
            .map(|s| s.resolved.credential.kind())
            .map_err(|u| u.0)
    }

    #[tokio::test]
    async fn credentials_order_and_gaps() {
        let all = env(&[
            ("OS_AUTH_TOKEN", "tok"),
            ("HUAWEICLOUD_SDK_AK", "ak"),
            ("HUAWEICLOUD_SDK_SK", "sk"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "p"),
            ("OS_DOMAIN_NAME", "d"),
        ]);
        assert_eq!(kind(&conn(), &all).await, Ok("token"));
        // A method named by a flag wins, its other parts from the environment.
        let mut flags = conn();
        flags.credentials.username = Some("flag-user".into());
        assert_eq!(kind(&flags, &all).await, Ok("IAM password"));
        let aksk = env(&[("OS_ACCESS_KEY", "ak"), ("OS_SECRET_KEY", "sk")]);
        assert_eq!(kind(&conn(), &aksk).await, Ok("AK/SK"));
        let half = env(&[("HUAWEICLOUD_SDK_AK", "ak")]);
        assert!(kind(&conn(), &half).await.is_err());
        let no_domain = env(&[("OS_USERNAME", "u"), ("OS_PASSWORD", "p")]);
        let e = kind(&conn(), &no_domain).await.unwrap_err();
        assert!(e.contains("OS_USER_DOMAIN_NAME"), "{e}");
        let e = kind(&conn(), &env(&[])).await.unwrap_err();
        assert!(e.starts_with("no credentials"), "{e}");
    }

    #[tokio::test]
    async fn settings_need_region_project_and_cae_environment() {
        let base = [("OS_AUTH_TOKEN", "tok"), ("OS_PROJECT_ID", "p1")];
        let e = resolve(&conn(), service("ims"), &env(&base))
            .await
            .err()
            .unwrap();
        assert!(e.0.starts_with("no region"), "{}", e.0);
        let with_region = env(&[base[0], base[1], ("OS_REGION_NAME", "eu-de")]);
        let s = resolve(&conn(), service("ims"), &with_region)
            .await
            .ok()
            .unwrap();
        assert_eq!(s.project_id(), Some("p1"));
        let e = resolve(&conn(), service("cae"), &with_region)
            .await
            .err()
            .unwrap();
        assert_eq!(
            e.0,
            "cae needs the header parameter `X-Environment-ID` (Environment ID): pass --environment-id or set CLOUDJOBS_CAE_ENVIRONMENT_ID"
        );
        let with_env = env(&[
            base[0],
            base[1],
            ("OS_REGION_NAME", "eu-de"),
            ("CLOUDJOBS_CAE_ENVIRONMENT_ID", "env-1"),
        ]);
        let s = resolve(&conn(), service("cae"), &with_env)
            .await
            .ok()
            .unwrap();
        assert_eq!(s.params, vec![("X-Environment-ID", "env-1".to_owned())]);
        let mut flagged = conn();
        flagged
            .params
            .insert("environment-id".into(), "env-2".into());
        let s = resolve(&flagged, service("cae"), &with_env)
            .await
            .ok()
            .unwrap();
        assert_eq!(s.params, vec![("X-Environment-ID", "env-2".to_owned())]);
        let no_project = env(&[base[0], ("OS_REGION_NAME", "eu-de")]);
        let e = resolve(&conn(), service("cfw"), &no_project)
            .await
            .err()
            .unwrap();
        assert!(e.0.starts_with("no project id"), "{}", e.0);
    }

    /// Before the fix `--password` with `--auth-url http://...` sent the password in clear.
    #[tokio::test]
    async fn a_flag_password_is_not_sent_to_a_plain_http_iam_url() {
        let mut c = Connection {
            region: Some("eu-de".into()),
            project_id: Some("p".into()),
            credentials: Credentials {
                username: Some("u".into()),
                password: Some("pw-SECRET".into()),
                domain_name: Some("d".into()),
                ..Credentials::default()
            },
            auth_url: Some("http://u:url-SECRET@iam.example.invalid/v3".into()),
            ..Connection::default()
        };
        let e = resolve(&c, service("ims"), &env(&[]))
            .await
            .err()
            .unwrap()
            .0;
        assert!(
            e.starts_with("--auth-url / OS_AUTH_URL: `http://***@iam"),
            "{e}"
        );
        assert!(e.contains("plain http") && !e.contains("SECRET"), "{e}");
        // The same URL from OS_AUTH_URL.
        c.auth_url = None;
        let vars = env(&[("OS_AUTH_URL", "http://iam.example.invalid/v3")]);
        let e = resolve(&c, service("ims"), &vars).await.err().unwrap().0;
        assert!(e.contains("plain http"), "{e}");
        // Allowed by the flag or the variable; loopback needs neither.
        c.insecure_http_iam = true;
        assert!(resolve(&c, service("ims"), &vars).await.is_ok());
        c.insecure_http_iam = false;
        let allowed = env(&[
            ("OS_AUTH_URL", "http://iam.example.invalid/v3"),
            ("CLOUDJOBS_ALLOW_HTTP_IAM", "1"),
        ]);
        assert!(resolve(&c, service("ims"), &allowed).await.is_ok());
        let local = env(&[("OS_AUTH_URL", "http://127.0.0.1:9/v3")]);
        assert!(resolve(&c, service("ims"), &local).await.is_ok());
    }

    /// Before the fix `--endpoint http://...` on another host got the token in clear.
    #[tokio::test]
    async fn credentials_go_to_a_plain_http_endpoint_only_on_this_machine_or_when_allowed() {
        let mut c = Connection {
            project_id: Some("p".into()),
            credentials: Credentials {
                token: Some("tok-SECRET".into()),
                ..Credentials::default()
            },
            endpoint: Some("http://jobs.example.invalid".into()),
            ..Connection::default()
        };
        let e = resolve(&c, service("ims"), &env(&[]))
            .await
            .err()
            .unwrap()
            .0;
        assert!(
            e.starts_with("--endpoint / CLOUDJOBS_ENDPOINT: `http://jobs"),
            "{e}"
        );
        assert!(
            e.contains("--insecure-http") && !e.contains("SECRET"),
            "{e}"
        );
        let allowed = env(&[("CLOUDJOBS_ALLOW_HTTP", "1")]);
        let s = resolve(&c, service("ims"), &allowed).await.unwrap();
        assert!(s.allow_plaintext_http);
        c.insecure_http = true;
        assert!(resolve(&c, service("ims"), &env(&[])).await.is_ok());
        c.insecure_http = false;
        c.endpoint = Some("http://127.0.0.1:9".into());
        let s = resolve(&c, service("ims"), &env(&[])).await.unwrap();
        assert!(!s.allow_plaintext_http);
    }
}
