//! [`DurationHints`]: how long past jobs of a kind took, as the prior of a job that reports no
//! progress. Optional (a [`WaitPolicy`](crate::wait::WaitPolicy) uses none unless given one),
//! in memory, shareable, and saved or loaded as JSON (the command line keeps it in its cache
//! directory).
//!
//! Simple statistics, nothing trained: the last [`KEPT`] durations of each service and job
//! type; the prior's end is their median, its spread from their 10 % and 90 % quantiles.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::schedule::Estimate;

/// How many recent durations are kept per service and job type.
pub const KEPT: usize = 32;
/// How many durations are needed before a prior is given.
pub const MIN_SAMPLES: usize = 3;
/// The largest hints file [`DurationHints::load`] reads.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Recent job durations by service and job type. Cheap to clone; clones share the store.
#[derive(Clone, Default)]
pub struct DurationHints {
    inner: Arc<Mutex<Store>>,
}

/// What is saved: `{"version": 1, "durations": {"ims/createImage": [61.2, ...]}}` (seconds).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Store {
    version: u32,
    durations: BTreeMap<String, VecDeque<f64>>,
}

impl std::fmt::Debug for DurationHints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurationHints")
            .field("kinds", &self.lock().durations.len())
            .finish()
    }
}

fn key(service: &str, job_type: &str) -> String {
    format!("{service}/{job_type}")
}

impl DurationHints {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that a job of `service` and `job_type` took `duration` (from the first poll to
    /// the poll that saw it end). Keeps the last [`KEPT`].
    pub fn record(&self, service: &str, job_type: &str, duration: Duration) {
        let secs = duration.as_secs_f64();
        if !secs.is_finite() {
            return;
        }
        let mut store = self.lock();
        let kept = store.durations.entry(key(service, job_type)).or_default();
        kept.push_back(secs);
        while kept.len() > KEPT {
            kept.pop_front();
        }
    }

    /// The `q` quantile (0 to 1) of the recent durations, once [`MIN_SAMPLES`] are known.
    pub fn quantile(&self, service: &str, job_type: &str, q: f64) -> Option<Duration> {
        let store = self.lock();
        let kept = store.durations.get(&key(service, job_type))?;
        quantile(kept.iter().copied(), q).map(Duration::from_secs_f64)
    }

    /// The prior of a job that reports no progress: the median of the recent durations, with a
    /// spread from the 10 % and 90 % quantiles.
    pub fn prior(&self, service: &str, job_type: &str) -> Option<Estimate> {
        let q = |p| self.quantile(service, job_type, p);
        let (low, mid, high) = (q(0.1)?, q(0.5)?, q(0.9)?);
        Some(Estimate {
            end: mid,
            spread: (high - low).div_f64(2.56).max(Duration::from_secs(1)),
            progress: None,
        })
    }

    /// The store as JSON.
    pub fn to_json(&self) -> String {
        let mut store = self.lock().clone();
        store.version = 1;
        serde_json::to_string(&store).unwrap_or_default()
    }

    /// A store from JSON written by [`DurationHints::to_json`]; values that are not finite
    /// non-negative numbers are dropped, at most [`KEPT`] kept per kind.
    ///
    /// # Errors
    ///
    /// When the text is not such JSON.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let mut store: Store = serde_json::from_str(text)?;
        for kept in store.durations.values_mut() {
            kept.retain(|s| s.is_finite() && *s >= 0.0);
            while kept.len() > KEPT {
                kept.pop_front();
            }
        }
        Ok(Self {
            inner: Arc::new(Mutex::new(store)),
        })
    }

    /// Loads a store saved by [`DurationHints::save`]; an absent file is an empty store.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, is larger than 1 MiB, or is not a saved store.
    pub fn load(path: &Path) -> io::Result<Self> {
        // Not followed through a symlink, and only a regular file: a FIFO or a device
        // planted under the name would otherwise hang or flood the read.
        let not_regular = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the duration hints file is not a regular file (a symlink, say): not read",
            )
        };
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::new()),
            Err(e) => return Err(e),
            Ok(meta) if !meta.file_type().is_file() => return Err(not_regular()),
            Ok(_) => {}
        }
        let file = std::fs::File::open(path)?;
        if !file.metadata()?.is_file() {
            return Err(not_regular());
        }
        let mut text = String::new();
        io::Read::read_to_string(&mut io::Read::take(file, MAX_FILE_BYTES + 1), &mut text)?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the duration hints file is larger than 1 MiB",
            ));
        }
        Self::from_json(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// Saves the store to `path` (readable by its owner only on unix), replacing it at once:
    /// written beside it, then renamed.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let _ = std::fs::remove_file(&tmp);
        let written = options.open(&tmp).and_then(|mut file| {
            io::Write::write_all(&mut file, self.to_json().as_bytes())?;
            file.sync_all()
        });
        match written.and_then(|()| std::fs::rename(&tmp, path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// The `q` quantile of `values` (linear between order statistics), once [`MIN_SAMPLES`].
fn quantile(values: impl Iterator<Item = f64>, q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    if sorted.len() < MIN_SAMPLES {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let at = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_priors_and_json() {
        let hints = DurationHints::new();
        assert!(hints.prior("ims", "create").is_none());
        for secs in [100, 110, 120, 130, 140] {
            hints.record("ims", "create", Duration::from_secs(secs));
        }
        assert_eq!(
            hints.quantile("ims", "create", 0.5),
            Some(Duration::from_secs(120))
        );
        let prior = hints.prior("ims", "create").unwrap();
        assert_eq!(prior.end, Duration::from_secs(120));
        assert!(prior.spread > Duration::from_secs(10), "{prior:?}");
        assert!(hints.prior("ims", "other").is_none());
        let copy = DurationHints::from_json(&hints.to_json()).unwrap();
        assert_eq!(copy.prior("ims", "create"), Some(prior));
        for _ in 0..100 {
            hints.record("ims", "create", Duration::from_secs(1));
        }
        assert_eq!(
            hints.quantile("ims", "create", 1.0),
            Some(Duration::from_secs(1))
        );
        let bad = DurationHints::from_json(r#"{"version":1,"durations":{"a/b":[-1,1,2,3]}}"#);
        assert_eq!(
            bad.unwrap().quantile("a", "b", 0.0),
            Some(Duration::from_secs(1))
        );
        assert!(DurationHints::from_json("[").is_err());
    }

    #[test]
    fn saved_and_loaded() {
        let dir = std::env::temp_dir().join(format!("cloudjobs-hints-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("durations.json");
        assert!(
            DurationHints::load(&path)
                .unwrap()
                .prior("a", "b")
                .is_none()
        );
        let hints = DurationHints::new();
        for secs in [5, 6, 7] {
            hints.record("a", "b", Duration::from_secs(secs));
        }
        hints.save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = DurationHints::load(&path).unwrap();
        assert_eq!(loaded.quantile("a", "b", 0.5), Some(Duration::from_secs(6)));
        // A planted symlink (to a FIFO, a device, another user's file) is not followed, and
        // a file past the limit is refused.
        #[cfg(unix)]
        {
            let link = dir.join("link.json");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            let e = DurationHints::load(&link).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            let fifo = dir.join("fifo.json");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let e = DurationHints::load(&fifo).unwrap_err();
                assert!(e.to_string().contains("not a regular file"), "{e}");
            }
        }
        let big = dir.join("big.json");
        std::fs::write(&big, vec![b' '; (MAX_FILE_BYTES + 10) as usize]).unwrap();
        assert!(DurationHints::load(&big).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
