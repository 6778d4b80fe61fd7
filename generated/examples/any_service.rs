//! The README's registry example: wait for a job of a service named at run time.
//!
//! Kept identical to the README by `tests/tests/readme.rs`.

use cloudjobs::apis::registry;
use cloudjobs::runtime::any_service::JobQuery;
use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
use cloudjobs::runtime::{Auth, Config, Job};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `any_service kafka <project> <task> instance_id=<instance>`: any service, by name.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [service, project, job, extra @ ..] = args.as_slice() else {
        return Err("usage: any_service SERVICE PROJECT JOB [PARAM=VALUE ...]".into());
    };
    let service = registry::find(service).ok_or("unknown service")?;
    let mut query = JobQuery::new(project.as_str(), job.as_str());
    for pair in extra {
        let (name, value) = pair
            .split_once('=')
            .ok_or("extra parameters are NAME=VALUE")?;
        query = query.param(name, value);
    }
    let config = Config::builder()
        .region("eu-de")
        .auth(Auth::token(std::env::var("OS_AUTH_TOKEN")?))
        .build()?;
    // Checks the query against the service (a missing `instance_id` is an error here).
    let client = service.client(&config, query)?;
    let job = wait_for(|| client.get(), WaitPolicy::default()).await?;
    println!(
        "{}: {} {:?}",
        service.title,
        job.state(),
        job.resource_ids()
    );
    Ok(())
}
