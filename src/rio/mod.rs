//! Rio: CS:APP's robust I/O package.
