//! `clouds.yaml` and `secure.yaml`, as the OpenStack tools read them: the cloud named by
//! `OS_CLOUD`, its `auth` section and `region_name`, with `secure.yaml` merged over it.

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use super::env::vars;
use super::{Chain, CredentialError, Found, KeyNames, Profile};
use crate::runtime::secret::Secret;

/// The cloud of `clouds.yaml` the chain names, merged with `secure.yaml`; `None` when no
/// cloud is named. A named cloud that no file has is an error.
pub(super) fn read(chain: &Chain) -> Result<Option<Found>, CredentialError> {
    let Some(cloud) = &chain.cloud else {
        return Ok(None);
    };
    let explicit = chain.var(vars::CLIENT_CONFIG_FILE).map(PathBuf::from);
    let candidates = match &explicit {
        Some(file) => vec![file.clone()],
        None => search_path(chain, "clouds"),
    };
    let Some(file) = candidates.iter().find(|p| p.is_file()) else {
        return Err(CredentialError::new(
            explicit.as_deref(),
            None,
            format!(
                "OS_CLOUD names cloud `{cloud}`, but there is no clouds.yaml (looked in {})",
                list(&candidates)
            ),
        ));
    };
    let mut merged = cloud_section(file, cloud)?.ok_or_else(|| {
        CredentialError::new(
            Some(file),
            Some(&format!("clouds.{cloud}")),
            format!("no cloud `{cloud}` in this file (OS_CLOUD names it)"),
        )
    })?;
    let secure = search_path(chain, "secure")
        .into_iter()
        .find(|p| p.is_file());
    if let Some(secure) = &secure
        && let Some(overlay) = cloud_section(secure, cloud)?
    {
        merge(&mut merged, overlay);
    }
    let profile = profile(&merged, file, cloud, secure.as_deref())?;
    let source = format!("clouds.yaml (cloud {cloud}, {})", file.display());
    let key = |name: &str| format!("clouds.{cloud}.auth.{name}");
    Ok(Some(Found::new(profile, &source, Some(file)).named(
        KeyNames {
            access_key: key("ak"),
            secret_key: key("sk"),
            user_name: key("username"),
            password: key("password"),
        },
    )))
}

/// `./NAME.yaml`, `~/.config/openstack/NAME.yaml`, `/etc/openstack/NAME.yaml` (also `.yml`).
fn search_path(chain: &Chain, name: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(cwd) = &chain.current_dir {
        dirs.push(cwd.clone());
    }
    if let Some(home) = &chain.home {
        dirs.push(home.join(".config").join("openstack"));
    }
    dirs.push(chain.system_dir.clone());
    dirs.iter()
        .flat_map(|d| {
            [
                d.join(format!("{name}.yaml")),
                d.join(format!("{name}.yml")),
            ]
        })
        .collect()
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `clouds.<cloud>` mapping of a file, if it has one.
fn cloud_section(file: &Path, cloud: &str) -> Result<Option<Yaml>, CredentialError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CredentialError::new(Some(file), None, format!("cannot be read: {e}")))?;
    let docs = YamlLoader::load_from_str(&text)
        .map_err(|e| CredentialError::new(Some(file), None, format!("is not YAML: {e}")))?;
    let Some(doc) = docs.into_iter().next() else {
        return Ok(None);
    };
    let clouds = match &doc["clouds"] {
        Yaml::Hash(_) => &doc["clouds"],
        Yaml::BadValue => return Ok(None),
        _ => {
            return Err(CredentialError::new(
                Some(file),
                Some("clouds"),
                "is not a mapping of cloud names",
            ));
        }
    };
    match &clouds[cloud] {
        Yaml::BadValue => Ok(None),
        section @ Yaml::Hash(_) => Ok(Some(section.clone())),
        _ => Err(CredentialError::new(
            Some(file),
            Some(&format!("clouds.{cloud}")),
            "is not a mapping",
        )),
    }
}

/// Merges `overlay` into `base`, mappings key by key (as `secure.yaml` is merged).
fn merge(base: &mut Yaml, overlay: Yaml) {
    match (base, overlay) {
        (Yaml::Hash(base), Yaml::Hash(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// The settings and credential parts of one cloud's (merged) section.
fn profile(
    section: &Yaml,
    file: &Path,
    cloud: &str,
    secure: Option<&Path>,
) -> Result<Profile, CredentialError> {
    let text = |path: &[&str]| -> Result<Option<String>, CredentialError> {
        let mut node = section;
        for key in path {
            node = &node[*key];
        }
        match node {
            Yaml::BadValue | Yaml::Null => Ok(None),
            Yaml::String(s) if s.trim().is_empty() => Ok(None),
            Yaml::String(s) => Ok(Some(s.trim().to_owned())),
            Yaml::Integer(i) => Ok(Some(i.to_string())),
            Yaml::Real(r) => Ok(Some(r.clone())),
            _ => Err(CredentialError::new(
                Some(secure.unwrap_or(file)),
                Some(&format!("clouds.{cloud}.{}", path.join("."))),
                "is not a text value",
            )),
        }
    };
    let any = |keys: &[&str]| -> Result<Option<String>, CredentialError> {
        for key in keys {
            if let Some(v) = text(&["auth", key])? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    };
    let secret = |keys: &[&str]| any(keys).map(|v| v.map(Secret::new));
    Ok(Profile {
        region: text(&["region_name"])?,
        project_id: any(&["project_id", "tenant_id"])?,
        project_name: any(&["project_name", "tenant_name"])?,
        domain_name: any(&["user_domain_name", "domain_name", "project_domain_name"])?,
        domain_id: any(&["user_domain_id", "domain_id", "project_domain_id"])?,
        auth_url: any(&["auth_url"])?,
        token: secret(&["token"])?,
        user_name: any(&["username", "user_name"])?,
        password: secret(&["password"])?,
        access_key: any(&["ak", "access_key"])?,
        secret_key: secret(&["sk", "secret_key"])?,
        security_token: secret(&["security_token"])?,
    })
}
