//! The allocator's share of the server's memory.
//!
//! glibc gives a thread that allocates while another holds an arena an arena of its own (up to
//! eight per core), and memory freed into an arena stays with it. Under load the server's
//! resident size grew with the number of threads that had ever been busy at once (the tokio
//! workers and the blocking database threads), not with the work in hand. Two arenas are enough
//! here: the heavy work runs on a handful of blocking threads that take turns at the database.

/// Cap glibc's malloc arenas at two, unless the operator chose a number with `MALLOC_ARENA_MAX`
/// (glibc reads that itself). Call before the runtime starts its threads.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn cap_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    /// glibc's `M_ARENA_MAX` (malloc.h).
    const M_ARENA_MAX: i32 = -8;
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only sets a parameter of the allocator, takes plain integers, and is
    // called before any other thread of ours exists.
    unsafe {
        mallopt(M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn cap_malloc_arenas() {}
