//! The README's waiter example: wait for an IMS job, reporting each change.
//!
//! Kept identical to the README by `tests/tests/wait.rs`.

use cloudjobs::otc_ims_jobs;
use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
use cloudjobs::runtime::{Auth, Config, Job};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::builder()
        .region("eu-de")
        .auth(Auth::token(std::env::var("OS_AUTH_TOKEN")?))
        .build()?;
    let ims = otc_ims_jobs::Client::new(&config)?;
    let (project, job_id) = (
        "ac234de25c6741d2b1273da49eea1b9e",
        "ff8080814dbd65d7014dbe0d84db0013",
    );
    // Polls at once, then from the job's progress when it reports some (sparse while the end
    // is far, dense around it), else after 1 s, 1.5 s, 2.25 s ... up to 27 s (each ±10 %);
    // 1 hour at most; tolerates 10 transient errors (429, 5xx, timeouts) in a row. Inside the
    // wait the client sends each poll once: its retries are the waiter's, on one schedule.
    let policy = WaitPolicy::default();
    match wait_for(|| ims.show_job(project, job_id).send(), policy)
        .on_event(|event| eprintln!("{event}"))
        .await
    {
        Ok(job) => println!("succeeded: image {:?}", job.resource_ids()),
        Err(e) if e.is_job_failed() => eprintln!("{e}"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
