//! The `hubmail` command: parses arguments, runs, maps the result to an exit code.

mod cli;

/// mimalloc instead of the system allocator: ingest allocates from several threads at
/// once, and glibc's arenas spent about a seventh of its time there (see `scripts/bench.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the `mi_option_e` of the bundled mimalloc 3 (`mimalloc.h`);
/// the tests check the number against the option's documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// `mi_option_page_reclaim_on_free`, likewise.
const MI_OPTION_PAGE_RECLAIM_ON_FREE: libmimalloc_sys::mi_option_t = 35;

/// Tunes the allocator for a bulk command (ingest, watch, reindex, backup, restore): freed
/// memory goes back to the system at once instead of after a second, and a thread freeing
/// into a page another thread left does not adopt it. At the peak of a 100,000-message
/// ingest, mimalloc's defaults held freed pages that took resident memory from a median of
/// 243 MB to 293 (three runs each); the purging costs about 2 s of system time of the
/// 55 s of CPU. A `MIMALLOC_PURGE_DELAY` or `MIMALLOC_PAGE_RECLAIM_ON_FREE` in the
/// environment wins. Called first thing, before the command starts any thread.
#[allow(unsafe_code)]
pub(crate) fn allocator_for_bulk_work() {
    let unset = |name: &str| std::env::var_os(name).is_none();
    if unset("MIMALLOC_PURGE_DELAY") {
        // SAFETY: stores an integer in mimalloc's option table; the option number is
        // checked by `option_numbers_match_the_bundled_mimalloc`, and no other thread
        // exists yet to read the table while it is written.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    if unset("MIMALLOC_PAGE_RECLAIM_ON_FREE") {
        // SAFETY: as above.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PAGE_RECLAIM_ON_FREE, -1) };
    }
}

fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads an option of the linked mimalloc.
    #[allow(unsafe_code)]
    fn option(number: libmimalloc_sys::mi_option_t) -> std::os::raw::c_long {
        // SAFETY: reads an integer from mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_get(number) }
    }

    /// What mimalloc should hold for an option: the environment's value when it sets one
    /// (mimalloc reads `MIMALLOC_*` at start), else its documented default.
    fn expected(variable: &str, default: std::os::raw::c_long) -> std::os::raw::c_long {
        match std::env::var(variable) {
            Ok(v) => v.trim().parse().unwrap_or_else(|_| {
                panic!("{variable}={v:?}: this test reads plain integers only; unset it")
            }),
            Err(_) => default,
        }
    }

    #[test]
    fn option_numbers_match_the_bundled_mimalloc() {
        // The defaults of mimalloc 3 (`src/options.c`), or what the environment set: a
        // renumbered enum after an upgrade lands on another option's value.
        assert_eq!(
            option(MI_OPTION_PURGE_DELAY),
            expected("MIMALLOC_PURGE_DELAY", 1000)
        );
        assert_eq!(
            option(MI_OPTION_PAGE_RECLAIM_ON_FREE),
            expected("MIMALLOC_PAGE_RECLAIM_ON_FREE", 0)
        );
        // Their neighbours, so that an enum shifted by one is caught too.
        assert_eq!(option(MI_OPTION_PURGE_DELAY + 3), 100, "os_tag");
        assert_eq!(
            option(MI_OPTION_PAGE_RECLAIM_ON_FREE + 1),
            2,
            "page_full_retain"
        );
        assert_eq!(
            option(MI_OPTION_PAGE_RECLAIM_ON_FREE + 2),
            4,
            "page_max_candidates"
        );
    }
}
