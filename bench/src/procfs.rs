//! What `/proc` says: a process's CPU time (the scheduler's own account, else clock ticks) and
//! peak RSS, how busy the machine is, and what machine it is.

use std::time::{Duration, Instant};

/// A `/proc/<pid>/status` field in KiB.
pub fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(key))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time of a process, all its threads: the scheduler's own account of time on a CPU
/// (`se.sum_exec_runtime` in /proc/<pid>/task/<tid>/sched, nanosecond precision) where the
/// kernel shows it, else utime + stime from /proc/<pid>/stat (10 ms ticks: too coarse to tell
/// 100 µs from 400 µs over a thousand calls, hence the preference).
pub fn cpu_time(pid: u32) -> Duration {
    cpu_time_of_threads(pid).unwrap_or_else(|| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        cpu_time_of_stat(&stat)
    })
}

fn cpu_time_of_threads(pid: u32) -> Option<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        // A thread that exits between the listing and the read is gone: skip it, not the sum.
        let Ok(sched) = std::fs::read_to_string(task.path().join("sched")) else {
            continue;
        };
        total += sum_exec_runtime(&sched)?;
    }
    Some(total)
}

/// `se.sum_exec_runtime` of a /proc/…/sched file, which the kernel prints in milliseconds.
fn sum_exec_runtime(sched: &str) -> Option<Duration> {
    let line = sched
        .lines()
        .find(|line| line.starts_with("se.sum_exec_runtime"))?;
    let ms: f64 = line.split(':').nth(1)?.trim().parse().ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

fn cpu_time_of_stat(stat: &str) -> Duration {
    let (user, kernel) = ticks_of_stat(stat);
    // USER_HZ (clock ticks per second) is 100 on Linux.
    Duration::from_millis((user + kernel) * 10)
}

/// utime and stime of a process, in clock ticks.
pub fn user_and_kernel_ticks(pid: u32) -> (u64, u64) {
    ticks_of_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
}

/// Minor page faults of the whole process so far (stat's field 10), for diagnosis.
pub fn minor_faults(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat_field(&stat, 10)
}

fn ticks_of_stat(stat: &str) -> (u64, u64) {
    (stat_field(stat, 14), stat_field(stat, 15))
}

/// Field `number` (1-based, as proc(5) numbers them) of a /proc/<pid>/stat line, read after
/// the command name, which may hold spaces; 0 if absent.
fn stat_field(stat: &str, number: usize) -> u64 {
    // The command name is field 2, in parentheses: field 3 is the first after it.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    (after_name.split_whitespace().nth(number.saturating_sub(3)))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Busy and total jiffies of all CPUs, from the first line of /proc/stat.
fn machine_jiffies() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let numbers: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    let total: u64 = numbers.iter().take(8).sum();
    let idle = numbers.get(3)? + numbers.get(4)?;
    Some((total - idle, total))
}

/// Waits (at most 10 s) until the machine is nearly idle for a quarter second. Preparing a
/// subject's events writes thousands of items, and DynamoDB Local's JVM goes on working
/// (garbage collection, compilation) after the last answer: on two cores that work would
/// land in the first cold starts' figures.
pub fn wait_for_quiet_machine() {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let Some((busy_before, total_before)) = machine_jiffies() else {
            return;
        };
        std::thread::sleep(Duration::from_millis(250));
        let Some((busy, total)) = machine_jiffies() else {
            return;
        };
        let share = (busy - busy_before) as f64 / (total - total_before).max(1) as f64;
        if share < 0.1 {
            return;
        }
    }
}

/// The machine a run was measured on, for the report.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_owned(), |(_, v)| v.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cpu} ({cores} cores), {:.1} GiB memory, Linux {}",
        memory_kib as f64 / 1024.0 / 1024.0,
        kernel.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_exec_runtime_is_read_in_milliseconds() {
        let sched = "get-user (42, #threads: 1)\n---\nse.exec_start   :  347687.220991\nse.sum_exec_runtime   :   334.864827\n";
        assert_eq!(
            sum_exec_runtime(sched),
            Some(Duration::from_nanos(334_864_827))
        );
        assert_eq!(sum_exec_runtime("nothing here"), None);
    }

    #[test]
    fn cpu_time_is_read_with_sub_tick_precision() {
        // This thread's own account (other tests' threads run in this process too).
        let own = || {
            sum_exec_runtime(&std::fs::read_to_string("/proc/thread-self/sched").unwrap())
                .expect("the kernel shows se.sum_exec_runtime")
        };
        let before = own();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut spent = Duration::ZERO;
        while spent < Duration::from_micros(500) && Instant::now() < deadline {
            spent = own().saturating_sub(before);
        }
        // Ticks would show 0 or 10 ms; the scheduler's account shows the half millisecond.
        assert!(
            spent >= Duration::from_micros(500) && spent < Duration::from_millis(5),
            "{spent:?}"
        );
        assert!(cpu_time_of_threads(std::process::id()).is_some());
    }

    #[test]
    fn cpu_time_reads_utime_and_stime_after_the_command_name() {
        let stat = "1234 (a (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0 1 0";
        assert_eq!(cpu_time_of_stat(stat), Duration::from_millis(2800));
        assert_eq!(ticks_of_stat(stat), (250, 30));
        // minflt, as the page-fault count reads it.
        assert_eq!(stat_field(stat, 10), 7);
        assert_eq!(stat_field(stat, 99), 0);
    }
}
