//! Progress-aware polling, as pure functions: an [`Estimator`] of a job's end from the
//! progress it reports, and [`next_gap`], which places the next poll.
//!
//! Nothing here decides that a job has ended: only the server's state does that. An estimate
//! only moves polls: sparse while the end is far, dense around it, and back to the plain
//! backoff when the estimate cannot be trusted.
//!
//! # The estimator
//!
//! Each poll gives a time and, when the job reports one, a progress fraction: a percentage
//! (`"60 % "` is read by [`crate::job::parse_percent`]) or sub-jobs done out of all. Reported
//! values are quantized (integer percents, 10 % steps, one sub-job of five): a value `p` seen
//! at a random moment means the true progress lies in `[p, p + q)`, `q` the quantum (the
//! smallest rise seen), so each sample counts as `p + q/2`, an unbiased reading for a job
//! that progresses steadily. A least-squares line through the samples of the current
//! *segment* gives the rate and the time the line reaches 100 % (the end), and the usual
//! inverse-regression error (residuals, quantization noise, the distance extrapolated) gives
//! its spread. A segment restarts when progress goes backwards, and when it moves again after
//! a stall (a value held much longer than the rate explains), so old samples do not bend the
//! line. No estimate (so: the plain backoff) while fewer than three samples or two distinct
//! values are in the segment, while the job is stalled, or when the line does not rise. A job
//! that reports 100 % but has not ended is *due*: polled densely for a short while, then with
//! a backoff, never assumed to be done.
//!
//! # The scheduler
//!
//! Without a trusted estimate the gap is the plain backoff of the
//! [`WaitPolicy`](crate::wait::WaitPolicy) (1 s × 1.5 up to 27 s). With one, around the end
//! `E` with spread `S`, the window `[E − 2S, E + 2S]` is polled every `dense` (twice the
//! [`SchedulePolicy::target_lateness`], or a third of the spread when that is larger, up to
//! the backoff's cap: a wide prior from past durations is not polled every few seconds);
//! before it, each gap is half the time left to the window (so each poll refines the estimate
//! as the end nears), at most [`SchedulePolicy::max_sparse_gap`], and the window comes next
//! once half the time left is under the dense gap or four target latenesses (10 s by
//! default: a poll seconds before the window says little, and would take one from it under a
//! rate limit); after it the job is overdue and the gaps grow from `dense` by 1.5 up to half
//! the backoff's cap. Every gap is kept at least [`SchedulePolicy::min_gap`] and cut at the
//! deadline.
//!
//! # The rate budget
//!
//! A server that throttles (429, or a gateway's "too many requests" code) without saying when
//! to come back teaches a [`RateBudget`]: the polls sent in the [`RATE_WINDOW`] before the
//! refused one (one less each time it refuses again, at least one) are what it allows per
//! window. From then on no poll is sent while the window already holds that many, and no two
//! polls are closer than the window over the budget (the pace), whatever the phase: the
//! polls a slow server allows are spread evenly, so the ones near the predicted end are not
//! spent in a burst that a refusal would cut short (and a refused poll, which may count
//! against the limit too, hides the end). The budget grows back by one poll for every five
//! windows without a refusal in which it was used up (a probe: a refusal then costs one
//! poll and puts it back), and is forgotten once it no longer binds (a poll a second). The
//! sparse phase keeps out of the seconds before the dense window (above), so that a budget
//! is there to spend when the end comes.

use std::collections::VecDeque;
use std::time::Duration;

pub use super::backoff::Backoff;
use super::job::Progress;

/// At most this many samples are kept in a segment (the newest).
const MAX_SAMPLES: usize = 48;
/// A rise smaller than this is noise, not progress.
const EPSILON: f64 = 1e-6;
/// A fall larger than this starts a new segment (progress went backwards).
const REGRESSION: f64 = 0.005;

/// A progress as a fraction in `[0, 1]`: a percentage divided by 100 (clamped), sub-tasks done
/// over all; `None` for a percentage that is not a number or no sub-task at all.
pub fn fraction(progress: Progress) -> Option<f64> {
    match progress {
        Progress::Percent(p) if p.is_finite() => Some((p / 100.0).clamp(0.0, 1.0)),
        Progress::Percent(_) => None,
        Progress::Tasks { total: 0, .. } => None,
        Progress::Tasks { done, total } => Some((done.min(total) as f64) / total as f64),
    }
}

/// When a job is expected to end, as the [`Estimator`] or a prior sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The expected end, counted from the first poll.
    pub end: Duration,
    /// The uncertainty of `end` (about one standard deviation).
    pub spread: Duration,
    /// The last progress seen, as a fraction (`None` for a prior from past durations).
    pub progress: Option<f64>,
}

/// One sample: seconds since the first poll, progress fraction.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    t: f64,
    p: f64,
}

/// Estimates a job's end from the progress its polls report. Feed it every poll with
/// [`Estimator::observe`]; ask with [`Estimator::estimate`].
#[derive(Debug, Clone, Default)]
pub struct Estimator {
    /// The current segment, oldest first.
    samples: Vec<Sample>,
    /// The smallest rise seen (the quantum), once any was seen.
    quantum: Option<f64>,
    /// When the current value was first seen.
    value_since: f64,
    /// The largest value seen in the segment.
    top: f64,
    /// When 100 % was first seen, if it was.
    full_since: Option<f64>,
}

impl Estimator {
    /// A new estimator with no samples.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a poll `at` this time since the first poll, with the progress it reported (if
    /// any). Times are expected in order; an earlier one is ignored.
    pub fn observe(&mut self, at: Duration, progress: Option<Progress>) {
        let t = at.as_secs_f64();
        let Some(p) = progress.and_then(fraction) else {
            return;
        };
        let Some(last) = self.samples.last().copied() else {
            self.start_segment(Sample { t, p });
            return;
        };
        if t < last.t {
            return;
        }
        if p < last.p - REGRESSION {
            self.start_segment(Sample { t, p });
            return;
        }
        if p > last.p + EPSILON {
            let rise = p - last.p;
            self.quantum = Some(self.quantum.map_or(rise, |q| q.min(rise)));
            if self.stalled_at(last.t) {
                // Moving again after a stall: a new segment from the stall's last sample.
                self.samples.clear();
                self.samples.push(last);
            }
            self.value_since = t;
        }
        let p = p.max(last.p.min(p + REGRESSION));
        self.top = self.top.max(p);
        if p >= 1.0 - EPSILON && self.full_since.is_none() {
            self.full_since = Some(t);
        }
        self.samples.push(Sample { t, p });
        if self.samples.len() > MAX_SAMPLES {
            self.samples.remove(0);
        }
    }

    fn start_segment(&mut self, sample: Sample) {
        self.samples.clear();
        self.samples.push(sample);
        self.value_since = sample.t;
        self.top = sample.p;
        self.full_since = (sample.p >= 1.0 - EPSILON).then_some(sample.t);
    }

    /// The quantum: the smallest rise seen, within sensible bounds.
    fn quantum(&self) -> f64 {
        self.quantum.unwrap_or(0.01).clamp(0.001, 0.25)
    }

    /// Whether the value held since `value_since` has been held, at `now`, much longer than
    /// the fitted rate explains.
    fn stalled_at(&self, now: f64) -> bool {
        // The rate before the value now held: the plateau itself must not explain itself.
        let Some(fit) = self.fit(self.value_since) else {
            return false;
        };
        let step = self.quantum() / fit.rate;
        now - self.value_since > (4.0 * step).max(60.0)
    }

    /// The line through the segment's samples up to `until` (each at `p + q/2`), when it
    /// rises.
    fn fit(&self, until: f64) -> Option<Fit> {
        let samples: Vec<Sample> = self
            .samples
            .iter()
            .copied()
            .filter(|s| s.t <= until)
            .collect();
        let n = samples.len();
        if n < 3 {
            return None;
        }
        let distinct = samples
            .windows(2)
            .filter(|w| w[1].p > w[0].p + EPSILON)
            .count();
        if distinct == 0 {
            return None;
        }
        let q = self.quantum();
        let y = |s: &Sample| (s.p + q / 2.0).min(1.0);
        let nf = n as f64;
        let mean_t = samples.iter().map(|s| s.t).sum::<f64>() / nf;
        let mean_y = samples.iter().map(y).sum::<f64>() / nf;
        let sxx: f64 = samples.iter().map(|s| (s.t - mean_t).powi(2)).sum();
        let sxy: f64 = samples
            .iter()
            .map(|s| (s.t - mean_t) * (y(s) - mean_y))
            .sum();
        if sxx <= EPSILON {
            return None;
        }
        let rate = sxy / sxx;
        if !(rate.is_finite() && rate > 1e-9) {
            return None;
        }
        let residual: f64 = samples
            .iter()
            .map(|s| (y(s) - mean_y - rate * (s.t - mean_t)).powi(2))
            .sum();
        let noise = (residual / (nf - 2.0).max(1.0))
            .sqrt()
            .max(q / 12f64.sqrt());
        Some(Fit {
            rate,
            mean_t,
            mean_y,
            sxx,
            n: nf,
            noise,
        })
    }

    /// The expected end at `now` (time since the first poll), or `None` when the progress
    /// seen does not allow one (too few samples, no rise, a stall, a line that does not rise).
    pub fn estimate(&self, now: Duration) -> Option<Estimate> {
        let now = now.as_secs_f64();
        let last = self.samples.last()?;
        if let Some(since) = self.full_since {
            // 100 %: the end is due; only the server's state says when.
            return Some(Estimate {
                end: secs(since),
                spread: Duration::ZERO,
                progress: Some(last.p),
            });
        }
        let fit = self.fit(f64::INFINITY)?;
        if self.stalled_at(now) {
            return None;
        }
        let end = fit.mean_t + (1.0 - fit.mean_y) / fit.rate;
        if !end.is_finite() || end < last.t {
            return None;
        }
        let distance = end - fit.mean_t;
        let spread = fit.noise / fit.rate * (1.0 / fit.n + distance * distance / fit.sxx).sqrt()
            // The rate drifts: a share of what is left.
            + 0.02 * (end - now).max(0.0);
        // Coarse progress (sub-jobs, 10 % steps): the last step alone is that uncertain.
        let spread = spread.max(0.4 * self.quantum() / fit.rate);
        Some(Estimate {
            end: secs(end),
            spread: secs(spread.max(0.5)),
            progress: Some(last.p),
        })
    }
}

/// A least-squares line `y = mean_y + rate × (t − mean_t)`.
#[derive(Debug, Clone, Copy)]
struct Fit {
    rate: f64,
    mean_t: f64,
    mean_y: f64,
    sxx: f64,
    n: f64,
    noise: f64,
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)
}

/// The settings of progress-aware polling (part of a
/// [`WaitPolicy`](crate::wait::WaitPolicy)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchedulePolicy {
    /// Whether estimates are used at all (default `true`); `false` is the plain backoff.
    pub enabled: bool,
    /// How late, on average, the end should be seen when it is predicted (default 2.5 s):
    /// polls around the predicted end are twice this apart.
    pub target_lateness: Duration,
    /// The longest gap while the end is far (default 10 minutes).
    pub max_sparse_gap: Duration,
    /// The shortest gap ever (default none: the backoff's own gaps; a
    /// [`RateBudget`] keeps a throttling server's pace on top).
    pub min_gap: Duration,
}

impl Default for SchedulePolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            target_lateness: Duration::from_millis(2500),
            max_sparse_gap: Duration::from_secs(600),
            min_gap: Duration::ZERO,
        }
    }
}

/// Which rule placed a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No trusted estimate: the plain backoff.
    Backoff,
    /// The end is far: half the time left to the dense window.
    Sparse,
    /// Around the predicted end.
    Dense,
    /// Past the predicted end (and its spread), or at 100 %: growing gaps.
    Overdue,
}

/// What [`next_gap`] knows when it places the next poll.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    /// Time since the first poll.
    pub now: Duration,
    /// Polls sent so far (at least 1).
    pub polls: u32,
    /// The estimate, if one is trusted.
    pub estimate: Option<Estimate>,
    /// Polls sent since the estimate became overdue (0 when it is not).
    pub overdue_polls: u32,
    /// The deadline, counted from the first poll.
    pub deadline: Option<Duration>,
}

/// The next poll: how long to sleep, and which rule said so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The sleep before the next poll (before jitter).
    pub gap: Duration,
    /// The rule.
    pub phase: Phase,
}

/// Places the next poll: `None` when the deadline has passed.
pub fn next_gap(policy: &SchedulePolicy, backoff: &Backoff, at: &Situation) -> Option<Plan> {
    let now = at.now.as_secs_f64();
    let left = match at.deadline {
        Some(deadline) if at.now >= deadline => return None,
        Some(deadline) => (deadline - at.now).as_secs_f64(),
        None => f64::INFINITY,
    };
    let cap = backoff.max.as_secs_f64().max(policy.min_gap.as_secs_f64());
    let (gap, phase) = match at.estimate.filter(|_| policy.enabled) {
        None => (backoff.nominal(at.polls).as_secs_f64(), Phase::Backoff),
        Some(e) => {
            let (end, spread) = (e.end.as_secs_f64(), e.spread.as_secs_f64());
            let dense = (2.0 * policy.target_lateness.as_secs_f64())
                .max(spread / 3.0)
                .min(cap);
            let (from, to) = (end - 2.0 * spread, end + 2.0 * spread);
            if now + dense < from {
                // Halving the time left refines the estimate while it can move; the last few
                // seconds before the window are not worth a poll (it would take one from the
                // window under a rate limit).
                let half = (from - now) / 2.0;
                let approach = dense.max(4.0 * policy.target_lateness.as_secs_f64());
                let gap = if half < approach { from - now } else { half };
                (gap.min(policy.max_sparse_gap.as_secs_f64()), Phase::Sparse)
            } else if now <= to && at.overdue_polls == 0 {
                (dense, Phase::Dense)
            } else {
                // Past the end (or at 100 %): the end is near but unknown; half the cap keeps
                // the lateness under today's default without its requests.
                let grown = dense * 1.5f64.powi(at.overdue_polls.min(64) as i32);
                (grown.min((cap / 2.0).max(dense)), Phase::Overdue)
            }
        }
    };
    let gap = gap.max(policy.min_gap.as_secs_f64()).max(0.001).min(left);
    Some(Plan {
        gap: secs(if gap.is_finite() { gap } else { cap }),
        phase,
    })
}

/// The window a [`RateBudget`] counts polls in: the minute that API gateways limit most often
/// (a server with another window is kept under its limit all the same, the budget being what
/// it accepted in the last minute).
pub const RATE_WINDOW: Duration = Duration::from_secs(60);
/// A budget used up for this many windows with no refusal grows by one poll (a probe: the
/// server may allow more again).
const GROW_AFTER: f64 = 5.0;
/// A budget of this many polls per window no longer binds (a poll a second): it is forgotten.
const UNBOUND: u32 = 60;
/// Kept between a poll the budget allows and the moment the window frees (clock skew, the
/// server's own rounding).
const WINDOW_MARGIN: f64 = 1.0;

/// What a throttling server allows, learned from its refusals (see the
/// [module documentation](self)): at most [`RateBudget::limit`] polls in any
/// [`RATE_WINDOW`], evenly paced. Record every poll with [`RateBudget::sent`] and every
/// refusal with [`RateBudget::throttled`]; [`RateBudget::wait`] says how long the next poll
/// must wait.
#[derive(Debug, Clone, Default)]
pub struct RateBudget {
    /// When the recent polls were sent (seconds since the first poll), oldest first: those of
    /// the last window.
    sent: VecDeque<f64>,
    /// Polls allowed per window, once a refusal taught a limit.
    limit: Option<u32>,
    /// When the limit last changed.
    changed: f64,
}

impl RateBudget {
    /// A budget that allows anything, until a refusal.
    pub fn new() -> Self {
        Self::default()
    }

    /// Polls allowed per [`RATE_WINDOW`], once a refusal taught a limit.
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// Records a poll sent `at` this time since the first poll (times in order). A budget
    /// used up, with no refusal for five windows, grows by one poll.
    pub fn sent(&mut self, at: Duration) {
        let t = at.as_secs_f64();
        let window = RATE_WINDOW.as_secs_f64();
        while self.sent.front().is_some_and(|s| *s <= t - window) {
            self.sent.pop_front();
        }
        if let Some(limit) = self.limit
            && t - self.changed >= GROW_AFTER * window
            && self.sent.len() + 1 >= limit as usize
        {
            self.limit = (limit + 1 < UNBOUND).then_some(limit + 1);
            self.changed = t;
        }
        self.sent.push_back(t);
    }

    /// Records that the server refused the last poll recorded (throttled, without saying when
    /// to come back): it allows as many polls as were sent in the window before that one (no
    /// more than one less than the limit already kept), and at least one.
    pub fn throttled(&mut self) {
        let Some(&t) = self.sent.back() else {
            return;
        };
        let window = RATE_WINDOW.as_secs_f64();
        let before = self
            .sent
            .iter()
            .rev()
            .skip(1)
            .filter(|s| **s > t - window)
            .count();
        let before = u32::try_from(before).unwrap_or(u32::MAX);
        let limit = match self.limit {
            Some(limit) => before.min(limit.saturating_sub(1)),
            None => before,
        };
        self.limit = Some(limit.max(1));
        self.changed = t;
    }

    /// How long after `now` (since the first poll) the next poll may be sent: zero without a
    /// limit; else until the window holds fewer polls than the limit, and the pace (the
    /// window over the limit) since the last poll.
    pub fn wait(&self, now: Duration) -> Duration {
        let (Some(limit), Some(&last)) = (self.limit, self.sent.back()) else {
            return Duration::ZERO;
        };
        let window = RATE_WINDOW.as_secs_f64();
        let paced = last + window / f64::from(limit);
        let freed = match self.sent.len().checked_sub(limit as usize) {
            // The limit-th most recent poll must have left the window.
            Some(i) => self.sent[i] + window + WINDOW_MARGIN,
            None => 0.0,
        };
        secs(paced.max(freed) - now.as_secs_f64())
    }
}

/// Whether an estimate is overdue at `now`: past its end and twice its spread, or at 100 %.
pub fn is_overdue(estimate: &Estimate, now: Duration) -> bool {
    estimate.progress.is_some_and(|p| p >= 1.0 - EPSILON)
        || now > estimate.end + estimate.spread * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(p: f64) -> Option<Progress> {
        Some(Progress::Percent(p))
    }

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    /// A 20-minute job reporting integer percents, polled every 30 s.
    #[test]
    fn linear_progress_predicts_the_end() {
        let mut e = Estimator::new();
        for t in (0..=600).step_by(30) {
            let t = f64::from(t);
            e.observe(s(t), pct((t / 12.0).floor()));
        }
        let est = e.estimate(s(600.0)).unwrap();
        let end = est.end.as_secs_f64();
        assert!((1190.0..1210.0).contains(&end), "{est:?}");
        assert!(est.spread < s(40.0), "{est:?}");
    }

    #[test]
    fn no_estimate_without_progress_or_rise() {
        let mut e = Estimator::new();
        assert_eq!(e.estimate(s(0.0)), None);
        for t in 0..5 {
            e.observe(s(f64::from(t)), None);
        }
        assert_eq!(e.estimate(s(5.0)), None);
        for t in 0..5 {
            e.observe(s(f64::from(t)), pct(30.0));
        }
        assert_eq!(e.estimate(s(5.0)), None, "a flat line says nothing");
        let mut nan = Estimator::new();
        nan.observe(s(1.0), pct(f64::NAN));
        assert_eq!(nan.estimate(s(1.0)), None);
    }

    #[test]
    fn going_backwards_starts_over() {
        let mut e = Estimator::new();
        for t in 0..10 {
            e.observe(s(f64::from(t) * 10.0), pct(f64::from(t) * 5.0));
        }
        assert!(e.estimate(s(90.0)).is_some());
        e.observe(s(100.0), pct(10.0));
        assert_eq!(e.estimate(s(100.0)), None, "one sample in the new segment");
        e.observe(s(110.0), pct(12.0));
        e.observe(s(120.0), pct(14.0));
        let est = e.estimate(s(120.0)).unwrap();
        assert!(est.end > s(500.0), "{est:?}");
    }

    #[test]
    fn a_stall_is_no_estimate_and_the_segment_restarts_after_it() {
        let mut e = Estimator::new();
        for t in 0..=10 {
            e.observe(s(f64::from(t) * 10.0), pct(f64::from(t)));
        }
        assert!(e.estimate(s(100.0)).is_some());
        for t in 11..40 {
            e.observe(s(f64::from(t) * 10.0), pct(10.0));
        }
        assert_eq!(e.estimate(s(390.0)), None, "stalled");
        e.observe(s(400.0), pct(11.0));
        e.observe(s(410.0), pct(12.0));
        let est = e.estimate(s(410.0)).unwrap();
        // 1 % per 10 s again: about 880 s more.
        let end = est.end.as_secs_f64();
        assert!((1150.0..1450.0).contains(&end), "{est:?}");
    }

    #[test]
    fn at_100_percent_the_end_is_due_not_done() {
        let mut e = Estimator::new();
        for t in 0..=10 {
            e.observe(s(f64::from(t)), pct(f64::from(t) * 10.0));
        }
        let est = e.estimate(s(20.0)).unwrap();
        assert_eq!(est.end, s(10.0));
        assert!(is_overdue(&est, s(20.0)));
    }

    #[test]
    fn sub_jobs_are_a_fraction() {
        assert_eq!(fraction(Progress::Tasks { done: 1, total: 4 }), Some(0.25));
        assert_eq!(fraction(Progress::Tasks { done: 9, total: 4 }), Some(1.0));
        assert_eq!(fraction(Progress::Tasks { done: 0, total: 0 }), None);
        assert_eq!(fraction(Progress::Percent(250.0)), Some(1.0));
        assert_eq!(fraction(Progress::Percent(-3.0)), Some(0.0));
    }

    fn backoff() -> Backoff {
        Backoff {
            initial: Duration::from_secs(1),
            factor: 1.5,
            max: Duration::from_secs(27),
        }
    }

    fn at(now: f64, estimate: Option<Estimate>) -> Situation {
        Situation {
            now: s(now),
            polls: 10,
            estimate,
            overdue_polls: 0,
            deadline: None,
        }
    }

    #[test]
    fn sparse_then_dense_then_overdue() {
        let p = SchedulePolicy::default();
        let est = Some(Estimate {
            end: s(1200.0),
            spread: s(5.0),
            progress: Some(0.5),
        });
        let plan = next_gap(&p, &backoff(), &at(600.0, est)).unwrap();
        assert_eq!(plan.phase, Phase::Sparse);
        assert!(
            (290.0..=296.0).contains(&plan.gap.as_secs_f64()),
            "{plan:?}"
        );
        let plan = next_gap(&p, &backoff(), &at(1195.0, est)).unwrap();
        assert_eq!((plan.phase, plan.gap), (Phase::Dense, s(5.0)));
        let mut late = at(1300.0, est);
        late.overdue_polls = 2;
        let plan = next_gap(&p, &backoff(), &late).unwrap();
        assert_eq!((plan.phase, plan.gap), (Phase::Overdue, s(11.25)));
        late.overdue_polls = 20;
        let plan = next_gap(&p, &backoff(), &late).unwrap();
        assert_eq!((plan.phase, plan.gap), (Phase::Overdue, s(13.5)));
        let plan = next_gap(&p, &backoff(), &at(3.0, None)).unwrap();
        assert_eq!(plan.phase, Phase::Backoff);
        // Off: the plain backoff even with an estimate.
        let off = SchedulePolicy {
            enabled: false,
            ..p
        };
        assert_eq!(
            next_gap(&off, &backoff(), &at(600.0, est)).unwrap().phase,
            Phase::Backoff
        );
        // The deadline cuts; past it, nothing.
        let mut near = at(600.0, est);
        near.deadline = Some(s(610.0));
        assert_eq!(next_gap(&p, &backoff(), &near).unwrap().gap, s(10.0));
        near.deadline = Some(s(600.0));
        assert_eq!(next_gap(&p, &backoff(), &near), None);
    }

    /// The budget a refusal teaches: what was sent in the minute before, waited out, paced,
    /// one less on a further refusal, grown back when used up for five windows, forgotten when
    /// it no longer binds.
    #[test]
    fn a_refusal_teaches_a_rate_budget() {
        let mut b = RateBudget::new();
        assert_eq!((b.limit(), b.wait(s(0.0))), (None, Duration::ZERO));
        b.throttled();
        assert_eq!(b.limit(), None, "nothing sent, nothing learned");
        // Five polls in 8 s pass, the sixth is refused.
        for t in [0.0, 1.0, 2.5, 4.75, 8.0, 13.0] {
            b.sent(s(t));
        }
        assert_eq!(b.wait(s(13.0)), Duration::ZERO);
        b.throttled();
        assert_eq!(b.limit(), Some(5));
        // The fifth most recent (1 s) must leave the window, with a second to spare.
        assert_eq!(b.wait(s(13.0)), s(49.0));
        // Then paced: 12 s apart (the window is free again).
        for t in [62.0, 74.0, 86.0, 98.0] {
            b.sent(s(t));
            assert_eq!(b.wait(s(t)), s(12.0), "{t}");
        }
        b.sent(s(110.0));
        b.throttled();
        assert_eq!(b.limit(), Some(4), "one less: the server shares its limit");
        // 74 s must leave the window (135 s), and the pace is 15 s.
        assert_eq!(b.wait(s(110.0)), s(25.0));
        // Used up (a poll every 15 s) and no refusal for five windows: one more.
        let mut t = 135.0;
        while t < 410.0 {
            b.sent(s(t));
            t += 15.0;
        }
        assert_eq!(b.limit(), Some(4));
        b.sent(s(420.0));
        assert_eq!(b.limit(), Some(5));
        // A refusal with no poll before it in the window still allows one a window.
        let mut lone = RateBudget::new();
        lone.sent(s(0.0));
        lone.throttled();
        assert_eq!(lone.limit(), Some(1));
        assert_eq!(lone.wait(s(0.0)), s(61.0));
        // Grown to a poll a second, it is forgotten.
        let mut fast = RateBudget::new();
        for i in 0..60 {
            fast.sent(s(f64::from(i)));
        }
        fast.throttled();
        assert_eq!(fast.limit(), Some(59));
        for i in 0..700 {
            fast.sent(s(61.0 + f64::from(i)));
        }
        assert_eq!(fast.limit(), None);
    }

    /// A progress history, one entry per poll: what real jobs do (steps, stalls, backwards,
    /// sitting at 99 or 100 %, missing values, sub-job counts, garbage).
    fn reading() -> impl proptest::strategy::Strategy<Value = Option<Progress>> {
        use proptest::prelude::*;
        prop_oneof![
            3 => (0.0f64..=100.0).prop_map(|p| Some(Progress::Percent(p))),
            1 => Just(None),
            1 => prop_oneof![Just(99.0), Just(100.0), Just(f64::NAN), Just(-5.0), Just(1e9)]
                .prop_map(|p| Some(Progress::Percent(p))),
            1 => (0u64..20, 0u64..20).prop_map(|(done, total)| Some(Progress::Tasks { done, total })),
        ]
    }

    proptest::proptest! {
        /// Every schedule is finite, bounded by the deadline, monotone in time and never
        /// above the rate limit (no gap shorter than `min_gap`, and once a refusal taught a
        /// budget no poll sent while the window holds as many as it allows, except the last
        /// one cut at the deadline), whatever the job reports and the server refuses.
        #[test]
        fn every_schedule_is_finite_bounded_monotone_and_rate_limited(
            history in proptest::collection::vec(reading(), 1..80),
            monotone_share in 0.0f64..1.0,
            deadline in 1u64..20_000,
            min_gap_ms in 1u64..30_000,
            refusals in proptest::collection::vec(proptest::bool::weighted(0.2), 1..40),
            target_ms in 0u64..60_000,
            sparse in 1u64..3600,
        ) {
            let policy = SchedulePolicy {
                enabled: true,
                target_lateness: Duration::from_millis(target_ms),
                max_sparse_gap: Duration::from_secs(sparse),
                min_gap: Duration::from_millis(min_gap_ms),
            };
            let deadline = Duration::from_secs(deadline);
            let mut estimator = Estimator::new();
            let (mut now, mut polls, mut overdue) = (Duration::ZERO, 1u32, 0u32);
            // Mostly rising histories too: sort a share of them.
            let mut history = history;
            let cut = (history.len() as f64 * monotone_share) as usize;
            history[..cut].sort_by(|a, b| {
                let f = |p: &Option<Progress>| p.and_then(fraction).unwrap_or(0.0);
                f(a).total_cmp(&f(b))
            });
            let bound = deadline.as_secs_f64() / policy.min_gap.as_secs_f64() + 2.0;
            let (mut budget, mut sent) = (RateBudget::new(), Vec::<Duration>::new());
            loop {
                if let Some(limit) = budget.limit() {
                    let window = sent.iter().filter(|t| now < **t + RATE_WINDOW).count();
                    proptest::prop_assert!(
                        window < limit as usize || now == deadline,
                        "{window} polls in the window at {now:?}, {limit} allowed"
                    );
                }
                budget.sent(now);
                sent.push(now);
                if refusals[(polls as usize - 1) % refusals.len()] {
                    budget.throttled();
                }
                let reading = history[(polls as usize - 1) % history.len()];
                estimator.observe(now, reading);
                let estimate = estimator.estimate(now);
                if let Some(e) = &estimate {
                    proptest::prop_assert!(e.end.as_secs_f64().is_finite());
                    if is_overdue(e, now) { overdue += 1 } else { overdue = 0 }
                }
                let situation = Situation {
                    now,
                    polls,
                    estimate,
                    overdue_polls: overdue,
                    deadline: Some(deadline),
                };
                let Some(plan) = next_gap(&policy, &backoff(), &situation) else {
                    proptest::prop_assert!(now >= deadline);
                    break;
                };
                // As the waiter does: the budget's wait on top, cut at the deadline.
                let gap = plan.gap.max(budget.wait(now)).min(deadline - now);
                let plan = Plan { gap, ..plan };
                let next = now + plan.gap;
                proptest::prop_assert!(next <= deadline, "{next:?} after {deadline:?}");
                proptest::prop_assert!(
                    plan.gap >= policy.min_gap || next == deadline,
                    "{plan:?} under {:?}", policy.min_gap
                );
                proptest::prop_assert!(next > now, "not monotone: {plan:?} at {now:?}");
                now = next;
                polls += 1;
                proptest::prop_assert!(f64::from(polls) <= bound, "{polls} polls");
            }
        }
    }
}
