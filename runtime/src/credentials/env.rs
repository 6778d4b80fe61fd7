//! The environment variables the chain reads, in one table: the OpenStack / Open Telekom Cloud
//! tools' `OS_*` set (with `OS_ACCESS_KEY`/`OS_SECRET_KEY`/`OS_SECURITY_TOKEN` as the Open
//! Telekom Cloud Terraform provider reads them) and the Huawei Cloud SDKs' `HUAWEICLOUD_SDK_*`.

use super::{CredentialError, Found, KeyNames, Profile};
use crate::secret::Secret;

/// The variables each setting is read from, first set wins.
pub mod vars {
    /// Region.
    pub const REGION: &[&str] = &["OS_REGION_NAME", "HUAWEICLOUD_SDK_REGION"];
    /// Project id.
    pub const PROJECT_ID: &[&str] = &[
        "OS_PROJECT_ID",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "OS_TENANT_ID",
    ];
    /// Project name (the scope of an IAM password token).
    pub const PROJECT_NAME: &[&str] = &["OS_PROJECT_NAME", "OS_TENANT_NAME"];
    /// The user's account (domain) name.
    pub const DOMAIN_NAME: &[&str] = &["OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"];
    /// The account (domain) id.
    pub const DOMAIN_ID: &[&str] = &[
        "OS_USER_DOMAIN_ID",
        "OS_DOMAIN_ID",
        "HUAWEICLOUD_SDK_DOMAIN_ID",
    ];
    /// IAM endpoint, with or without `/v3`.
    pub const AUTH_URL: &[&str] = &["OS_AUTH_URL", "HUAWEICLOUD_SDK_IAM_ENDPOINT"];
    /// A token.
    pub const TOKEN: &[&str] = &["OS_AUTH_TOKEN", "OS_TOKEN"];
    /// IAM user name.
    pub const USERNAME: &[&str] = &["OS_USERNAME"];
    /// IAM password.
    pub const PASSWORD: &[&str] = &["OS_PASSWORD"];
    /// Access key id.
    pub const ACCESS_KEY: &[&str] = &["HUAWEICLOUD_SDK_AK", "OS_ACCESS_KEY"];
    /// Secret access key.
    pub const SECRET_KEY: &[&str] = &["HUAWEICLOUD_SDK_SK", "OS_SECRET_KEY"];
    /// Security token of temporary AK/SK.
    pub const SECURITY_TOKEN: &[&str] = &["HUAWEICLOUD_SDK_SECURITY_TOKEN", "OS_SECURITY_TOKEN"];
    /// A PEM bundle of CA certificates to trust instead of the system's.
    pub const CA_FILE: &[&str] = &["OS_CACERT"];
    /// `true` (or `1`, `yes`): check no TLS certificate (insecure).
    pub const INSECURE: &[&str] = &["OS_INSECURE"];
    /// The cloud of `clouds.yaml` to use.
    pub const CLOUD: &[&str] = &["OS_CLOUD"];
    /// An explicit `clouds.yaml`.
    pub const CLIENT_CONFIG_FILE: &[&str] = &["OS_CLIENT_CONFIG_FILE"];
    /// An explicit Huawei SDK credentials file.
    pub const CREDENTIALS_FILE: &[&str] = &["HUAWEICLOUD_SDK_CREDENTIALS_FILE"];
    /// The instance metadata service's address (`http://169.254.169.254` by default), or `off`.
    pub const METADATA_URL: &[&str] = &["CLOUDJOBS_METADATA_URL"];
    /// `1` (or `true`, `yes`): send IAM passwords to a plain `http` IAM URL on any host, unencrypted
    /// (see [`PasswordAuth::allow_plaintext_http`](crate::PasswordAuth::allow_plaintext_http)).
    pub const ALLOW_HTTP_IAM: &[&str] = &["CLOUDJOBS_ALLOW_HTTP_IAM"];
}

/// Whether a yes/no variable says yes (`1`, `true`, `yes`, any case).
pub fn is_yes(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes"
    )
}

/// The first of `names` that is set (and not blank), with its name.
pub(super) fn first(
    lookup: &dyn Fn(&str) -> Option<String>,
    names: &[&str],
) -> Option<(String, String)> {
    names.iter().find_map(|name| {
        lookup(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| ((*name).to_owned(), v))
    })
}

/// What the environment says.
pub(super) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Found, CredentialError> {
    let get = |names: &[&str]| first(lookup, names).map(|(_, v)| v.trim().to_owned());
    let profile = Profile {
        region: get(vars::REGION),
        project_id: get(vars::PROJECT_ID),
        project_name: get(vars::PROJECT_NAME),
        domain_name: get(vars::DOMAIN_NAME),
        domain_id: get(vars::DOMAIN_ID),
        auth_url: get(vars::AUTH_URL),
        token: first(lookup, vars::TOKEN).map(|(_, v)| Secret::new(v)),
        user_name: get(vars::USERNAME),
        password: first(lookup, vars::PASSWORD).map(|(_, v)| Secret::new(v)),
        access_key: get(vars::ACCESS_KEY),
        secret_key: first(lookup, vars::SECRET_KEY).map(|(_, v)| Secret::new(v)),
        security_token: first(lookup, vars::SECURITY_TOKEN).map(|(_, v)| Secret::new(v)),
        ca_file: get(vars::CA_FILE),
        insecure: get(vars::INSECURE).map(|v| is_yes(&v)),
    };
    let names = |vars: &[&str]| vars.join(" or ");
    Ok(Found::new(profile, "environment", None).named(KeyNames {
        access_key: names(vars::ACCESS_KEY),
        secret_key: names(vars::SECRET_KEY),
        user_name: names(vars::USERNAME),
        password: names(vars::PASSWORD),
        // The variable that is set, not the list.
        auth_url: first(lookup, vars::AUTH_URL).map_or_else(|| names(vars::AUTH_URL), |(n, _)| n),
    }))
}
