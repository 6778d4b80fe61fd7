//! `cloudjobs`: read or wait for an asynchronous job of any job service of the registry
//! (`cloudjobs services` lists them) from the command line: `get` prints a job, `wait` waits
//! for it. Run `cloudjobs --help`.
//!
//! Hand-written, a crate of its own (`cloudjobs-cli`; `cargo install --locked --path cli`)
//! on the public API of `cloudjobs`: it sees nothing the library does not offer every user.

mod args;
mod hints;
mod man;
mod output;
mod service;
mod settings;
mod signals;
mod token_cache;
mod values;

use std::fmt;
use std::future::Future;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::error::ErrorKind;
use cloudjobs::runtime::any_service::{JobQuery, RegistryError};
use cloudjobs::runtime::wait::{Eta, WaitError, WaitFailure, WaitPolicy, wait_for};
use cloudjobs::runtime::{
    Auth, Catalog, Config, Error, Job, ProjectScope, Response, RetryPolicy, StatusCode,
};
use serde::Serialize;
use serde_json::json;

use args::{Cli, Command, Format, WaitArgs};
use output::{Reporter, Shown, line, one_line, print, print_data, print_json, print_raw};
use service::Service;
use settings::{Env, ProcessEnv, Settings};
use values::{Usage, check_id};

/// How the command ended, as its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// The job succeeded (`get`: the job was read).
    Ok = 0,
    /// The job failed.
    JobFailed = 1,
    /// Usage error.
    Usage = 2,
    /// The deadline passed.
    Deadline = 3,
    /// API or authentication error.
    Api = 4,
    /// Interrupted (Ctrl-C).
    Interrupted = 130,
    /// Terminated (SIGTERM).
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Runs the command line with the process's arguments and environment.
fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match args::parse(&argv) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, &argv).into(),
    };
    if let Command::Help { command } = &cli.command {
        return help(command).into();
    }
    init_tracing(cli.verbose, std::env::var("RUST_LOG").ok());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            line(&format!("cloudjobs: cannot start the async runtime: {e}"));
            return Exit::Api.into();
        }
    };
    runtime.block_on(run(cli, &ProcessEnv)).into()
}

/// Help and version as clap prints them; any other parse error as clap words it, whole (the
/// subject, the usage, a "did you mean"), after `cloudjobs: `, pointing at the help of the
/// command it is about; status 2.
fn usage_error(e: &clap::Error, argv: &[std::ffi::OsString]) -> Exit {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            Exit::Ok
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            Exit::Usage
        }
        _ => {
            let rendered = e.render().to_string();
            let command = help_command(&rendered, argv);
            for (i, text) in rendered.trim_end().lines().enumerate() {
                if i == 0 {
                    line(&format!(
                        "cloudjobs: {}",
                        text.trim_start_matches("error: ")
                    ));
                } else if text.starts_with("For more information, try ") {
                    line(&format!("For more information, run `{command} --help`."));
                } else {
                    line(text);
                }
            }
            Exit::Usage
        }
    }
}

/// The command an error's usage line is about: `cloudjobs get` for
/// `Usage: cloudjobs get [OPTIONS] <SERVICE> <JOB_ID>`; without one (an invalid value), the
/// first subcommand among the arguments.
fn help_command(rendered: &str, argv: &[std::ffi::OsString]) -> String {
    let subcommands: Vec<String> = args::command(None)
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let from_args = || {
        argv.iter()
            .skip(1)
            .filter_map(|a| a.to_str())
            .find(|a| subcommands.iter().any(|s| s == a))
            .map_or_else(|| "cloudjobs".to_owned(), |s| format!("cloudjobs {s}"))
    };
    rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| c.starts_with("cloudjobs"))
        .unwrap_or_else(from_args)
}

/// `cloudjobs help [<command> [<service>]]`: the help `cloudjobs <command> [<service>] --help`
/// prints.
fn help(command: &[String]) -> Exit {
    let argv: Vec<std::ffi::OsString> = std::iter::once("cloudjobs")
        .chain(command.iter().map(String::as_str))
        .chain(["--help"])
        .map(Into::into)
        .collect();
    match args::parse(&argv) {
        Err(e) => usage_error(&e, &argv),
        Ok(_) => Exit::Ok,
    }
}

/// A usage problem, printed as one line.
fn usage(u: Usage) -> Exit {
    line(&format!("cloudjobs: {}", one_line(&u.0)));
    Exit::Usage
}

/// What one command needs, whatever the service.
struct Ctx {
    service: Service,
    job_id: String,
    /// What standard output shows (`-f`, `--json`).
    format: Format,
    /// `None` for `get`.
    wait: Option<WaitArgs>,
    /// The kind of credential used (`token`, `AK/SK`, ...), for hints.
    credential: &'static str,
    /// The cache directory (the token cache's), unless `--no-token-cache`.
    cache_dir: Option<std::path::PathBuf>,
}

async fn run(cli: Cli, env: &dyn Env) -> Exit {
    let format = cli.output_format();
    let (service, job_id, wait) = match cli.command {
        Command::Get { service, job_id } => (service, job_id, None),
        Command::Wait {
            service,
            job_id,
            wait,
        } => (service, job_id, Some(wait)),
        other => return local(&other, format),
    };
    let service = match service::parse(&service) {
        Ok(s) => s,
        Err(u) => return usage(u),
    };
    if let Err(u) = args::check_service_flags(service, &cli.conn.params) {
        return usage(u);
    }
    if let Err(u) = check_id(
        "job id",
        &job_id,
        "pass the id the API returned when it started the job",
    ) {
        return usage(u);
    }
    let settings = match settings::resolve(&cli.conn, service, env).await {
        Ok(s) => s,
        Err(u) => return usage(u),
    };
    trace_settings(&settings);
    if settings.resolved.tls().is_insecure() {
        line(
            "cloudjobs: WARNING: TLS certificates are NOT verified (--insecure, OS_INSECURE, or \
             insecure: true / verify: false in clouds.yaml): anyone on the network path can \
             read and change this traffic, credentials included",
        );
    }
    let base = match base_config(&settings, service).build() {
        Ok(c) => c,
        Err(e) => return usage(Usage(e.to_string())),
    };
    let cache = (!cli.conn.no_token_cache)
        .then(|| token_cache::directory(env))
        .flatten();
    let auth_for = |scope: ProjectScope| match (
        &cache,
        settings.resolved.password_auth(Some(scope.clone())),
    ) {
        (Some(dir), Some(password)) => {
            Auth::token_source(token_cache::DiskCached::new(password, dir.clone()))
        }
        _ => settings.auth(scope),
    };
    let (project_id, auth) = match settings.project_id() {
        Some(id) => (id.to_owned(), auth_for(ProjectScope::Id(id.to_owned()))),
        None => match discover_project(&settings, &base, auth_for).await {
            Ok(found) => found,
            Err(exit) => return exit,
        },
    };
    let mut builder = base_config(&settings, service).auth(auth);
    if wait.is_some() {
        // While waiting, the waiter is the one retry loop (one request per poll, its backoff,
        // its error bound); the client's own retries would multiply requests and delays.
        builder = builder.retry(RetryPolicy::none());
    }
    let config = match builder.build() {
        Ok(c) => c,
        Err(e) => return usage(Usage(e.to_string())),
    };
    let ctx = Ctx {
        service,
        job_id,
        format,
        wait,
        credential: settings.resolved.credential.kind(),
        cache_dir: cache.clone(),
    };
    let query = settings.params.iter().fold(
        JobQuery::new(project_id.as_str(), ctx.job_id.as_str()),
        |q, (name, value)| q.param(*name, value.as_str()),
    );
    let (config, catalog_note) = with_catalog_for_region(config, service, &settings).await;
    match service.client(&config, query) {
        Ok(client) => act(&ctx, || client.get()).await,
        Err(RegistryError::Config(e)) => usage(Usage(format!(
            "{e}{}; pass --region with a region the API serves, or --endpoint",
            catalog_note.unwrap_or_default()
        ))),
        Err(e) => usage(Usage(e.to_string())),
    }
}

/// For a region none of the spec's servers is for (the Swiss cloud's `eu-ch2`, a region
/// newer than the spec), the configuration with IAM's service catalog of the credentials, so
/// that the job API is reached where IAM says it is (never at a guessed host); otherwise the
/// configuration as it is. The second value says why the catalog did not help, for the
/// usage error that follows then.
async fn with_catalog_for_region(
    config: Config,
    service: Service,
    settings: &Settings,
) -> (Config, Option<String>) {
    let unserved = settings.endpoint.is_none()
        && settings.region().is_some()
        && config.connection().endpoint_for(service.service).is_err();
    if !unserved {
        return (config, None);
    }
    let iam_url = settings.resolved.settings.auth_url.as_deref();
    match Catalog::fetch(&config, iam_url).await {
        // A catalog that names the service makes the client; the note is for one that does not.
        Ok(catalog) => (
            config.with_catalog(catalog),
            Some(" (nor does IAM's service catalog of these credentials name it)".to_owned()),
        ),
        Err(e) => {
            let why = one_line(&e.to_string());
            (
                config,
                Some(format!(" (IAM's service catalog could not be read: {why})")),
            )
        }
    }
}

/// The commands that call no API: `services`, `help`, `completions`, `man`.
fn local(command: &Command, format: Format) -> Exit {
    match command {
        Command::Services { service } => services(service.as_deref(), format),
        Command::Help { .. } => Exit::Ok,
        Command::Completions { shell } => {
            let mut command = args::completion_command();
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut command, "cloudjobs", &mut out);
            print_raw(&String::from_utf8_lossy(&out));
            Exit::Ok
        }
        Command::Man { out: None } => match man::main_page(args::command(None)) {
            Ok(page) => {
                print_raw(&page);
                Exit::Ok
            }
            Err(e) => {
                line(&format!("cloudjobs: cannot render the manual page: {e}"));
                Exit::Api
            }
        },
        Command::Man { out: Some(dir) } => match man::write_all(args::command(None), dir) {
            Ok(files) => {
                let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                print(&names.join("\n"));
                Exit::Ok
            }
            Err(e) => {
                line(&format!("cloudjobs: {e}"));
                Exit::Api
            }
        },
        // `run` handles these itself; never reached.
        Command::Get { .. } | Command::Wait { .. } => Exit::Usage,
    }
}

/// `cloudjobs services [<name>]`.
fn services(name: Option<&str>, format: Format) -> Exit {
    let only = match name.map(service::parse).transpose() {
        Ok(only) => only,
        Err(u) => return usage(u),
    };
    let reserved = args::reserved_flags();
    let data = service::listing_json(&reserved, only);
    match format {
        Format::Table => print(&service::listing(&reserved, only)),
        Format::Value => {
            let names: Vec<&str> = registry_names(only);
            print(&names.join("\n"));
        }
        Format::Json | Format::Yaml => {
            print_data(format, &data);
        }
    }
    Exit::Ok
}

/// `services -f value`: the service names, one a line.
fn registry_names(only: Option<Service>) -> Vec<&'static str> {
    cloudjobs::apis::registry::SERVICES
        .iter()
        .filter(|s| only.is_none_or(|o| o.name == s.name))
        .map(|s| s.name)
        .collect()
}

/// The configuration without authentication.
fn base_config(settings: &Settings, service: Service) -> cloudjobs::runtime::ConfigBuilder {
    let mut builder = Config::builder()
        .timeout(settings.request_timeout)
        .allow_plaintext_http(settings.allow_plaintext_http);
    if let Some(http) = settings.resolved.http_client() {
        builder = builder.http_client(http.clone());
    }
    if let Some(region) = settings.region() {
        builder = builder.region(region);
    }
    if let Some(url) = &settings.endpoint {
        builder = builder.endpoint(service.module, url);
    }
    builder
}

/// The project id, from IAM: the password token scoped to the project named by
/// `--project-name` / `OS_PROJECT_NAME` (or to the region's default project) says its id.
/// The token is kept with the authentication returned, so the job requests reuse it: one
/// IAM request in all.
async fn discover_project(
    settings: &Settings,
    config: &Config,
    auth_for: impl Fn(ProjectScope) -> Auth,
) -> Result<(String, Auth), Exit> {
    if !settings.is_password() {
        return Err(usage(Usage(
            "no project id: pass --project-id or set OS_PROJECT_ID".to_owned(),
        )));
    }
    let Some(name) = settings
        .project_name()
        .or(settings.region())
        .map(str::to_owned)
    else {
        return Err(usage(Usage(
            "no project id: pass --project-id, or set OS_PROJECT_ID or OS_PROJECT_NAME".to_owned(),
        )));
    };
    let auth = auth_for(ProjectScope::Name(name.clone()));
    let Auth::Cached(cache) = &auth else {
        unreachable!("password authentication caches its token")
    };
    let token = cache.current(config.connection()).await.map_err(|e| {
        if matches!(&e, Error::Auth(inner) if matches!(**inner, Error::InvalidRequest { .. })) {
            usage(Usage(format!(
                "{e}; set OS_AUTH_URL to the IAM endpoint, or pass --project-id"
            )))
        } else {
            api_error("authentication failed", &e, None, "IAM password")
        }
    })?;
    match token.project_id() {
        Some(id) => Ok((id.to_owned(), auth.clone())),
        None => {
            line(&format!(
                "cloudjobs: IAM did not say the id of project `{name}`; pass --project-id"
            ));
            Err(Exit::Api)
        }
    }
}

/// `get` or `wait`, for any service.
async fn act<B, E, F, Fut>(ctx: &Ctx, mut poll: F) -> Exit
where
    B: Job + Serialize,
    E: fmt::Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response<B>, Error<E>>>,
{
    let Some(args) = &ctx.wait else {
        return match poll().await {
            Ok(job) => {
                show(ctx, &job, None, None);
                Exit::Ok
            }
            Err(e) => api_error(
                "reading the job failed",
                &e,
                Some((ctx.service, ctx.format)),
                ctx.credential,
            ),
        };
    };
    let hints = hints::load(ctx.cache_dir.as_deref());
    let mut policy = WaitPolicy::default()
        .initial_interval(args.interval)
        .max_interval(args.max_interval.max(args.interval))
        .timeout(args.timeout)
        .max_transient_errors(args.max_errors);
    if let Some((hints, _)) = &hints {
        policy = policy.duration_hints(hints.clone(), ctx.service.name, "");
    }
    // With diagnostics on, one line per state change: a live bar would fight with them.
    let tracing_on =
        tracing::level_filters::LevelFilter::current() != tracing::level_filters::LevelFilter::OFF;
    let live = std::io::stderr().is_terminal() && !tracing_on;
    let mut reporter = Reporter::new(live, tracing_on, ctx.service, &ctx.job_id);
    let outcome = {
        let reporter = &mut reporter;
        wait_for(poll, policy)
            .on_event(move |event| reporter.event(event))
            .cancel_on(signals::interrupted())
            .run()
            .await
    };
    reporter.finish();
    if let Some((hints, path)) = &hints {
        hints::save(hints, path);
    }
    let eta = reporter.eta();
    match outcome {
        Ok(job) => {
            show(ctx, &job, Some(("succeeded", None)), eta);
            Exit::Ok
        }
        Err(e) => waited_in_vain(ctx, e, eta),
    }
}

/// Prints a job; `outcome` (for `wait`) adds how waiting ended, and the waiter's last
/// estimate of the end (`eta`, in JSON).
fn show<B: Job + Serialize>(
    ctx: &Ctx,
    job: &Response<B>,
    outcome: Option<(&str, Option<&str>)>,
    eta: Option<Eta>,
) {
    let shown = Shown {
        service: ctx.service,
        job_id: &ctx.job_id,
        job,
    };
    // `wait` warned when it saw the state (once).
    if ctx.wait.is_none()
        && let Some(warning) = shown.no_status_warning()
    {
        line(&warning);
    }
    let extra = match outcome {
        Some((outcome, message)) => vec![
            ("outcome", json!(outcome)),
            ("message", json!(message)),
            ("eta", output::eta_json(eta)),
        ],
        None => Vec::new(),
    };
    match ctx.format {
        Format::Json => print_json(&shown.json_text(&extra)),
        Format::Yaml => {
            print_data(Format::Yaml, &shown.data(&extra));
        }
        Format::Value => print(&shown.values()),
        Format::Table => print(&shown.text()),
    }
}

/// How a wait that did not end in success is reported.
fn waited_in_vain<B, E>(ctx: &Ctx, e: WaitError<Response<B>, E>, eta: Option<Eta>) -> Exit
where
    B: Job + Serialize,
    E: fmt::Debug,
{
    let message = one_line(&e.to_string());
    let (outcome, exit, hint) = match e.failure() {
        WaitFailure::JobFailed { .. } => ("failed", Exit::JobFailed, ""),
        WaitFailure::DeadlinePassed { .. } => (
            "deadline",
            Exit::Deadline,
            "; wait longer with --timeout, or run `cloudjobs wait` again",
        ),
        WaitFailure::Cancelled => ("cancelled", signals::exit(), ""),
        WaitFailure::TooManyTransientErrors { error, .. }
        | WaitFailure::Unreachable { error, .. }
        | WaitFailure::Api(error) => ("error", Exit::Api, hint_for(error, ctx.credential)),
        _ => ("error", Exit::Api, ""),
    };
    let error = match e.failure() {
        WaitFailure::TooManyTransientErrors { error, .. }
        | WaitFailure::Unreachable { error, .. }
        | WaitFailure::Api(error) => Some(error),
        _ => None,
    };
    match (e.last_job(), ctx.format) {
        (Some(job), _) => show(ctx, job, Some((outcome, Some(&message))), eta),
        (None, format) => {
            print_data(
                format,
                &json!({
                "service": ctx.service.name,
                "job_id": ctx.job_id,
                "outcome": outcome,
                "message": message,
                "status": error.and_then(|e| e.status()).map(|s| s.as_u16()),
                "error_code": error.and_then(|e| e.api()).and_then(|a| a.code()),
                "request_id": error.and_then(|e| e.request_id()),
                "eta": output::eta_json(eta),
                }),
            );
        }
    }
    line(&format!("cloudjobs: {message}{hint}"));
    exit
}

/// Reports an API or authentication error on one line; exit status 4.
/// With a service and a data format (`-f json`, `-f yaml`), the error as an object on
/// standard output too.
fn api_error<E>(
    what: &str,
    e: &Error<E>,
    data: Option<(Service, Format)>,
    credential: &str,
) -> Exit {
    let message = one_line(&e.to_string());
    if let Some((service, format)) = data {
        print_data(
            format,
            &json!({
                "service": service.name,
                "outcome": "error",
                "message": message,
                "status": e.status().map(|s| s.as_u16()),
                "error_code": e.api().and_then(|a| a.code()),
                "request_id": e.request_id(),
            }),
        );
    }
    line(&format!(
        "cloudjobs: {what}: {message}{}",
        hint_for(e, credential)
    ));
    Exit::Api
}

/// What to do about an error, with a credential of this kind ([`Credential::kind`]).
///
/// [`Credential::kind`]: cloudjobs::runtime::credentials::Credential::kind
fn hint_for<E>(e: &Error<E>, credential: &str) -> &'static str {
    if matches!(e, Error::Auth(_)) {
        return "; check the credentials (OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME, OS_AUTH_URL)";
    }
    if e.is_connect() {
        return "; check --region / --endpoint and the network";
    }
    match e.status() {
        Some(StatusCode::UNAUTHORIZED) => match credential {
            "token" => "; check the credentials (is the token still valid?)",
            "AK/SK" => {
                "; check the access key and secret key (HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK): \
                 both of one pair, not deleted or disabled, and the project id of their account"
            }
            "IAM password" => {
                "; check the credentials (OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME, OS_AUTH_URL)"
            }
            _ => {
                "; the temporary keys of the instance metadata service were refused (check the ECS agency)"
            }
        },
        Some(StatusCode::FORBIDDEN) => "; the credentials lack permission for this API or project",
        Some(StatusCode::NOT_FOUND) => {
            "; check the job id, --project-id and --region (jobs are per project and region)"
        }
        _ => "",
    }
}

/// Sends tracing to standard error when asked: `RUST_LOG` (filter directives) when set,
/// else `-v` INFO, `-vv` DEBUG, `-vvv` TRACE of the command line and the runtime. Neither: no subscriber is
/// installed, so the runtime's tracing costs nothing. Plain text, never colors.
fn init_tracing(verbose: u8, rust_log: Option<String>) {
    let directives = match (rust_log.filter(|v| !v.trim().is_empty()), verbose) {
        (Some(rust_log), _) => rust_log,
        (None, 0) => return,
        (None, level) => {
            let level = match level {
                1 => "info",
                2 => "debug",
                _ => "trace",
            };
            // The command line's own events, and the runtime's (its own crate since the
            // re-cut), named each rather than caught by a prefix.
            format!("cloudjobs={level},cloudjobs_runtime={level}")
        }
    };
    let filter = tracing_subscriber::EnvFilter::builder().parse_lossy(directives);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Which credentials and endpoints the settings chose (DEBUG): kinds, sources and
/// identifiers only.
fn trace_settings(settings: &Settings) {
    tracing::debug!(
        credentials = settings.resolved.credential.kind(),
        source = %settings.resolved.source,
        region = settings.region(),
        endpoint = settings
            .endpoint
            .as_deref()
            .map(|u| tracing::field::display(cloudjobs::runtime::secret::redact_url(u))),
        project_id = settings.project_id(),
        "settings chosen"
    );
}
