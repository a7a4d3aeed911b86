"""Regenerate the shipped samples: real instrumented clients against the local Red Cloud sandbox.

    python samples/generate.py            # every sample
    python samples/generate.py --only send_forbidden

Each sample is a folder with the sending service's evidence (`app.jsonl`) and the webhook
receiver's (`webhooks.jsonl`, written by a separate process, as in production). The `mixed`
sample also interleaves other services' log lines and a few broken lines. `manifest.json`
records what each sample's report must say; the tests hold the reports to it.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

import orjson
from scenarios import SAMPLES, Sample

import escalate
from escalate.sandbox import RedCloudSandbox

HERE = Path(__file__).resolve().parent
WEBHOOK_SECRET = "whsec_samples_receiver_secret"


def _start_receiver(log: Path, sample: Sample) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, str(HERE / "receiver.py"), "--log", str(log),
               "--secret", WEBHOOK_SECRET, "--status", str(sample.receiver_status)]
    if sample.name == "webhook_signature_invalid":
        command.append("--reject-invalid")
    command.extend(sample.receiver_args)
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def generate(sample: Sample) -> None:
    """Run one scenario into `samples/<name>/`."""
    folder = HERE / sample.name
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.jsonl"):
        old.unlink()
    receiver, url = _start_receiver(folder / "webhooks.jsonl", sample)
    try:
        escalate.configure(path=folder / "app.jsonl")
        options = {"webhook_url": url, "webhook_secret": WEBHOOK_SECRET} | sample.sandbox_options
        with RedCloudSandbox(**options) as rc:
            sample.scenario(rc)
            rc.wait_for_webhooks(30)
    finally:
        escalate.configure(path=folder / "app.jsonl")  # closes the sample's file
        receiver.communicate("", timeout=10)
    (folder / "webhooks.jsonl").touch()
    (folder / "app.jsonl").touch()


_SERVICES = ("billing", "checkout", "auth-gateway", "inventory")
_PLAIN = ("INFO  gunicorn: booting worker with pid 4242",
          "WARN  retrying connection to cache (attempt 2)",
          "Traceback (most recent call last):")


def _noise(rng: random.Random, index: int) -> bytes:
    if rng.random() < 0.15:
        return rng.choice(_PLAIN).encode()
    line = {"timestamp": f"2026-11-27T09:{index % 60:02d}:00Z", "level": "info",
            "service": rng.choice(_SERVICES), "event": "request handled",
            "duration_ms": rng.randint(1, 900), "path": f"/orders/{rng.randint(1, 9999)}"}
    return orjson.dumps(line)


def interleave_noise(path: Path, seed: int = 7) -> None:
    """Mix other services' lines and a few broken records into an evidence log."""
    rng = random.Random(seed)
    out: list[bytes] = []
    for index, line in enumerate(path.read_bytes().splitlines()):
        out.extend(_noise(rng, index) for _ in range(rng.randint(1, 4)))
        out.append(line)
        if index % 97 == 13:
            out.append(line[: len(line) // 2])  # a record torn by a crash
        if index == 200:
            out.append(b'{"schema":"escalate.evidence/1","kind":"call","ts":17}')
            out.append(b'\xff\xfe not utf-8 \x00')
            out.append(b'{"schema":"escalate.evidence/1","kind":"call","route":"/api/\xff\xfe"}')
    path.write_bytes(b"\n".join(out) + b"\n")


def write_manifest() -> None:
    """Record what each sample's report must say."""
    manifest = {sample.name: {"first_failing_stage": sample.first_failing_stage,
                              "findings": list(sample.findings),
                              "report_args": list(sample.report_args),
                              "exit_code": sample.exit_code if sample.exit_code is not None
                              else int(bool(sample.findings)),
                              "expect_text": list(sample.expect_text),
                              "description": (sample.scenario.__doc__ or "").strip()}
                for sample in SAMPLES}
    (HERE / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))


def main() -> None:
    """Regenerate the chosen samples and the manifest."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    for sample in SAMPLES:
        if not args.only or sample.name in args.only:
            print(f"generating {sample.name}", flush=True)
            generate(sample)
            if sample.name == "mixed":
                interleave_noise(HERE / sample.name / "app.jsonl")
    write_manifest()


if __name__ == "__main__":
    main()
