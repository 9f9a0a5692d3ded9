/* nbtool: small helpers for the benchmark harness (see main.c for the subcommands). */
#ifndef NBTOOL_H
#define NBTOOL_H
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* common.c */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
uint64_t now_ns(void);
void raise_nofile(void);
long parse_long(const char *s, const char *what);
double parse_double(const char *s, const char *what);
socklen_t resolve(const char *host_in, const char *port, struct sockaddr_storage *ss);
socklen_t resolve_hp(const char *hp, struct sockaddr_storage *ss);
void set_nodelay(int fd);
int write_all(int fd, const char *p, size_t n);
int read_all(int fd, char *p, size_t n);
int cmp_u64(const void *a, const void *b);
double pct_us(const uint64_t *v, size_t n, double p);
int connect_blocking(const struct sockaddr_storage *ss, socklen_t sl, int timeout_ms);

/* subcommands: argc/argv hold the subcommand's own arguments */
int cmd_echo_server(int argc, char **argv);
int cmd_pingpong(int argc, char **argv);
int cmd_connrate(int argc, char **argv);
int cmd_hold(int argc, char **argv);
int cmd_spawn(int argc, char **argv);
int cmd_treestat(int argc, char **argv);
int cmd_treepids(int argc, char **argv);
int cmd_listen_exec(int argc, char **argv);
int cmd_udp_echo(int argc, char **argv);
int cmd_udp_flood(int argc, char **argv);
int cmd_udp_pingpong(int argc, char **argv);

#endif
