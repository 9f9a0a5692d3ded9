namespace NetnsTcpBridge.Privileges;

/// <summary>
/// The system calls a part may make once it serves: what relaying, the runtime and the part's
/// own watchers use, by their x86-64 numbers (the executable runs on nothing else).
/// </summary>
/// <remarks>
/// Everything that could change who the process is or what it can reach is left out: execve,
/// ptrace, mount, setns, unshare, the setuid family, capset, bpf, module loading, keyrings,
/// process_vm_*, chmod, chown, link and rename among them. Set-up (entering namespaces, binding,
/// spawning the connector) is done before the filter is installed. The list was taken from what
/// the parts called across every test, and the tests fail when a part is refused a call.
/// </remarks>
internal static class SyscallAllowList
{
    public static ReadOnlySpan<ushort> Numbers =>
    [
        // Moving bytes, most frequent first: the relay's hot path.
        275, // splice
        232, // epoll_wait
        281, // epoll_pwait
        441, // epoll_pwait2
        0, // read
        1, // write
        19, // readv
        20, // writev
        45, // recvfrom
        44, // sendto
        47, // recvmsg
        46, // sendmsg
        299, // recvmmsg
        307, // sendmmsg
        288, // accept4
        43, // accept
        233, // epoll_ctl
        // Sockets and pipes: opening, connecting, options, closing.
        41, // socket
        53, // socketpair
        42, // connect
        49, // bind
        50, // listen
        48, // shutdown
        51, // getsockname
        52, // getpeername
        54, // setsockopt
        55, // getsockopt
        293, // pipe2
        22, // pipe
        3, // close
        436, // close_range
        72, // fcntl
        16, // ioctl
        32, // dup
        292, // dup3
        7, // poll
        271, // ppoll
        290, // eventfd2
        276, // tee
        40, // sendfile
        // Files read at run time (/proc, /etc for names) and socket files removed at exit.
        257, // openat
        2, // open
        5, // fstat
        262, // newfstatat
        332, // statx
        8, // lseek
        17, // pread64
        217, // getdents64
        89, // readlink
        267, // readlinkat
        269, // faccessat
        439, // faccessat2
        21, // access
        87, // unlink
        263, // unlinkat
        // Memory, as the runtime's allocator and garbage collector use it.
        12, // brk
        9, // mmap
        11, // munmap
        10, // mprotect
        25, // mremap
        28, // madvise
        27, // mincore
        324, // membarrier
        // Threads, locks and signals, as the runtime uses them.
        56, // clone
        435, // clone3
        202, // futex
        273, // set_robust_list
        274, // get_robust_list
        334, // rseq
        218, // set_tid_address
        24, // sched_yield
        204, // sched_getaffinity
        203, // sched_setaffinity
        143, // sched_getparam
        145, // sched_getscheduler
        146, // sched_get_priority_max
        147, // sched_get_priority_min
        186, // gettid
        39, // getpid
        110, // getppid
        234, // tgkill
        200, // tkill
        13, // rt_sigaction
        14, // rt_sigprocmask
        15, // rt_sigreturn
        128, // rt_sigtimedwait
        131, // sigaltstack
        219, // restart_syscall
        60, // exit
        231, // exit_group
        // Processes: watching the other part and namespace owners, signalling connectors (by pidfd);
        // kill: the runtime re-raises a signal on its own process with it.
        434, // pidfd_open
        424, // pidfd_send_signal
        62, // kill
        247, // waitid
        61, // wait4
        // Time.
        228, // clock_gettime
        229, // clock_getres
        230, // clock_nanosleep
        35, // nanosleep
        96, // gettimeofday
        // Facts about the process and the machine.
        102, // getuid
        107, // geteuid
        104, // getgid
        108, // getegid
        115, // getgroups
        118, // getresuid
        120, // getresgid
        125, // capget
        157, // prctl
        63, // uname
        99, // sysinfo
        318, // getrandom
        302, // prlimit64
        97, // getrlimit
        140, // getpriority
        79, // getcwd
        98, // getrusage (the runtime's thread pool, for its CPU use)
    ];
}
