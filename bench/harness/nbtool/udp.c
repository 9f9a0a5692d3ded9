/* UDP: the echo backend (udp-echo) and the two load generators run in the client namespace,
 * udp-flood (replies per second with a window of datagrams in flight) and udp-pingpong (latency,
 * one datagram at a time).  A datagram can be lost anywhere on the way, so neither client waits
 * for a reply forever: a window that brings nothing back within STALL_MS is sent again, and a
 * lost ping-pong request is counted and sent anew.  Every loop is bounded by a time limit. */
#include "nbtool.h"
#include <poll.h>

enum { STALL_MS = 50, MAX_DGRAM = 65507, ECHO_BATCH = 64, ECHO_BUF = 2048 };

/* Large socket buffers, so that a burst of WINDOW datagrams never overflows the client's or the
 * echo server's own queue: a loss is then the forwarder's.  FORCE needs root, which we are. */
static void big_buffers(int fd)
{
    int big = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
}

static int udp_connected(const char *host, const char *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = resolve(host, port, &ss);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    big_buffers(fd);
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
        die("connect %s:%s: %s", host, port, strerror(errno));
    return fd;
}

/* Waits up to MS for a datagram; 1 when one can be read. */
static int readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, ms);
    return n > 0;
}

/* One datagram there and back before measuring: a forwarder may listen before it relays (its
 * connecting part starts later), and an answer proves the whole path.  0 when it answered. */
static int first_echo(int fd, char *out, char *in, long size, double secs)
{
    uint64_t deadline = now_ns() + (uint64_t)(secs * 1e9);
    while (now_ns() < deadline) {
        send(fd, out, (size_t)size, 0);
        if (readable(fd, 200) && recv(fd, in, MAX_DGRAM, MSG_DONTWAIT) > 0) {
            while (recv(fd, in, MAX_DGRAM, MSG_DONTWAIT) > 0) /* late answers to earlier tries */
                ;
            return 0;
        }
    }
    return -1;
}

int cmd_udp_echo(int argc, char **argv)
{
    if (argc != 2)
        die("usage: udp-echo HOST PORT");
    struct sockaddr_storage ss;
    socklen_t sl = resolve(argv[0], argv[1], &ss);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    big_buffers(fd);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
        die("bind udp %s:%s: %s", argv[0], argv[1], strerror(errno));
    static char buf[ECHO_BATCH][ECHO_BUF];
    struct mmsghdr m[ECHO_BATCH];
    struct iovec io[ECHO_BATCH];
    struct sockaddr_storage from[ECHO_BATCH];
    for (;;) {
        for (int i = 0; i < ECHO_BATCH; i++) {
            io[i].iov_base = buf[i];
            io[i].iov_len = ECHO_BUF;
            memset(&m[i], 0, sizeof m[i]);
            m[i].msg_hdr.msg_iov = &io[i];
            m[i].msg_hdr.msg_iovlen = 1;
            m[i].msg_hdr.msg_name = &from[i];
            m[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        int n = recvmmsg(fd, m, ECHO_BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) {
            if (n < 0 && errno != EINTR)
                die("recvmmsg: %s", strerror(errno));
            continue;
        }
        for (int i = 0; i < n; i++)
            io[i].iov_len = m[i].msg_len;
        sendmmsg(fd, m, (unsigned)n, 0);
    }
}

int cmd_udp_flood(int argc, char **argv)
{
    if (argc != 6)
        die("usage: udp-flood HOST PORT SIZE WINDOW SECS WARMUP_SECS");
    long size = parse_long(argv[2], "size");
    long win = parse_long(argv[3], "window");
    double secs = parse_double(argv[4], "secs");
    double warm = parse_double(argv[5], "warmup secs");
    if (size < 1 || size > 1472 || win < 1 || win > 4096 || secs <= 0 || warm < 0)
        die("bad udp-flood parameters (size 1..1472, window 1..4096)");
    int fd = udp_connected(argv[0], argv[1]);
    char *out = calloc(1, (size_t)size), *in = malloc(MAX_DGRAM);
    memset(out, 'u', (size_t)size);
    if (first_echo(fd, out, in, size, 5)) {
        printf("{\"size\":%ld,\"window\":%ld,\"error\":\"no reply within 5 s\"}\n", size, win);
        return 1;
    }
    long sent = 0, got = 0, bad = 0, stalls = 0, outstanding = 0, got_at_start = -1;
    uint64_t t_start = 0, begin = now_ns();
    uint64_t measure_from = begin + (uint64_t)(warm * 1e9), end = measure_from + (uint64_t)(secs * 1e9);
    for (;;) {
        uint64_t now = now_ns();
        if (got_at_start < 0 && now >= measure_from) {
            got_at_start = got;
            t_start = now;
        }
        if (now >= end)
            break;
        while (outstanding < win) {
            if (send(fd, out, (size_t)size, 0) < 0)
                break; /* e.g. ECONNREFUSED, an ICMP error reported once: the window is refilled later */
            outstanding++;
            sent++;
        }
        if (!readable(fd, STALL_MS)) {
            /* everything still outstanding is taken as lost; send a full window again */
            stalls++;
            outstanding = 0;
            continue;
        }
        ssize_t r;
        while ((r = recv(fd, in, MAX_DGRAM, MSG_DONTWAIT)) >= 0) {
            got++;
            if (r != size)
                bad++;
            if (outstanding > 0)
                outstanding--;
        }
    }
    double el = (double)(now_ns() - t_start) / 1e9;
    long measured = got - got_at_start;
    printf("{\"size\":%ld,\"window\":%ld,\"secs\":%.3f,\"sent\":%ld,\"got\":%ld,\"measured\":%ld,"
           "\"rate\":%.1f,\"stalls\":%ld,\"bad\":%ld,\"error\":%s}\n",
           size, win, el, sent, got, measured, el > 0 ? (double)measured / el : 0, stalls, bad,
           measured > 0 ? (bad ? "\"replies of the wrong size\"" : "null") : "\"no replies while measuring\"");
    return measured > 0 && !bad ? 0 : 1;
}

int cmd_udp_pingpong(int argc, char **argv)
{
    if (argc != 6)
        die("usage: udp-pingpong HOST PORT SIZE COUNT WARMUP MAXSECS");
    long size = parse_long(argv[2], "size");
    long count = parse_long(argv[3], "count");
    long warm = parse_long(argv[4], "warmup");
    double maxs = parse_double(argv[5], "maxsecs");
    if (size < 8 || size > 1472 || count < 1 || warm < 0)
        die("bad udp-pingpong parameters (size 8..1472)");
    int fd = udp_connected(argv[0], argv[1]);
    char *out = calloc(1, (size_t)size), *in = malloc(MAX_DGRAM);
    memset(out, 'd', (size_t)size);
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)count);
    if (first_echo(fd, out, in, size, 5)) {
        printf("{\"n\":0,\"size\":%ld,\"complete\":false,\"error\":\"no reply within 5 s\"}\n", size);
        return 1;
    }
    /* Each request carries its number, so that the late answer to a request given up as lost is
     * never taken for the answer to the next one. */
    uint64_t start = now_ns(), deadline = start + (uint64_t)(maxs * 1e9);
    long done = 0, lost = 0, late = 0;
    for (uint64_t seq = 1; done < count && now_ns() < deadline; seq++) {
        memcpy(out, &seq, sizeof seq);
        uint64_t t0 = now_ns();
        if (send(fd, out, (size_t)size, 0) < 0) {
            lost++;
            continue;
        }
        int answered = 0;
        while (!answered && readable(fd, 200)) {
            ssize_t r = recv(fd, in, MAX_DGRAM, MSG_DONTWAIT);
            if (r < 0)
                continue;
            uint64_t back;
            memcpy(&back, in, sizeof back);
            if (r == size && back == seq)
                answered = 1;
            else
                late++;
        }
        if (!answered) {
            lost++;
            continue;
        }
        uint64_t t1 = now_ns();
        if (seq > (uint64_t)warm)
            lat[done++] = t1 - t0;
    }
    double el = (double)(now_ns() - start) / 1e9;
    qsort(lat, (size_t)done, sizeof *lat, cmp_u64);
    double sum = 0;
    for (long k = 0; k < done; k++)
        sum += (double)lat[k];
    printf("{\"n\":%ld,\"size\":%ld,\"complete\":%s,\"error\":%s,\"lost\":%ld,\"late\":%ld,"
           "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
           "\"mean_us\":%.2f,\"min_us\":%.2f,\"max_us\":%.2f,\"elapsed_s\":%.3f}\n",
           done, size, done == count ? "true" : "false",
           done == count ? "null" : "\"time limit reached\"", lost, late,
           pct_us(lat, (size_t)done, 50), pct_us(lat, (size_t)done, 90), pct_us(lat, (size_t)done, 99),
           pct_us(lat, (size_t)done, 99.9), done ? sum / (double)done / 1000.0 : -1,
           done ? (double)lat[0] / 1000.0 : -1, done ? (double)lat[done - 1] / 1000.0 : -1, el);
    return done == count ? 0 : 1;
}
