//! Rio: CS:APP's robust I/O package.

mod line;
mod reader;
mod readn;
mod scan;
mod writen;

pub use line::LinePolicy;
pub use reader::RioReader;
pub use readn::readn;
pub use writen::{writen, writen_vectored};
