//! The Huawei Cloud SDK credentials file (`HUAWEICLOUD_SDK_CREDENTIALS_FILE` or
//! `~/.huaweicloud/credentials`): INI, the `[basic]` section's `ak`, `sk`, `project_id`,
//! `security_token`, `iam_endpoint` (and `domain_id`, `region`).

use std::path::PathBuf;

use super::env::vars;
use super::{Chain, CredentialError, Found, KeyNames, Profile, files};
use crate::secret::Secret;

/// The `[basic]` section of the file, when there is a file.
pub(super) fn read(chain: &Chain) -> Result<Option<Found>, CredentialError> {
    let explicit = chain.var(vars::CREDENTIALS_FILE).map(PathBuf::from);
    let file = match (&explicit, &chain.home) {
        (Some(file), _) => file.clone(),
        (None, Some(home)) => home.join(".huaweicloud").join("credentials"),
        (None, None) => return Ok(None),
    };
    if !file.exists() || (explicit.is_none() && !file.is_file()) {
        return match explicit {
            Some(_) => Err(CredentialError::new(
                Some(&file),
                None,
                "HUAWEICLOUD_SDK_CREDENTIALS_FILE names this file, which does not exist",
            )),
            None => Ok(None),
        };
    }
    let text = files::read_text(&file)?;
    let mut section = String::new();
    let mut profile = Profile::default();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let Some(name) = name.strip_suffix(']') else {
                return Err(CredentialError::new(
                    Some(&file),
                    Some(&format!("line {}", n + 1)),
                    "a section header without its closing `]`",
                ));
            };
            section = name.trim().to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(CredentialError::new(
                Some(&file),
                Some(&format!("line {}", n + 1)),
                "expected `key = value`",
            ));
        };
        if section != "basic" {
            continue;
        }
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let text = Some(value.to_owned());
        match key.as_str() {
            "ak" => profile.access_key = text,
            "sk" => profile.secret_key = Some(Secret::new(value)),
            "security_token" => profile.security_token = Some(Secret::new(value)),
            "project_id" => profile.project_id = text,
            "domain_id" => profile.domain_id = text,
            "iam_endpoint" => profile.auth_url = text,
            "region" => profile.region = text,
            _ => {}
        }
    }
    let source = format!("Huawei Cloud credentials file ({})", file.display());
    Ok(Some(Found::new(profile, &source, Some(&file)).named(
        KeyNames {
            access_key: "[basic] ak".into(),
            secret_key: "[basic] sk".into(),
            user_name: "[basic] user name".into(),
            password: "[basic] password".into(),
            auth_url: "[basic] iam_endpoint".into(),
        },
    )))
}
