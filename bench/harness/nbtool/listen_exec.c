/* listen-exec: socket activation for forwarders that take their listening socket as fd 3
 * (systemd-socket-proxyd): the socket is made in the namespace this runs in, then CMD is
 * exec'd, and may enter another namespace before it starts. */
#include "nbtool.h"

int cmd_listen_exec(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "--"))
        die("usage: listen-exec HOST:PORT -- CMD [ARGS...]");
    struct sockaddr_storage ss;
    socklen_t sl = resolve_hp(argv[0], &ss);
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
        die("bind %s: %s", argv[0], strerror(errno));
    if (listen(fd, 4096) < 0)
        die("listen: %s", strerror(errno));
    if (fd != 3) {
        if (dup2(fd, 3) < 0)
            die("dup2: %s", strerror(errno));
        close(fd);
    }
    fcntl(3, F_SETFD, 0);
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_PID", pidbuf, 1);
    setenv("LISTEN_FDNAMES", "listen", 1);
    execvp(argv[2], argv + 2);
    die("exec %s: %s", argv[2], strerror(errno));
}
