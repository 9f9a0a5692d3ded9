#!/usr/bin/env python3
"""Turns the suite's results.tsv into a Markdown table: every rate with its check and its ratio to
the same client over 'direct' (a veth, no bridge) measured in the same run."""
import argparse
import os
import platform
import subprocess


def machine():
    cores = os.cpu_count()
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return f"{cores} cores ({model}), kernel {platform.release()}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("--started", default="")
    p.add_argument("--profile", default="full")
    a = p.parse_args()
    rows = []
    with open(a.results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 6:
                rows.append((parts + [""])[:7])
    direct = {(r[0], r[1]): float(r[3]) for r in rows if r[2] == "direct" and r[5] == "ok"}
    print(f"Real clients, {a.profile} run started {a.started} on {machine()}")
    print()
    print("| case | test | path | result | check | ratio to direct |")
    print("|---|---|---|---|---|---|")
    for case, test, mode, value, unit, check, note in rows:
        base = direct.get((case, test))
        ratio = ""
        if mode not in ("direct", "-") and unit != "-" and base and check == "ok":
            ratio = f"{float(value) / base:.2f}"
        shown = f"{value} {unit}" if unit != "-" else ""
        verdict = check + (f": {note}" if note else "")
        print(f"| {case} | {test} | {mode} | {shown} | {verdict} | {ratio} |")
    failed = sum(1 for r in rows if r[5] != "ok")
    print()
    print(f"{len(rows)} results, {failed} failed checks")


if __name__ == "__main__":
    main()
