#!/usr/bin/env python3
"""Runs the benchmark (see scripts/bench.sh) and reports: markdown on stdout, JSON in
target/bench/results.json. Each measurement is repeated (--runs, default 3) and reported
as median and range."""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import bench_serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HUBMAIL = os.path.join(ROOT, "target/release/hubmail")
LATENCY = os.path.join(ROOT, "target/release/examples/search_latency")
QUERIES = os.path.join(ROOT, "queries/bench")


def run(cmd, env=None, cwd=None, quiet=True):
    """Runs a command under /usr/bin/time; returns (seconds, peak RSS in MB, stdout)."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr.decode(errors='replace')[-2000:]}")
    rss_kb = int(p.stderr.decode().strip().splitlines()[-1])
    return elapsed, rss_kb / 1024, p.stdout


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def du(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, f))
            except OSError:
                pass
    return total


def reset_maildir(md):
    """Undo hubmail's moves: cur/NAME:2,S back to new/NAME."""
    cur = os.path.join(md, "cur")
    for name in os.listdir(cur):
        os.rename(os.path.join(cur, name), os.path.join(md, "new", name.split(":2,")[0]))


def peer_queries():
    out = []
    for f in sorted(os.listdir(QUERIES)):
        if not f.endswith(".query"):
            continue
        text = open(os.path.join(QUERIES, f), encoding="utf-8").read()
        q = {"name": f[:-6], "hubmail": " ".join(l for l in text.splitlines() if l.strip() and not l.startswith("#"))}
        for tool in ("notmuch", "mu"):
            m = re.search(rf"^# {tool}: (.*)$", text, re.M)
            if m:
                q[tool] = m.group(1)
        out.append(q)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--serve-only", action="store_true",
                    help="only the load on hubmail serve, over the data of an earlier run of this N")
    ap.add_argument("--attachments-only", action="store_true",
                    help="only the ingest with and without real attachments")
    a = ap.parse_args()
    if a.quick:
        a.n, a.runs = 500, 1
    work = os.path.join(ROOT, "target/bench")
    os.makedirs(work, exist_ok=True)
    cfg = os.path.join(work, "bench.toml")
    # The default batch size (500): batches of 1000 were no faster and held 40-50 MB more.
    open(cfg, "w").write('[[space]]\nid = "bench"\ntitle = "Bench"\n')
    if a.serve_only:
        env = dict(os.environ, HUBMAIL_CONFIG=cfg, HUBMAIL_DATA_DIR=os.path.join(work, "hubmail-data"),
                   HUBMAIL_MODERATOR="bench")
        served = bench_serve.measure(HUBMAIL, env, [q["hubmail"] for q in peer_queries()], work, a.quick)
        print(bench_serve.markdown(served))
        return
    if a.attachments_only:
        print(json.dumps(attachments_variant(a, work, cfg), indent=2))
        return
    corpus = os.path.join(work, f"corpus-{a.n}-{a.seed}")
    if not os.path.isdir(os.path.join(corpus, "new")):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen-corpus.py"), "--n", str(a.n),
                        "--seed", str(a.seed), "--out", corpus], check=True)
    reset_maildir(corpus)
    raw_bytes = du(os.path.join(corpus, "new"))
    results = {"n": a.n, "seed": a.seed, "runs": a.runs, "raw_mb": raw_bytes / 1e6,
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"}

    # --- ingest: hubmail, end to end and durable --------------------------------------
    data = os.path.join(work, "hubmail-data")
    env = dict(os.environ, HUBMAIL_CONFIG=cfg, HUBMAIL_DATA_DIR=data, HUBMAIL_MODERATOR="bench")
    times, rss, stages = [], [], []
    for _ in range(a.runs):
        shutil.rmtree(data, ignore_errors=True)
        reset_maildir(corpus)
        t, m, out = run([HUBMAIL, "ingest", "--maildir", corpus, "--json", "--timings"], env=env)
        summary = json.loads(out)
        if summary["queued"] + summary["duplicates"] + summary["quarantined"] + summary["ignored"] != a.n:
            sys.exit(f"ingest lost messages: {summary}")
        times.append(t)
        rss.append(m)
        stages.append(summary["timings_ms"])
    results["hubmail_ingest"] = {
        "seconds": stats(times), "msgs_per_s": stats([a.n / t for t in times]),
        "mb_per_s": stats([raw_bytes / 1e6 / t for t in times]), "peak_rss_mb": stats(rss),
        "stages_ms": {k: statistics.median([s[k] for s in stages]) for k in stages[0]},
    }
    results["hubmail_disk"] = {"store_mb": du(os.path.join(data, "store")) / 1e6,
                               "index_mb": du(os.path.join(data, "index")) / 1e6}
    results["hubmail_disk"]["ratio_to_raw"] = (results["hubmail_disk"]["store_mb"] + results["hubmail_disk"]["index_mb"]) / (raw_bytes / 1e6)

    # --- ingest: notmuch and mu on the same Maildir -----------------------------------
    reset_maildir(corpus)
    nm_db = os.path.join(work, "notmuch-db")
    nm_cfg = os.path.join(work, "notmuch-config")
    open(nm_cfg, "w").write(f"[database]\nmail_root={corpus}\npath={nm_db}\n[new]\ntags=new\n[maildir]\nsynchronize_flags=false\n")
    nm_env = dict(os.environ, NOTMUCH_CONFIG=nm_cfg)
    times, rss = [], []
    for _ in range(a.runs):
        shutil.rmtree(nm_db, ignore_errors=True)
        os.makedirs(nm_db)
        t, m, _ = run(["notmuch", "new", "--quiet"], env=nm_env)
        times.append(t)
        rss.append(m)
    results["notmuch_ingest"] = {"seconds": stats(times), "msgs_per_s": stats([a.n / t for t in times]), "peak_rss_mb": stats(rss)}
    results["notmuch_disk_mb"] = du(nm_db) / 1e6

    mu_home = os.path.join(work, "mu-home")
    times, rss = [], []
    for _ in range(a.runs):
        shutil.rmtree(mu_home, ignore_errors=True)
        run(["mu", "init", f"--muhome={mu_home}", f"--maildir={corpus}"])
        t, m, _ = run(["mu", "index", f"--muhome={mu_home}", "--quiet"])
        times.append(t)
        rss.append(m)
    results["mu_ingest"] = {"seconds": stats(times), "msgs_per_s": stats([a.n / t for t in times]), "peak_rss_mb": stats(rss)}
    results["mu_disk_mb"] = du(mu_home) / 1e6
    h = results["hubmail_ingest"]["msgs_per_s"]["median"]
    results["ratios"] = {"ingest_vs_notmuch": h / results["notmuch_ingest"]["msgs_per_s"]["median"],
                         "ingest_vs_mu": h / results["mu_ingest"]["msgs_per_s"]["median"]}

    # --- search: in process, and whole commands beside notmuch and mu -------------------
    out = subprocess.run([LATENCY, data, QUERIES, "50" if a.quick else "300"], capture_output=True, check=True).stdout
    results["search_in_process"] = json.loads(out)
    whole = {}
    reps = 3 if a.quick else 15
    for q in peer_queries():
        entry = {}
        for tool, cmd in (
            ("hubmail", [HUBMAIL, "search", "--all", "--limit", "10", "--", q["hubmail"]]),
            ("notmuch", ["notmuch", "search", "--limit=10", q.get("notmuch", q["hubmail"])]),
            ("mu", ["mu", "find", f"--muhome={mu_home}", "--maxnum=10", q.get("mu", q["hubmail"])]),
        ):
            ts = []
            for _ in range(reps):
                t0 = time.perf_counter()
                p = subprocess.run(cmd, capture_output=True, env=nm_env if tool == "notmuch" else env)
                ts.append((time.perf_counter() - t0) * 1000)
                if p.returncode not in (0, 2, 4):  # mu exits 2/4 when nothing matches
                    sys.exit(f"failed: {cmd}: {p.stderr.decode(errors='replace')}")
            entry[tool] = stats(ts)
        whole[q["name"]] = entry
    results["search_whole_command_ms"] = whole

    # --- the moderator's commands as whole processes --------------------------------------
    mod = {}
    for name, cmd in (("queue", [HUBMAIL, "queue", "--json"]), ("show", [HUBMAIL, "show", str(a.n // 2)])):
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=env, check=True)
            ts.append((time.perf_counter() - t0) * 1000)
        mod[name] = stats(ts)
    ts = []
    for i in range(reps):
        t0 = time.perf_counter()
        subprocess.run([HUBMAIL, "approve", str(i + 1)], capture_output=True, env=env, check=True)
        ts.append((time.perf_counter() - t0) * 1000)
    mod["approve"] = stats(ts)
    results["moderation_ms"] = mod

    # --- attachments: 5 % real PDF/DOCX of 2-20 pages, beside the same corpus without -----
    results["attachments"] = attachments_variant(a, work, cfg)

    # --- hubmail serve under load (every contribution approved and published) ----------
    results["serve"] = bench_serve.measure(HUBMAIL, env, [q["hubmail"] for q in peer_queries()], work, a.quick)

    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(markdown(results))


def attachments_variant(a, work, cfg):
    """Ingest of the same messages with and without their 5 % of real papers (each read by
    the extraction worker): messages/s of each and the ratio."""
    n = min(a.n, 10000)
    out = {"n": n}
    for variant in ("none", "real"):
        corpus = os.path.join(work, f"corpus-{n}-{a.seed}-{variant}")
        if not os.path.isdir(os.path.join(corpus, "new")):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen-corpus.py"), "--n", str(n), "--seed",
                            str(a.seed), "--out", corpus, "--attachments", variant], check=True, capture_output=True)
        data = os.path.join(work, f"hubmail-data-{variant}")
        env = dict(os.environ, HUBMAIL_CONFIG=cfg, HUBMAIL_DATA_DIR=data, HUBMAIL_MODERATOR="bench")
        times, stages = [], []
        for _ in range(a.runs):
            shutil.rmtree(data, ignore_errors=True)
            reset_maildir(corpus)
            t, _, stdout = run([HUBMAIL, "ingest", "--maildir", corpus, "--json", "--timings"], env=env)
            times.append(t)
            stages.append(json.loads(stdout)["timings_ms"])
        out[variant] = {"seconds": stats(times), "msgs_per_s": stats([n / t for t in times]),
                        "extract_ms": statistics.median(s.get("extract", 0.0) for s in stages)}
    out["ratio"] = out["real"]["msgs_per_s"]["median"] / out["none"]["msgs_per_s"]["median"]
    return out


def markdown(r):
    def med(x):
        return x["median"]

    def rng(x, fmt="{:.0f}"):
        return f"{fmt.format(x['median'])} ({fmt.format(x['min'])}–{fmt.format(x['max'])})"

    hi, nm, mu = r["hubmail_ingest"], r["notmuch_ingest"], r["mu_ingest"]
    lines = [
        f"Benchmark: N = {r['n']:,} generated messages ({r['raw_mb']:.1f} MB), {r['runs']} run(s) each, on {r['machine']}",
        "",
        "| ingest | messages/s | seconds | peak RSS MB | disk MB |",
        "|---|---|---|---|---|",
        f"| hubmail (durable, indexed) | {rng(hi['msgs_per_s'])} | {rng(hi['seconds'], '{:.2f}')} | {rng(hi['peak_rss_mb'])} | {r['hubmail_disk']['store_mb'] + r['hubmail_disk']['index_mb']:.1f} ({r['hubmail_disk']['ratio_to_raw']:.2f}× raw) |",
        f"| notmuch new | {rng(nm['msgs_per_s'])} | {rng(nm['seconds'], '{:.2f}')} | {rng(nm['peak_rss_mb'])} | {r['notmuch_disk_mb']:.1f} |",
        f"| mu index | {rng(mu['msgs_per_s'])} | {rng(mu['seconds'], '{:.2f}')} | {rng(mu['peak_rss_mb'])} | {r['mu_disk_mb']:.1f} |",
        "",
        f"hubmail/notmuch {r['ratios']['ingest_vs_notmuch']:.1f}×, hubmail/mu {r['ratios']['ingest_vs_mu']:.1f}×; "
        f"hubmail MB/s {med(hi['mb_per_s']):.1f}; time per stage (ms): "
        + ", ".join(f"{k} {v:.0f}" for k, v in hi["stages_ms"].items()),
        "",
        "| search query | hits | in-process p50 / p99 ms | hubmail search ms | notmuch search ms | mu find ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in r["search_in_process"].items():
        w = r["search_whole_command_ms"].get(name, {})
        lines.append(
            f"| {name} `{s['query']}` | {s['hits']} | {s['p50_ms']:.2f} / {s['p99_ms']:.2f} | "
            f"{med(w['hubmail']):.1f} | {med(w['notmuch']):.1f} | {med(w['mu']):.1f} |"
        )
    m = r["moderation_ms"]
    att = r["attachments"]
    lines += ["", f"Moderator commands (whole process, median ms): queue --json {med(m['queue']):.1f}, "
              f"show {med(m['show']):.1f}, approve {med(m['approve']):.1f}", "",
              f"Attachments ({att['n']:,} messages, 5 % with a real PDF or DOCX of 2-20 pages, read by the "
              f"extraction worker): {med(att['real']['msgs_per_s']):.0f} msg/s beside {med(att['none']['msgs_per_s']):.0f} "
              f"msg/s without them ({att['ratio']:.2f}x; extraction {att['real']['extract_ms'] / 1000:.1f} s of the "
              f"preparing threads' time)", "",
              bench_serve.markdown(r["serve"])]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
