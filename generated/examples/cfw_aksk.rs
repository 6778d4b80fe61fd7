//! AK/SK request signing (`SDK-HMAC-SHA256`) against Cloud Firewall: query a job's status.
//!
//! `cargo run -p cloudjobs --example cfw_aksk -- <project-id> <job-id>` with
//! `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK` set.

use cloudjobs::cfw_jobs;
use cloudjobs::runtime::{AkSk, Auth, Config, Job};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (project, job_id) = (
        args.next().unwrap_or_default(),
        args.next().unwrap_or_default(),
    );
    let config = Config::builder()
        .region("eu-de")
        .auth(Auth::aksk(
            AkSk::new(
                std::env::var("HUAWEICLOUD_SDK_AK")?,
                std::env::var("HUAWEICLOUD_SDK_SK")?,
            )
            .project_id(&project),
        ))
        .build()?;
    let cfw = cfw_jobs::Client::new(&config)?;
    let job = cfw.list_job(&project, &job_id).await?;
    println!("{} ({:?})", job.state(), job.progress());
    Ok(())
}
