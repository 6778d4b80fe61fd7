//! The settings users already keep (the environment, `clouds.yaml`, the Huawei Cloud
//! credentials file, the instance metadata service), read as the `cloudjobs` command line
//! reads them: the configuration with its project id, region and `CLOUDJOBS_ENDPOINT`.

use cloudjobs::apis::registry;
use cloudjobs::runtime::any_service::JobQuery;
use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
use cloudjobs::runtime::{Config, Job};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `from_env ims <job id>`, with OS_PROJECT_ID, OS_REGION_NAME and a credential set.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [service, job] = args.as_slice() else {
        return Err("usage: from_env SERVICE JOB".into());
    };
    let service = registry::find(service).ok_or("unknown service")?;
    let env = Config::from_env_resolved().await?;
    let project = env
        .project_id()
        .ok_or("no project id: set OS_PROJECT_ID (or project_id in clouds.yaml)")?;
    println!(
        "credentials from {}, region {:?}, endpoint {:?}",
        env.resolved.source,
        env.region(),
        env.endpoint
    );
    // CLOUDJOBS_ENDPOINT, when set, is this service's endpoint.
    let config = env.config_for(service.module)?;
    let client = service.client(&config, JobQuery::new(project, job.as_str()))?;
    let job = wait_for(|| client.get(), WaitPolicy::default()).await?;
    println!("{}: {}", service.title, job.state());
    Ok(())
}
