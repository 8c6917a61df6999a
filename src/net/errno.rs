//! The `errno` values rionet tells apart by number, named once per target.
//!
//! std maps many codes to an [`io::ErrorKind`](std::io::ErrorKind) and rionet
//! matches those by kind; this table holds the ones it must match by raw code.
//! The numbers differ between systems (`EPROTO` is 71 on Linux, 92 on FreeBSD
//! and DragonFly, 96 on NetBSD, 95 on OpenBSD, 100 on macOS), so each target
//! family gets its own table, taken from its `<errno.h>`. A name a system does
//! not have, and every name on a target not listed, is [`NONE`]: no error
//! carries it, so code matching it simply never matches there. `ENOMEM` and
//! `ENOBUFS` exist for the tests only: accept backs off on them as on any
//! code it does not know, and its tests check that by name.

/// A value no `errno` takes: the code of a name this target does not define.
pub(crate) const NONE: i32 = i32::MIN;

pub(crate) use table::*;

/// Linux and Android on every architecture but MIPS and SPARC, whose kernels
/// number errors differently (`asm-generic/errno-base.h`, `asm-generic/errno.h`).
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
))]
mod table {
    pub(crate) const EPERM: i32 = 1;
    pub(crate) const EBADF: i32 = 9;
    #[cfg(test)]
    pub(crate) const ENOMEM: i32 = 12;
    pub(crate) const EINVAL: i32 = 22;
    pub(crate) const ENFILE: i32 = 23;
    pub(crate) const EMFILE: i32 = 24;
    pub(crate) const ENOSR: i32 = 63;
    pub(crate) const ENONET: i32 = 64;
    pub(crate) const EPROTO: i32 = 71;
    pub(crate) const ENOTSOCK: i32 = 88;
    pub(crate) const ENOPROTOOPT: i32 = 92;
    pub(crate) const EPROTONOSUPPORT: i32 = 93;
    pub(crate) const ESOCKTNOSUPPORT: i32 = 94;
    pub(crate) const EOPNOTSUPP: i32 = 95;
    pub(crate) const EAFNOSUPPORT: i32 = 97;
    #[cfg(test)]
    pub(crate) const ENOBUFS: i32 = 105;
    pub(crate) const EHOSTDOWN: i32 = 112;
}

/// macOS, iOS and the other Apple systems (`sys/errno.h`).
#[cfg(target_vendor = "apple")]
mod table {
    pub(crate) use super::NONE as ENONET;
    pub(crate) const EPERM: i32 = 1;
    pub(crate) const EBADF: i32 = 9;
    #[cfg(test)]
    pub(crate) const ENOMEM: i32 = 12;
    pub(crate) const EINVAL: i32 = 22;
    pub(crate) const ENFILE: i32 = 23;
    pub(crate) const EMFILE: i32 = 24;
    pub(crate) const ENOTSOCK: i32 = 38;
    pub(crate) const ENOPROTOOPT: i32 = 42;
    pub(crate) const EPROTONOSUPPORT: i32 = 43;
    pub(crate) const ESOCKTNOSUPPORT: i32 = 44;
    pub(crate) const EAFNOSUPPORT: i32 = 47;
    #[cfg(test)]
    pub(crate) const ENOBUFS: i32 = 55;
    pub(crate) const EHOSTDOWN: i32 = 64;
    pub(crate) const ENOSR: i32 = 98;
    pub(crate) const EPROTO: i32 = 100;
    pub(crate) const EOPNOTSUPP: i32 = 102;
}

/// FreeBSD, DragonFly, NetBSD and OpenBSD (`sys/errno.h`): the 4.4BSD
/// numbers up to 64, then each its own.
#[cfg(any(
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
))]
mod table {
    pub(crate) use super::NONE as ENONET;
    pub(crate) const EPERM: i32 = 1;
    pub(crate) const EBADF: i32 = 9;
    #[cfg(test)]
    pub(crate) const ENOMEM: i32 = 12;
    pub(crate) const EINVAL: i32 = 22;
    pub(crate) const ENFILE: i32 = 23;
    pub(crate) const EMFILE: i32 = 24;
    pub(crate) const ENOTSOCK: i32 = 38;
    pub(crate) const ENOPROTOOPT: i32 = 42;
    pub(crate) const EPROTONOSUPPORT: i32 = 43;
    pub(crate) const ESOCKTNOSUPPORT: i32 = 44;
    pub(crate) const EOPNOTSUPP: i32 = 45;
    pub(crate) const EAFNOSUPPORT: i32 = 47;
    #[cfg(test)]
    pub(crate) const ENOBUFS: i32 = 55;
    pub(crate) const EHOSTDOWN: i32 = 64;
    #[cfg(any(target_os = "freebsd", target_os = "dragonfly"))]
    pub(crate) const EPROTO: i32 = 92;
    #[cfg(target_os = "netbsd")]
    pub(crate) const EPROTO: i32 = 96;
    #[cfg(target_os = "openbsd")]
    pub(crate) const EPROTO: i32 = 95;
    #[cfg(target_os = "netbsd")]
    pub(crate) const ENOSR: i32 = 90;
    #[cfg(not(target_os = "netbsd"))]
    pub(crate) use super::NONE as ENOSR;
}

/// Every other target (Windows included): no name is known, so nothing is
/// matched by number and rionet goes by [`io::ErrorKind`](std::io::ErrorKind)
/// alone.
#[cfg(not(any(
    all(
        any(target_os = "linux", target_os = "android"),
        not(any(
            target_arch = "mips",
            target_arch = "mips64",
            target_arch = "mips32r6",
            target_arch = "mips64r6",
            target_arch = "sparc",
            target_arch = "sparc64"
        ))
    ),
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
)))]
mod table {
    pub(crate) use super::NONE as EAFNOSUPPORT;
    pub(crate) use super::NONE as EBADF;
    pub(crate) use super::NONE as EHOSTDOWN;
    pub(crate) use super::NONE as EINVAL;
    pub(crate) use super::NONE as EMFILE;
    pub(crate) use super::NONE as ENFILE;
    #[cfg(test)]
    pub(crate) use super::NONE as ENOBUFS;
    #[cfg(test)]
    pub(crate) use super::NONE as ENOMEM;
    pub(crate) use super::NONE as ENONET;
    pub(crate) use super::NONE as ENOPROTOOPT;
    pub(crate) use super::NONE as ENOSR;
    pub(crate) use super::NONE as ENOTSOCK;
    pub(crate) use super::NONE as EOPNOTSUPP;
    pub(crate) use super::NONE as EPERM;
    pub(crate) use super::NONE as EPROTO;
    pub(crate) use super::NONE as EPROTONOSUPPORT;
    pub(crate) use super::NONE as ESOCKTNOSUPPORT;
}

/// Whether `err` carries the OS code `code` (never true for [`NONE`]).
pub(crate) fn is(err: &std::io::Error, code: i32) -> bool {
    code != NONE && err.raw_os_error() == Some(code)
}
