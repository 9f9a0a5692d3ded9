/*
 * nbtool - small helpers for the benchmark harness (bench/harness/).
 *
 * Subcommands (all loops are bounded by a count and by a time limit):
 *
 *   echo-server HOST PORT
 *       epoll echo server (many connections, TCP_NODELAY, backlog 4096).
 *   pingpong HOST PORT SIZE COUNT WARMUP MAXSECS
 *       one kept-alive connection, COUNT request/response round trips of
 *       SIZE bytes each (after WARMUP unmeasured ones); prints JSON with
 *       latency percentiles in microseconds.
 *   connrate HOST PORT COUNT CONC SIZE MAXSECS
 *       COUNT short connections, CONC at a time: connect, send SIZE bytes,
 *       read SIZE bytes back, close.  Prints JSON (rate, latency pctls).
 *   hold HOST PORT N MAXSECS
 *       opens N connections (each checked with a 1-byte echo), prints a
 *       JSON line, then keeps them open until SIGTERM/SIGINT or MAXSECS.
 *   spawn -- CMD [ARGS...]
 *       runs CMD in a new session as a child subreaper, so that every
 *       descendant (even one that daemonizes) stays in this process tree
 *       and is reaped here (its CPU time lands in our cutime/cstime).
 *   treestat PID
 *       JSON with process count, threads, CPU seconds (utime+stime+cutime+
 *       cstime summed over the tree rooted at PID) and memory (sum of RSS and
 *       of PSS, kB) of the tree, excluding PID itself and shell wrappers.
 *   treepids PID
 *       prints the PIDs of the descendants of PID (not PID itself).
 *   listen-exec HOST:PORT -- CMD [ARGS...]
 *       creates a listening TCP socket in the current network namespace,
 *       puts it at fd 3, sets LISTEN_FDS=1/LISTEN_PID (socket activation
 *       protocol) and execs CMD.
 *   udp-echo HOST PORT
 *       UDP echo server (recvmmsg/sendmmsg, 64 datagrams at a time).
 *   udp-flood HOST PORT SIZE WINDOW SECS WARMUP_SECS
 *       one UDP socket keeps WINDOW datagrams of SIZE bytes in flight
 *       towards an echo server; prints JSON with the replies per second
 *       counted over SECS after WARMUP_SECS.
 *   udp-pingpong HOST PORT SIZE COUNT WARMUP MAXSECS
 *       one UDP socket, COUNT request/response round trips of SIZE bytes,
 *       one at a time (after WARMUP unmeasured ones); prints JSON with
 *       latency percentiles in microseconds and the requests lost.
 *
 * Built on first use by ../build-nbtool.sh (gcc -O2 -Wall -o nbtool *.c).
 */
#include "nbtool.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: nbtool {echo-server|pingpong|connrate|hold|spawn|treestat|treepids|"
                        "listen-exec|udp-echo|udp-flood|udp-pingpong} ...\n");
        return 2;
    }
    const char *c = argv[1];
    argc -= 2;
    argv += 2;
    if (!strcmp(c, "echo-server"))
        return cmd_echo_server(argc, argv);
    if (!strcmp(c, "pingpong"))
        return cmd_pingpong(argc, argv);
    if (!strcmp(c, "connrate"))
        return cmd_connrate(argc, argv);
    if (!strcmp(c, "hold"))
        return cmd_hold(argc, argv);
    if (!strcmp(c, "spawn"))
        return cmd_spawn(argc, argv);
    if (!strcmp(c, "treestat"))
        return cmd_treestat(argc, argv);
    if (!strcmp(c, "treepids"))
        return cmd_treepids(argc, argv);
    if (!strcmp(c, "listen-exec"))
        return cmd_listen_exec(argc, argv);
    if (!strcmp(c, "udp-echo"))
        return cmd_udp_echo(argc, argv);
    if (!strcmp(c, "udp-flood"))
        return cmd_udp_flood(argc, argv);
    if (!strcmp(c, "udp-pingpong"))
        return cmd_udp_pingpong(argc, argv);
    die("unknown subcommand %s", c);
}
