/* Load generators run in the client namespace: pingpong (latency), connrate (new connections)
 * and hold (idle connections for the memory figure).  Every loop is bounded by a count and a
 * time limit, so a stuck forwarder cannot stall the run. */
#include "nbtool.h"

int cmd_pingpong(int argc, char **argv)
{
    if (argc != 6)
        die("usage: pingpong HOST PORT SIZE COUNT WARMUP MAXSECS");
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_storage ss;
    socklen_t sl = resolve(argv[0], argv[1], &ss);
    long size = parse_long(argv[2], "size");
    long count = parse_long(argv[3], "count");
    long warm = parse_long(argv[4], "warmup");
    double maxs = parse_double(argv[5], "maxsecs");
    if (size < 1 || size > 1 << 20 || count < 1 || warm < 0)
        die("bad pingpong parameters");
    char *out = malloc((size_t)size), *in = malloc((size_t)size);
    memset(out, 'p', (size_t)size);
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)count);
    int fd = connect_blocking(&ss, sl, 5000);
    if (fd < 0) {
        printf("{\"error\":\"connect: %s\"}\n", strerror(errno));
        return 1;
    }
    uint64_t start = now_ns(), deadline = start + (uint64_t)(maxs * 1e9);
    long done = 0, i;
    int err = 0;
    for (i = 0; i < warm + count; i++) {
        uint64_t t0 = now_ns();
        if (t0 > deadline)
            break;
        if (write_all(fd, out, (size_t)size) || read_all(fd, in, (size_t)size)) {
            err = errno ? errno : EPIPE;
            break;
        }
        uint64_t t1 = now_ns();
        if (i >= warm)
            lat[done++] = t1 - t0;
    }
    double el = (double)(now_ns() - start) / 1e9;
    close(fd);
    qsort(lat, (size_t)done, sizeof *lat, cmp_u64);
    double sum = 0;
    for (long k = 0; k < done; k++)
        sum += (double)lat[k];
    printf("{\"n\":%ld,\"size\":%ld,\"complete\":%s,\"error\":%s%s%s,"
           "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
           "\"mean_us\":%.2f,\"min_us\":%.2f,\"max_us\":%.2f,\"elapsed_s\":%.3f}\n",
           done, size, done == count ? "true" : "false", err ? "\"" : "null", err ? strerror(err) : "",
           err ? "\"" : "", pct_us(lat, (size_t)done, 50), pct_us(lat, (size_t)done, 90),
           pct_us(lat, (size_t)done, 99), pct_us(lat, (size_t)done, 99.9),
           done ? sum / (double)done / 1000.0 : -1, done ? (double)lat[0] / 1000.0 : -1,
           done ? (double)lat[done - 1] / 1000.0 : -1, el);
    return done == count ? 0 : 1;
}

/* -------------------------------------------------------------- connrate */

enum { S_FREE, S_CONNECTING, S_WRITING, S_READING };
struct slot {
    int fd;
    int state;
    uint64_t t0;
    size_t done;
};

int cmd_connrate(int argc, char **argv)
{
    if (argc != 6)
        die("usage: connrate HOST PORT COUNT CONC SIZE MAXSECS");
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_storage ss;
    socklen_t sl = resolve(argv[0], argv[1], &ss);
    long count = parse_long(argv[2], "count");
    long conc = parse_long(argv[3], "concurrency");
    long size = parse_long(argv[4], "size");
    double maxs = parse_double(argv[5], "maxsecs");
    if (count < 1 || conc < 1 || conc > 4096 || size < 1 || size > 65536)
        die("bad connrate parameters");
    char *out = malloc((size_t)size), *in = malloc((size_t)size);
    memset(out, 'c', (size_t)size);
    struct slot *slots = calloc((size_t)conc, sizeof *slots);
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)count);
    long started = 0, ok = 0, errs = 0, active = 0;
    char firsterr[128] = "";
    int ep = epoll_create1(EPOLL_CLOEXEC);
    uint64_t start = now_ns(), deadline = start + (uint64_t)(maxs * 1e9);
    int timed_out = 0;

#define FAIL(s, what)                                                                      \
    do {                                                                                   \
        if (!firsterr[0])                                                                  \
            snprintf(firsterr, sizeof firsterr, "%s: %s", what, strerror(errno ? errno : EPIPE)); \
        errs++;                                                                            \
        epoll_ctl(ep, EPOLL_CTL_DEL, (s)->fd, NULL);                                       \
        close((s)->fd);                                                                    \
        (s)->state = S_FREE;                                                               \
        active--;                                                                          \
    } while (0)

    for (;;) {
        /* fill free slots */
        for (long k = 0; k < conc && started < count; k++) {
            struct slot *s = &slots[k];
            if (s->state != S_FREE)
                continue;
            if (now_ns() > deadline)
                break;
            started++;
            active++;
            s->t0 = now_ns();
            s->done = 0;
            s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (s->fd < 0) {
                if (!firsterr[0])
                    snprintf(firsterr, sizeof firsterr, "socket: %s", strerror(errno));
                errs++;
                active--;
                continue;
            }
            set_nodelay(s->fd);
            int rc = connect(s->fd, (struct sockaddr *)&ss, sl);
            if (rc < 0 && errno != EINPROGRESS) {
                s->state = S_CONNECTING; /* for FAIL bookkeeping */
                FAIL(s, "connect");
                continue;
            }
            s->state = S_CONNECTING;
            struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = (uint64_t)k};
            epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
        }
        if (active == 0 && (started >= count || now_ns() > deadline))
            break;
        uint64_t now = now_ns();
        if (now > deadline) {
            timed_out = 1;
            break;
        }
        int tmo = (int)((deadline - now) / 1000000ull) + 1;
        if (tmo > 1000)
            tmo = 1000;
        struct epoll_event evs[512];
        int n = epoll_wait(ep, evs, 512, tmo);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            struct slot *s = &slots[evs[i].data.u64];
            if (s->state == S_CONNECTING) {
                int soerr = 0;
                socklen_t el = sizeof soerr;
                getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &el);
                if (soerr) {
                    errno = soerr;
                    FAIL(s, "connect");
                    continue;
                }
                s->state = S_WRITING;
            }
            if (s->state == S_WRITING) {
                ssize_t w = write(s->fd, out + s->done, (size_t)size - s->done);
                if (w < 0) {
                    if (errno == EAGAIN)
                        continue;
                    FAIL(s, "write");
                    continue;
                }
                s->done += (size_t)w;
                if (s->done < (size_t)size)
                    continue;
                s->done = 0;
                s->state = S_READING;
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = evs[i].data.u64};
                epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
                continue;
            }
            if (s->state == S_READING) {
                ssize_t r = read(s->fd, in, (size_t)size - s->done);
                if (r < 0) {
                    if (errno == EAGAIN)
                        continue;
                    FAIL(s, "read");
                    continue;
                }
                if (r == 0) {
                    errno = ECONNRESET;
                    FAIL(s, "early eof");
                    continue;
                }
                s->done += (size_t)r;
                if (s->done < (size_t)size)
                    continue;
                epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
                close(s->fd);
                lat[ok++] = now_ns() - s->t0;
                s->state = S_FREE;
                active--;
            }
        }
    }
    double el = (double)(now_ns() - start) / 1e9;
    for (long k = 0; k < conc; k++)
        if (slots[k].state != S_FREE)
            close(slots[k].fd);
    qsort(lat, (size_t)ok, sizeof *lat, cmp_u64);
    printf("{\"count\":%ld,\"conc\":%ld,\"size\":%ld,\"started\":%ld,\"ok\":%ld,\"err\":%ld,"
           "\"timed_out\":%s,\"elapsed_s\":%.4f,\"rate\":%.1f,"
           "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"first_error\":\"%s\"}\n",
           count, conc, size, started, ok, errs, timed_out ? "true" : "false", el,
           el > 0 ? (double)ok / el : 0, pct_us(lat, (size_t)ok, 50), pct_us(lat, (size_t)ok, 99),
           ok ? (double)lat[ok - 1] / 1000.0 : -1, firsterr);
    return (ok == count) ? 0 : 1;
}

/* ------------------------------------------------------------------ hold */

static volatile sig_atomic_t stop_flag;
static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int cmd_hold(int argc, char **argv)
{
    if (argc != 4)
        die("usage: hold HOST PORT N MAXSECS");
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    struct sockaddr_storage ss;
    socklen_t sl = resolve(argv[0], argv[1], &ss);
    long n = parse_long(argv[2], "n");
    long maxs = parse_long(argv[3], "maxsecs");
    if (n < 1 || maxs < 1)
        die("bad hold parameters");
    alarm((unsigned)maxs);
    int *fds = calloc((size_t)n, sizeof(int));
    long ok = 0, errs = 0;
    char firsterr[128] = "";
    uint64_t start = now_ns();
    for (long i = 0; i < n && !stop_flag; i++) {
        int fd = connect_blocking(&ss, sl, 5000);
        char b = 'h';
        if (fd < 0 || write_all(fd, &b, 1) || read_all(fd, &b, 1)) {
            if (!firsterr[0])
                snprintf(firsterr, sizeof firsterr, "%s", strerror(errno ? errno : EPIPE));
            if (fd >= 0)
                close(fd);
            errs++;
            continue;
        }
        fds[ok++] = fd;
    }
    printf("{\"n\":%ld,\"ok\":%ld,\"err\":%ld,\"elapsed_s\":%.3f,\"first_error\":\"%s\"}\n", n, ok,
           errs, (double)(now_ns() - start) / 1e9, firsterr);
    fflush(stdout);
    while (!stop_flag)
        pause();
    for (long i = 0; i < ok; i++)
        close(fds[i]);
    return 0;
}
