/*
 * Runs before the .NET runtime starts, so that no handled signal can kill the bridge by its
 * default action in the milliseconds before Main registers its handlers.
 *
 * SIGTERM, SIGINT, SIGHUP and SIGUSR1 (handled), and SIGUSR2 (with which the listener part
 * tells a connector part to reset its connections at once) are blocked on the initial thread; every thread the runtime
 * creates inherits the mask, and a signal sent meanwhile stays pending. Main registers its
 * handlers and then unblocks them on its own thread (SignalInbox), which takes the pending ones.
 * SIGPIPE is ignored from here on, as the runtime would do later: a write to a closed socket is
 * an error to handle, never a reason to die.
 *
 * Linked into the executable as an object file, so the constructor is always part of it. The
 * listener blocks the same signals in the connector part it spawns, and in the image it execs,
 * which covers the moments before this constructor runs there.
 */
#include <signal.h>

__attribute__((constructor)) static void block_handled_signals_before_the_runtime(void)
{
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGHUP);
    sigaddset(&handled, SIGUSR1);
    sigaddset(&handled, SIGUSR2);
    sigprocmask(SIG_BLOCK, &handled, 0);
    signal(SIGPIPE, SIG_IGN);
}
