//! Stage 2: parse every Python file, in parallel, into [`FileFacts`].

pub mod extract;
pub mod facts;
pub mod module_path;
pub mod source;

pub use facts::*;
