/* Process trees: spawn runs a forwarder as a child subreaper, so that everything it starts (even
 * a daemon) stays below it; treestat and treepids read that tree from /proc to measure it and to
 * stop it by PID. */
#include "nbtool.h"

int cmd_spawn(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[0], "--"))
        die("usage: spawn -- CMD [ARGS...]");
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        die("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        setsid();
        execvp(argv[1], argv + 1);
        fprintf(stderr, "nbtool spawn: exec %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int main_status = 0;
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: whole tree gone */
        }
        if (WIFSIGNALED(st))
            fprintf(stderr, "nbtool spawn: process %d killed by signal %d (%s)\n", (int)w, WTERMSIG(st),
                    strsignal(WTERMSIG(st)));
        else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
            fprintf(stderr, "nbtool spawn: process %d exited with status %d\n", (int)w, WEXITSTATUS(st));
        if (w == pid)
            main_status = st;
    }
    if (WIFEXITED(main_status))
        return WEXITSTATUS(main_status);
    return 128 + (WIFSIGNALED(main_status) ? WTERMSIG(main_status) : 0);
}

/* ------------------------------------------------------------- treestat */

struct pinfo {
    int pid, ppid;
    char comm[64];
    unsigned long long ticks; /* utime+stime+cutime+cstime */
    long threads;
    long rss_pages;
};

static int read_file(const char *path, char *buf, size_t sz)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, buf, sz - 1);
    close(fd);
    if (r < 0)
        return -1;
    buf[r] = 0;
    return (int)r;
}

static int scan_procs(struct pinfo **out)
{
    DIR *d = opendir("/proc");
    if (!d)
        die("opendir /proc");
    size_t cap = 1024, n = 0;
    struct pinfo *v = malloc(cap * sizeof *v);
    struct dirent *de;
    char path[300], buf[4096];
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
        if (read_file(path, buf, sizeof buf) <= 0)
            continue;
        char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
        if (!lp || !rp)
            continue;
        struct pinfo p = {0};
        p.pid = atoi(buf);
        size_t cl = (size_t)(rp - lp - 1);
        if (cl >= sizeof p.comm)
            cl = sizeof p.comm - 1;
        memcpy(p.comm, lp + 1, cl);
        p.comm[cl] = 0;
        /* fields after ") ": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17)
         * ... num_threads(20) ... rss(24) */
        char *f = rp + 2;
        char *tok[64];
        int nt = 0;
        for (char *s = strtok(f, " "); s && nt < 64; s = strtok(NULL, " "))
            tok[nt++] = s;
        if (nt < 22)
            continue;
        /* tok[0] is field 3 */
        p.ppid = atoi(tok[1]);
        p.ticks = strtoull(tok[11], NULL, 10) + strtoull(tok[12], NULL, 10) +
                  strtoull(tok[13], NULL, 10) + strtoull(tok[14], NULL, 10);
        p.threads = atol(tok[17]);
        p.rss_pages = atol(tok[21]);
        if (n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
        }
        v[n++] = p;
    }
    closedir(d);
    *out = v;
    return (int)n;
}

/* marks descendants of root in `in`; returns count; order: BFS (parents first) */
static int tree_members(struct pinfo *v, int n, int root, int *order)
{
    int cnt = 0;
    int *queue = malloc(sizeof(int) * (size_t)(n + 1));
    int qh = 0, qt = 0;
    queue[qt++] = root;
    while (qh < qt) {
        int cur = queue[qh++];
        for (int i = 0; i < n; i++) {
            if (v[i].ppid == cur && v[i].pid != root) {
                queue[qt++] = v[i].pid;
                order[cnt++] = i;
            }
        }
    }
    free(queue);
    return cnt;
}

static int is_wrapper(const char *comm)
{
    return !strcmp(comm, "bash") || !strcmp(comm, "sh") || !strcmp(comm, "dash") ||
           !strcmp(comm, "nbtool");
}

static void smaps_rollup(int pid, long *rss_kb, long *pss_kb)
{
    char path[64], buf[4096];
    *rss_kb = *pss_kb = -1;
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    if (read_file(path, buf, sizeof buf) <= 0)
        return;
    char *p = strstr(buf, "\nRss:");
    if (p)
        *rss_kb = atol(p + 5);
    p = strstr(buf, "\nPss:");
    if (p)
        *pss_kb = atol(p + 5);
}

int cmd_treestat(int argc, char **argv)
{
    if (argc != 1)
        die("usage: treestat PID");
    int root = (int)parse_long(argv[0], "pid");
    struct pinfo *v;
    int n = scan_procs(&v);
    int *order = malloc(sizeof(int) * (size_t)(n + 1));
    int cnt = tree_members(v, n, root, order);
    long hz = sysconf(_SC_CLK_TCK);
    long pagekb = sysconf(_SC_PAGESIZE) / 1024;
    unsigned long long ticks = 0;
    long threads = 0, rss = 0, pss = 0, nproc = 0;
    int root_alive = 0;
    for (int i = 0; i < n; i++)
        if (v[i].pid == root) {
            ticks += v[i].ticks; /* includes reaped descendants (cutime/cstime) */
            root_alive = 1;
        }
    char names[1024] = "";
    for (int k = 0; k < cnt; k++) {
        struct pinfo *p = &v[order[k]];
        ticks += p->ticks;
        if (is_wrapper(p->comm))
            continue;
        nproc++;
        threads += p->threads;
        long r, ps;
        smaps_rollup(p->pid, &r, &ps);
        if (r < 0)
            r = p->rss_pages * pagekb;
        if (ps < 0)
            ps = r;
        rss += r;
        pss += ps;
        if (!strstr(names, p->comm) && strlen(names) + strlen(p->comm) + 2 < sizeof names) {
            if (names[0])
                strcat(names, ",");
            strcat(names, p->comm);
        }
    }
    for (char *c = names; *c; c++)
        if (*c == '"' || *c == '\\')
            *c = '_';
    printf("{\"alive\":%s,\"nproc\":%ld,\"threads\":%ld,\"cpu_s\":%.2f,\"rss_kb\":%ld,\"pss_kb\":%ld,"
           "\"comms\":\"%s\"}\n",
           root_alive ? "true" : "false", nproc, threads, (double)ticks / (double)hz, rss, pss, names);
    return 0;
}

int cmd_treepids(int argc, char **argv)
{
    if (argc != 1)
        die("usage: treepids PID");
    int root = (int)parse_long(argv[0], "pid");
    struct pinfo *v;
    int n = scan_procs(&v);
    int *order = malloc(sizeof(int) * (size_t)(n + 1));
    int cnt = tree_members(v, n, root, order);
    for (int k = cnt - 1; k >= 0; k--) /* deepest first */
        printf("%d\n", v[order[k]].pid);
    return 0;
}
