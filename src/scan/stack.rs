//! Recursion over deeply nested input without overflowing the stack.
//!
//! The AST walkers recurse once per level of nesting, and scanned code can
//! nest expressions and blocks thousands deep. Asking how much stack is left
//! (`stacker::maybe_grow`) on every node costs more than visiting most nodes,
//! so the walkers count their depth and ask only every
//! [`CHECK_EVERY`] levels, keeping a red zone large enough for that many
//! levels of frames between two checks (and a few more for the walkers that
//! start below another: statement → expression → call arguments).

/// Levels of recursion between two stack checks.
const CHECK_EVERY: u32 = 8;
/// Stack kept free at a check: covers [`CHECK_EVERY`] levels of the largest
/// walker frames (unoptimized builds included) several times over.
const RED_ZONE: usize = 256 * 1024;
/// Size of each new stack segment.
const GROW: usize = 2 * 1024 * 1024;

/// Runs `f`, one level deeper than its caller at `depth` (the depth of
/// this call, counted by the caller): every [`CHECK_EVERY`] levels, first
/// makes sure the stack has room, growing it onto the heap if not.
#[inline(always)]
pub(crate) fn deeper<R>(depth: u32, f: impl FnOnce() -> R) -> R {
    if depth.is_multiple_of(CHECK_EVERY) {
        stacker::maybe_grow(RED_ZONE, GROW, f)
    } else {
        f()
    }
}
