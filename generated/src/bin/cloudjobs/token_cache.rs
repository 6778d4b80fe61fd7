//! IAM password tokens cached on disk, so a script that runs `cloudjobs get` every minute
//! asks IAM once a day, not once a minute.
//!
//! - One file per credential and scope: `<dir>/<key>.json`, where the key is
//!   [`PasswordAuth::cache_key`] (IAM URL, account, user, project, keyed by the password:
//!   other credentials never see the token).
//! - The directory is created `0700`, each file written `0600` to a temporary file and
//!   renamed over the old one, so a reader sees a whole file or none.
//! - A lock file per key serializes the runs that need a new token: the first asks IAM, the
//!   others wait and read its token.
//! - An unreadable, corrupt or expired entry is a miss (and overwritten); a token refused
//!   with `401` in this run is not read back from disk.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloudjobs::runtime::{BoxFuture, Connection, Error, PasswordAuth, Secret, Token, TokenSource};
use serde::{Deserialize, Serialize};

use super::settings::Env;

/// A cached token is used until this long before it expires.
const MARGIN: Duration = Duration::from_secs(300);

/// The cache directory: `CLOUDJOBS_CACHE_DIR`, else `$XDG_CACHE_HOME/cloudjobs`, else
/// `~/.cache/cloudjobs`; `None` when none can be named.
pub fn directory(env: &dyn Env) -> Option<PathBuf> {
    if let Some(dir) = env.get("CLOUDJOBS_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = env.get("XDG_CACHE_HOME") {
        return Some(Path::new(&dir).join("cloudjobs"));
    }
    env.get("HOME")
        .map(|home| Path::new(&home).join(".cache").join("cloudjobs"))
}

/// A [`PasswordAuth`] whose tokens are kept in `dir` across runs.
#[derive(Debug)]
pub struct DiskCached {
    inner: PasswordAuth,
    dir: PathBuf,
    /// The token this run last handed out (read from disk or fetched), so that a `401` for
    /// it fetches a new one instead of reading it back.
    served: Mutex<Option<Secret>>,
}

impl DiskCached {
    /// Tokens of `inner`, cached in `dir`.
    pub fn new(inner: PasswordAuth, dir: PathBuf) -> Self {
        Self {
            inner,
            dir,
            served: Mutex::new(None),
        }
    }

    async fn token(&self, connection: &Connection) -> Result<Token, Error> {
        let Some(key) = self.inner.cache_key(connection) else {
            return self.inner.fetch(connection).await;
        };
        let file = self.dir.join(format!("{key}.json"));
        if let Some(token) = self.read(&file) {
            return Ok(token);
        }
        // Another run may be asking IAM right now: wait for it, then look again.
        // Without a lock (an unwritable directory), the token is still fetched.
        let _lock = self.lock(&key).ok();
        if let Some(token) = self.read(&file) {
            return Ok(token);
        }
        let token = self.inner.fetch(connection).await?;
        let _ = write(&file, &token);
        // Asked again in this run means refused: never read this one back from disk.
        *self.served.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.value().clone());
        Ok(token)
    }

    /// A valid entry that this run has not seen refused.
    fn read(&self, file: &Path) -> Option<Token> {
        let entry: Entry = serde_json::from_slice(&fs::read(file).ok()?).ok()?;
        let expires = UNIX_EPOCH.checked_add(Duration::from_secs(entry.expires_at))?;
        let left = expires.duration_since(SystemTime::now()).ok()?;
        if left <= MARGIN || entry.token.is_empty() {
            return None;
        }
        let token = Secret::new(entry.token);
        let mut served = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        if served.as_ref() == Some(&token) {
            // Read once already, and asked again: it was refused.
            return None;
        }
        *served = Some(token.clone());
        let token = Token::new(token, Some(expires));
        Some(match entry.project_id {
            Some(id) => token.for_project(id),
            None => token,
        })
    }

    fn lock(&self, key: &str) -> std::io::Result<File> {
        create_private_dir(&self.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(format!("{key}.lock")))?;
        file.lock()?;
        Ok(file)
    }
}

impl TokenSource for DiskCached {
    fn fetch<'a>(&'a self, connection: &'a Connection) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(self.token(connection))
    }
}

/// One cached token.
#[derive(Serialize, Deserialize)]
struct Entry {
    token: String,
    /// Unix seconds.
    expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project_id: Option<String>,
}

/// Writes `token` to `file` atomically, readable by its owner only.
fn write(file: &Path, token: &Token) -> std::io::Result<()> {
    let now = SystemTime::now();
    let Some(expires) = token
        .expires_at()
        .or_else(|| token.lifetime().and_then(|l| now.checked_add(l)))
    else {
        // No expiry known: not cached across runs.
        return Ok(());
    };
    let expires_at = expires
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let entry = Entry {
        token: token.value().expose().to_owned(),
        expires_at,
        project_id: token.project_id().map(str::to_owned),
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("token"),
        std::process::id()
    ));
    let mut out = private_file(&temporary)?;
    let written = serde_json::to_vec(&entry)
        .map_err(std::io::Error::other)
        .and_then(|bytes| out.write_all(&bytes))
        .and_then(|()| out.sync_all())
        .and_then(|()| fs::rename(&temporary, file));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}
