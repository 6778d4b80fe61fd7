//! The job services the command line knows: every entry of the generated registry, so a new
//! spec is a new service here with no change to this code.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use heck::{ToKebabCase as _, ToShoutySnakeCase as _};

use cloudjobs::apis::registry;
use cloudjobs::runtime::any_service::{JobParam, JobService};

use super::values::Usage;

/// A job API.
pub type Service = &'static JobService;

/// The service called `text`: a name, an alias or a module name (any case, `-` or `_`).
pub fn parse(text: &str) -> Result<Service, Usage> {
    registry::find(text).ok_or_else(|| {
        let names: Vec<&str> = registry::SERVICES.iter().map(|s| s.name).collect();
        let tip = suggest(text)
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        Usage(format!(
            "unknown service `{}`: {tip}use one of {} (`cloudjobs services` lists them)",
            text.escape_debug(),
            names.join(", ")
        ))
    })
}

/// The service name closest to a mistyped one (`imss` → `ims`), by the similarity clap uses
/// for its own "did you mean" (Jaro above 0.7), over names, aliases and module names.
fn suggest(text: &str) -> Option<&'static str> {
    let typed = text.to_ascii_lowercase();
    let typed = typed.as_str();
    registry::SERVICES
        .iter()
        .flat_map(|s| {
            std::iter::once(s.name)
                .chain(s.aliases.iter().copied())
                .chain([s.module])
                .map(move |candidate| (strsim::jaro(typed, candidate), s.name))
        })
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

/// A region the API serves, for messages: the default of the first server's `region`.
pub fn example_region(service: Service) -> &'static str {
    service
        .service
        .servers
        .iter()
        .flat_map(|s| s.variables.iter())
        .find(|v| v.name == "region")
        .map_or("eu-de", |v| v.default)
}

/// A parameter's own flag, derived from its name on the wire: without an `X-` prefix, in
/// kebab case (`X-Environment-ID` → `environment-id`, `instance_id` → `instance-id`).
///
/// The command line's policy, decided here at run time: the registry says only what the API
/// takes, so renaming a flag or a variable regenerates nothing.
pub fn param_flag(param: &JobParam) -> String {
    let wire = param.name;
    let bare = wire
        .strip_prefix("X-")
        .or_else(|| wire.strip_prefix("x-"))
        .unwrap_or(wire);
    bare.to_kebab_case()
}

/// The environment variable of a service's extra parameter:
/// `CLOUDJOBS_<SERVICE>_<FLAG>` (`CLOUDJOBS_CAE_ENVIRONMENT_ID`).
pub fn env_for(service: Service, param: &JobParam) -> String {
    format!(
        "CLOUDJOBS_{}_{}",
        service.name.to_shouty_snake_case(),
        param_flag(param).to_shouty_snake_case()
    )
}

/// The flag of a service's extra parameter: its own ([`param_flag`]), or `<service>-<flag>`
/// where that would clash with one of the command line's own flags (`reserved`).
pub fn flag_for(service: Service, param: &JobParam, reserved: &[String]) -> String {
    let flag = param_flag(param);
    if reserved.contains(&flag) {
        format!("{}-{flag}", service.name)
    } else {
        flag
    }
}

/// Every extra-parameter flag of every service, with the parameters that share it (one flag
/// may serve several services: `--instance-id` for each API with an `instance_id`).
pub fn param_flags(reserved: &[String]) -> BTreeMap<String, Vec<(Service, &'static JobParam)>> {
    let mut flags: BTreeMap<String, Vec<(Service, &'static JobParam)>> = BTreeMap::new();
    for service in registry::SERVICES {
        for param in service.params {
            flags
                .entry(flag_for(service, param, reserved))
                .or_default()
                .push((service, param));
        }
    }
    flags
}

/// The services `cloudjobs services` shows: all, or the one named.
fn shown(only: Option<Service>) -> impl Iterator<Item = Service> {
    registry::SERVICES
        .iter()
        .copied()
        .filter(move |s| only.is_none_or(|o| o.name == s.name))
}

/// `cloudjobs services [<name>]` as text: one block per service.
pub fn listing(reserved: &[String], only: Option<Service>) -> String {
    let mut out = String::new();
    for service in shown(only) {
        let aliases = if service.aliases.is_empty() {
            String::new()
        } else {
            format!(" (also {})", service.aliases.join(", "))
        };
        let _ = writeln!(out, "{}{aliases}", service.name);
        let _ = writeln!(out, "    {}", service.title);
        let _ = writeln!(
            out,
            "    {} {}    module {}",
            service.method,
            call(service),
            service.module
        );
        for p in service.params {
            let need = if p.required { "required" } else { "optional" };
            let _ = writeln!(
                out,
                "    --{:<24} {need} {} parameter `{}`: {}  [env: {}]",
                flag_for(service, p, reserved),
                p.place,
                p.name,
                p.summary,
                env_for(service, p)
            );
        }
    }
    out
}

/// The job call, with the job id's query parameter shown where it is one
/// (`GET /v3/{project_id}/jobs?id={id}`).
fn call(service: Service) -> String {
    let id = service.job_id_param;
    if service.path.contains(&format!("{{{id}}}")) {
        service.path.to_owned()
    } else {
        format!("{}?{id}={{{id}}}", service.path)
    }
}

/// `cloudjobs services [<name>] --json`.
pub fn listing_json(reserved: &[String], only: Option<Service>) -> serde_json::Value {
    let services = shown(only)
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "aliases": s.aliases,
                "title": s.title,
                "module": s.module,
                "operation": s.operation,
                "method": s.method,
                "path": s.path,
                "job_id_param": s.job_id_param,
                "project_param": s.project_param,
                "states": {
                    "pending": s.states.pending,
                    "running": s.states.running,
                    "succeeded": s.states.succeeded,
                    "failed": s.states.failed,
                },
                "params": s.params.iter().map(|p| serde_json::json!({
                    "name": p.name,
                    "in": p.place.to_string(),
                    "kind": p.kind.to_string(),
                    "required": p.required,
                    "summary": p.summary,
                    "flag": format!("--{}", flag_for(s, p, reserved)),
                    "env": env_for(s, p),
                })).collect::<Vec<_>>(),
            })
        })
        .collect::<Vec<_>>();
    serde_json::json!({ "services": services })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_modules() {
        for s in registry::SERVICES {
            assert_eq!(parse(s.name).map(|f| f.name), Ok(s.name));
            assert_eq!(parse(s.module).map(|f| f.name), Ok(s.name));
            for a in s.aliases {
                assert_eq!(parse(a).map(|f| f.name), Ok(s.name));
            }
        }
        assert_eq!(parse("OTC-IMS-JOBS").map(|s| s.name), Ok("ims"));
        let e = parse("no-such-service").unwrap_err();
        assert!(
            e.0.starts_with("unknown service `no-such-service`: use one of "),
            "{}",
            e.0
        );
    }

    #[test]
    fn cae_keeps_its_flag_and_variable() {
        let cae = parse("cae").unwrap();
        let p = cae.param("X-Environment-ID").unwrap();
        assert_eq!(
            (param_flag(p), env_for(cae, p), p.required),
            (
                "environment-id".to_owned(),
                "CLOUDJOBS_CAE_ENVIRONMENT_ID".to_owned(),
                true
            )
        );
        assert_eq!(example_region(cae), "cn-north-4");
    }
}
