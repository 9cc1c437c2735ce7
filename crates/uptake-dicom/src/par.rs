//! A tiny work-sharing helper on `std::thread::scope`: the calling thread works too, so when
//! threads cannot be spawned (wasm32 without threads) everything still runs, in order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Threads to use by default: the available cores, at most 4 (1 where unknown).
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4)
}

/// Applies `f` to every part on up to `threads` threads and returns the results in part
/// order. A result is `None` only if the thread computing it panicked (the panic is then
/// propagated when the scope ends).
pub fn run_parts<P: Send, O: Send>(
    parts: Vec<P>,
    threads: usize,
    f: impl Fn(P) -> O + Sync,
) -> Vec<Option<O>> {
    let n = parts.len();
    if threads <= 1 || n <= 1 {
        return parts.into_iter().map(|p| Some(f(p))).collect();
    }
    let inputs: Vec<Mutex<Option<P>>> = parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let outputs: Vec<Mutex<Option<O>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = inputs.get(i) else { break };
        let part = slot.lock().ok().and_then(|mut p| p.take());
        if let Some(part) = part {
            let out = f(part);
            if let Some(Ok(mut o)) = outputs.get(i).map(|m| m.lock()) {
                *o = Some(out);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads.min(n) {
            // A thread that cannot be spawned leaves its share to the others.
            let _ = std::thread::Builder::new().spawn_scoped(s, work);
        }
        work();
    });
    outputs
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_part_order() {
        let parts: Vec<usize> = (0..100).collect();
        for threads in [1, 2, 3, 8] {
            let out = run_parts(parts.clone(), threads, |p| p * 2);
            let expect: Vec<Option<usize>> = (0..100).map(|p| Some(p * 2)).collect();
            assert_eq!(out, expect);
        }
    }
}
