//! Stage 2: parse every Python file, in parallel, into [`FileFacts`].

pub mod facts;

pub use facts::*;
