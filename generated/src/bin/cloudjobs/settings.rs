//! Where the connection settings come from: flags first, then the environment variables the
//! OpenStack / Open Telekom Cloud and Huawei Cloud tools already use.

use std::time::Duration;

use cloudjobs::runtime::iam::iam_base;
use cloudjobs::runtime::secret::redact_url;
use cloudjobs::runtime::{AkSk, Auth, PasswordAuth, ProjectScope, Secret};

use super::args::Connection;
use super::service::Service;
use super::values::{Usage, check_id};

/// The environment, as a lookup (the process environment in the binary, a map in tests).
pub trait Env {
    /// The value of `name`, when it is set and not empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

/// The variables each setting is read from, in order. Sources: the OpenStack client and
/// Open Telekom Cloud tools (`OS_*`; `OS_ACCESS_KEY`/`OS_SECRET_KEY`/`OS_SECURITY_TOKEN` as the
/// Open Telekom Cloud Terraform provider reads them), the Huawei Cloud SDKs' environment
/// credential provider (`HUAWEICLOUD_SDK_*`).
pub mod vars {
    /// Project id.
    pub const PROJECT_ID: &[&str] = &["OS_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"];
    /// Project name (scope of an IAM password token).
    pub const PROJECT_NAME: &[&str] = &["OS_PROJECT_NAME"];
    /// Region.
    pub const REGION: &[&str] = &["OS_REGION_NAME"];
    /// IAM endpoint.
    pub const AUTH_URL: &[&str] = &["OS_AUTH_URL"];
    /// A token.
    pub const TOKEN: &[&str] = &["OS_AUTH_TOKEN"];
    /// IAM user name.
    pub const USERNAME: &[&str] = &["OS_USERNAME"];
    /// IAM password.
    pub const PASSWORD: &[&str] = &["OS_PASSWORD"];
    /// The user's domain (account) name.
    pub const DOMAIN: &[&str] = &["OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"];
    /// Access key id.
    pub const ACCESS_KEY: &[&str] = &["HUAWEICLOUD_SDK_AK", "OS_ACCESS_KEY"];
    /// Secret access key.
    pub const SECRET_KEY: &[&str] = &["HUAWEICLOUD_SDK_SK", "OS_SECRET_KEY"];
    /// Security token of temporary AK/SK.
    pub const SECURITY_TOKEN: &[&str] = &["HUAWEICLOUD_SDK_SECURITY_TOKEN", "OS_SECURITY_TOKEN"];
    /// The job API's endpoint.
    pub const ENDPOINT: &[&str] = &["CLOUDJOBS_ENDPOINT"];
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

/// How the CLI authenticates, before the configuration is built.
pub enum Credentials {
    /// A token (`X-Auth-Token`).
    Token(Secret),
    /// AK/SK signing.
    AkSk(AkSk),
    /// IAM password; the project scope is added once known.
    Password {
        /// The account (domain) name.
        domain: String,
        /// The user name.
        user: String,
        /// The password.
        password: Secret,
        /// The IAM endpoint, when not the region's.
        iam_endpoint: Option<String>,
        /// The project name to look the project id up with, when no id is given.
        project_name: Option<String>,
    },
}

#[cfg(test)]
impl Credentials {
    /// Short name for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::Token(_) => "token",
            Credentials::AkSk(_) => "AK/SK",
            Credentials::Password { .. } => "IAM password",
        }
    }
}

/// Everything needed to call a job API.
pub struct Settings {
    /// Region, when set.
    pub region: Option<String>,
    /// Explicit endpoint of the job API, when set.
    pub endpoint: Option<String>,
    /// IAM endpoint (from `OS_AUTH_URL`), when set.
    pub iam_endpoint: Option<String>,
    /// Project id, when known before authenticating.
    pub project_id: Option<String>,
    /// How to authenticate.
    pub credentials: Credentials,
    /// The service's extra parameters that are set: wire name and value.
    pub params: Vec<(&'static str, String)>,
    /// Timeout of one HTTP attempt.
    pub request_timeout: Duration,
}

/// Reads the settings from the flags and the environment.
pub fn resolve(conn: &Connection, service: Service, env: &dyn Env) -> Result<Settings, Usage> {
    let region = pick(&conn.region, env, vars::REGION);
    let endpoint = pick(&conn.endpoint, env, vars::ENDPOINT);
    if region.is_none() && endpoint.is_none() {
        return Err(Usage(format!(
            "no region: pass --region (such as {}) or set OS_REGION_NAME, or give the API's URL with --endpoint",
            super::service::example_region(service)
        )));
    }
    if let Some(url) = &endpoint {
        check_url("--endpoint / CLOUDJOBS_ENDPOINT", url)?;
    }
    let iam_endpoint = match pick(&conn.auth_url, env, vars::AUTH_URL) {
        Some(url) => {
            check_url("--auth-url / OS_AUTH_URL", &url)?;
            Some(iam_base(&url))
        }
        None => None,
    };
    let project_id = pick(&conn.project_id, env, vars::PROJECT_ID);
    if let Some(id) = &project_id {
        check_id(
            "project id",
            id,
            "pass the id shown in the console (My Credentials > Projects)",
        )?;
    }
    let params = service_params(conn, service, env)?;
    let credentials = credentials(conn, env, iam_endpoint.as_deref())?;
    if project_id.is_none() && !matches!(credentials, Credentials::Password { .. }) {
        return Err(Usage(
            "no project id: pass --project-id or set OS_PROJECT_ID (or HUAWEICLOUD_SDK_PROJECT_ID)"
                .to_owned(),
        ));
    }
    Ok(Settings {
        region,
        endpoint,
        iam_endpoint,
        project_id,
        credentials,
        params,
        request_timeout: conn.request_timeout,
    })
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
        let given = pick(&conn.params.get(&flag).cloned(), env, &[p.env]);
        let how = format!("pass --{flag} or set {}", p.env);
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
                return Err(Usage(format!(
                    "malformed value `{}` for the {} parameter `{}`: it takes {} values; {how}",
                    value.escape_debug(),
                    p.place,
                    p.name,
                    p.kind
                )));
            }
            Some(value) => params.push((p.name, value.trim().to_owned())),
        }
    }
    Ok(params)
}

/// The credentials. A method given by flags wins (the environment fills its gaps);
/// otherwise the environment's, token first, then AK/SK, then IAM password.
fn credentials(
    conn: &Connection,
    env: &dyn Env,
    iam_endpoint: Option<&str>,
) -> Result<Credentials, Usage> {
    #[derive(PartialEq)]
    enum Method {
        Token,
        AkSk,
        Password,
    }
    let by_flags = if conn.token.is_some() {
        Some(Method::Token)
    } else if conn.access_key.is_some() || conn.secret_key.is_some() {
        Some(Method::AkSk)
    } else if conn.username.is_some() || conn.password.is_some() {
        Some(Method::Password)
    } else {
        None
    };
    let set = |names: &[&str]| first(env, names).is_some();
    let method = match by_flags {
        Some(m) => m,
        None if set(vars::TOKEN) => Method::Token,
        None if set(vars::ACCESS_KEY) || set(vars::SECRET_KEY) => Method::AkSk,
        None if set(vars::USERNAME) || set(vars::PASSWORD) => Method::Password,
        None => {
            return Err(Usage(
                "no credentials: set OS_AUTH_TOKEN, or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or OS_USERNAME, OS_PASSWORD and OS_USER_DOMAIN_NAME (see cloudjobs --help)"
                    .to_owned(),
            ));
        }
    };
    match method {
        Method::Token => {
            let token = pick(&conn.token, env, vars::TOKEN).unwrap_or_default();
            Ok(Credentials::Token(Secret::new(token)))
        }
        Method::AkSk => {
            let ak = pick(&conn.access_key, env, vars::ACCESS_KEY);
            let sk = pick(&conn.secret_key, env, vars::SECRET_KEY);
            match (ak, sk) {
                (Some(ak), Some(sk)) => {
                    let mut aksk = AkSk::new(ak, sk);
                    if let Some(st) = pick(&conn.security_token, env, vars::SECURITY_TOKEN) {
                        aksk = aksk.security_token(st);
                    }
                    Ok(Credentials::AkSk(aksk))
                }
                (Some(_), None) => Err(Usage(
                    "an access key but no secret key: set HUAWEICLOUD_SDK_SK or pass --secret-key"
                        .to_owned(),
                )),
                _ => Err(Usage(
                    "a secret key but no access key: set HUAWEICLOUD_SDK_AK or pass --access-key"
                        .to_owned(),
                )),
            }
        }
        Method::Password => {
            let user = pick(&conn.username, env, vars::USERNAME);
            let password = pick(&conn.password, env, vars::PASSWORD);
            let (user, password) = match (user, password) {
                (Some(u), Some(p)) => (u, p),
                (Some(_), None) => {
                    return Err(Usage(
                        "a user name but no password: set OS_PASSWORD (or pass --password)"
                            .to_owned(),
                    ));
                }
                _ => {
                    return Err(Usage(
                        "a password but no user name: set OS_USERNAME or pass --username"
                            .to_owned(),
                    ));
                }
            };
            let Some(domain) = pick(&conn.domain_name, env, vars::DOMAIN) else {
                return Err(Usage(
                    "IAM password authentication needs the account (domain) name: set OS_USER_DOMAIN_NAME or pass --domain-name"
                        .to_owned(),
                ));
            };
            Ok(Credentials::Password {
                domain,
                user,
                password: Secret::new(password),
                iam_endpoint: iam_endpoint.map(str::to_owned),
                project_name: pick(&conn.project_name, env, vars::PROJECT_NAME),
            })
        }
    }
}

impl Settings {
    /// The runtime's authentication for the project `scope` names (AK/SK signs requests
    /// for a project id, so it takes the id of a scope by id; a token is used as it is).
    pub fn auth(&self, scope: ProjectScope) -> Auth {
        match &self.credentials {
            Credentials::Token(t) => Auth::token(t.clone()),
            Credentials::AkSk(k) => match scope {
                ProjectScope::Id(id) => Auth::aksk(k.clone().project_id(id)),
                _ => Auth::aksk(k.clone()),
            },
            Credentials::Password {
                domain,
                user,
                password,
                iam_endpoint,
                ..
            } => {
                let auth = PasswordAuth::new(domain, user, password.clone());
                let mut auth = match scope {
                    ProjectScope::Id(id) => auth.project_id(id),
                    ProjectScope::Name(name) => auth.project_name(name),
                    _ => auth,
                };
                if let Some(url) = iam_endpoint {
                    auth = auth.iam_endpoint(url);
                }
                Auth::password(auth)
            }
        }
    }
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
    use std::collections::HashMap;

    struct MapEnv(HashMap<&'static str, &'static str>);

    impl Env for MapEnv {
        fn get(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| (*v).to_owned())
        }
    }

    fn env(pairs: &[(&'static str, &'static str)]) -> MapEnv {
        MapEnv(pairs.iter().copied().collect())
    }

    fn conn() -> Connection {
        Connection::default()
    }

    #[test]
    fn credentials_order_and_gaps() {
        let all = env(&[
            ("OS_AUTH_TOKEN", "tok"),
            ("HUAWEICLOUD_SDK_AK", "ak"),
            ("HUAWEICLOUD_SDK_SK", "sk"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "p"),
            ("OS_DOMAIN_NAME", "d"),
        ]);
        assert_eq!(
            credentials(&conn(), &all, None).ok().map(|c| c.kind()),
            Some("token")
        );
        // Flags win over the environment.
        let mut flags = conn();
        flags.username = Some("flag-user".into());
        assert_eq!(
            credentials(&flags, &all, None).ok().map(|c| c.kind()),
            Some("IAM password")
        );
        let aksk = env(&[("OS_ACCESS_KEY", "ak"), ("OS_SECRET_KEY", "sk")]);
        assert_eq!(
            credentials(&conn(), &aksk, None).ok().map(|c| c.kind()),
            Some("AK/SK")
        );
        let half = env(&[("HUAWEICLOUD_SDK_AK", "ak")]);
        assert!(credentials(&conn(), &half, None).is_err());
        let no_domain = env(&[("OS_USERNAME", "u"), ("OS_PASSWORD", "p")]);
        let e = credentials(&conn(), &no_domain, None).err().unwrap();
        assert!(e.0.contains("OS_USER_DOMAIN_NAME"), "{}", e.0);
        let e = credentials(&conn(), &env(&[]), None).err().unwrap();
        assert!(e.0.starts_with("no credentials"), "{}", e.0);
    }

    #[test]
    fn settings_need_region_project_and_cae_environment() {
        let base = [("OS_AUTH_TOKEN", "tok"), ("OS_PROJECT_ID", "p1")];
        let service = |name| super::super::service::parse(name).unwrap();
        let e = resolve(&conn(), service("ims"), &env(&base)).err().unwrap();
        assert!(e.0.starts_with("no region"), "{}", e.0);
        let with_region = env(&[base[0], base[1], ("OS_REGION_NAME", "eu-de")]);
        let s = resolve(&conn(), service("ims"), &with_region).ok().unwrap();
        assert_eq!(s.project_id.as_deref(), Some("p1"));
        let e = resolve(&conn(), service("cae"), &with_region)
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
        let s = resolve(&conn(), service("cae"), &with_env).ok().unwrap();
        assert_eq!(s.params, vec![("X-Environment-ID", "env-1".to_owned())]);
        let mut flagged = conn();
        flagged
            .params
            .insert("environment-id".into(), "env-2".into());
        let s = resolve(&flagged, service("cae"), &with_env).ok().unwrap();
        assert_eq!(s.params, vec![("X-Environment-ID", "env-2".to_owned())]);
        let no_project = env(&[base[0], ("OS_REGION_NAME", "eu-de")]);
        let e = resolve(&conn(), service("cfw"), &no_project).err().unwrap();
        assert!(e.0.starts_with("no project id"), "{}", e.0);
    }
}
