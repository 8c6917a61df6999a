//! A request target to a file under ROOT, or the status that refuses it.
//!
//! No target escapes ROOT: `..` segments (raw or percent-encoded) are
//! refused, an encoded `/`, `\` or NUL inside a segment is refused, and the
//! resolved path (symlinks followed) must still lie under ROOT.

use std::io;
use std::path::{Path, PathBuf};

use crate::response::Status;

/// The file a directory is served by.
const INDEX: &str = "index.html";

/// The served directory, canonical (absolute, symlinks resolved).
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    /// The root at `dir`, which must be a directory.
    ///
    /// # Errors
    ///
    /// `dir` does not exist, cannot be resolved, or is not a directory.
    pub fn new(dir: &Path) -> io::Result<Root> {
        let dir = dir.canonicalize()?;
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a directory",
            ));
        }
        Ok(Root { dir })
    }

    /// The canonical directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The regular file `target` names under the root (a directory names
    /// its `index.html`), canonical.
    ///
    /// # Errors
    ///
    /// 400 for bad percent-encoding, 403 for a target that tries to leave
    /// the root or names something that is not a regular file, 404 when
    /// nothing is there.
    pub fn resolve(&self, target: &str) -> Result<PathBuf, Status> {
        let path = target.split(['?', '#']).next().unwrap_or_default();
        let mut candidate = self.dir.clone();
        for raw in path.split('/') {
            let segment = percent_decode(raw).ok_or(Status::BadRequest)?;
            if segment.iter().any(|&b| b == b'/' || b == b'\\' || b == 0) {
                return Err(Status::Forbidden);
            }
            match &segment[..] {
                b"" | b"." => {}
                b".." => return Err(Status::Forbidden),
                _ => candidate.push(String::from_utf8(segment).map_err(|_| Status::NotFound)?),
            }
        }
        let found = self.inside(&candidate)?;
        let found = if found.is_dir() {
            self.inside(&found.join(INDEX))?
        } else {
            found
        };
        if !found.is_file() {
            return Err(Status::Forbidden);
        }
        Ok(found)
    }

    /// `path` with symlinks resolved, if that lies under the root.
    fn inside(&self, path: &Path) -> Result<PathBuf, Status> {
        let resolved = path.canonicalize().map_err(|err| match err.kind() {
            io::ErrorKind::PermissionDenied => Status::Forbidden,
            _ => Status::NotFound,
        })?;
        if resolved.starts_with(&self.dir) {
            Ok(resolved)
        } else {
            Err(Status::Forbidden)
        }
    }
}

/// Decodes `%XX` escapes; `None` for a `%` without two hex digits.
fn percent_decode(raw: &str) -> Option<Vec<u8>> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(
                u8::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| !hex.starts_with('+'))?,
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("tiny-path-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn decodes_escapes_and_refuses_broken_ones() {
        assert_eq!(percent_decode("a%20b%2F").unwrap(), b"a b/");
        assert_eq!(percent_decode("%2e%2E").unwrap(), b"..");
        assert!(percent_decode("%").is_none());
        assert!(percent_decode("%4").is_none());
        assert!(percent_decode("%zz").is_none());
        assert!(percent_decode("%+1").is_none());
    }

    #[test]
    fn serves_files_and_refuses_escapes() {
        let tmp = TempDir::new("escapes");
        let www = tmp.0.join("www");
        fs::create_dir_all(www.join("sub")).unwrap();
        fs::write(www.join("index.html"), "home").unwrap();
        fs::write(www.join("sub/a b.txt"), "a").unwrap();
        fs::write(tmp.0.join("secret"), "s").unwrap();
        let root = Root::new(&www).unwrap();
        let dir = root.dir().to_path_buf();
        assert_eq!(root.resolve("/"), Ok(dir.join("index.html")));
        assert_eq!(
            root.resolve("/sub/a%20b.txt?x=1"),
            Ok(dir.join("sub/a b.txt"))
        );
        assert_eq!(
            root.resolve("//sub/./a%20b.txt"),
            Ok(dir.join("sub/a b.txt"))
        );
        assert_eq!(root.resolve("/sub"), Err(Status::NotFound)); // no index.html
        assert_eq!(root.resolve("/missing"), Err(Status::NotFound));
        for escape in [
            "/../secret",
            "/sub/../../secret",
            "/%2e%2e/secret",
            "/%2E%2e%2fsecret",
            "/..%2fsecret",
            "/sub%2f..%2f..%2fsecret",
            "/..%5csecret",
            "/index.html%00.txt",
        ] {
            assert_eq!(root.resolve(escape), Err(Status::Forbidden), "{escape}");
        }
        // An absolute path is taken as relative to the root.
        assert_eq!(
            root.resolve(&format!("/{}", tmp.0.join("secret").display())),
            Err(Status::NotFound)
        );
        assert_eq!(root.resolve("/%zz"), Err(Status::BadRequest));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_refused() {
        let tmp = TempDir::new("symlinks");
        let www = tmp.0.join("www");
        fs::create_dir_all(www.join("inner")).unwrap();
        fs::write(tmp.0.join("secret"), "s").unwrap();
        fs::write(www.join("inner/ok.txt"), "ok").unwrap();
        std::os::unix::fs::symlink(tmp.0.join("secret"), www.join("leak")).unwrap();
        std::os::unix::fs::symlink(&tmp.0, www.join("up")).unwrap();
        std::os::unix::fs::symlink(www.join("inner/ok.txt"), www.join("fine")).unwrap();
        let root = Root::new(&www).unwrap();
        assert_eq!(root.resolve("/leak"), Err(Status::Forbidden));
        assert_eq!(root.resolve("/up/secret"), Err(Status::Forbidden));
        assert_eq!(root.resolve("/fine"), Ok(root.dir().join("inner/ok.txt")));
    }
}
