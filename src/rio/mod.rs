//! Rio: CS:APP's robust I/O package.

mod buffer;
mod cursor;
mod error;
mod line;
mod reader;
mod readn;
mod scan;
mod writen;

pub(crate) use cursor::Cursor;
pub use error::RioError;
pub use line::LinePolicy;
pub use reader::RioReader;
pub use readn::readn;
pub(crate) use scan::ByteFinder;
pub use writen::{writen, writen_vectored};
