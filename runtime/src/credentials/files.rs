//! Reading the chain's local files (`clouds.yaml`, `secure.yaml`, the Huawei Cloud credentials
//! file) within limits: regular files only (a FIFO or a device named by
//! `OS_CLIENT_CONFIG_FILE` must not hang the run or fill memory), at most
//! [`MAX_FILE_BYTES`], UTF-8.

use std::io::Read as _;
use std::path::Path;

use super::CredentialError;

/// The largest file read (a `clouds.yaml` of many clouds is a few kilobytes).
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The text of `file`, or an error naming it.
pub(crate) fn read_text(file: &Path) -> Result<String, CredentialError> {
    let error = |message: String| CredentialError::new(Some(file), None, message);
    let not_regular = || {
        error(
            "is not a regular file (a directory, FIFO or device is not read as a configuration \
             file)"
                .to_owned(),
        )
    };
    // Checked before opening: opening a FIFO for reading blocks until a writer comes.
    let before = std::fs::metadata(file).map_err(|e| error(format!("cannot be read: {e}")))?;
    if !before.is_file() {
        return Err(not_regular());
    }
    let opened = std::fs::File::open(file).map_err(|e| error(format!("cannot be read: {e}")))?;
    // And again on what was opened, in case the file was replaced in between.
    let after = opened
        .metadata()
        .map_err(|e| error(format!("cannot be read: {e}")))?;
    if !after.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    opened
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(error(format!(
            "is larger than {} MiB, which no configuration file needs: not read",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        error(format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_large_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("cloudjobs-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = read_text(&dir).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let big = dir.join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let e = read_text(&big).unwrap_err();
        assert!(e.to_string().contains("larger than 1 MiB"), "{e}");
        assert_eq!(e.file.as_deref(), Some(big.as_path()));
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize]).unwrap();
        assert_eq!(read_text(&big).unwrap().len(), MAX_FILE_BYTES as usize);
        std::fs::write(&big, b"a: \xff").unwrap();
        let e = read_text(&big).unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
