//! Process-wide settings of the binaries (not of the library's users).

/// Turns transparent huge pages off for this process (Linux).
///
/// mimalloc asks for huge pages for its arenas, and the kernel then clears
/// 2 MiB at every first touch. A scan retains many small facts while each
/// file's syntax tree is freed, so huge pages are touched sparsely: on the
/// 20,000-file benchmark tree, turning them off cut peak RSS by about 16%
/// and the wall time by about 9% (docs/performance.md), and changed nothing
/// for the parse-only floor. Equivalent to `MIMALLOC_ALLOW_THP=0`, which
/// mimalloc reads only at start-up.
pub fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag on
    // this process; a failure (old kernel) leaves the default, which is fine.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
