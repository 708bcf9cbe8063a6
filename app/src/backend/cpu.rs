//! Keeping the billing writer and its SQLite connection on one CPU.
//!
//! sqlx runs each SQLite connection on a worker thread of its own, so every
//! statement of a billing batch is a hand-off from the writer thread to that
//! worker and back. When the two threads sit on different CPUs, each
//! hand-off wakes the other CPU (on a virtual machine an idle virtual CPU
//! takes tens of microseconds to wake), and the writer, which applies the
//! batches one after another, spends more time waiting for the hand-offs
//! than running statements. On one CPU a hand-off is a switch between two
//! threads there. Measured (docs/benchmarks.md, 2026-11-30 evening, second
//! session): 1.87× to 2.09× the events per second on SQLite.
//!
//! The worker thread inherits the CPU mask of the thread that opens the
//! connection, so the writer pins itself first, then opens its connection.

/// Pins the calling thread to one CPU, the last one it may run on (in a
/// container limited to some CPUs, one of those). Returns that CPU, or
/// `None` when the thread already runs on one CPU only or the system
/// refused (the writer then works as before, unpinned).
#[cfg(target_os = "linux")]
pub fn pin_to_one_cpu() -> Option<usize> {
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: `cpu_set_t` is a plain bit set (all zeroes is the empty set);
    // both calls get a pointer to one of ours and its exact size, and pid 0
    // means the calling thread.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size, &mut allowed) != 0 || libc::CPU_COUNT(&allowed) < 2 {
            return None;
        }
        let cpu = (0..libc::CPU_SETSIZE as usize).rev().find(|&c| libc::CPU_ISSET(c, &allowed))?;
        let mut one: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut one);
        (libc::sched_setaffinity(0, size, &one) == 0).then_some(cpu)
    }
}

/// Elsewhere the scheduler decides.
#[cfg(not(target_os = "linux"))]
pub fn pin_to_one_cpu() -> Option<usize> {
    None
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn a_pinned_thread_runs_on_the_cpu_it_was_given_and_its_children_inherit_it() {
        std::thread::spawn(|| {
            let Some(cpu) = super::pin_to_one_cpu() else {
                return; // one CPU only: nothing to pin
            };
            let on_cpu = move || {
                // SAFETY: as in `pin_to_one_cpu`.
                unsafe {
                    let mut set: libc::cpu_set_t = std::mem::zeroed();
                    assert_eq!(libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set), 0);
                    (libc::CPU_COUNT(&set), libc::CPU_ISSET(cpu, &set))
                }
            };
            assert_eq!(on_cpu(), (1, true));
            // What sqlx's worker thread, started from here, gets.
            assert_eq!(std::thread::spawn(on_cpu).join().unwrap(), (1, true));
        })
        .join()
        .unwrap();
    }
}
