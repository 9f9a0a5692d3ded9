#!/usr/bin/env python3
"""Result handling for the benchmark harness (bench.sh): the harness appends one JSON record per
measurement to a raw file; this turns them into medians, ratios to the baseline and tables.

  report.py iperf FILE                 compact record from `iperf3 -J` output
  report.py summarize RAW.jsonl PREFIX [--baseline NAME]
                                       writes PREFIX.json / PREFIX.tsv / PREFIX.txt
  report.py show SUMMARY.json [...]    prints the tables of earlier runs again
"""
import json
import statistics
import sys

# (key, column title, unit, higher_is_better)
RATIO_METRICS = [
    ("tput_up_gbps", "up 1x", True),
    ("tput_down_gbps", "down 1x", True),
    ("tput_p4_gbps", "up 4x", True),
    ("lat_p50_us", "rr p50", False),
    ("lat_p99_us", "rr p99", False),
    ("conn_c1_per_s", "conn c1", True),
    ("conn_c32_per_s", "conn c32", True),
    ("udp_64_per_s", "udp 64", True),
    ("udp_1400_per_s", "udp 1400", True),
    ("udp_lat_p50_us", "udp p50", False),
    ("udp_lat_p99_us", "udp p99", False),
]

ABS_COLUMNS = [
    ("tput_up_gbps", "up Gb/s", "{:.1f}"),
    ("tput_down_gbps", "dn Gb/s", "{:.1f}"),
    ("tput_p4_gbps", "4x Gb/s", "{:.1f}"),
    ("lat_p50_us", "p50 us", "{:.0f}"),
    ("lat_p99_us", "p99 us", "{:.0f}"),
    ("conn_c1_per_s", "c1 conn/s", "{:.0f}"),
    ("conn_c32_per_s", "c32 conn/s", "{:.0f}"),
    ("mem_idle_pss_mb", "idle MB", "{:.1f}"),
    ("mem_hold_pss_mb", "held MB", "{:.1f}"),
    ("mem_hold_rss_mb", "held RSSsum", "{:.1f}"),
    ("mem_after_pss_mb", "after MB", "{:.1f}"),
    ("cpu_s_per_gb", "cpu s/GB", "{:.2f}"),
]

UDP_ABS_COLUMNS = [
    ("udp_64_per_s", "64 B rt/s", "{:.0f}"),
    ("udp_1400_per_s", "1400 B rt/s", "{:.0f}"),
    ("udp_lat_p50_us", "p50 us", "{:.0f}"),
    ("udp_lat_p99_us", "p99 us", "{:.0f}"),
    ("udp_lat_lost", "rr lost", "{:.0f}"),
]


def cmd_iperf(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"error": "unreadable iperf3 output: %s" % e}, separators=(",", ":")))
        return 1
    if d.get("error"):
        print(json.dumps({"error": d["error"]}, separators=(",", ":")))
        return 1
    end = d.get("end", {})
    rx = end.get("sum_received", {})
    tx = end.get("sum_sent", {})
    out = {
        "gbps": rx.get("bits_per_second", 0) / 1e9,
        "bytes": rx.get("bytes", 0),
        "seconds": rx.get("seconds", 0),
        "sent_bytes": tx.get("bytes", 0),
        "retransmits": tx.get("retransmits"),
        "streams": len(end.get("streams", [])),
    }
    print(json.dumps(out, separators=(",", ":")))
    return 0


def median(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def load_raw(path):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                recs.append(json.loads(line))
            except json.JSONDecodeError:
                recs.append({"test": "error", "peer": "?", "msg": "bad record: " + line[:200]})
    return recs


def summarize(recs, baseline):
    meta = {}
    peers = {}
    order = []

    def peer(name):
        if name not in peers:
            peers[name] = {"name": name, "desc": "", "cmd": "", "errors": [], "values": {}, "extra": {}}
            order.append(name)
        return peers[name]

    def add(p, key, val):
        p["values"].setdefault(key, []).append(val)

    tput_bytes = {}
    tput_cpu = {}
    for r in recs:
        t = r.get("test")
        if t == "meta":
            meta = r.get("data", {})
            continue
        p = peer(r.get("peer", "?"))
        d = r.get("data") or {}
        if t == "info":
            p["desc"] = r.get("desc", "")
            p["cmd"] = r.get("cmd", "")
            p["kind"] = r.get("kind", "forwarder")
            p["udp"] = r.get("udp", p["kind"] == "direct")
            if r.get("udp_cmd"):
                p["udp_cmd"] = r["udp_cmd"]
        elif t == "error":
            p["errors"].append("%s: %s" % (r.get("phase", "?"), r.get("msg", "")))
        elif t == "tput":
            mode = r.get("mode")
            if d.get("error"):
                p["errors"].append("tput %s rep %s: %s" % (mode, r.get("rep"), d["error"]))
                continue
            add(p, "tput_%s_gbps" % mode, d.get("gbps"))
            if r.get("cpu_s") is not None:
                tput_bytes.setdefault(p["name"], {}).setdefault(mode, 0)
                tput_bytes[p["name"]][mode] += d.get("bytes", 0)
                tput_cpu.setdefault(p["name"], {}).setdefault(mode, 0.0)
                tput_cpu[p["name"]][mode] += r["cpu_s"]
        elif t == "lat":
            if d.get("error") or not d.get("complete", False):
                p["errors"].append("lat rep %s: %s (n=%s)" % (r.get("rep"), d.get("error"), d.get("n")))
            if d.get("n"):
                add(p, "lat_p50_us", d.get("p50_us"))
                add(p, "lat_p99_us", d.get("p99_us"))
                add(p, "lat_p999_us", d.get("p999_us"))
                add(p, "lat_mean_us", d.get("mean_us"))
        elif t == "conn":
            c = d.get("conc", r.get("conc"))
            if d.get("timed_out"):
                add(p, "conn_c%s_time_bounded" % c, 1)
            if d.get("err") or d.get("error"):
                p["errors"].append(
                    "conn c%s rep %s: ok=%s err=%s timed_out=%s %s"
                    % (c, r.get("rep"), d.get("ok"), d.get("err"), d.get("timed_out"),
                       d.get("first_error", "") or d.get("error", ""))
                )
            if d.get("ok"):
                add(p, "conn_c%s_per_s" % c, d.get("rate"))
                add(p, "conn_c%s_p50_us" % c, d.get("p50_us"))
                add(p, "conn_c%s_p99_us" % c, d.get("p99_us"))
        elif t == "udp":
            size = d.get("size", r.get("size"))
            if d.get("error"):
                p["errors"].append("udp %s B rep %s: %s" % (size, r.get("rep"), d["error"]))
            if d.get("measured") and not d.get("bad"):
                add(p, "udp_%s_per_s" % size, d.get("rate"))
                add(p, "udp_%s_stalls" % size, d.get("stalls"))
        elif t == "udplat":
            if d.get("error") or not d.get("complete", False):
                p["errors"].append("udp rr rep %s: %s (n=%s)" % (r.get("rep"), d.get("error"), d.get("n")))
            if d.get("n"):
                add(p, "udp_lat_p50_us", d.get("p50_us"))
                add(p, "udp_lat_p99_us", d.get("p99_us"))
                add(p, "udp_lat_p999_us", d.get("p999_us"))
                add(p, "udp_lat_mean_us", d.get("mean_us"))
                add(p, "udp_lat_lost", d.get("lost"))
        elif t == "mem":
            st = r.get("state")
            if d.get("rss_kb") is not None:
                add(p, "mem_%s_rss_mb" % st, d["rss_kb"] / 1024.0)
                add(p, "mem_%s_pss_mb" % st, d["pss_kb"] / 1024.0)
                add(p, "mem_%s_nproc" % st, d.get("nproc"))
                add(p, "mem_%s_threads" % st, d.get("threads"))
                p["extra"]["comms"] = d.get("comms", p["extra"].get("comms"))
        elif t == "hold":
            add(p, "hold_ok", d.get("ok"))
            add(p, "hold_secs", d.get("elapsed_s"))
            if d.get("err"):
                p["errors"].append("hold: ok=%s err=%s %s" % (d.get("ok"), d.get("err"), d.get("first_error", "")))

    for name, modes in tput_bytes.items():
        p = peers[name]
        tb = sum(modes.values())
        tc = sum(tput_cpu[name].values())
        if tb > 0:
            p["values"]["cpu_s_per_gb"] = [tc / (tb / 1e9)]
            for m, b in modes.items():
                if b > 0:
                    p["values"]["cpu_s_per_gb_%s" % m] = [tput_cpu[name][m] / (b / 1e9)]

    if baseline not in peers:
        for cand in ("direct", "direct-lo"):
            if cand in peers:
                baseline = cand
                break
    base = peers.get(baseline)
    out_peers = []
    for name in order:
        p = peers[name]
        metrics = {}
        for k, v in p["values"].items():
            metrics[k] = {"median": median(v), "values": v}
        ratios = {}
        if base is not None:
            for k, _, _ in RATIO_METRICS:
                a = metrics.get(k, {}).get("median")
                b = base["values"].get(k)
                b = median(b) if b else None
                if a is not None and b:
                    ratios[k] = a / b
        out_peers.append(
            {
                "name": name,
                "kind": p.get("kind", "forwarder"),
                "desc": p["desc"],
                "cmd": p["cmd"],
                "udp": p.get("udp", True),
                "udp_cmd": p.get("udp_cmd", ""),
                "errors": p["errors"],
                "metrics": metrics,
                "ratio_to_baseline": ratios,
                "extra": p["extra"],
            }
        )
    return {"meta": meta, "baseline": baseline if base is not None else None, "peers": out_peers}


def fmt(v, f):
    if v is None:
        return "-"
    try:
        return f.format(v)
    except (ValueError, TypeError):
        return str(v)


def table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(str(h).rjust(w) if i else str(h).ljust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


TESTS = ("tput", "lat", "conn", "mem", "udp")


def test_of(key):
    """The harness test (-t) a metric comes from."""
    return "tput" if key.startswith("cpu_") else key.split("_", 1)[0]


def tests_run(meta):
    """The tests of a run; every one for a summary that does not say."""
    t = meta.get("tests")
    return set(t.split(",")) if t else set(TESTS)


def abs_table(summary, cols):
    hdr = ["peer"] + [t for _, t, _ in cols]
    rows = []
    for p in summary["peers"]:
        m = p["metrics"]
        rows.append([p["name"]] + [fmt(m.get(k, {}).get("median"), f) for k, _, f in cols])
    return table(rows, hdr)


def render(summary):
    out = []
    meta = summary.get("meta", {})
    base = summary.get("baseline")
    if meta:
        out.append(
            "run %s on %s (kernel %s, %s CPUs); reps=%s%s; direct path: %s; pinning: %s"
            % (
                meta.get("started", "?"),
                meta.get("host", "?"),
                meta.get("kernel", "?"),
                meta.get("cpus", "?"),
                meta.get("reps", "?"),
                " (quick: short runs)" if meta.get("quick") else "",
                meta.get("direct_path", "?"),
                meta.get("pinning", "?"),
            )
        )
        if meta.get("bridge", "").strip():
            out.append("bridge: %s" % meta["bridge"].strip())
    shown = tests_run(meta)
    ratio_cols = [c for c in RATIO_METRICS if test_of(c[0]) in shown]
    out.append("")
    if "udp" in shown:
        out.append("Ratios to '%s' (medians). Throughput, conn/s and UDP round trips/s: fraction of direct" % base)
        out.append("(higher is better); request/response latency (rr, udp p50/p99): multiple of direct (lower is better).")
    else:
        out.append("Ratios to '%s' (medians). Throughput and conn/s: fraction of direct (higher is better);" % base)
        out.append("request/response latency: multiple of direct (lower is better).")
    hdr = ["peer"] + [t for _, t, _ in ratio_cols]
    rows = []
    for p in summary["peers"]:
        r = p.get("ratio_to_baseline", {})
        rows.append([p["name"]] + [fmt(r.get(k), "{:.2f}") for k, _, _ in ratio_cols])
    out.append(table(rows, hdr))
    abs_cols = [c for c in ABS_COLUMNS if test_of(c[0]) in shown]
    if abs_cols:
        out.append("")
        out.append("Absolute medians (noisy; shared machine). Memory = PSS summed over the forwarder's processes;")
        out.append("'held' = with %s idle connections open through it ('RSSsum' = plain sum of RSS);"
                   % meta.get("hold_conns", "N"))
        out.append("'after' = idle again after the latency and connection-rate tests (tens of thousands of connections);")
        out.append("cpu = forwarder CPU seconds per GB moved during the iperf3 runs.")
        out.append(abs_table(summary, abs_cols))
    if "udp" in shown:
        out.append("")
        out.append("UDP, absolute medians: round trips/s with %s datagrams in flight (each one datagram through the"
                   % meta.get("udp_window", "N"))
        out.append("forwarder either way); p50/p99: one %s-byte datagram at a time; 'rr lost': requests with no answer"
                   % meta.get("udp_lat_size", "N"))
        out.append("within 200 ms, per run.")
        no_udp = [p["name"] for p in summary["peers"] if not p.get("udp", True)]
        if no_udp:
            out.append("'-' for %s: no UDP forwarding." % ", ".join(no_udp))
        out.append(abs_table(summary, UDP_ABS_COLUMNS))
    errs = [(p["name"], e) for p in summary["peers"] for e in p["errors"]]
    if errs:
        out.append("")
        out.append("Problems seen:")
        for n, e in errs:
            out.append("  %s: %s" % (n, e))
    return "\n".join(out)


def write_tsv(summary, path):
    with open(path, "w") as f:
        f.write("peer\tmetric\tmedian\tratio_to_baseline\tn\tvalues\n")
        for p in summary["peers"]:
            for k in sorted(p["metrics"]):
                m = p["metrics"][k]
                r = p["ratio_to_baseline"].get(k)
                vals = ",".join("%.6g" % v if isinstance(v, (int, float)) else str(v) for v in m["values"])
                med = m["median"]
                f.write(
                    "%s\t%s\t%s\t%s\t%d\t%s\n"
                    % (
                        p["name"],
                        k,
                        "" if med is None else "%.6g" % med,
                        "" if r is None else "%.4f" % r,
                        len(m["values"]),
                        vals,
                    )
                )


def cmd_summarize(args):
    raw, prefix = args[0], args[1]
    baseline = "direct"
    if len(args) > 3 and args[2] == "--baseline":
        baseline = args[3]
    s = summarize(load_raw(raw), baseline)
    with open(prefix + ".json", "w") as f:
        json.dump(s, f, indent=1)
    write_tsv(s, prefix + ".tsv")
    text = render(s)
    with open(prefix + ".txt", "w") as f:
        f.write(text + "\n")
    print(text)
    return 0


def cmd_show(paths):
    for pth in paths:
        with open(pth) as f:
            s = json.load(f)
        print("== %s" % pth)
        print(render(s))
        print()
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    c = argv[1]
    if c == "iperf" and len(argv) == 3:
        return cmd_iperf(argv[2])
    if c == "summarize" and len(argv) >= 4:
        return cmd_summarize(argv[2:])
    if c == "show" and len(argv) >= 3:
        return cmd_show(argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
