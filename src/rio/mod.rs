//! Rio: CS:APP's robust I/O package.

mod buffer;
mod error;
mod line;
mod reader;
mod readn;
mod scan;
mod writen;

pub use error::RioError;
pub use line::LinePolicy;
pub use reader::RioReader;
pub use readn::readn;
pub(crate) use scan::{ByteFinder, WINDOW};
pub use writen::{writen, writen_vectored};
