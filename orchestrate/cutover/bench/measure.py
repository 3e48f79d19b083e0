"""Run one command and measure it: wall time, and the peak resident memory of its whole
process tree (the tap, the target and Meltano run at once, so their sum is what the
machine must hold) and of its largest process, sampled every 200 ms with psutil (sampling
the process table more often takes a share of a 2-core machine from the run it measures)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.2


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_tree_bytes: int
    peak_process_bytes: int
    returncode: int
    output: str


def run_measured(
    command: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 7200
) -> Measured:
    peaks = {"tree": 0, "process": 0}
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                sizes = []
                for member in tree:
                    try:
                        sizes.append(member.memory_info().rss)
                    except psutil.Error:
                        continue
                peaks["tree"] = max(peaks["tree"], sum(sizes))
                peaks["process"] = max(peaks["process"], max(sizes, default=0))
            except psutil.Error:
                pass
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    return Measured(
        time.perf_counter() - started,
        peaks["tree"],
        peaks["process"],
        process.returncode,
        output,
    )
