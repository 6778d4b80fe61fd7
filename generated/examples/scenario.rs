//! The README's example: IAM password -> token -> query an IMS job.
//!
//! Kept identical to the README by `tests/tests/readme.rs`.

use cloudjobs::otc_ims_jobs;
use cloudjobs::runtime::{Auth, Config, PasswordAuth};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // IAM password -> project-scoped token (cached, refreshed before it expires) -> IMS.
    let config = Config::builder()
        .region("eu-de")
        .auth(Auth::password(
            PasswordAuth::new("my-domain", "my-user", std::env::var("OS_PASSWORD")?)
                .project_id("ac234de25c6741d2b1273da49eea1b9e"),
        ))
        .build()?;
    let ims = otc_ims_jobs::Client::new(&config)?;
    let job = ims
        .show_job(
            "ac234de25c6741d2b1273da49eea1b9e",
            "ff8080814dbd65d7014dbe0d84db0013",
        )
        .await?;
    println!("{:?} (request id {:?})", job.status, job.request_id());
    Ok(())
}
