//! `clouds.yaml` and `secure.yaml`, as the OpenStack tools read them: the cloud named by
//! `OS_CLOUD`, its `auth` section and `region_name`, with `secure.yaml` merged over it.
//!
//! `secure.yaml` is read only from the folder of the `clouds.yaml` chosen: a `./clouds.yaml`
//! (in a cloned repository, say) never gets the password of `~/.config/openstack/secure.yaml`,
//! which would then be sent to whatever `auth_url` that `clouds.yaml` names. Both files are
//! read within the limits of [`files`](super::files) and [`yaml`](super::yaml).

use std::path::{Path, PathBuf};

use yaml_rust2::Yaml;

use super::env::vars;
use super::{Chain, CredentialError, Found, KeyNames, Profile, files, yaml};
use crate::secret::Secret;

/// The cloud of `clouds.yaml` the chain names, merged with the `secure.yaml` beside it;
/// `None` when no cloud is named. A named cloud that no file has is an error.
pub(super) fn read(chain: &Chain) -> Result<Option<Found>, CredentialError> {
    let Some(cloud) = &chain.cloud else {
        return Ok(None);
    };
    let explicit = chain.var(vars::CLIENT_CONFIG_FILE).map(PathBuf::from);
    let candidates = match &explicit {
        Some(file) => vec![file.clone()],
        None => search_path(chain, "clouds"),
    };
    let found = match &explicit {
        // An explicit file is read whatever it is (the reader refuses what is no file).
        Some(file) if file.exists() => Some(file),
        _ => candidates.iter().find(|p| p.is_file()),
    };
    let Some(file) = found else {
        return Err(CredentialError::new(
            explicit.as_deref(),
            None,
            format!(
                "OS_CLOUD names cloud `{cloud}`, but there is no clouds.yaml (looked in {})",
                list(&candidates)
            ),
        ));
    };
    let text = files::read_text(file)?;
    // Only beside the chosen clouds.yaml (see the module documentation).
    let folder = file.parent().unwrap_or(Path::new("."));
    let secure = ["secure.yaml", "secure.yml"]
        .iter()
        .map(|name| folder.join(name))
        .find(|p| p.is_file());
    let secure_text = match &secure {
        Some(path) => Some((files::read_text(path)?, path.as_path())),
        None => None,
    };
    let profile = from_text(
        &text,
        file,
        secure_text.as_ref().map(|(t, p)| (t.as_str(), *p)),
        cloud,
    )?;
    Ok(Some(found_for(profile, file, cloud)))
}

/// The source a cloud's profile came from, with the names of its keys.
pub(super) fn found_for(profile: Profile, file: &Path, cloud: &str) -> Found {
    let source = format!("clouds.yaml (cloud {cloud}, {})", file.display());
    let key = |name: &str| format!("clouds.{cloud}.auth.{name}");
    Found::new(profile, &source, Some(file)).named(KeyNames {
        access_key: key("ak"),
        secret_key: key("sk"),
        user_name: key("username"),
        password: key("password"),
        auth_url: key("auth_url"),
    })
}

/// The profile of `cloud` from the text of a `clouds.yaml` (read from `file`) and of the
/// `secure.yaml` beside it, if there is one.
pub(super) fn from_text(
    clouds: &str,
    file: &Path,
    secure: Option<(&str, &Path)>,
    cloud: &str,
) -> Result<Profile, CredentialError> {
    let mut merged = cloud_section(clouds, file, cloud)?.ok_or_else(|| {
        let names = cloud_names(clouds, file);
        let there = if names.is_empty() {
            "it names no cloud".to_owned()
        } else {
            format!("it has {}", names.join(", "))
        };
        CredentialError::new(
            Some(file),
            Some(&format!("clouds.{cloud}")),
            format!("no cloud `{cloud}` in this file (OS_CLOUD or --os-cloud names it); {there}"),
        )
    })?;
    let mut secure_file = None;
    if let Some((text, path)) = secure
        && let Some(overlay) = cloud_section(text, path, cloud)?
    {
        merge(&mut merged, overlay);
        secure_file = Some(path);
    }
    profile(&merged, file, cloud, secure_file)
}

/// The names of the clouds of a `clouds.yaml`'s text (none when it cannot be read), each
/// shown as Rust's `escape_debug` would (a name is file text).
pub(super) fn cloud_names(text: &str, file: &Path) -> Vec<String> {
    match yaml::load(text, file) {
        Ok(doc) => match &doc["clouds"] {
            Yaml::Hash(clouds) => clouds
                .keys()
                .filter_map(Yaml::as_str)
                .map(|n| format!("`{}`", n.escape_debug()))
                .collect(),
            _ => Vec::new(),
        },
        Err(_) => Vec::new(),
    }
}

/// The first `clouds.yaml` of the search path (or `OS_CLIENT_CONFIG_FILE`) when no cloud is
/// chosen, with its clouds: for the message that no credential was found.
pub(super) fn unchosen(chain: &Chain) -> Option<String> {
    if chain.cloud.is_some() {
        return None;
    }
    let file = match chain.var(vars::CLIENT_CONFIG_FILE) {
        Some(file) => Some(PathBuf::from(file)).filter(|p| p.is_file()),
        None => search_path(chain, "clouds")
            .into_iter()
            .find(|p| p.is_file()),
    }?;
    let names = files::read_text(&file)
        .map(|text| cloud_names(&text, &file))
        .unwrap_or_default();
    let clouds = if names.is_empty() {
        String::new()
    } else {
        format!(" (clouds {})", names.join(", "))
    };
    Some(format!(
        "{}{clouds} was not read, as no cloud is chosen: set OS_CLOUD (or pass --os-cloud) to use one",
        file.display()
    ))
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

/// The `clouds.<cloud>` mapping of a file's text, if it has one.
fn cloud_section(text: &str, file: &Path, cloud: &str) -> Result<Option<Yaml>, CredentialError> {
    let doc = yaml::load(text, file)?;
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
    // `insecure: true` and `verify: false` (a boolean, or its text) as the OpenStack tools
    // read them; `insecure` wins.
    let flag = |key: &str| -> Result<Option<bool>, CredentialError> {
        match &section[key] {
            Yaml::BadValue | Yaml::Null => Ok(None),
            Yaml::Boolean(b) => Ok(Some(*b)),
            Yaml::String(s) if matches!(s.trim(), "true" | "True" | "yes") => Ok(Some(true)),
            Yaml::String(s) if matches!(s.trim(), "false" | "False" | "no") => Ok(Some(false)),
            _ => Err(CredentialError::new(
                Some(secure.unwrap_or(file)),
                Some(&format!("clouds.{cloud}.{key}")),
                "is not true or false",
            )),
        }
    };
    let insecure = match (flag("insecure")?, flag("verify")?) {
        (Some(insecure), _) => Some(insecure),
        (None, Some(verify)) => Some(!verify),
        (None, None) => None,
    };
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
        ca_file: text(&["cacert"])?,
        insecure,
    })
}
