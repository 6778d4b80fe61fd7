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
//!   reader sees a whole file or none. Every file is opened without following a symbolic
//!   link and without waiting (a FIFO would hang the run), and used only when it then is a
//!   regular file of the user's, closed to others (`0600`); else the cache goes on without
//!   it, and `-v` says why.
//! - A lock file per key serializes the runs that need a new token: the first asks IAM, the
//!   others wait (polling, so Ctrl-C and `--timeout` still work; at most [`LOCK_WAIT`]) and
//!   read its token.
//! - An unreadable, corrupt or expired entry is a miss (and overwritten); a token refused
//!   with `401` in this run is not read back, and its entry is removed.

use std::fs::{self, File};
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

/// Creates the cache directory (`0700`) or checks that it is the user's and closed to
/// others; why not, when it is not.
pub fn private_directory(dir: &Path) -> Result<(), String> {
    private_dir(dir).map(|_| ())
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
        let cache = private_dir(&self.dir)
            .and_then(|owner| salt(&self.dir, owner).map(|salt| (owner, salt)));
        let (owner, key) = match cache {
            Ok((owner, salt)) => (owner, self.inner.cache_key(connection, &salt)),
            Err(why) => {
                tracing::warn!(dir = %self.dir.display(), %why, "token cache not used");
                tracing::info!("fetching a token from IAM (not cached on disk)");
                return self.inner.fetch(connection).await;
            }
        };
        let Some(key) = key else {
            tracing::info!("fetching a token from IAM (not cached on disk)");
            return self.inner.fetch(connection).await;
        };
        let file = self.dir.join(format!("{key}.json"));
        if let Some(token) = self.read(&file, owner) {
            tracing::info!(file = %file.display(), "token read from the disk cache");
            return Ok(token);
        }
        // Another run may be asking IAM right now: wait for it, then look again.
        let _lock = lock(&self.dir.join(format!("{key}.lock")), owner).await;
        if let Some(token) = self.read(&file, owner) {
            tracing::info!(
                file = %file.display(),
                "token read from the disk cache (written by another run)"
            );
            return Ok(token);
        }
        tracing::info!("no token in the disk cache: fetching one from IAM");
        let token = self.inner.fetch(connection).await?;
        tracing::info!(file = %file.display(), "token fetched from IAM and cached on disk");
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
    fn read(&self, file: &Path, owner: Owner) -> Option<Token> {
        let bytes = read_private(file, owner).unwrap_or_else(|why| {
            // Not read, and replaced (by a rename, which follows no link) once a token is
            // fetched.
            tracing::warn!(file = %file.display(), %why, "token cache entry not used");
            None
        })?;
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

    /// Tokens may come from the disk: this source says itself whether it read or fetched.
    fn keeps_its_own(&self) -> bool {
        true
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

/// Takes the lock file (made `0600`), polling so that the task can be cancelled; `None` (go
/// on without it) when it cannot be opened, is no private file of the user's or is held
/// longer than [`LOCK_WAIT`].
async fn lock(path: &Path, owner: Owner) -> Option<File> {
    let file = private::open_lock(path, owner)
        .map_err(|why| tracing::warn!(file = %path.display(), %why, "token cache lock not used"))
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

/// The cache's salt: random bytes in `<dir>/salt`, made on first use; an error when the file
/// is there but is not a private file of the user's.
fn salt(dir: &Path, owner: Owner) -> Result<Vec<u8>, String> {
    let path = dir.join("salt");
    let stored = read_private(&path, owner).map_err(|why| format!("{}: {why}", path.display()))?;
    if let Some(bytes) = stored {
        if bytes.len() == SALT_LEN {
            return Ok(bytes);
        }
        return Err(format!("{} is not a salt", path.display()));
    }
    let mut bytes = vec![0u8; SALT_LEN];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| "no random numbers".to_owned())?;
    publish_private(dir, &path, &bytes).map_err(|e| e.to_string())?;
    // Another run may have published its salt first: then that one is used by all.
    match read_private(&path, owner) {
        Ok(Some(stored)) if stored.len() == SALT_LEN => Ok(stored),
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
    let temporary = dir.join(format!(".tmp-{}", random_name()?));
    let written = create_private(&temporary)
        .and_then(|mut out| out.write_all(bytes).and_then(|()| out.sync_all()))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Writes `bytes` to `path` unless it exists: a private temporary file, then linked to
/// `path`, which fails when another run got there first (`rename` would replace its file,
/// and two first runs at once would then use two salts). Either way one file is left.
fn publish_private(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".tmp-{}", random_name()?));
    let written = create_private(&temporary)
        .and_then(|mut out| out.write_all(bytes).and_then(|()| out.sync_all()))
        .and_then(|()| match fs::hard_link(&temporary, path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        });
    let _ = fs::remove_file(&temporary);
    written
}

/// 24 random hexadecimal digits, for temporary file names.
fn random_name() -> std::io::Result<String> {
    let mut name = [0u8; 12];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut name)
        .map_err(|_| std::io::Error::other("no random numbers"))?;
    Ok(name.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(unix)]
mod private {
    //! Files and directories only their owner may read or change.

    use std::fs::{self, File, OpenOptions};
    use std::os::unix::fs::{
        DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _,
    };
    use std::path::Path;

    /// The user who owns the cache: this process's, as the owner of a file it creates.
    pub type Owner = u32;

    /// Flags for every open of a file of the cache: no symbolic link is followed (a planted
    /// one would point the cache at any file of the user's), and no open waits (a FIFO
    /// would hang the run until someone writes to it). What is opened is then checked with
    /// `fstat` ([`check`]), so nothing can be swapped in between.
    const FLAGS: i32 = libc::O_NOFOLLOW | libc::O_NONBLOCK;

    /// A new file (never an existing one, nor through a link), `0600`.
    pub fn create(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(FLAGS)
            .open(path)
    }

    /// An existing private file of `owner`'s, for reading; `Ok(None)` when there is none.
    pub fn open(path: &Path, owner: Owner) -> Result<Option<File>, String> {
        match OpenOptions::new().read(true).custom_flags(FLAGS).open(path) {
            Ok(file) => check(&file, owner).map(|()| Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(open_error(&e)),
        }
    }

    /// The lock file, made `0600` when there is none (one left `0644` by an older version is
    /// made `0600` when it is the user's own regular file).
    pub fn open_lock(path: &Path, owner: Owner) -> Result<File, String> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(FLAGS)
            .open(path)
            .map_err(|e| open_error(&e))?;
        let meta = file.metadata().map_err(|e| e.to_string())?;
        if meta.is_file() && meta.uid() == owner && meta.mode() & 0o077 != 0 {
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("cannot be made private: {e}"))?;
        }
        check(&file, owner)?;
        Ok(file)
    }

    /// Why an open failed, in words.
    fn open_error(e: &std::io::Error) -> String {
        match e.raw_os_error() {
            // O_NOFOLLOW on a link.
            Some(libc::ELOOP) => "is a symbolic link".into(),
            // O_NONBLOCK, for writing, on a FIFO nobody reads.
            Some(libc::ENXIO) => "is not a regular file".into(),
            _ => e.to_string(),
        }
    }

    /// Checks an open file (`fstat`): a regular file of `owner`'s, closed to others.
    fn check(file: &File, owner: Owner) -> Result<(), String> {
        let meta = file.metadata().map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err("is not a regular file".into());
        }
        if meta.uid() != owner {
            return Err("belongs to another user".into());
        }
        if meta.mode() & 0o077 != 0 {
            return Err("is open to other users (it must be 0600)".into());
        }
        Ok(())
    }

    /// Creates `dir` (`0700`) or checks that it is ours and closed to others; the user.
    pub fn dir(dir: &Path) -> Result<Owner, String> {
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
        match own_uid(dir) {
            Some(uid) if uid == meta.uid() => Ok(uid),
            _ => Err("belongs to another user".into()),
        }
    }

    /// This process's user, as the owner of a file it creates in `dir`.
    fn own_uid(dir: &Path) -> Option<u32> {
        let probe = dir.join(format!(".probe-{}", std::process::id()));
        let _ = fs::remove_file(&probe);
        let file = create(&probe).ok()?;
        let uid = file.metadata().ok().map(|m| m.uid());
        let _ = fs::remove_file(&probe);
        uid
    }
}

#[cfg(not(unix))]
mod private {
    //! Elsewhere the user's cache directory is trusted as it is.

    use std::fs::{self, File, OpenOptions};
    use std::path::Path;

    /// No owner is checked.
    pub type Owner = ();

    pub fn create(path: &Path) -> std::io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    pub fn open(path: &Path, (): Owner) -> Result<Option<File>, String> {
        match File::open(path) {
            Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => Ok(Some(file)),
            Ok(_) => Err("is not a regular file".into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn open_lock(path: &Path, (): Owner) -> Result<File, String> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| e.to_string())
    }

    pub fn dir(dir: &Path) -> Result<Owner, String> {
        fs::create_dir_all(dir).map_err(|e| e.to_string())
    }
}

use private::{Owner, create as create_private, dir as private_dir};

/// The contents of a private file of the cache directory (see [`private::open`]):
/// `Ok(None)` when there is none, an error saying why when it is not private.
fn read_private(path: &Path, owner: Owner) -> Result<Option<Vec<u8>>, String> {
    let Some(mut file) = private::open(path, owner)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok(Some(bytes))
}
