/* Helpers shared by the nbtool subcommands: errors, clock, address parsing, blocking I/O,
 * percentiles. */
#include "nbtool.h"

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nbtool: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void raise_nofile(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

long parse_long(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s)
        die("bad %s: %s", what, s);
    return v;
}

double parse_double(const char *s, const char *what)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s)
        die("bad %s: %s", what, s);
    return v;
}

/* Resolve a numeric host (IPv4 or IPv6, optional [brackets]) and port. */
socklen_t resolve(const char *host_in, const char *port, struct sockaddr_storage *ss)
{
    char host[256];
    size_t n = strlen(host_in);
    if (n >= sizeof host)
        die("host too long");
    if (n >= 2 && host_in[0] == '[' && host_in[n - 1] == ']') {
        memcpy(host, host_in + 1, n - 2);
        host[n - 2] = 0;
    } else {
        memcpy(host, host_in, n + 1);
    }
    struct addrinfo hints = {0}, *res;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc)
        die("cannot parse address %s port %s: %s", host_in, port, gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    socklen_t len = res->ai_addrlen;
    freeaddrinfo(res);
    return len;
}

/* Split "HOST:PORT" / "[V6]:PORT". */
socklen_t resolve_hp(const char *hp, struct sockaddr_storage *ss)
{
    char buf[300];
    if (strlen(hp) >= sizeof buf)
        die("address too long");
    strcpy(buf, hp);
    char *colon = strrchr(buf, ':');
    if (!colon)
        die("address must be HOST:PORT: %s", hp);
    *colon = 0;
    return resolve(buf, colon + 1, ss);
}

void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int read_all(int fd, char *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* v must be sorted; returns microseconds */
double pct_us(const uint64_t *v, size_t n, double p)
{
    if (!n)
        return -1;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    if (i >= n)
        i = n - 1;
    return (double)v[i] / 1000.0;
}

int connect_blocking(const struct sockaddr_storage *ss, socklen_t sl, int timeout_ms)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (const struct sockaddr *)ss, sl) < 0) {
        close(fd);
        return -1;
    }
    set_nodelay(fd);
    return fd;
}
