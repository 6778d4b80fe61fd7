//! The waiter (`cloudjobs::runtime::wait`): the polling figures of the default policy on an
//! injected clock, its behaviour (unknown states, errors, deadline, cancellation, events), and
//! end to end against the simulated job server for every job service of `specs/`, through the
//! generated registry (a new spec is exercised with no new test code).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use cloudjobs::apis::registry;
use cloudjobs::otc_ims_jobs::{JobStatus, ShowJobResponse};
use cloudjobs::runtime::any_service::{JobQuery, JobService, ParamPlace};
use cloudjobs::runtime::wait::{WaitEvent, WaitFailure, WaitPolicy, wait_for};
use cloudjobs::runtime::{
    Auth, Clock, Config, Error, Job, JobState, Progress, RetryPolicy, StateKind,
};
use cloudjobs::workspace_image_jobs;
use cloudjobs_tests::jobsim::{self, JobSim, Phase, Script, SimService, Step};

// ---------------------------------------------------------------------------------------------
// A simulated clock: sleeping advances it at once.

#[derive(Clone, Default)]
struct SimClock(Arc<AtomicU64>);

impl SimClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::SeqCst))
    }

    /// `policy` reading and sleeping on this clock.
    fn policy(&self, policy: WaitPolicy) -> WaitPolicy {
        let (read, sleep) = (self.clone(), self.clone());
        policy
            .clock(Clock::from_fn(move || UNIX_EPOCH + read.now()))
            .sleep_with(move |d| {
                let clock = sleep.clone();
                Box::pin(async move {
                    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
                    clock.0.fetch_add(nanos, Ordering::SeqCst);
                })
            })
    }
}

/// A deterministic source of numbers in `[0, 1]` (xorshift64*).
fn seeded(seed: u64) -> impl Fn() -> f64 + Send + Sync + 'static {
    let state = Mutex::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    move || {
        let mut s = state.lock().unwrap();
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        let x = s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        x as f64 / (1u64 << 53) as f64
    }
}

fn ims_job(status: JobStatus) -> ShowJobResponse {
    ShowJobResponse {
        status: Some(status),
        job_id: Some("ff8080814dbd65d7014dbe0d84db0013".into()),
        ..ShowJobResponse::default()
    }
}

/// Waits on the simulated clock for an IMS job that ends (succeeds) `ends` after the first
/// poll; returns the time of every poll and the result's state.
async fn simulate(policy: WaitPolicy, ends: Duration) -> (Vec<Duration>, Result<JobState, String>) {
    let clock = SimClock::default();
    let polls = Arc::new(Mutex::new(Vec::new()));
    let (c, p) = (clock.clone(), Arc::clone(&polls));
    let result = wait_for(
        move || {
            let now = c.now();
            p.lock().unwrap().push(now);
            async move {
                let status = if now >= ends {
                    JobStatus::Success
                } else {
                    JobStatus::Running
                };
                Ok::<_, Error>(ims_job(status))
            }
        },
        clock.policy(policy),
    )
    .await;
    let polls = polls.lock().unwrap().clone();
    (polls, result.map(|j| j.state()).map_err(|e| e.to_string()))
}

/// Mean lateness over an end time uniformly distributed in `(0, horizon]`, and the largest
/// lateness there, for polls at `times` (the first at 0): an end at `e` is seen by the first
/// poll at or after `e`.
fn lateness(times: &[Duration], horizon: f64) -> (f64, f64) {
    let mut integral = 0.0;
    let mut worst: f64 = 0.0;
    for pair in times.windows(2) {
        let (a, b) = (pair[0].as_secs_f64(), pair[1].as_secs_f64());
        if a >= horizon {
            break;
        }
        // Lateness falls linearly from b - a (just after a) to 0 (at b).
        let hi = b.min(horizon);
        integral += (hi - a) * (b - a) - (hi - a).powi(2) / 2.0;
        worst = worst.max(b - a);
    }
    (integral / horizon, worst)
}

/// The figures the module documentation of `runtime::wait` and the README state: under the
/// default policy a 20-minute job takes at most 57 requests (the goal: 60), its end is seen on
/// average at most 14.6 s late (the goal: 15 s; average over an end time uniformly
/// distributed in the first 20 minutes) and at worst 29.7 s late. Checked for the smallest and
/// the largest jitter draws and 300 seeded random ones.
#[tokio::test]
async fn default_policy_polling_figures() {
    const TWENTY_MINUTES: Duration = Duration::from_secs(1200);
    // Each draw makes a fresh policy, so that every run replays the same random numbers.
    let mut draws: Vec<(String, Box<dyn Fn() -> WaitPolicy>)> = vec![
        (
            "lowest".into(),
            Box::new(|| WaitPolicy::default().random_with(|| 0.0)),
        ),
        (
            "highest".into(),
            Box::new(|| WaitPolicy::default().random_with(|| 1.0)),
        ),
    ];
    for seed in 0..300 {
        draws.push((
            format!("seed {seed}"),
            Box::new(move || WaitPolicy::default().random_with(seeded(seed))),
        ));
    }
    let (mut most_requests, mut worst_mean, mut worst_late) = (0usize, 0f64, 0f64);
    for (name, policy) in draws {
        // A job that takes 20 minutes.
        let (polls, state) = simulate(policy(), TWENTY_MINUTES).await;
        assert_eq!(state.map(|s| s.kind()), Ok(StateKind::Succeeded), "{name}");
        most_requests = most_requests.max(polls.len());
        // The same draws, a job that does not end in time: the schedule itself.
        let (schedule, _) = simulate(policy(), Duration::from_secs(1300)).await;
        assert_eq!(
            schedule[0],
            Duration::ZERO,
            "the first poll is sent at once"
        );
        assert_eq!(
            polls[..],
            schedule[..polls.len()],
            "{name}: same draws, same schedule"
        );
        let (mean, worst) = lateness(&schedule, TWENTY_MINUTES.as_secs_f64());
        worst_mean = worst_mean.max(mean);
        worst_late = worst_late.max(worst);
        // Over whole gaps (up to the last poll) the mean is at most half the largest gap.
        let whole = schedule.last().unwrap().as_secs_f64();
        let (mean_whole, largest) = lateness(&schedule, whole);
        assert!(
            mean_whole <= largest / 2.0 + 1e-9 && largest / 2.0 <= 14.85 + 1e-6,
            "{name}"
        );
        // The lateness model is what the waiter does: for a few end times, the waiter
        // returns at the first scheduled poll at or after the end.
        for end in [3.0, 61.7, 600.0, 1199.9] {
            let end = Duration::from_secs_f64(end);
            let (polls, _) = simulate(policy(), end).await;
            let seen = *polls.last().unwrap();
            assert_eq!(Some(&seen), schedule.iter().find(|t| **t >= end), "{name}");
        }
    }
    println!(
        "20-minute job: at most {most_requests} requests; lateness at most {worst_mean:.2} s \
         on average, {worst_late:.2} s at worst"
    );
    assert!(most_requests <= 57, "{most_requests} requests");
    assert!(worst_mean <= 14.6, "mean lateness {worst_mean}");
    assert!(worst_late <= 29.7 + 1e-6, "worst lateness {worst_late}");
    // The issue's goals.
    assert!(most_requests <= 60 && worst_mean <= 15.0);
    // What fixed-interval waiters need for the same job: 1 s and 10 s.
    for (interval, requests) in [(1, 1201), (10, 121)] {
        let fixed = WaitPolicy::default()
            .initial_interval(Duration::from_secs(interval))
            .factor(1.0)
            .jitter(0.0);
        assert_eq!(simulate(fixed, TWENTY_MINUTES).await.0.len(), requests);
    }
}

/// Early on the gaps are short: a job that takes 5 s is seen within 4 s of its end, one
/// that takes 30 s within 15 s.
#[tokio::test]
async fn short_jobs_are_seen_soon() {
    for seed in 0..100 {
        for (ends, late) in [(5.0, 4.0), (30.0, 15.0)] {
            let policy = WaitPolicy::default().random_with(seeded(seed));
            let (polls, state) = simulate(policy, Duration::from_secs_f64(ends)).await;
            assert!(state.is_ok());
            let seen = polls.last().unwrap().as_secs_f64();
            assert!(
                (ends..=ends + late).contains(&seen),
                "{ends} s job seen at {seen}"
            );
        }
    }
}

/// The deadline: the last poll is sent at the deadline, then waiting stops with the last
/// state.
#[tokio::test]
async fn deadline_last_poll_at_the_deadline() {
    let policy = WaitPolicy::default()
        .random_with(|| 0.5)
        .timeout(Duration::from_secs(100));
    let (polls, result) = simulate(policy, Duration::from_secs(1000)).await;
    assert_eq!(*polls.last().unwrap(), Duration::from_secs(100));
    let message = result.unwrap_err();
    assert!(
        message.starts_with("the job did not end within 1m40s"),
        "{message}"
    );
    assert!(
        message.contains("last state: running (RUNNING)"),
        "{message}"
    );
    // Without a deadline it waits as long as it takes.
    let policy = WaitPolicy::default().no_timeout();
    let (polls, result) = simulate(policy, Duration::from_secs(5 * 3600)).await;
    assert!(result.is_ok());
    assert!(*polls.last().unwrap() >= Duration::from_secs(5 * 3600));
}

/// A scripted sequence of poll results on the simulated clock.
fn scripted(
    steps: Vec<Result<JobStatus, Error>>,
) -> impl FnMut() -> std::future::Ready<Result<ShowJobResponse, Error>> {
    let mut steps = steps.into_iter();
    let mut last = JobStatus::Running;
    move || {
        let step = match steps.next() {
            Some(Ok(status)) => {
                last = status.clone();
                Ok(ims_job(status))
            }
            Some(Err(e)) => Err(e),
            None => Ok(ims_job(last.clone())),
        };
        std::future::ready(step)
    }
}

fn timeout_error() -> Error {
    Error::Timeout {
        operation: "ShowJob",
        after: Duration::from_secs(30),
    }
}

#[tokio::test]
async fn unknown_status_is_not_terminal_and_events_report_every_change() {
    use JobStatus::*;
    let clock = SimClock::default();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let job = wait_for(
        scripted(vec![
            Ok(Init),
            Ok(Init),
            Ok(Unknown("PAUSED".into())),
            Ok(Running),
            Err(timeout_error()),
            Ok(Running),
            Ok(Success),
        ]),
        clock.policy(WaitPolicy::default()),
    )
    .on_event(move |e| seen.lock().unwrap().push(e.to_string()))
    .await
    .unwrap();
    assert_eq!(job.state().kind(), StateKind::Succeeded);
    let events = events.lock().unwrap().clone();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e.split("] ").nth(1).unwrap().split(';').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "pending (INIT)",
            "unknown (PAUSED)",
            "running (RUNNING)",
            "error 1 of 10 tolerated: ShowJob: no complete response within 30s",
            "succeeded (SUCCESS)",
        ],
        "{events:#?}"
    );
    assert!(events[0].starts_with("[0ms poll 1] pending (INIT); next poll in "));
    assert!(events[4].contains("poll 7]") && !events[4].contains("next poll"));
}

#[tokio::test]
async fn transient_errors_are_tolerated_up_to_the_bound() {
    use JobStatus::*;
    let clock = SimClock::default();
    let steps = |errors: usize| {
        let mut s = vec![Ok(Running)];
        s.extend((0..errors).map(|_| Err(timeout_error())));
        s.push(Ok(Success));
        s
    };
    // Three in a row, three tolerated: success.
    let policy = clock.policy(WaitPolicy::default().max_transient_errors(3));
    assert!(wait_for(scripted(steps(3)), policy).await.is_ok());
    // Four in a row: gives up on the fourth, keeping the last state.
    let policy = clock.policy(WaitPolicy::default().max_transient_errors(3));
    let e = wait_for(scripted(steps(4)), policy).await.unwrap_err();
    assert!(matches!(
        e.failure(),
        WaitFailure::TooManyTransientErrors { consecutive: 4, .. }
    ));
    assert_eq!(e.polls(), 5);
    assert_eq!(e.last_state().map(|s| s.kind()), Some(StateKind::Running));
    assert!(e.api_error().is_some_and(Error::is_timeout));
    assert!(
        e.to_string()
            .starts_with("gave up after 4 failed polls in a row"),
        "{e}"
    );
    // A success in between resets the count.
    let mut s = steps(3);
    s.insert(2, Ok(Running));
    s.insert(2, Ok(Running));
    let policy = clock.policy(WaitPolicy::default().max_transient_errors(2));
    assert!(wait_for(scripted(s), policy).await.is_ok());
}

#[tokio::test]
async fn cancellation_stops_the_wait_with_the_last_state() {
    let clock = SimClock::default();
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    let cancel = Mutex::new(Some(cancel));
    let e = wait_for(
        scripted(vec![Ok(JobStatus::Init), Ok(JobStatus::Running)]),
        clock.policy(WaitPolicy::default()),
    )
    .on_event(move |event| {
        if let WaitEvent::StateChanged { state, .. } = event
            && state.kind() == StateKind::Running
            && let Some(c) = cancel.lock().unwrap().take()
        {
            let _ = c.send(());
        }
    })
    .cancel_on(async move {
        let _ = cancelled.await;
    })
    .await
    .unwrap_err();
    assert!(e.is_cancelled());
    assert_eq!(e.polls(), 2);
    assert_eq!(e.last_state().map(|s| s.kind()), Some(StateKind::Running));
}

#[tokio::test]
async fn failed_job_carries_code_and_reason() {
    let clock = SimClock::default();
    let mut failed = ims_job(JobStatus::Fail);
    failed.error_code = Some("IMS.0123".into());
    failed.fail_reason = Some("the image file is damaged".into());
    let steps = vec![Ok(ims_job(JobStatus::Running)), Ok(failed)];
    let mut steps = steps.into_iter();
    let e = wait_for(
        move || std::future::ready(steps.next().unwrap_or_else(|| Err(timeout_error()))),
        clock.policy(WaitPolicy::default()),
    )
    .await
    .unwrap_err();
    assert!(e.is_job_failed());
    let WaitFailure::JobFailed {
        status,
        code,
        reason,
    } = e.failure()
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (status.as_str(), code.as_deref(), reason.as_deref()),
        ("FAIL", Some("IMS.0123"), Some("the image file is damaged"))
    );
    assert_eq!(
        e.to_string(),
        "the job failed (FAIL): IMS.0123: the image file is damaged"
    );
    assert_eq!(
        e.last_job().and_then(|j| j.error_code()).as_deref(),
        Some("IMS.0123")
    );
}

// ---------------------------------------------------------------------------------------------
// End to end against the simulated job server, for each service.

/// What came of one wait, whatever the service.
#[derive(Debug)]
struct Outcome {
    /// `succeeded`, `failed`, `deadline`, `transient`, `api`, `cancelled`.
    how: &'static str,
    /// The failure's text (or "").
    message: String,
    last: Option<JobState>,
    progress: Option<Progress>,
    resources: Vec<String>,
    error_status: Option<u16>,
    /// Each state change, progress change and tolerated error, in order.
    events: Vec<String>,
    /// Every sleep the waiter asked for.
    sleeps: Vec<Duration>,
}

fn summarize<T: Job, E>(
    result: Result<T, cloudjobs::runtime::WaitError<T, E>>,
    events: Vec<String>,
    sleeps: Vec<Duration>,
) -> Outcome {
    let (how, message, last, error_status) = match &result {
        Ok(job) => ("succeeded", String::new(), Some(job.state()), None),
        Err(e) => {
            let how = match e.failure() {
                WaitFailure::JobFailed { .. } => "failed",
                WaitFailure::DeadlinePassed { .. } => "deadline",
                WaitFailure::TooManyTransientErrors { .. } => "transient",
                WaitFailure::Api(_) => "api",
                WaitFailure::Cancelled => "cancelled",
                _ => "other",
            };
            let status = e.api_error().and_then(|a| a.status()).map(|s| s.as_u16());
            (how, e.to_string(), e.last_state(), status)
        }
    };
    let job = match &result {
        Ok(job) => Some(job),
        Err(e) => e.last_job(),
    };
    Outcome {
        how,
        message,
        last,
        progress: job.and_then(Job::progress),
        resources: job.map(Job::resource_ids).unwrap_or_default(),
        error_status,
        events,
        sleeps,
    }
}

/// The project every end-to-end wait asks for.
const PROJECT: &str = "a4da8115c9d8464ead3a38309130523f";

/// The generated registry's entry for a simulated service (the same operation).
fn registered(service: &SimService) -> &'static JobService {
    let entry = registry::find(&service.name).unwrap_or_else(|| {
        panic!(
            "{} ({}) is simulated but not in cloudjobs::apis::registry: run `cargo xtask regen`",
            service.name, service.spec
        )
    });
    assert_eq!(
        (entry.module, entry.path),
        (service.module.as_str(), service.path.as_str()),
        "{}",
        service.name
    );
    entry
}

/// Waits for `job` of `service` on `sim` with real HTTP through the generated registry, the
/// waiter's sleeps recorded and skipped (on a simulated clock), and no retries in the client.
async fn wait_on(sim: &JobSim, service: &SimService, job: &str, policy: WaitPolicy) -> Outcome {
    wait_with(sim, service, job, policy, Auth::token(jobsim::TOKEN)).await
}

async fn wait_with(
    sim: &JobSim,
    service: &SimService,
    job: &str,
    policy: WaitPolicy,
    auth: Auth,
) -> Outcome {
    let sleeps = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&sleeps);
    let clock = SimClock::default();
    let tick = clock.clone();
    let policy = clock.policy(policy).sleep_with(move |d| {
        recorded.lock().unwrap().push(d);
        let tick = tick.clone();
        Box::pin(async move {
            let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            tick.0.fetch_add(nanos, Ordering::SeqCst);
        })
    });
    let config = Config::builder()
        .endpoint(&service.module, sim.url())
        .auth(auth)
        // One request per poll: what the waiter does with each error is what is tested.
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let query = service
        .required_params
        .iter()
        .fold(JobQuery::new(PROJECT, job), |q, p| {
            q.param(&p.name, &p.sample)
        });
    let client = registered(service).client(&config, query).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&events);
    let result = wait_for(|| client.get(), policy)
        .on_event(move |e| log.lock().unwrap().push(e.to_string()))
        .await;
    let events = events.lock().unwrap().clone();
    let sleeps = sleeps.lock().unwrap().clone();
    summarize(result, events, sleeps)
}

fn states(outcome: &Outcome) -> Vec<String> {
    outcome
        .events
        .iter()
        .filter_map(|e| {
            let text = e.split("] ").nth(1)?.split(';').next()?;
            (!text.starts_with("progress") && !text.starts_with("error")).then(|| text.to_owned())
        })
        .collect()
}

/// The progress a service reports for a job that succeeded: its percentage where it has one,
/// else its sub-tasks (those of the spec's example) all done, else none.
fn final_progress(service: &SimService) -> Option<Progress> {
    if service.job.progress.is_some() {
        return Some(Progress::Percent(100.0));
    }
    let tasks = service.subtask_count() as u64;
    (tasks > 0).then_some(Progress::Tasks {
        done: tasks,
        total: tasks,
    })
}

/// What the waiter says of a job that failed with `code` and `reason`: the job's code and
/// reason where the service reports them.
fn failure_message(service: &SimService, code: &str, reason: &str) -> String {
    let status = service.status(&Phase::Failed);
    let detail = match (&service.job.error_code, &service.job.error_reason) {
        (Some(_), Some(_)) => format!(": {code}: {reason}"),
        (Some(_), None) => format!(": {code}"),
        (None, Some(_)) => format!(": {reason}"),
        (None, None) => String::new(),
    };
    format!("the job failed ({status}){detail}")
}

#[tokio::test]
async fn e2e_init_running_success_for_each_service() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = &service.name;
        let job = format!("ok-{name}");
        sim.script(name, &job, Script::succeeds());
        let out = wait_on(&sim, service, &job, WaitPolicy::default()).await;
        assert_eq!(out.how, "succeeded", "{name}: {out:?}");
        let s = |p: Phase| service.status(&p);
        let mut expected = vec![
            format!("running ({})", s(Phase::Running)),
            format!("succeeded ({})", s(Phase::Succeeded)),
        ];
        // Without a queued state (CFW) the first answer is already running.
        if !service.states.pending.is_empty() {
            expected.insert(0, format!("pending ({})", s(Phase::Pending)));
        }
        assert_eq!(states(&out), expected, "{name}");
        assert_eq!(
            sim.requests_for(&job).len(),
            3,
            "{name}: one request per step"
        );
        assert_eq!(out.sleeps.len(), 2, "{name}");
        assert_eq!(out.progress, final_progress(service), "{name}");
        // The resources of the spec's examples.
        match name.as_str() {
            "ims" => assert_eq!(out.resources, ["e9e91bff-14b6-4a0b-8377-4ed0813e3360"]),
            "workspace" => assert_eq!(out.resources, ["f5d443de-a623-4950-a74d-569fe63c1f7a"]),
            _ => {}
        }
        // Progress changes are reported where the API reports progress.
        let progress_events = out
            .events
            .iter()
            .filter(|e| e.contains("] progress "))
            .count();
        assert_eq!(
            progress_events > 0,
            out.progress.is_some(),
            "{name}: {:?}",
            out.events
        );
        // The required parameters went out (CAE's environment header, say).
        for request in sim.requests_for(&job) {
            assert_eq!(request.service.as_deref(), Some(name.as_str()));
            for param in &service.required_params {
                let sent = match param.place {
                    ParamPlace::Header => request.header(&param.name).map(str::to_owned),
                    ParamPlace::Query => request.query_param(&param.name),
                    _ => Some(param.sample.clone()),
                };
                assert_eq!(sent.as_deref(), Some(param.sample.as_str()), "{name}");
            }
            assert!(
                request.path.starts_with(&service.job_path(PROJECT, &job)),
                "{name}: {}",
                request.path
            );
        }
    }
}

#[tokio::test]
async fn e2e_running_then_fail_with_a_reason_for_each_service() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = &service.name;
        let job = format!("fail-{name}");
        let (code, reason) = ("JOBSIM.0042", "the disk image is corrupt");
        sim.script(name, &job, Script::fails(code, reason));
        let out = wait_on(&sim, service, &job, WaitPolicy::default()).await;
        assert_eq!(out.how, "failed", "{name}: {out:?}");
        assert_eq!(
            out.message,
            failure_message(service, code, reason),
            "{name}"
        );
        // IMS and CFW report the job's error code and reason; CAE and Workspace none for the
        // job itself (Workspace per sub-job).
        let status = service.status(&Phase::Failed);
        match name.as_str() {
            "ims" | "cfw" => assert_eq!(
                out.message,
                format!("the job failed ({status}): {code}: {reason}")
            ),
            "cae" | "workspace" => {
                assert_eq!(out.message, format!("the job failed ({status})"))
            }
            _ => {}
        }
        assert_eq!(
            out.last.as_ref().map(JobState::kind),
            Some(StateKind::Failed)
        );
    }
}

#[tokio::test]
async fn e2e_unknown_status_then_success() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = &service.name;
        let job = format!("unknown-{name}");
        sim.script(
            name,
            &job,
            Script::new([
                Step::job(Phase::Running),
                Step::job(Phase::Other("PAUSED".into())),
                Step::job(Phase::Other("PAUSED".into())),
                Step::job(Phase::Succeeded),
            ]),
        );
        let out = wait_on(&sim, service, &job, WaitPolicy::default()).await;
        assert_eq!(out.how, "succeeded", "{name}: {out:?}");
        assert!(
            states(&out).contains(&"unknown (PAUSED)".to_owned()),
            "{name}: {:?}",
            out.events
        );
        assert_eq!(sim.requests_for(&job).len(), 4);
    }
}

/// Before the fix one `Retry-After: 1000000000` made the waiter sleep until its deadline
/// (31 years without one), though the job ended at the next poll.
#[tokio::test]
async fn a_huge_retry_after_is_capped_at_the_longest_interval() {
    let sim = JobSim::start();
    let service = &sim.services()[0];
    let job = "huge-retry-after";
    sim.script(
        &service.name,
        job,
        Script::new([
            Step::job(Phase::Running),
            Step::http_retry_after(503, 1_000_000_000),
            Step::job(Phase::Succeeded),
        ]),
    );
    let policy = WaitPolicy::default()
        .max_interval(Duration::from_secs(15))
        .no_timeout();
    let out = wait_on(&sim, service, job, policy).await;
    assert_eq!(out.how, "succeeded", "{out:?}");
    assert_eq!(out.sleeps[1], Duration::from_secs(15), "{:?}", out.sleeps);
}

#[tokio::test]
async fn e2e_bursts_of_429_and_503() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = &service.name;
        let job = format!("burst-{name}");
        sim.script(
            name,
            &job,
            Script::new([
                Step::job(Phase::Running),
                Step::http(503),
                Step::http(503),
                Step::http(503),
                Step::http_retry_after(429, 7),
                Step::job(Phase::Running),
                Step::job(Phase::Succeeded),
            ]),
        );
        let policy = WaitPolicy::default().max_transient_errors(4);
        let out = wait_on(&sim, service, &job, policy).await;
        assert_eq!(out.how, "succeeded", "{name}: {out:?}");
        let errors: Vec<&String> = out
            .events
            .iter()
            .filter(|e| e.contains("] error "))
            .collect();
        assert_eq!(errors.len(), 4, "{name}: {:?}", out.events);
        assert!(errors[0].contains("error 1 of 4 tolerated") && errors[0].contains("HTTP 503"));
        assert!(errors[3].contains("error 4 of 4 tolerated") && errors[3].contains("HTTP 429"));
        // Retry-After: 7 lengthened the gap after the 429 (the schedule's is about 5 s).
        assert_eq!(out.sleeps[4], Duration::from_secs(7), "{:?}", out.sleeps);
        assert_eq!(sim.requests_for(&job).len(), 7);
        // The running state seen before the burst is not reported again after it.
        assert_eq!(states(&out).len(), 2, "{name}: {:?}", out.events);

        // A longer burst than tolerated: the wait gives up, with the last state.
        let job = format!("outage-{name}");
        sim.script(
            name,
            &job,
            Script::new([Step::job(Phase::Running), Step::http(503)]),
        );
        let policy = WaitPolicy::default().max_transient_errors(1);
        let out = wait_on(&sim, service, &job, policy).await;
        assert_eq!(out.how, "transient", "{name}: {out:?}");
        assert_eq!(out.error_status, Some(503));
        assert_eq!(
            out.last.as_ref().map(JobState::kind),
            Some(StateKind::Running)
        );
        assert_eq!(sim.requests_for(&job).len(), 3);
    }
}

#[tokio::test]
async fn e2e_a_job_that_never_ends_hits_the_deadline() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = &service.name;
        let job = format!("forever-{name}");
        sim.script(name, &job, Script::never_ends());
        let policy = WaitPolicy::default().timeout(Duration::from_secs(300));
        let out = wait_on(&sim, service, &job, policy).await;
        assert_eq!(out.how, "deadline", "{name}: {out:?}");
        assert!(
            out.message.starts_with("the job did not end within 5m0s"),
            "{}",
            out.message
        );
        assert_eq!(
            out.last.as_ref().map(JobState::kind),
            Some(StateKind::Running)
        );
        let total: Duration = out.sleeps.iter().sum();
        assert_eq!(
            total,
            Duration::from_secs(300),
            "the last poll is at the deadline"
        );
        assert_eq!(sim.requests_for(&job).len(), out.sleeps.len() + 1);
    }
}

#[tokio::test]
async fn e2e_errors_that_end_the_wait_at_once() {
    let sim = JobSim::start();
    for service in sim.services() {
        let name = &service.name;
        // No such job: 404, not retried.
        let out = wait_on(&sim, service, "no-such-job", WaitPolicy::default()).await;
        assert_eq!((out.how, out.error_status), ("api", Some(404)), "{name}");
        assert!(
            out.message.contains("(no state seen, 1 poll in"),
            "{}",
            out.message
        );
        // A wrong token: 401 (the message says so, never the token).
        let job = format!("auth-{name}");
        sim.script(name, &job, Script::succeeds());
        let out = wait_with(
            &sim,
            service,
            &job,
            WaitPolicy::default(),
            Auth::token("wrong-SECRET-token"),
        )
        .await;
        assert_eq!((out.how, out.error_status), ("api", Some(401)), "{name}");
        assert!(!out.message.contains("SECRET"));
    }
}

/// A request without a required parameter is refused with the service's error body.
#[tokio::test]
async fn e2e_a_missing_required_parameter_is_refused() {
    let sim = JobSim::start();
    let cae = sim.service("cae");
    assert_eq!(
        cae.required_params
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["X-Environment-ID"]
    );
    sim.script("cae", "no-env", Script::succeeds());
    let url = format!("{}{}", sim.url(), cae.job_path(PROJECT, "no-env"));
    // Building a configuration installs the runtime's TLS crypto provider, which a bare
    // reqwest client (built without one) needs.
    let _ = Config::builder().build().unwrap();
    let http = reqwest::Client::new();
    let response = http
        .get(&url)
        .header("X-Auth-Token", jobsim::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["error_code"], "JOBSIM.400");
    // With it, the same request is answered.
    let response = http
        .get(&url)
        .header("X-Auth-Token", jobsim::TOKEN)
        .header("X-Environment-ID", "env-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn e2e_aksk_and_real_sleeping() {
    // AK/SK signing, and the default sleep (tokio) with short intervals.
    let sim = JobSim::start();
    sim.script("workspace", "aksk", Script::succeeds());
    let config = Config::builder()
        .endpoint("workspace_image_jobs", sim.url())
        .auth(Auth::aksk(
            cloudjobs::runtime::AkSk::new(jobsim::ACCESS_KEY, "secret").project_id("p"),
        ))
        .build()
        .unwrap();
    let client = workspace_image_jobs::Client::new(&config).unwrap();
    let policy = WaitPolicy::default()
        .initial_interval(Duration::from_millis(5))
        .max_interval(Duration::from_millis(20));
    let started = std::time::Instant::now();
    let job = wait_for(|| client.show_image_job("p", "aksk").send(), policy)
        .await
        .unwrap();
    assert_eq!(job.state().kind(), StateKind::Succeeded);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(started.elapsed() >= Duration::from_millis(9));
}

/// The README's waiter example is `generated/examples/wait.rs` (which `cargo test` builds),
/// word for word.
#[test]
fn readme_waiter_example_is_the_built_example() {
    let root = cloudjobs_tests::paths::project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("generated/examples/wait.rs")).unwrap();
    let section = &readme[readme
        .find("## Waiting for a job")
        .expect("README.md has a \"Waiting for a job\" section")..];
    let fence = "```rust,no_run\n";
    let start = section.find(fence).expect("with a Rust example") + fence.len();
    let end = start + section[start..].find("```").unwrap();
    let body: String = example
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        section[start..end],
        body,
        "README.md and generated/examples/wait.rs differ"
    );
}

// ---------------------------------------------------------------------------------------------
// A connection that was never established (issue 24, item 7).

/// A port of 127.0.0.1 that refuses connections: bound, then closed.
fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Before the fix a wrong endpoint made the waiter retry "connection refused" as a transient
/// error for 1 m 43 s: now three quick tries (0.5 s and 1 s apart), then an error that names
/// the host.
#[tokio::test]
async fn a_wrong_endpoint_fails_fast_naming_the_host() {
    let sim = JobSim::start();
    let service = sim.service("ims").clone();
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}");
    let clock = SimClock::default();
    let sleeps = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&sleeps);
    let tick = clock.clone();
    let policy = clock.policy(WaitPolicy::default()).sleep_with(move |d| {
        recorded.lock().unwrap().push(d);
        let tick = tick.clone();
        Box::pin(async move {
            tick.0.fetch_add(d.as_nanos() as u64, Ordering::SeqCst);
        })
    });
    // The default retry policy: inside a wait it does not add its own tries.
    let config = Config::builder()
        .endpoint(&service.module, &url)
        .auth(Auth::token(jobsim::TOKEN))
        .build()
        .unwrap();
    let client = registered(&service)
        .client(&config, JobQuery::new(PROJECT, "j"))
        .unwrap();
    let started = std::time::Instant::now();
    let e = wait_for(|| client.get(), policy).await.unwrap_err();
    let WaitFailure::Unreachable { host, attempts, .. } = e.failure() else {
        panic!("{e}")
    };
    assert_eq!(
        (host.as_str(), *attempts),
        (&*format!("127.0.0.1:{port}"), 3)
    );
    assert_eq!(
        *sleeps.lock().unwrap(),
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
    assert!(
        e.to_string()
            .starts_with(&format!("could not connect to 127.0.0.1:{port} (3 tries")),
        "{e}"
    );
    assert!(e.api_error().is_some_and(Error::is_connect));
    assert!(started.elapsed() < Duration::from_secs(10));
    // A TLS handshake with a server that speaks no TLS: the same.
    let config = Config::builder()
        .endpoint(&service.module, sim.url().replace("http://", "https://"))
        .auth(Auth::token(jobsim::TOKEN))
        .build()
        .unwrap();
    let client = registered(&service)
        .client(&config, JobQuery::new(PROJECT, "j"))
        .unwrap();
    let policy = SimClock::default().policy(WaitPolicy::default());
    let e = wait_for(|| client.get(), policy).await.unwrap_err();
    assert!(
        matches!(e.failure(), WaitFailure::Unreachable { attempts: 3, .. }),
        "{e}"
    );
}

/// A resolver that never answers: connecting hangs until the connect timeout, as with a host
/// that silently drops packets (deterministic: no network, no unroutable address).
struct SilentResolver;

impl reqwest::dns::Resolve for SilentResolver {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(std::future::pending())
    }
}

/// A host that drops packets fails the wait as fast as a refused connection: a connect
/// timeout sent nothing, so before any poll reached the server it is `Unreachable` after three
/// tries, naming the host (before the fix: a transient timeout, tolerated ten times).
#[tokio::test]
async fn a_connect_timeout_before_any_answer_fails_fast_naming_the_host() {
    // reqwest is built without a crypto provider; the runtime's own clients install ring.
    cloudjobs::runtime::connection::install_crypto_provider();
    let http = reqwest::Client::builder()
        .dns_resolver(SilentResolver)
        .connect_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let config = Config::builder()
        .endpoint("otc_ims_jobs", "https://drops-packets.invalid:8080")
        .auth(Auth::token(jobsim::TOKEN))
        .http_client(http)
        .build()
        .unwrap();
    let ims = cloudjobs::otc_ims_jobs::Client::new(&config).unwrap();
    let policy = SimClock::default().policy(WaitPolicy::default());
    let started = std::time::Instant::now();
    let e = wait_for(|| ims.show_job(PROJECT, "j").send(), policy)
        .await
        .unwrap_err();
    let WaitFailure::Unreachable {
        host,
        attempts,
        error,
    } = e.failure()
    else {
        panic!("{e}")
    };
    assert_eq!(
        (host.as_str(), *attempts),
        ("drops-packets.invalid:8080", 3)
    );
    assert!(error.is_connect() && error.is_timeout(), "{error:?}");
    assert!(
        e.to_string()
            .contains("no connection within the connect timeout"),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Once a poll has reached the server, a refused connection is a passing outage: tolerated as
/// any transient error.
#[tokio::test]
async fn refused_after_the_server_answered_is_transient() {
    let clock = SimClock::default();
    let port = refused_port();
    let config = Config::builder()
        .endpoint("otc_ims_jobs", format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let ims = cloudjobs::otc_ims_jobs::Client::new(&config).unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let policy = clock.policy(WaitPolicy::default().max_transient_errors(5));
    let e = wait_for(
        || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let ims = ims.clone();
            async move {
                match n {
                    0 => Ok(ims_job(JobStatus::Running)),
                    _ => ims.show_job("p", "j").send().await.map(|r| r.into_body()),
                }
            }
        },
        policy,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e.failure(),
            WaitFailure::TooManyTransientErrors { consecutive: 6, .. }
        ),
        "{e}"
    );
}

/// The waiter against the simulated server with a progress history and a burst of 429s, for
/// every service that reports a percentage: it ends only on the server's success, reports an
/// estimate (ETA) once the progress allows one, and keeps to the rate budget the 429s teach.
#[tokio::test]
async fn e2e_progress_history_with_a_429_burst() {
    let sim = JobSim::start();
    for service in sim.services().iter().filter(|s| s.job.progress.is_some()) {
        let name = &service.name;
        let job = format!("progress-{name}");
        let mut steps: Vec<Step> = (0..=9)
            .map(|i| Step::progress(Phase::Running, i * 10))
            .collect();
        steps.insert(5, Step::http(429));
        steps.insert(6, Step::http(429));
        steps.push(Step::progress(Phase::Running, 100));
        steps.push(Step::progress(Phase::Succeeded, 100));
        sim.script(name, &job, Script::new(steps));
        let out = wait_on(&sim, service, &job, WaitPolicy::default()).await;
        assert_eq!(out.how, "succeeded", "{name}: {out:?}");
        assert_eq!(
            sim.requests_for(&job).len(),
            14,
            "{name}: one request per step"
        );
        assert!(
            out.events.iter().any(|e| e.contains("; eta ")),
            "{name}: {:?}",
            out.events
        );
        let errors = out.events.iter().filter(|e| e.contains("HTTP 429")).count();
        assert_eq!(errors, 2, "{name}");
        // The first 429 (the sixth poll, about 14 s in) teaches a budget of the five polls
        // before it a minute: the next poll waits for the oldest but one to leave the window.
        assert!(out.sleeps[5] >= Duration::from_secs(40), "{:?}", out.sleeps);
        // The second, one less: four a minute, paced 15 s apart whatever the jitter.
        assert!(
            out.sleeps[6..]
                .iter()
                .all(|s| *s >= Duration::from_secs(15)),
            "{:?}",
            out.sleeps
        );
    }
}

/// Polls an IMS job that ends `ends` after the first poll from a server that refuses (429,
/// APIGW.0308) any request when five came in the minute before it, refused ones included
/// (the `429 over 5/min` scenario of `cargo xtask bench wait`); returns every poll's time and
/// whether it was refused, and whether the wait succeeded.
async fn limited_server(policy: WaitPolicy, ends: Duration) -> (Vec<(Duration, bool)>, bool) {
    let clock = SimClock::default();
    let polls = Arc::new(Mutex::new(Vec::<(Duration, bool)>::new()));
    let (c, p) = (clock.clone(), Arc::clone(&polls));
    let result = wait_for(
        move || {
            let now = c.now();
            let mut polls = p.lock().unwrap();
            let recent = polls
                .iter()
                .filter(|(t, _)| now < *t + Duration::from_secs(60))
                .count();
            polls.push((now, recent >= 5));
            let answer = if recent >= 5 {
                Err(Error::<cloudjobs::runtime::Undocumented>::from_status(
                    "ShowJob",
                    cloudjobs::runtime::StatusCode::TOO_MANY_REQUESTS,
                    Default::default(),
                    Some("APIGW.0308".into()),
                    None,
                ))
            } else if now >= ends {
                Ok(ims_job(JobStatus::Success))
            } else {
                Ok(ims_job(JobStatus::Running))
            };
            std::future::ready(answer)
        },
        clock.policy(policy.max_transient_errors(1000)),
    )
    .await;
    (polls.lock().unwrap().clone(), result.is_ok())
}

/// A 429 without `Retry-After` teaches the waiter what the server allows: after the first
/// refusal no poll goes out while five went out in the minute before, even through a quick
/// plain schedule (1 s apart), but for a probe every five minutes (one poll more a minute,
/// refused, back to five). `throttle_aware(false)`
/// is the waiter as it was before the budget: refused again and again while the plain
/// schedule goes on (here, since refusals count, until it gives up never having seen the
/// end).
#[tokio::test]
async fn a_429_teaches_a_rate_budget_kept_for_the_rest_of_the_wait() {
    let quick = WaitPolicy::default()
        .progress_aware(false)
        .factor(1.0)
        .jitter(0.0)
        .no_timeout();
    let ends = Duration::from_secs(600);
    let (polls, succeeded) = limited_server(quick.clone(), ends).await;
    assert!(succeeded);
    let refused: Vec<Duration> = polls.iter().filter(|p| p.1).map(|p| p.0).collect();
    assert_eq!(refused.len(), 2, "{polls:?}");
    assert_eq!(refused[0], Duration::from_secs(5));
    assert!(refused[1] > Duration::from_secs(300), "{polls:?}");
    for (i, (t, _)) in polls.iter().enumerate().skip(6) {
        let before = polls[..i]
            .iter()
            .filter(|(s, _)| *t < *s + Duration::from_secs(60))
            .count();
        let allowed = if *t == refused[1] { 6 } else { 5 };
        assert!(
            before < allowed,
            "{before} polls in the minute before {t:?}"
        );
    }
    // Five a minute evenly: about 12 s apart, the end seen within a gap of it.
    let (last, _) = *polls.last().unwrap();
    assert!(
        last >= ends && last < ends + Duration::from_secs(14),
        "{last:?}"
    );

    let (plain, succeeded) = limited_server(quick.throttle_aware(false), ends).await;
    assert!(!succeeded);
    assert_eq!(
        plain.iter().filter(|p| p.1).count(),
        1001,
        "{}",
        plain.len()
    );
}
