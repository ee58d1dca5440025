#!/usr/bin/env python3
"""heft fit's predicted pp512/tg128 against heft bench's measured ones.

bench/fit_speed.py [--heft build/heft] [-t THREADS] [-n ROUNDS] MODEL.gguf...

Each round measures the machine again (heft fit --recalibrate), then for each
model runs `heft fit MODEL --json` and at once `heft bench MODEL -p 512 -n 128
-r 2 --json`. Every step waits for a second in which other processes used
under 5% of the CPUs, and is repeated when they used 5% or more while it ran
(CPU time only: a neighbour on the memory bus goes unseen). Prints each
round's figures, then the means over the rounds as a Markdown table
(docs/performance.md, "heft fit: predicted vs measured"). The calibration
cache goes to a temporary XDG_CACHE_HOME.
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time


def cpu_jiffies():
    v = list(map(int, open("/proc/stat").readline().split()[1:]))
    return sum(v) - v[3] - v[4], sum(v)  # busy, all


def quiet_run(cmd, env):
    hz = os.sysconf("SC_CLK_TCK")
    for _ in range(60):
        while True:  # an idle second first
            b0, t0 = cpu_jiffies()
            time.sleep(1)
            b1, t1 = cpu_jiffies()
            if (b1 - b0) / max(1, t1 - t0) < 0.05:
                break
        b0, t0 = cpu_jiffies()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
        b1, t1 = cpu_jiffies()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        mine = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * hz
        if (b1 - b0 - mine) / max(1, t1 - t0) < 0.05:
            return out
        print("  (other processes ran meanwhile; again)", file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heft", default="build/heft")
    ap.add_argument("-t", "--threads", type=int, default=os.cpu_count())
    ap.add_argument("-n", "--rounds", type=int, default=3)
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    cache = tempfile.TemporaryDirectory(prefix="heft-fit-speed-")
    env = dict(os.environ, XDG_CACHE_HOME=cache.name)
    t = str(a.threads)
    rows = {}
    for r in range(a.rounds):
        quiet_run([a.heft, "fit", a.models[0], "-t", t, "--recalibrate", "--json"], env)
        for m in a.models:
            f = json.loads(quiet_run([a.heft, "fit", m, "-c", "640", "-t", t, "--json"], env))
            b = json.loads(quiet_run([a.heft, "bench", m, "-p", "512", "-n", "128", "-r", "2", "-t", t, "--json"], env))
            for o in b:
                p = f["pp_tokens_per_second"] if o["test"] == "pp512" else f["tg_tokens_per_second"]
                rows.setdefault((m, o["test"]), []).append((p, o["avg_ts"]))
                print(f"round {r + 1}: {os.path.basename(m)} {o['test']}: predicted {p:.1f}, measured {o['avg_ts']:.1f}")
    print(f"\n| model | threads | test | predicted t/s | measured t/s | error | per round | rounds |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for (m, test), v in rows.items():
        p, q = [x for x, _ in v], [y for _, y in v]
        e = [100 * (x / y - 1) for x, y in v]
        print(f"| {os.path.basename(m)} | {t} | {test} | {statistics.mean(p):.1f} ({min(p):.0f}-{max(p):.0f}) | "
              f"{statistics.mean(q):.1f} ({min(q):.0f}-{max(q):.0f}) | {100 * (statistics.mean(p) / statistics.mean(q) - 1):+.0f}% | "
              f"{min(e):+.0f}% to {max(e):+.0f}% | {len(v)} |")


if __name__ == "__main__":
    main()
