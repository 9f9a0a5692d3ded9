import socket, subprocess, sys, time, statistics
binary, ns = sys.argv[1], sys.argv[2]
times = []
for i in range(15):
    port = 7100 + i
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "-l", f"127.0.0.1:{port}", "-f", f"/run/netns/{ns}", "-c", "127.0.0.1:9", "-q"])
    while True:
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port)); s.close(); break
        except OSError:
            s.close(); time.sleep(0.0002)
    times.append((time.perf_counter() - t0) * 1000)
    p.terminate(); p.wait()
print("start to listening ms: min %.1f median %.1f max %.1f" % (min(times), statistics.median(times), max(times)))
