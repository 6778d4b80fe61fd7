//! IAM password tokens cached on disk, so a script that runs `cloudjobs get` every minute
//! asks IAM once a day, not once a minute.
//!
//! - One file per credential and scope: `<dir>/<key>.json`, where the key is
//!   [`PasswordAuth::cache_key`] (IAM URL, account, user, project, keyed by the password and
//!   a random salt kept in `<dir>/salt`): other credentials never see the token, and a file
//!   name is no password verifier.
//! - The directory must be the user's own and private (`0700`; created so, or left alone
//!   and not used when someone else owns it or may write to it). Each file is written
//!   `0600` to a new, randomly named temporary file and renamed over the old one, so a
//!   reader sees a whole file or none; a file that is not private is not read.
//! - A lock file per key serializes the runs that need a new token: the first asks IAM, the
//!   others wait (polling, so Ctrl-C and `--timeout` still work; at most [`LOCK_WAIT`]) and
//!   read its token.
//! - An unreadable, corrupt or expired entry is a miss (and overwritten); a token refused
//!   with `401` in this run is not read back, and its entry is removed.

use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloudjobs::runtime::{BoxFuture, Connection, Error, PasswordAuth, Secret, Token, TokenSource};
use serde::{Deserialize, Serialize};

use super::settings::Env;

/// A cached token is used until this long before it expires.
const MARGIN: Duration = Duration::from_secs(300);

/// How long a run waits for another run's IAM request before asking IAM itself.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// The length of the salt in `<dir>/salt`.
const SALT_LEN: usize = 32;

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
    /// The tokens this run handed out (read or fetched): asked again means refused or
    /// expiring, so none of them is read back.
    served: Mutex<Vec<Secret>>,
}

impl DiskCached {
    /// Tokens of `inner`, cached in `dir`.
    pub fn new(inner: PasswordAuth, dir: PathBuf) -> Self {
        Self {
            inner,
            dir,
            served: Mutex::new(Vec::new()),
        }
    }

    async fn token(&self, connection: &Connection) -> Result<Token, Error> {
        let key = match private_dir(&self.dir).and_then(|()| salt(&self.dir)) {
            Ok(salt) => self.inner.cache_key(connection, &salt),
            Err(why) => {
                tracing::warn!(dir = %self.dir.display(), %why, "token cache not used");
                None
            }
        };
        let Some(key) = key else {
            return self.inner.fetch(connection).await;
        };
        let file = self.dir.join(format!("{key}.json"));
        if let Some(token) = self.read(&file) {
            return Ok(token);
        }
        // Another run may be asking IAM right now: wait for it, then look again.
        let _lock = lock(&self.dir.join(format!("{key}.lock"))).await;
        if let Some(token) = self.read(&file) {
            return Ok(token);
        }
        let token = self.inner.fetch(connection).await?;
        if let Err(e) = write(&self.dir, &file, &token) {
            tracing::debug!(error = %e, "token not cached");
        }
        self.lock_served().push(token.value().clone());
        Ok(token)
    }

    fn lock_served(&self) -> std::sync::MutexGuard<'_, Vec<Secret>> {
        self.served.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A valid, private entry that this run has not handed out before.
    fn read(&self, file: &Path) -> Option<Token> {
        let bytes = read_private(file)?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        let expires = UNIX_EPOCH.checked_add(Duration::from_secs(entry.expires_at))?;
        let left = expires.duration_since(SystemTime::now()).ok()?;
        if left <= MARGIN || entry.token.is_empty() {
            return None;
        }
        let token = Secret::new(entry.token);
        let mut served = self.lock_served();
        if served.contains(&token) {
            // Handed out already, and asked again: it was refused. Nobody should read it.
            let _ = fs::remove_file(file);
            return None;
        }
        served.push(token.clone());
        let token = Token::new(token, Some(expires));
        Some(match entry.project_id {
            Some(id) => token.for_project(id),
            None => token,
        })
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

/// Takes the lock file, polling so that the task can be cancelled; `None` (go on without
/// it) when it cannot be opened or is held longer than [`LOCK_WAIT`].
async fn lock(path: &Path) -> Option<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .ok()?;
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Some(file),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(_) => return None,
        }
    }
}

/// The cache's salt: random bytes in `<dir>/salt`, made on first use.
fn salt(dir: &Path) -> Result<Vec<u8>, String> {
    let path = dir.join("salt");
    if let Some(bytes) = read_private(&path) {
        if bytes.len() == SALT_LEN {
            return Ok(bytes);
        }
        return Err(format!("{} is not a salt", path.display()));
    }
    let mut bytes = vec![0u8; SALT_LEN];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| "no random numbers".to_owned())?;
    write_new_private(dir, &path, &bytes).map_err(|e| e.to_string())?;
    // Another run may have written its salt first: use whatever is there now.
    match read_private(&path) {
        Some(stored) if stored.len() == SALT_LEN => Ok(stored),
        _ => Err(format!("{} cannot be read back", path.display())),
    }
}

/// Writes `token` to `file` atomically, readable by its owner only.
fn write(dir: &Path, file: &Path, token: &Token) -> std::io::Result<()> {
    let now = SystemTime::now();
    let Some(expires) = token
        .expires_at()
        .or_else(|| token.lifetime().and_then(|l| now.checked_add(l)))
    else {
        // No expiry known: not cached across runs.
        return Ok(());
    };
    let entry = Entry {
        token: token.value().expose().to_owned(),
        expires_at: expires
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        project_id: token.project_id().map(str::to_owned),
    };
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(&entry).map_err(std::io::Error::other)?);
    drop(zeroize::Zeroizing::new(entry.token));
    write_new_private(dir, file, &bytes)
}

/// Writes `bytes` to a new, randomly named `0600` file in `dir` and renames it to `path`.
fn write_new_private(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = [0u8; 12];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut name)
        .map_err(|_| std::io::Error::other("no random numbers"))?;
    let temporary = dir.join(format!(
        ".tmp-{}",
        name.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ));
    let written = create_private(&temporary)
        .and_then(|mut out| out.write_all(bytes).and_then(|()| out.sync_all()))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(unix)]
mod private {
    //! Files and directories only their owner may read or change.

    use std::fs::{self, File, OpenOptions};
    use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
    use std::path::Path;

    /// A new file (never an existing one, nor through a link), `0600`.
    pub fn create(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
    }

    /// Creates `dir` (`0700`) or checks that it is ours and closed to others.
    pub fn dir(dir: &Path) -> Result<(), String> {
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| format!("cannot be created: {e}"))?;
        }
        let meta = fs::symlink_metadata(dir).map_err(|e| e.to_string())?;
        if !meta.is_dir() {
            return Err("is not a directory".into());
        }
        if meta.mode() & 0o077 != 0 {
            return Err("is open to other users (it must be 0700)".into());
        }
        if Some(meta.uid()) != own_uid(dir) {
            return Err("belongs to another user".into());
        }
        Ok(())
    }

    /// Whether a file is a regular file of the directory's owner, closed to others.
    pub fn is_private_file(meta: &fs::Metadata, dir_uid: Option<u32>) -> bool {
        meta.is_file() && meta.mode() & 0o077 == 0 && Some(meta.uid()) == dir_uid
    }

    /// This process's user, as the owner of a file it creates in `dir`.
    pub fn own_uid(dir: &Path) -> Option<u32> {
        let probe = dir.join(format!(".probe-{}", std::process::id()));
        let _ = fs::remove_file(&probe);
        let file = create(&probe).ok()?;
        let uid = file.metadata().ok().map(|m| m.uid());
        let _ = fs::remove_file(&probe);
        uid
    }

    pub fn dir_uid(dir: &Path) -> Option<u32> {
        fs::symlink_metadata(dir).ok().map(|m| m.uid())
    }
}

#[cfg(not(unix))]
mod private {
    //! Elsewhere the user's cache directory is trusted as it is.

    use std::fs::{self, File, OpenOptions};
    use std::path::Path;

    pub fn create(path: &Path) -> std::io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    pub fn dir(dir: &Path) -> Result<(), String> {
        fs::create_dir_all(dir).map_err(|e| e.to_string())
    }

    pub fn is_private_file(meta: &fs::Metadata, _: Option<u32>) -> bool {
        meta.is_file()
    }

    pub fn dir_uid(_: &Path) -> Option<u32> {
        None
    }
}

use private::{create as create_private, dir as private_dir};

/// The contents of a private file of the cache directory (see [`private::is_private_file`]).
fn read_private(path: &Path) -> Option<Vec<u8>> {
    let dir = path.parent()?;
    let mut file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !private::is_private_file(&meta, private::dir_uid(dir)) {
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}
