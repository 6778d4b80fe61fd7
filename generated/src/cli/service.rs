//! The four job APIs the command line knows.

use cloudjobs::{cae_jobs, cfw_jobs, otc_ims_jobs, runtime, workspace_image_jobs};

use super::settings::Usage;

/// A job API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Open Telekom Cloud IMS.
    Ims,
    /// Huawei Cloud CAE.
    Cae,
    /// Cloud Firewall.
    Cfw,
    /// Huawei Cloud Workspace image server jobs.
    Workspace,
}

impl Service {
    /// All of them.
    pub const ALL: [Service; 4] = [Service::Ims, Service::Cae, Service::Cfw, Service::Workspace];

    /// From a short name or a module name (any case, `-` or `_`).
    pub fn parse(text: &str) -> Result<Self, Usage> {
        let wanted = text.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|s| s.name() == wanted || s.module() == wanted)
            .ok_or_else(|| {
                Usage(format!(
                    "unknown service `{}`: use ims, cae, cfw or workspace (or otc_ims_jobs, cae_jobs, cfw_jobs, workspace_image_jobs)",
                    text.escape_debug()
                ))
            })
    }

    /// The short name.
    pub fn name(self) -> &'static str {
        match self {
            Service::Ims => "ims",
            Service::Cae => "cae",
            Service::Cfw => "cfw",
            Service::Workspace => "workspace",
        }
    }

    /// The runtime's description of the API.
    pub fn spec(self) -> &'static runtime::Service {
        match self {
            Service::Ims => &otc_ims_jobs::SERVICE,
            Service::Cae => &cae_jobs::SERVICE,
            Service::Cfw => &cfw_jobs::SERVICE,
            Service::Workspace => &workspace_image_jobs::SERVICE,
        }
    }

    /// The module name (the key of an explicit endpoint).
    pub fn module(self) -> &'static str {
        self.spec().name
    }

    /// A region the API serves, for messages.
    pub fn example_region(self) -> &'static str {
        match self {
            Service::Ims | Service::Cfw => "eu-de",
            Service::Cae | Service::Workspace => "cn-north-4",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_modules() {
        for s in Service::ALL {
            assert_eq!(Service::parse(s.name()), Ok(s));
            assert_eq!(Service::parse(s.module()), Ok(s));
        }
        assert_eq!(Service::parse("OTC-IMS-JOBS"), Ok(Service::Ims));
        let e = Service::parse("ecs").unwrap_err();
        assert!(e.0.starts_with("unknown service `ecs`"), "{}", e.0);
    }
}
