//! The command line, as clap parses it.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::time::Duration;

use clap::error::ErrorKind;
use cloudjobs::apis::registry;

use clap::{Arg, ArgMatches, Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use super::service::{self, Service};
use super::values::{Usage, parse_duration};

const AFTER_HELP: &str = "\
Services: `cloudjobs services` lists every job API this build knows, with its aliases and
the extra parameters its job call needs; `cloudjobs services <name>` shows one. Those
flags (under \"Service parameters\" in `cloudjobs get --help`) belong to `get` and `wait`
of their own service only; `cloudjobs get <service> --help` shows that service's alone.

Where settings and credentials come from, in this order (the first that sets a setting
wins; the credential comes whole from the first source that has one):
  1. flags (a credential named by a flag takes its other parts from the variables)
  2. environment variables:
     OS_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID   project id (--project-id)
     OS_PROJECT_NAME                             project name, to scope an IAM password
                                                 token and look up the project id
     OS_REGION_NAME                              region (--region)
     CLOUDJOBS_ENDPOINT                          the job API's URL (--endpoint)
     OS_AUTH_URL, HUAWEICLOUD_SDK_IAM_ENDPOINT   IAM endpoint, with or without /v3
     OS_AUTH_TOKEN                               a token (--token)
     HUAWEICLOUD_SDK_AK, OS_ACCESS_KEY           access key (--access-key)
     HUAWEICLOUD_SDK_SK, OS_SECRET_KEY           secret key (--secret-key)
     HUAWEICLOUD_SDK_SECURITY_TOKEN, OS_SECURITY_TOKEN
                                                 security token of temporary AK/SK
     OS_USERNAME, OS_PASSWORD                    IAM user and password
     OS_USER_DOMAIN_NAME, OS_DOMAIN_NAME         the user's account (domain) name
     OS_USER_DOMAIN_ID, HUAWEICLOUD_SDK_DOMAIN_ID the account (domain) id
     CLOUDJOBS_<SERVICE>_<PARAM>                 a service's extra parameter, such as
                                                 CLOUDJOBS_CAE_ENVIRONMENT_ID
  3. clouds.yaml, the cloud named by OS_CLOUD (--os-cloud): OS_CLIENT_CONFIG_FILE, or
     ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml, with
     the secure.yaml of the same folder (only that one) merged over it
  4. the Huawei Cloud credentials file: HUAWEICLOUD_SDK_CREDENTIALS_FILE or
     ~/.huaweicloud/credentials, section [basic] (ak, sk, project_id, security_token,
     iam_endpoint)
  5. the instance metadata service of an ECS with an agency (temporary AK/SK);
     CLOUDJOBS_METADATA_URL moves it, CLOUDJOBS_METADATA_URL=off skips it
Secrets are best passed as variables or files, never as flags; they are never printed.
An IAM password goes only to an https IAM URL, or to http on 127.0.0.1, ::1 or localhost;
--insecure-http-iam (or CLOUDJOBS_ALLOW_HTTP_IAM=1) sends it to other http URLs, unencrypted.
Likewise a token or an AK/SK signature goes only to an https --endpoint (or http to this
machine); --insecure-http (or CLOUDJOBS_ALLOW_HTTP=1) allows other http endpoints.
IAM password tokens are cached in the user's cache directory (CLOUDJOBS_CACHE_DIR, else
$XDG_CACHE_HOME/cloudjobs or ~/.cache/cloudjobs), per IAM URL, user, account and
project; --no-token-cache turns that off.

Diagnostics on standard error (never a secret; nothing without -v or RUST_LOG):
  -v     retries, token fetches (or reads from the disk cache), job state changes,
         how a wait ended
  -vv    also every request (operation, path template) and response (status, request id)
  -vvv   also token cache hits and the start of each attempt
  RUST_LOG (tracing filter directives, such as cloudjobs=debug) replaces -v when set.

Exit status:
  0  the job succeeded (get: the job was read, whatever its state)
  1  the job failed
  2  usage error (unknown service, malformed id, missing settings or credentials)
  3  the deadline passed before the job ended (wait --timeout)
  4  API or authentication error
  130 interrupted (Ctrl-C)
  143 terminated (SIGTERM)

Polling (wait): first poll at once; a job that reports its progress is polled from the
end it predicts (sparse while far, dense around it; `eta` on the progress line), any other
with gaps from --interval growing 1.5x up to --max-interval, +-10% jitter: with the
defaults a 20-minute job takes at most 57 requests, and its end is seen on average at most
14.6 s late (at worst 29.7 s). Past durations are kept in durations.json in the cache
directory (not with --no-token-cache).";

/// Read or wait for an asynchronous job of an Open Telekom Cloud or Huawei Cloud service.
#[derive(Debug, Parser)]
#[command(
    name = "cloudjobs",
    version,
    after_help = AFTER_HELP,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Where and as whom to call the API.
    #[command(flatten)]
    pub conn: Connection,

    /// Print JSON on standard output (for scripts) instead of text: short for `-f json`.
    #[arg(long, global = true)]
    pub json: bool,

    /// What standard output shows, as the openstack command line's -f: table (text, the
    /// default), value (bare values, one a line), yaml or json.
    #[arg(
        short = 'f',
        long,
        global = true,
        value_enum,
        value_name = "FORMAT",
        conflicts_with = "json"
    )]
    pub format: Option<Format>,

    /// Show what is done on standard error: -v retries, token fetches and state changes,
    /// -vv every request, -vvv everything (see Diagnostics below).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The forms of standard output (`-f`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text: `name: value` lines (a job), a listing (services).
    Table,
    /// Bare values, one a line, in a fixed order, for shell scripts.
    Value,
    /// YAML: the same fields as JSON.
    Yaml,
    /// JSON (`--json`).
    Json,
}

impl Cli {
    /// The output format: `-f`, `--json`, else text.
    pub fn output_format(&self) -> Format {
        match (self.format, self.json) {
            (Some(format), _) => format,
            (None, true) => Format::Json,
            (None, false) => Format::Table,
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the job services: names, aliases, calls and extra parameters (with their flags).
    Services {
        /// Show only this service (a name, an alias or a module name).
        service: Option<String>,
    },
    /// Print a job: state, progress, sub-tasks, resources, error.
    Get {
        /// A service name or alias (`cloudjobs services` lists them), or a module name.
        service: String,
        /// The job id the API returned when it started the job.
        job_id: String,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on standard
    /// output, such as `cloudjobs completions bash > ~/.local/share/bash-completion/completions/cloudjobs`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page cloudjobs(1) (roff) on standard output; with `--out`, write it
    /// and one page per subcommand (cloudjobs-get.1, cloudjobs-wait.1, ...) into a folder
    /// (`cargo xtask man`).
    #[command(hide = true)]
    Man {
        /// The folder to write every page into (made if missing); prints the files written.
        #[arg(long, value_name = "DIR")]
        out: Option<std::path::PathBuf>,
    },
    /// Print the help of a command (`cloudjobs help get`, `cloudjobs help get kafka` with
    /// that service's own flags only).
    Help {
        /// The command, and for `get` and `wait` a service.
        command: Vec<String>,
    },
    /// Wait until a job ends, showing its progress; the exit status tells how it ended.
    Wait {
        /// A service name or alias (`cloudjobs services` lists them), or a module name.
        service: String,
        /// The job id the API returned when it started the job.
        job_id: String,
        /// How to poll.
        #[command(flatten)]
        wait: WaitArgs,
    },
}

/// How `wait` polls.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Give up (exit status 3) when the job has not ended after this long (such as 90s, 30m, 2h).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub timeout: Duration,
    /// The first gap between two polls.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub interval: Duration,
    /// The largest gap between two polls.
    #[arg(long, value_name = "DURATION", default_value = "27s", value_parser = parse_duration)]
    pub max_interval: Duration,
    /// Failed polls (timeouts, connection errors, 429, 5xx) tolerated in a row; each poll is
    /// one request.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_errors: u32,
}

/// Connection settings, the credentials among them ([`Credentials`]); each falls back to
/// environment variables (see the end of --help).
#[derive(Debug, Default, Args)]
pub struct Connection {
    /// Project id [env: OS_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID].
    #[arg(long, global = true, value_name = "ID", help_heading = "Connection")]
    pub project_id: Option<String>,
    /// Project name, for IAM password authentication [env: OS_PROJECT_NAME].
    #[arg(long, global = true, value_name = "NAME", help_heading = "Connection")]
    pub project_name: Option<String>,
    /// Region, such as eu-de or cn-north-4 [env: OS_REGION_NAME].
    #[arg(
        long,
        global = true,
        value_name = "REGION",
        help_heading = "Connection"
    )]
    pub region: Option<String>,
    /// The job API's URL, instead of the one made from the region [env: CLOUDJOBS_ENDPOINT].
    #[arg(long, global = true, value_name = "URL", help_heading = "Connection")]
    pub endpoint: Option<String>,
    /// IAM endpoint for password authentication [env: OS_AUTH_URL].
    #[arg(long, global = true, value_name = "URL", help_heading = "Connection")]
    pub auth_url: Option<String>,
    /// The cloud of clouds.yaml to use [env: OS_CLOUD].
    #[arg(long, global = true, value_name = "NAME", help_heading = "Connection")]
    pub os_cloud: Option<String>,
    /// A PEM bundle of the CA certificates to trust instead of the system's [env: OS_CACERT;
    /// clouds.yaml `cacert`]. The system's roots can also be replaced by SSL_CERT_FILE or
    /// SSL_CERT_DIR.
    #[arg(long, global = true, value_name = "FILE", help_heading = "Connection")]
    pub os_cacert: Option<String>,
    /// Check no TLS certificate: INSECURE, anyone on the network path can read and change the
    /// traffic, credentials included [env: OS_INSECURE=true; clouds.yaml `insecure: true`
    /// or `verify: false`].
    #[arg(long, global = true, help_heading = "Connection")]
    pub insecure: bool,
    /// Ask IAM for a new token every time instead of reusing a cached one.
    #[arg(long, global = true, help_heading = "Credentials")]
    pub no_token_cache: bool,
    /// Send the IAM password to a plain http IAM URL on another host too: UNENCRYPTED, anyone
    /// on the network path can read it [env: CLOUDJOBS_ALLOW_HTTP_IAM=1]. Without it only
    /// https, or http to 127.0.0.1, ::1 or localhost.
    #[arg(long, global = true, help_heading = "Credentials")]
    pub insecure_http_iam: bool,
    /// Send the credentials (token, or AK/SK signature and security token) to a plain http
    /// --endpoint on another host too: UNENCRYPTED, anyone on the network path can read them
    /// [env: CLOUDJOBS_ALLOW_HTTP=1]. Without it only https, or http to 127.0.0.1, ::1 or
    /// localhost.
    #[arg(long, global = true, help_heading = "Connection")]
    pub insecure_http: bool,
    /// The services' extra parameters, by flag (`environment-id`): flags derived from the
    /// registry at start-up (see [`with_service_flags`]).
    #[arg(skip)]
    pub params: BTreeMap<String, String>,
    /// Timeout of one HTTP request.
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, help_heading = "Connection")]
    pub request_timeout: Duration,
    /// The credentials.
    #[command(flatten, next_help_heading = "Credentials")]
    pub credentials: Credentials,
}

/// The credential flags (help heading "Credentials"); each falls back to environment
/// variables. The secret ones take any value, even one that starts with `-`
/// (`allow_hyphen_values`), so that a secret is never echoed as an "unexpected argument";
/// `Debug` shows only whether they are set.
#[derive(Default, Args)]
pub struct Credentials {
    /// A token; prefer OS_AUTH_TOKEN (command lines are visible to other users).
    #[arg(long, global = true, value_name = "TOKEN", allow_hyphen_values = true)]
    pub token: Option<String>,
    /// Access key id [env: HUAWEICLOUD_SDK_AK, OS_ACCESS_KEY].
    #[arg(long, global = true, value_name = "AK")]
    pub access_key: Option<String>,
    /// Secret key; prefer HUAWEICLOUD_SDK_SK.
    #[arg(long, global = true, value_name = "SK", allow_hyphen_values = true)]
    pub secret_key: Option<String>,
    /// Security token of temporary AK/SK; prefer HUAWEICLOUD_SDK_SECURITY_TOKEN.
    #[arg(long, global = true, value_name = "TOKEN", allow_hyphen_values = true)]
    pub security_token: Option<String>,
    /// IAM user name [env: OS_USERNAME].
    #[arg(long, global = true, value_name = "USER")]
    pub username: Option<String>,
    /// IAM password; prefer OS_PASSWORD.
    #[arg(
        long,
        global = true,
        value_name = "PASSWORD",
        allow_hyphen_values = true
    )]
    pub password: Option<String>,
    /// The user's account (domain) name [env: OS_USER_DOMAIN_NAME, OS_DOMAIN_NAME].
    #[arg(long, global = true, value_name = "DOMAIN")]
    pub domain_name: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("Credentials")
            .field("token", &secret(&self.token))
            .field("access_key", &self.access_key)
            .field("secret_key", &secret(&self.secret_key))
            .field("security_token", &secret(&self.security_token))
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("domain_name", &self.domain_name)
            .finish()
    }
}

/// The long flags of the command line itself, which service parameters must not take.
pub fn reserved_flags() -> Vec<String> {
    let command = Cli::command();
    let own = command.get_arguments();
    let sub = command.get_subcommands().flat_map(|c| c.get_arguments());
    let mut flags: Vec<String> = own
        .chain(sub)
        .filter_map(|a| a.get_long().map(str::to_owned))
        .chain(["help".to_owned(), "version".to_owned()])
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

/// [`command`] as the completion scripts see it: the service arguments and `--region`
/// complete from static lists of the registry (every name, alias and module name; every
/// region a spec lists or defaults to). Only the scripts are made from it: parsing keeps
/// its own checks and messages ("did you mean", any region).
pub fn completion_command() -> clap::Command {
    let mut services: Vec<&'static str> = registry::SERVICES
        .iter()
        .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()))
        .collect();
    services.sort_unstable();
    services.dedup();
    let mut regions: Vec<&'static str> = registry::SERVICES
        .iter()
        .flat_map(|s| s.service.servers.iter())
        .flat_map(|server| server.variables.iter())
        .filter(|v| v.name == "region")
        .flat_map(|v| v.allowed.iter().copied().chain([v.default]))
        .collect();
    regions.sort_unstable();
    regions.dedup();
    let service_values = clap::builder::PossibleValuesParser::new(services);
    command(None)
        .mut_arg("region", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(regions))
        })
        .mut_subcommand("get", |c| {
            c.mut_arg("service", |a| a.value_parser(service_values.clone()))
        })
        .mut_subcommand("wait", |c| {
            c.mut_arg("service", |a| a.value_parser(service_values.clone()))
        })
        .mut_subcommand("services", |c| {
            c.mut_arg("service", |a| a.value_parser(service_values.clone()))
        })
}

/// The command line, with one `--<flag>` on `get` and `wait` per extra parameter of the
/// registered job services (`--environment-id` for CAE's `X-Environment-ID`, ...): every
/// service's flags, or only those of `only` (the help of `cloudjobs get kafka --help`).
/// They are not global: `services` and `completions` take none, and a flag of another
/// service is refused by [`check_service_flags`].
pub fn command(only: Option<Service>) -> clap::Command {
    let mut command = Cli::command();
    for (flag, users) in service::param_flags(&reserved_flags()) {
        let users: Vec<_> = users
            .into_iter()
            .filter(|(s, _)| only.is_none_or(|o| o.name == s.name))
            .collect();
        let Some((_, first)) = users.first() else {
            continue;
        };
        let names: Vec<String> = users
            .iter()
            .map(|(s, p)| {
                format!(
                    "{} {} `{}`, env {}",
                    s.name,
                    p.place,
                    p.name,
                    service::env_for(s, p)
                )
            })
            .collect();
        let arg = Arg::new(flag.clone())
            .long(flag)
            .value_name("VALUE")
            .help_heading("Service parameters")
            .help(format!(
                "{} [{}]",
                first.summary.trim_end_matches('.'),
                names.join("; ")
            ));
        command = command
            .mut_subcommand("get", |c| c.arg(arg.clone()))
            .mut_subcommand("wait", |c| c.arg(arg));
    }
    command
}

/// The service flags given that `service` does not take, as a usage error naming the
/// service, whose flag it is, and the service's own flags.
pub fn check_service_flags(
    service: Service,
    given: &BTreeMap<String, String>,
) -> Result<(), Usage> {
    let reserved = reserved_flags();
    let own: Vec<String> = service
        .params
        .iter()
        .map(|p| service::flag_for(service, p, &reserved))
        .collect();
    let Some(foreign) = given.keys().find(|f| !own.contains(f)) else {
        return Ok(());
    };
    let owners: Vec<&str> = service::param_flags(&reserved)
        .get(foreign)
        .into_iter()
        .flatten()
        .map(|(s, _)| s.name)
        .collect();
    let theirs = match owners.as_slice() {
        [] => String::new(),
        [one] => format!(" (it is {one}'s)"),
        many => format!(" (it is a flag of {})", many.join(", ")),
    };
    let takes = if own.is_empty() {
        format!("{} takes no service flags", service.name)
    } else {
        let flags: Vec<String> = own.iter().map(|f| format!("--{f}")).collect();
        format!("{}'s own flags are {}", service.name, flags.join(", "))
    };
    Err(Usage(format!(
        "--{foreign} is not a flag of {}{theirs}: {takes} (`cloudjobs services {}`)",
        service.name, service.name
    )))
}

/// Parses what [`command`] matched: the derived arguments, plus the service flags that were
/// given (to `get` or `wait`).
pub fn from_matches(matches: &ArgMatches) -> Result<Cli, clap::Error> {
    let mut cli = Cli::from_arg_matches(matches)?;
    let sub = matches.subcommand().map(|(_, m)| m);
    for flag in service::param_flags(&reserved_flags()).into_keys() {
        let value = sub.and_then(|m| m.try_get_one::<String>(&flag).ok().flatten());
        if let Some(value) = value {
            cli.conn.params.insert(flag, value.clone());
        }
    }
    Ok(cli)
}

/// Parses `args` (the program name first). `--help` after `get <service>` or
/// `wait <service>` shows that service's flags only.
pub fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    match command(None).try_get_matches_from(args) {
        Ok(matches) => from_matches(&matches),
        Err(e) if e.kind() == ErrorKind::DisplayHelp => Err(service_help(args).unwrap_or(e)),
        Err(e) => Err(e),
    }
}

/// The help of `get` or `wait` with the flags of the service `args` name, when they name a
/// known one.
fn service_help(args: &[OsString]) -> Option<clap::Error> {
    let without_help = args
        .iter()
        .filter(|a| !matches!(a.to_str(), Some("--help" | "-h")));
    let matches = command(None)
        .ignore_errors(true)
        .try_get_matches_from(without_help)
        .ok()?;
    let (_, sub) = matches.subcommand()?;
    let name = sub.try_get_one::<String>("service").ok().flatten()?;
    let service = registry::find(name)?;
    command(Some(service)).try_get_matches_from(args).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Before the fix the connection's `Debug` printed the secrets given as flags.
    #[test]
    fn secrets_stay_out_of_debug() {
        let credentials = Credentials {
            token: Some("TOKEN-1".into()),
            secret_key: Some("SK-2".into()),
            security_token: Some("ST-3".into()),
            password: Some("PW-4".into()),
            username: Some("user".into()),
            ..Credentials::default()
        };
        let shown = format!(
            "{:?}",
            Connection {
                credentials,
                ..Connection::default()
            }
        );
        for secret in ["TOKEN-1", "SK-2", "ST-3", "PW-4"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("user") && shown.contains("<redacted>"),
            "{shown}"
        );
    }
}
