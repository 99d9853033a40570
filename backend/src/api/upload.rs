//! The one upload reader: the `file` part of a `multipart/form-data` body, streamed to a file in the
//! server's upload directory (`APP_UPLOAD_DIR`, default `data/uploads`), never held in memory.
//!
//! An upload's file is removed when the request is done with it. One left behind by a server that was
//! killed is removed when a server next starts ([`clean_leftovers`]): every upload holds an exclusive lock
//! on its file while it lives, so a leftover is told from an upload still in progress (of another server
//! sharing the directory) by whether its lock can be taken.
use crate::error::{AppError, ErrorCode};
use actix_web::{HttpMessage, HttpRequest, http::header, web};
use futures_util::StreamExt;
use std::{
    io::Write,
    path::{Path, PathBuf},
};

/// Upload files are named `upload-<random>.csv`; nothing else in the directory is touched.
const PREFIX: &str = "upload-";
const SUFFIX: &str = ".csv";
const WRITE_CHUNK: usize = 1 << 20;

/// How the refusals of every upload are documented.
pub const MALFORMED: &str = "The multipart body could not be read (`MALFORMED_MULTIPART`)";
pub const NOT_MULTIPART: &str = "Not `multipart/form-data` (`UNSUPPORTED_MEDIA_TYPE`)";

/// An upload on disk; its file goes when this does.
pub struct Received {
    file: tempfile::NamedTempFile,
    /// The name the user gave the file (control characters dropped, at most 200 characters).
    pub name: Option<String>,
}

impl Received {
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

fn too_large(limit: usize) -> AppError {
    AppError::request(
        413,
        ErrorCode::PayloadTooLarge,
        format!("the upload must be at most {limit} bytes"),
    )
}

fn malformed(e: actix_multipart::MultipartError) -> AppError {
    AppError::request(
        400,
        ErrorCode::MalformedMultipart,
        format!("the multipart body could not be read: {e}"),
    )
}

fn disk(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("storing the upload: {e}"))
}

async fn write_blocking(
    mut out: std::fs::File,
    mut buf: Vec<u8>,
) -> Result<(std::fs::File, Vec<u8>), AppError> {
    tokio::task::spawn_blocking(move || {
        out.write_all(&buf)?;
        buf.clear();
        Ok::<_, std::io::Error>((out, buf))
    })
    .await
    .map_err(disk)?
    .map_err(disk)
}

/// A new upload file in `dir`, locked for as long as it lives.
fn create(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    std::fs::create_dir_all(dir)?;
    let file = tempfile::Builder::new()
        .prefix(PREFIX)
        .suffix(SUFFIX)
        .tempfile_in(dir)?;
    file.as_file().try_lock().map_err(std::io::Error::other)?;
    Ok(file)
}

/// The `file` part of a small upload (a dictionary, a mapping list), read whole once on disk.
pub async fn read_small(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    dir: &Path,
) -> Result<Vec<u8>, AppError> {
    let received = receive(req, payload, limit, dir).await?;
    let path = received.path().to_owned();
    tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(disk)?
        .map_err(disk)
}

/// Streams the `file` part of a multipart body into `dir`; other parts are read and ignored. Not multipart
/// → 415; over `limit` bytes → 413 (from `Content-Length` at once, or as soon as the body passes it); an
/// unreadable body → 400; no `file` part → 422 `VALIDATION_FAILED` naming `file`.
pub async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    dir: &Path,
) -> Result<Received, AppError> {
    let is_multipart = matches!(req.mime_type(), Ok(Some(m))
        if m.type_() == "multipart" && m.subtype() == "form-data");
    if !is_multipart {
        return Err(AppError::request(
            415,
            ErrorCode::UnsupportedMediaType,
            "the body must be multipart/form-data with the CSV in a part named `file`",
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    let mut received = None;
    let mut total = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        if received.is_some() || field.name() != Some("file") {
            while let Some(chunk) = field.next().await {
                total += chunk.map_err(malformed)?.len();
                if total > limit {
                    return Err(too_large(limit));
                }
            }
            continue;
        }
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(|n| n.chars().filter(|c| !c.is_control()).take(200).collect());
        let dir = dir.to_owned();
        let file = tokio::task::spawn_blocking(move || create(&dir))
            .await
            .map_err(disk)?
            .map_err(disk)?;
        let mut out = file.as_file().try_clone().map_err(disk)?;
        let mut buf = Vec::with_capacity(WRITE_CHUNK);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            total += chunk.len();
            if total > limit {
                return Err(too_large(limit));
            }
            buf.extend_from_slice(&chunk);
            if buf.len() >= WRITE_CHUNK {
                (out, buf) = write_blocking(out, buf).await?;
            }
        }
        write_blocking(out, buf).await?;
        received = Some(Received { file, name });
    }
    received.ok_or_else(|| {
        AppError::invalid(
            "file",
            "is required: send the CSV as the multipart part named `file`",
        )
    })
}

/// Creates the upload directory and removes the uploads a stopped server left in it (those whose lock
/// nobody holds); answers how many it removed.
pub fn clean_leftovers(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        let ours = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX));
        if !ours || !path.is_file() {
            continue;
        }
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        // Held by a live upload (of this server or another sharing the directory): not a leftover.
        if file.try_lock().is_err() {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_go_and_live_uploads_and_other_files_stay() {
        let dir = tempfile::tempdir().expect("dir");
        let leftover = dir.path().join("upload-left.csv");
        std::fs::write(&leftover, "x").expect("write");
        let other = dir.path().join("notes.txt");
        std::fs::write(&other, "keep").expect("write");
        let live = create(dir.path()).expect("upload");
        assert_eq!(clean_leftovers(dir.path()).expect("clean"), 1);
        assert!(!leftover.exists());
        assert!(other.exists());
        assert!(live.path().exists());
        let path = live.path().to_owned();
        drop(live);
        assert!(!path.exists());
    }
}
