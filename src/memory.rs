//! Giving memory back to the system after a large one-off job.
//!
//! glibc keeps what a thread frees in that thread's arena, and a workbook is read on
//! whichever blocking thread is free: after a 50,000-row upload (or a refused 100,000-row
//! one) the server held over 100 MB it no longer used, and the next upload, landing in
//! another arena, added its own peak on top. `malloc_trim` hands the free pages of every
//! arena back; it costs a few milliseconds, once per upload.

/// Returns freed heap pages to the operating system (glibc only; elsewhere nothing).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Calls [`release_free_memory`] when dropped: declared first in a function, it runs after
/// every other local is gone, however the function returns.
pub struct ReleaseOnDrop;

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        release_free_memory();
    }
}
