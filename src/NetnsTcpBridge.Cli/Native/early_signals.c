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
 * SIGSYS is what the system call filter (Privileges/SyscallFilter.cs) raises for a call it does
 * not allow. Its handler makes that call fail with EPERM and writes one warning line naming it,
 * so a part that meets a call missing from the list keeps serving, and says so. The runtime
 * does not use SIGSYS.
 *
 * Linked into the executable as an object file, so the constructor is always part of it. The
 * listener blocks the same signals in the connector part it spawns, and in the image it execs,
 * which covers the moments before this constructor runs there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* Warnings written at most, so that a call made in a loop cannot flood stderr. */
#define REFUSALS_REPORTED 16

static int refusals;

/* Appends text to line at *length; async-signal-safe. */
static void append(char *line, size_t *length, const char *text)
{
    size_t size = strlen(text);
    memcpy(line + *length, text, size);
    *length += size;
}

/* Appends value in decimal; async-signal-safe. */
static void append_number(char *line, size_t *length, unsigned int value)
{
    char digits[10];
    size_t count = 0;
    do
    {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
    {
        line[(*length)++] = digits[--count];
    }
}

static void refuse_filtered_system_call(int signal, siginfo_t *info, void *context)
{
    (void)signal;
    ucontext_t *registers = context;
    registers->uc_mcontext.gregs[REG_RAX] = -EPERM;
    if (__atomic_fetch_add(&refusals, 1, __ATOMIC_RELAXED) >= REFUSALS_REPORTED)
    {
        return;
    }

    char line[192];
    size_t length = 0;
    append(line, &length, "netns_tcp_bridge: warning: system call ");
    append_number(line, &length, (unsigned int)info->si_syscall);
    append(line, &length, " refused by the system call filter in pid ");
    append_number(line, &length, (unsigned int)getpid());
    append(line, &length, " (the caller got EPERM); please report it\n");
    int saved = errno;
    ssize_t ignored = write(STDERR_FILENO, line, length);
    (void)ignored;
    errno = saved;
}

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

    struct sigaction refusal;
    memset(&refusal, 0, sizeof refusal);
    refusal.sa_sigaction = refuse_filtered_system_call;
    refusal.sa_flags = SA_SIGINFO;
    sigemptyset(&refusal.sa_mask);
    sigaction(SIGSYS, &refusal, 0);
}
