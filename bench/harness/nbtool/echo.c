/* echo-server: the backend of the request/response, connection-rate and hold tests. */
#include "nbtool.h"

struct econn {
    char *buf;
    size_t off, len;
};

int cmd_echo_server(int argc, char **argv)
{
    if (argc != 2)
        die("usage: echo-server HOST PORT");
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_storage ss;
    socklen_t sl = resolve(argv[0], argv[1], &ss);
    int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&ss, sl) < 0)
        die("bind %s:%s: %s", argv[0], argv[1], strerror(errno));
    if (listen(lfd, 4096) < 0)
        die("listen: %s", strerror(errno));

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    size_t maxfd = rl.rlim_cur > 1048576 ? 1048576 : (size_t)rl.rlim_cur;
    struct econn *conns = calloc(maxfd, sizeof *conns);
    const size_t BUFSZ = 16384;

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                for (;;) {
                    int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0)
                        break;
                    if ((size_t)c >= maxfd) {
                        close(c);
                        continue;
                    }
                    set_nodelay(c);
                    if (!conns[c].buf)
                        conns[c].buf = malloc(BUFSZ);
                    conns[c].off = conns[c].len = 0;
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            struct econn *e = &conns[fd];
            int closeit = 0;
            if (e->len > e->off) { /* pending output */
                ssize_t w = write(fd, e->buf + e->off, e->len - e->off);
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                    closeit = 1;
                else if (w > 0)
                    e->off += (size_t)w;
                if (!closeit && e->off == e->len) {
                    e->off = e->len = 0;
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = fd};
                    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ce);
                }
            } else {
                for (int rounds = 0; rounds < 16 && !closeit; rounds++) {
                    ssize_t r = read(fd, e->buf, BUFSZ);
                    if (r == 0) {
                        closeit = 1;
                        break;
                    }
                    if (r < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                            closeit = 1;
                        break;
                    }
                    ssize_t w = write(fd, e->buf, (size_t)r);
                    if (w < 0) {
                        if (errno != EAGAIN && errno != EINTR) {
                            closeit = 1;
                            break;
                        }
                        w = 0;
                    }
                    if (w < r) {
                        e->off = (size_t)w;
                        e->len = (size_t)r;
                        struct epoll_event ce = {.events = EPOLLOUT, .data.fd = fd};
                        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ce);
                        break;
                    }
                    if ((size_t)r < BUFSZ)
                        break;
                }
            }
            if (closeit) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
                e->off = e->len = 0;
            }
        }
    }
}
