"""``python -m ndkern bench``: ndkern side by side with NumPy, SciPy, OpenCV, Numba.

Every case runs all its participants in one process, round-robin (ndkern,
peer, peer, ndkern, ...), and reports medians, so a noisy shared machine
slows them all alike and the ratios stay meaningful.  Like timeit, each turn
times a burst of back-to-back calls lasting at least BURST_SECONDS and
counts the time per call: the steady state of a loop, not the first call
after another program's turn (which waits for idle cores to wake).  Each case first checks
that ndkern's result equals the peer's (integers) or agrees to rounding
(floats).  Missing peers are skipped with a note.
"""

import json
import os
import platform
import statistics
import time
from typing import Any, Dict, List

import numpy as np

import ndkern

SEED_NOTE = ("seed algorithm = the seed tutorial's naive_convolve (typed loops), "
             "compiled with Numba")


def add_arguments(parser):
    parser.add_argument("--quick", action="store_true",
                        help="shorter timing budget and fewer kernel sizes")
    parser.add_argument("--threads", type=int, default=None,
                        help="ndkern threads (default: ndkern.get_num_threads())")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="also plot speed-ups and the kernel-size sweep (matplotlib)")
    parser.add_argument("--scale-out", action="store_true",
                        help="add the Dask LocalCluster row (20000x20000 float32 image)")


def main(args):
    if args.threads is not None:
        ndkern.set_num_threads(args.threads)
    budget = 0.6 if args.quick else 1.5
    peers = _load_peers()
    machine = _machine(peers)
    _print_machine(machine, peers)

    from . import _bench_grid as grid
    quick = args.quick
    results = []
    # The table of sections: (title, cases(peers)); add a row to add a section.
    sections = [
        ("convolve2d, 1000x1000 (*) 9x9, mode='full'", _convolution_cases),
        ("kernel-size sweep, 1000x1000 (*) KxK, mode='same', method='auto'",
         lambda p: grid.ksweep_cases(p, (3, 9, 31, 127) if quick
                                     else (3, 5, 7, 9, 11, 15, 21, 31, 63, 127, 255))),
        ("method='auto' against ndkern's 'direct' and 'fft', 1000x1000 (*) KxK, mode='same'",
         lambda p: grid.auto_vs_cases(p, (9, 63) if quick
                                      else (3, 9, 15, 21, 31, 47, 63, 127, 255))),
        ("size sweep, NxN (*) KxK, mode='same' (uint8: equal outputs, see _bench_grid)",
         lambda p: grid.grid_cases(p, quick)),
        ("a stack, 2000 x 84x84 (*) 13x13 float32, mode='valid', one call", _stack_cases),
        ("threads: default against 1 thread, back-to-back calls", grid.threads_cases),
        ("sum_array", _sum_cases),
        ("square_array", _square_cases),
        ("Python call overhead", _overhead_cases),
    ]
    if not quick:
        sections.insert(3, ("large images, mode='same', method='auto'",
                            lambda p: grid.ksweep_cases(p, (127,), size=2000, tag="large") +
                            grid.ksweep_cases(p, (63,), size=4000, tag="large",
                                              dtypes=("float32",))))
    for title, make_cases in sections:
        print(f"\n== {title}")
        _print_header()
        for case in make_cases(peers):
            result = _run_case(case, budget, machine)
            results.append(result)
            _print_result(result)
    if args.scale_out:
        print("\n== scale-out: 20000x20000 float32 (*) 9x9, mode='same', boundary='symm'")
        _print_header()
        result = _scale_out()
        if result is not None:
            results.append(result)
            _print_result(result)

    print("\n== targets of issues 10 and 11 (lowest ratio = peer time / ndkern time over the "
          "rows measured; one run)")
    print(grid.format_targets(grid.target_rows(results)))

    if args.json:
        with open(args.json, "w") as out:
            json.dump({"machine": machine, "results": results}, out, indent=1)
        print(f"\nwrote {args.json}")
    if args.plot:
        _plot(results, args.plot)
        grid.plot_heatmap(results, _heatmap_path(args.plot))
    return 0


def _heatmap_path(plot_path):
    """The size sweep's heatmap, next to the main plot: NAME-heatmap.png."""
    stem, ext = os.path.splitext(plot_path)
    return f"{stem}-heatmap{ext or '.png'}"


# ------------------------------------------------------------------ peers

def _load_peers():
    peers: Dict[str, Any] = {}
    for name, module in (("scipy", "scipy.signal"), ("cv2", "cv2"), ("numba", "numba")):
        try:
            peers[name] = __import__(module, fromlist=["_"])
        except ImportError:
            peers[name] = None
    return peers


def _seed_convolve(numba):
    """The seed tutorial's naive_convolve, compiled with Numba (full output)."""
    @numba.njit(cache=False)
    def naive_convolve(f, g):
        vmax, wmax = f.shape
        smax, tmax = g.shape
        smid, tmid = smax // 2, tmax // 2
        xmax, ymax = vmax + 2 * smid, wmax + 2 * tmid
        h = np.zeros((xmax, ymax), dtype=f.dtype)
        for x in range(xmax):
            for y in range(ymax):
                s_from = max(smid - x, -smid)
                s_to = min((xmax - x) - smid, smid + 1)
                t_from = max(tmid - y, -tmid)
                t_to = min((ymax - y) - tmid, tmid + 1)
                value = 0
                for s in range(s_from, s_to):
                    for t in range(t_from, t_to):
                        value += g[smid - s, tmid - t] * f[x - smid + s, y - tmid + t]
                h[x, y] = value
        return h
    return naive_convolve


# ------------------------------------------------------------------ cases

def _case(name, work, ours, peers, *, check=None, kind="flop", tags=()):
    """A case: `work` is flops (kind 'flop') or bytes moved (kind 'byte')."""
    return {"name": name, "work": work, "kind": kind, "ours": ours,
            "peers": {k: v for k, v in peers.items() if v is not None},
            "check": check, "tags": tags}


def _conv_flops(image_shape, kernel_shape):
    out = [n + k - 1 for n, k in zip(image_shape, kernel_shape)]
    return 2.0 * out[0] * out[1] * kernel_shape[0] * kernel_shape[1]


def _conv_peers(peers, f, g, *, direct=True, seed=False):
    scipy, cv2, numba = peers["scipy"], peers["cv2"], peers["numba"]
    out = {}
    if scipy is not None and direct:
        out["scipy.signal.convolve2d"] = lambda: scipy.convolve2d(f, g)
    if scipy is not None and f.dtype.kind == "f":
        out["scipy.signal.fftconvolve"] = lambda: scipy.fftconvolve(f, g)
        out["scipy.signal.oaconvolve"] = lambda: scipy.oaconvolve(f, g)
    if cv2 is not None and f.dtype.kind == "f":
        # filter2D correlates and keeps the image size: with the kernel
        # reversed, anchor (0, 0) and the image zero-padded by K-1, the first
        # N+K-1 rows and columns are the full convolution.
        kh, kw = g.shape
        padded = np.pad(f, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
        flipped = np.ascontiguousarray(g[::-1, ::-1])
        rows, cols = f.shape[0] + kh - 1, f.shape[1] + kw - 1
        out["cv2.filter2D"] = lambda: cv2.filter2D(
            padded, -1, flipped, anchor=(0, 0),
            borderType=cv2.BORDER_CONSTANT)[:rows, :cols]
    if numba is not None and seed:
        naive = _seed_convolve(numba)
        out["seed algorithm (Numba)"] = lambda: naive(f, g)
    return out


def _convolution_cases(peers):
    rng = np.random.default_rng(0)
    cases = []
    for dtype in (np.float32, np.float64):
        f = rng.standard_normal((1000, 1000)).astype(dtype)
        g = rng.standard_normal((9, 9)).astype(dtype)
        cases.append(_case(f"{np.dtype(dtype).name}", _conv_flops(f.shape, g.shape),
                           lambda f=f, g=g: ndkern.convolve2d(f, g),
                           _conv_peers(peers, f, g, seed=True), tags=("convolve",)))
    # The seed benchmark: f = arange(1000*1000), g = arange(81), int64.
    f = np.arange(1000 * 1000, dtype=np.int64).reshape(1000, 1000)
    g = np.arange(81, dtype=np.int64).reshape(9, 9)
    cases.append(_case("int64 (seed arrays)", _conv_flops(f.shape, g.shape),
                       lambda: ndkern.convolve2d(f, g), _conv_peers(peers, f, g, seed=True),
                       tags=("convolve",)))
    return cases


def _stack_cases(peers):
    """scipy#9872's stack: one ndkern call on the whole stack against a loop
    of cv2.filter2D calls, scipy.signal.fftconvolve over axes (1, 2) and a
    loop of ndkern's own 2-D calls."""
    rng = np.random.default_rng(3)
    f = rng.standard_normal((2000, 84, 84)).astype(np.float32)
    g = rng.standard_normal((13, 13)).astype(np.float32)
    scipy, cv2 = peers["scipy"], peers["cv2"]
    out: Dict[str, Any] = {}
    if cv2 is not None:
        # filter2D correlates around the kernel's centre and keeps the size:
        # with the kernel reversed, the valid part starts K//2 in.
        flipped, half = np.ascontiguousarray(g[::-1, ::-1]), 13 // 2
        out["cv2.filter2D loop"] = lambda: np.stack([
            cv2.filter2D(image, -1, flipped)[half:-half, half:-half] for image in f])
    if scipy is not None:
        out["scipy.signal.fftconvolve(axes=(1, 2))"] = lambda: scipy.fftconvolve(
            f, g[None], mode="valid", axes=(1, 2))
    out["ndkern 2-D loop"] = lambda: np.stack([ndkern.convolve2d(image, g, "valid")
                                               for image in f])
    work = 2.0 * f.shape[0] * 72 * 72 * 13 * 13
    return [_case("2000 x 84x84 (*) 13x13", work,
                  lambda: ndkern.convolve2d(f, g, "valid"), out, tags=("stack",))]


def _sum_cases(peers):
    rng = np.random.default_rng(2)
    n = 8 * 1024 * 1024
    x64 = rng.standard_normal(n)
    x32 = x64.astype(np.float32)
    i32 = rng.integers(-1000, 1000, n, dtype=np.int32)
    y = rng.standard_normal((2048, 4096))
    cases = []
    for label, x, axis in (("8M float64", x64, None), ("8M float32", x32, None),
                           ("8M int32", i32, None), ("2048x4096 float64, axis=0", y, 0),
                           ("2048x4096 float64, axis=1", y, 1)):
        cases.append(_case(label, x.nbytes, lambda x=x, axis=axis: ndkern.sum_array(x, axis=axis),
                           {"numpy.sum": lambda x=x, axis=axis: np.sum(x, axis=axis)},
                           check=lambda x=x, axis=axis: _check_sum(x, axis),
                           kind="byte", tags=("sum",)))
    return cases


def _check_sum(x, axis):
    """Errors of ndkern and NumPy against an extended-precision sum, and
    whether ndkern is within its documented bound (20 + log2 n) eps sum|x|."""
    ours, theirs = ndkern.sum_array(x, axis=axis), np.sum(x, axis=axis)
    if x.dtype.kind in "iu":
        return "equal" if np.array_equal(ours, theirs) else "DIFFERENT from numpy.sum"
    exact = np.sum(x.astype(np.longdouble), axis=axis)
    n = x.size if axis is None else x.shape[axis]
    eps = np.finfo(ours.dtype).eps / 2
    # float32 results are rounded once from the double-precision sum.
    bound = (20 + np.log2(n)) * 2.0**-53 * np.sum(np.abs(x), axis=axis, dtype=np.float64) \
        + eps * np.abs(exact.astype(np.float64))
    our_error = np.abs((ours - exact).astype(np.float64))
    their_error = np.max(np.abs((theirs - exact).astype(np.float64)))
    verdict = "within bound" if np.all(our_error <= bound) else "OUTSIDE BOUND"
    return f"{verdict}; max error {np.max(our_error):.1e} (numpy {their_error:.1e})"


def _square_cases(peers):
    ones = np.ones(8 * 1024 * 1024)  # squaring in place leaves it unchanged
    return [_case("8M float64, in place", 2 * ones.nbytes,
                  lambda: ndkern.square_array(ones, out=ones),
                  {"numpy.square(out=)": lambda: np.square(ones, out=ones)},
                  kind="byte", tags=("square",))]


def _overhead_cases(peers):
    x = np.arange(10.0)

    def repeat(call, times=2000):
        def run():
            for _ in range(times):
                call()
        return run
    # One "run" is 2000 calls; the table shows the time per 2000 calls.
    cases = [_case("10-element sum, 2000 calls", 0, repeat(lambda: ndkern.sum_array(x)),
                   {"numpy.sum": repeat(lambda: np.sum(x))}, kind="none", tags=("overhead",))]
    image = np.random.default_rng(3).random((32, 32), dtype=np.float32)
    kernel = np.random.default_rng(4).random((3, 3), dtype=np.float32)
    flipped, cv2 = np.ascontiguousarray(kernel[::-1, ::-1]), peers["cv2"]
    # filter2D correlates around the centre: with the kernel reversed it is 'same'.
    conv_peers = {} if cv2 is None else {"cv2.filter2D": repeat(lambda: cv2.filter2D(
        image, -1, flipped, borderType=cv2.BORDER_CONSTANT))}
    cases.append(_case("32x32 (*) 3x3 float32 'same', 2000 calls", 0,
                       repeat(lambda: ndkern.convolve2d(image, kernel, mode="same")),
                       conv_peers, kind="none", tags=("overhead",)))
    return cases


def _scale_out(size=20000, repeats=2):
    """ndkern on the whole image in this process against ndkern.dask on a
    LocalCluster of 2 worker processes (cluster start-up and data creation
    excluded; the result stays on the workers)."""
    try:
        from ndkern import dask as nd_dask
        import distributed  # noqa: F401
    except ImportError as error:
        print(f"   skipped: {error}")
        return None
    image = np.random.default_rng(0).random((size, size), dtype=np.float32)
    kernel = np.random.default_rng(1).random((9, 9)).astype(np.float32)
    out = np.empty_like(image)
    ours = [_seconds(lambda: ndkern.convolve2d(image, kernel, mode="same", boundary="symm",
                                               out=out)) for _ in range(repeats + 1)][1:]
    del image, out
    import logging
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # shutdown chatter
    cluster = [nd_dask.bench_scale_out(size=size)["seconds"] for _ in range(repeats)]
    seconds = {"ndkern": statistics.median(ours),
               "ndkern.dask, 2 worker processes": statistics.median(cluster)}
    return {"case": f"{size}x{size} float32", "tags": ["scale-out"], "kind": "flop",
            "work": 2.0 * size * size * 81, "seconds": seconds,
            "runs": {"ndkern": repeats, "ndkern.dask, 2 worker processes": repeats},
            "best_peer": "ndkern.dask, 2 worker processes", "check": "-",
            "rate": f"{2.0 * size * size * 81 / seconds['ndkern'] / 1e9:.0f} GFLOP/s"}


# ------------------------------------------------------------------ timing

BURST_SECONDS = 0.01


def _run_case(case, budget, machine):
    budget = case.get("budget", budget)
    participants = {"ndkern": case["ours"], **case["peers"]}
    check = _check(case)
    times: Dict[str, List[float]] = {name: [] for name in participants}
    burst = {}
    for name, call in participants.items():  # warm-up (and compile, for Numba)
        start = time.perf_counter()
        call()
        times[name].append(time.perf_counter() - start)
        burst[name] = max(1, min(100, int(BURST_SECONDS / max(times[name][0], 1e-9)) + 1))
    # Round-robin; a participant slower than the budget runs once more only.
    deadline = time.perf_counter() + budget * len(participants)
    rounds = 0
    while rounds < 3 or (time.perf_counter() < deadline and rounds < 25):
        for name, call in participants.items():
            if rounds > 0 and times[name][0] > budget:
                continue
            start = time.perf_counter()
            for _ in range(burst[name]):
                call()
            times[name].append((time.perf_counter() - start) / burst[name])
        rounds += 1
    medians = {name: statistics.median(t[1:] if len(t) > 1 else t) for name, t in times.items()}
    best_peer = min((n for n in medians if n != "ndkern"), key=medians.__getitem__, default=None)
    return {"case": case["name"], "tags": list(map(str, case["tags"])), "kind": case["kind"],
            "work": case["work"], "seconds": medians, "runs": {n: len(t) for n, t in times.items()},
            "best_peer": best_peer, "check": check,
            "rate": _rate(case, medians["ndkern"], machine),
            **{key: case[key] for key in ("skipped", "fft_error") if key in case}}


def _check(case):
    """'equal', 'close' or a failure note: ndkern's result against the first peer
    (or the case's own check)."""
    if case["check"] is not None:
        return case["check"]()
    if not case["peers"] or case["kind"] == "none":
        return "-"
    ours = np.asarray(case["ours"]())
    name, peer = next(iter(case["peers"].items()))
    theirs = np.asarray(peer())
    if ours.shape != theirs.shape:
        return f"SHAPE {ours.shape} vs {theirs.shape} ({name})"
    if np.array_equal(ours, theirs):
        return "equal"
    scale = np.max(np.abs(theirs)) if theirs.size else 0.0
    eps = np.finfo(ours.dtype).eps if ours.dtype.kind in "fc" else 0.0
    if ours.dtype.kind in "fc" and np.allclose(ours, theirs, rtol=100 * eps,
                                               atol=1000 * eps * scale):
        return "close"
    return f"DIFFERENT from {name}"


def _rate(case, seconds, machine):
    if case["kind"] == "flop":
        return f"{case['work'] / seconds / 1e9:.0f} GFLOP/s"
    if case["kind"] == "byte":
        return f"{case['work'] / seconds / 1e9:.1f} GB/s"
    return ""


# ------------------------------------------------------------------ machine

def _machine(peers):
    model, mhz = platform.processor() or platform.machine(), None
    try:
        with open("/proc/cpuinfo") as info:
            fields = dict(line.split(":", 1) for line in info if ":" in line)
        model = fields.get("model name\t", model).strip()
        mhz = float(fields["cpu MHz\t\t"]) if "cpu MHz\t\t" in fields else None
    except (OSError, ValueError):
        pass
    threads = ndkern.get_num_threads()
    versions = {"numpy": np.__version__}
    for name, module in peers.items():
        if module is not None:
            top = __import__(module.__name__.split(".")[0])
            versions[name] = getattr(top, "__version__", "?")
    return {"cpu": model, "cpus": os.cpu_count(), "nominal_mhz": mhz,
            "simd": ndkern.simd_level(), "threads": threads, "ndkern": ndkern.__version__,
            "versions": versions, "memcpy_gbs": _memcpy_bandwidth()}


def _memcpy_bandwidth():
    """Copy bandwidth of this machine as NumPy sees it (bytes read + written)."""
    src = np.ones(8 * 1024 * 1024)
    dst = np.empty_like(src)
    best = min(_seconds(lambda: np.copyto(dst, src)) for _ in range(7))
    return round(2 * src.nbytes / best / 1e9, 1)


def _seconds(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


# float32 flops per cycle and core of a level: two FMA pipes of that width.
_FLOAT32_FLOPS_PER_CYCLE = {"avx2": (32, "AVX2+FMA"), "avx512": (64, "AVX-512F")}


def _print_machine(machine, peers):
    print(f"ndkern {machine['ndkern']} ({ndkern.library_path})")
    print(f"CPU: {machine['cpu']}, {machine['cpus']} logical CPUs, "
          f"nominal {machine['nominal_mhz']} MHz; SIMD level {machine['simd']}; "
          f"ndkern threads {machine['threads']}")
    per_cycle, isa = _FLOAT32_FLOPS_PER_CYCLE.get(machine["simd"], (0, ""))
    if machine["nominal_mhz"] and per_cycle:
        peak32 = machine["nominal_mhz"] * 1e6 * per_cycle * machine["threads"] / 1e9
        print(f"nominal {isa} peak with {machine['threads']} thread(s): "
              f"{peak32:.0f} GFLOP/s float32, {peak32 / 2:.0f} float64 "
              f"(turbo clocks can exceed it)")
    print(f"memory copy bandwidth (numpy.copyto, read+write): {machine['memcpy_gbs']} GB/s")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()))
    missing = [name for name, module in peers.items() if module is None]
    if missing:
        print("not installed, skipped: " + ", ".join(missing))
    if peers["numba"] is not None:
        print(SEED_NOTE)


def _print_header():
    print(f"   {'case':<30} {'ndkern':>10} {'rate':>13}  {'peer':<26} {'time':>10} "
          f"{'ratio':>8}  result")


def _print_result(result):
    ours = result["seconds"]["ndkern"]
    peers = [n for n in result["seconds"] if n != "ndkern"]
    first = True
    for name in peers or [None]:
        theirs = result["seconds"].get(name)
        left = (f"   {result['case']:<30} {_ms(ours):>10} {result['rate']:>13}" if first
                else " " * 57)
        if name is None:
            print(left)
            break
        mark = "*" if name == result["best_peer"] and len(peers) > 1 else " "
        print(f"{left}  {name:<26} {_ms(theirs):>10} {theirs / ours:>7.2f}x{mark} "
              f"{result['check'] if first else ''}")
        first = False
    for name, note in result.get("skipped", {}).items():
        print(" " * 59 + f"{name:<26} {note}")


def _ms(seconds):
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"


# ------------------------------------------------------------------ plot

def _plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib: not installed, no plot written")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    # The sweeps have their own panel and the heatmap.
    main_rows = [r for r in results if r["best_peer"] and
                 not {"sweep", "grid", "auto-vs"} & set(r["tags"])]
    labels = [f"{r['case']}\nvs {r['best_peer']}" for r in main_rows]
    speedups = [r["seconds"][r["best_peer"]] / r["seconds"]["ndkern"] for r in main_rows]
    left.barh(range(len(main_rows)), speedups)
    left.set_yticks(range(len(main_rows)), labels, fontsize=7)
    left.axvline(1.0, color="k", linewidth=0.8)
    left.set_xscale("log")
    left.set_xlabel("speed-up of ndkern over the fastest peer (log)")
    for dtype in ("float32", "float64"):
        rows = [r for r in results if "sweep" in r["tags"] and dtype in r["tags"]]
        if not rows:
            continue
        ks = [int(r["tags"][2]) for r in rows]
        right.plot(ks, [r["seconds"]["ndkern"] * 1e3 for r in rows], "o-",
                   label=f"ndkern {dtype}")
        right.plot(ks, [r["seconds"][r["best_peer"]] * 1e3 for r in rows], "x--",
                   label=f"fastest peer {dtype}")
    right.set_xscale("log", base=2)
    right.set_xlabel("kernel size K")
    right.set_ylabel("ms (median)")
    right.set_yscale("log")
    right.legend()
    right.set_title("1000x1000 (*) KxK, mode='same', method='auto'")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")
