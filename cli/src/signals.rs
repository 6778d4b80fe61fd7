//! Ctrl-C and SIGTERM: both cancel a wait, which then prints the last state it saw; the exit
//! status says which signal it was (130 for SIGINT, 143 for SIGTERM, as shells report them).

use std::sync::atomic::{AtomicBool, Ordering};

use super::Exit;

/// Whether the wait was cancelled by SIGTERM (else by Ctrl-C).
static TERMINATED: AtomicBool = AtomicBool::new(false);

/// Ends when the process is asked to stop: Ctrl-C (SIGINT) or, on unix, SIGTERM. Where no
/// handler can be installed, never ends.
pub async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    interrupt = tokio::signal::ctrl_c() => {
                        if interrupt.is_err() {
                            term.recv().await;
                            TERMINATED.store(true, Ordering::SeqCst);
                        }
                    }
                    _ = term.recv() => TERMINATED.store(true, Ordering::SeqCst),
                }
                return;
            }
            Err(e) => tracing::debug!(error = %e, "SIGTERM not handled"),
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling here: never cancel.
        std::future::pending::<()>().await;
    }
}

/// The exit status of a wait that [`interrupted`] cancelled.
pub fn exit() -> Exit {
    if TERMINATED.load(Ordering::SeqCst) {
        Exit::Terminated
    } else {
        Exit::Interrupted
    }
}
