"""Bounds on hostile input: the secret scan's time per KiB stays flat, and every command's time and
memory on the hostile corpus stay bounded.

    python benchmarks/hostile_bounds.py [--max-kib 256] [--skip-commands]

Part 1 scans adversarial strings (each a repeated piece of some rule's syntax, the shapes that
were quadratic before) of 4 KiB up to --max-kib, and prints the time per KiB of each size as a
ratio to the time per KiB at 4 KiB, measured in the same run: a linear scan stays near 1, a
quadratic one doubles with every doubling of the size. Part 2 runs `report` (4 formats), `bundle`,
`har` and `bundle --verify` over the hostile corpus of tests/hostile (built in a temporary
folder) under GNU time when it is installed, and prints wall seconds and peak RSS of each.

The exit status is 1 when a ratio exceeds --max-ratio (default 4), a run exceeds --max-rss-mb
(default 400) or --max-seconds (default 120), or a command's exit status is not in the README's
table; the limits are far above what a linear, streaming run takes and far below what the
failures of issue 15 took (26 s for 16k characters, 3 GB for a 4 GiB line, a hang on a FIFO).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalate._scan import SecretScanner  # noqa: E402

#: (name, repeated unit): the shapes that were quadratic, and the other rules' syntax
SHAPES = (
    ("name run + '='", None),
    ("eyJ run", "eyJ"),
    ("=a: (userinfo starts)", "=a:"),
    ("=a (assignments)", "=a"),
    ("token= (secret names)", "token="),
    ('"token": (quoted names)', '"token":'),
    ("-----BEGIN A", "-----BEGIN A "),
    ("Bearer", "Bearer "),
    ("a.b. (dotted)", "a."),
)
BASE_KIB = 4
EXIT_TABLE = {0, 1, 2, 3}


def shape_text(unit: str | None, size: int) -> str:
    """`size` characters of the shape (a name run ends in `=`)."""
    if unit is None:
        return "a" * (size - 1) + "="
    return (unit * (size // len(unit) + 1))[:size]


def per_kib_seconds(unit: str | None, kib: int, repeat: int) -> float:
    """Best seconds per KiB of scanning the shape at `kib` KiB (a fresh scanner each time).

    At least `repeat` runs and at least 50 ms in all: the fastest run is the one least disturbed
    by other processes on a shared machine, and a quadratic scan is slow in every run.
    """
    text = shape_text(unit, kib * 1024)
    best, spent, runs = float("inf"), 0.0, 0
    while runs < repeat or spent < 0.05:
        scanner = SecretScanner()
        start = time.perf_counter()
        scanner.scan_text(text)
        elapsed = time.perf_counter() - start
        best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
    return best / kib


def scan_part(max_kib: int, max_ratio: float, repeat: int) -> bool:
    """Print the per-KiB ratio table; False when a ratio exceeds `max_ratio`."""
    sizes = [BASE_KIB]
    while sizes[-1] * 4 <= max_kib:
        sizes.append(sizes[-1] * 4)
    print(f"scan: time per KiB at each size / time per KiB at {BASE_KIB} KiB (1.0 = linear)")
    print(f"{'shape':26}" + "".join(f"{size:>9} KiB" for size in sizes) + "   us/KiB")
    ok = True
    for name, unit in SHAPES:
        base = per_kib_seconds(unit, BASE_KIB, repeat)
        ratios = [per_kib_seconds(unit, size, repeat) / base for size in sizes]
        ok = ok and max(ratios) <= max_ratio
        cells = "".join(f"{ratio:>13.2f}" for ratio in ratios)
        print(f"{name:26}{cells}   {base * 1e6:8.1f}")
    return ok


def command_part(max_rss_mb: float, max_seconds: float) -> bool:
    """Run every command over the corpus; False when a bound or the exit table is broken."""
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile.corpus import build_corpus, commands_for

    ok = True
    gnu_time = shutil.which("time") if Path("/usr/bin/time").exists() else None
    with tempfile.TemporaryDirectory() as folder:
        corpus = build_corpus(Path(folder) / "corpus", large=True)
        print(f"\ncommands over {len(corpus)} hostile inputs (GNU time: {bool(gnu_time)})")
        print(f"{'input':32} {'command':22} {'exit':>4} {'wall s':>8} {'peak MB':>8}")
        for entry in corpus:
            for label, argv in commands_for(entry, Path(folder)):
                code, wall, rss = _run(argv, gnu_time, Path(folder))
                bad = code not in EXIT_TABLE or wall > max_seconds or rss > max_rss_mb
                ok = ok and not bad
                mark = "  <- over a bound" if bad else ""
                print(f"{entry.name[:32]:32} {label:22} {code:>4} {wall:8.2f} {rss:8.0f}{mark}")
    return ok


def _run(argv: list[str], gnu_time: str | None, folder: Path) -> tuple[int, float, float]:
    """Exit status, wall seconds and peak RSS in MB (0 without GNU time) of one command."""
    report = folder / "time.txt"
    prefix = [gnu_time, "-f", "%M", "-o", str(report)] if gnu_time else []
    command = [*prefix, sys.executable, "-m", "escalate", *argv]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    rss = int(report.read_text().split()[-1]) / 1024 if gnu_time and report.exists() else 0.0
    return result.returncode, wall, rss


def main() -> int:
    """Run both parts; exit 1 when a bound is exceeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-kib", type=int, default=256, help="Largest scanned size (KiB).")
    parser.add_argument("--repeat", type=int, default=5, help="Timings per size (best).")
    parser.add_argument("--max-ratio", type=float, default=4.0)
    parser.add_argument("--max-rss-mb", type=float, default=400.0)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--skip-commands", action="store_true", help="Only the scan part.")
    args = parser.parse_args()
    ok = scan_part(args.max_kib, args.max_ratio, args.repeat)
    if not args.skip_commands:
        ok = command_part(args.max_rss_mb, args.max_seconds) and ok
    print("\nall bounds held" if ok else "\nA BOUND WAS EXCEEDED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
