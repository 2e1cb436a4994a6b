"""Helpers the benchmark scripts share: environment facts (CPU model, load average, versions), the command line and
date, and an atomic JSON write. Imported by the scripts in this folder as `from _common import ...` (run them by path,
from the repository root, e.g. `.venv/bin/python benchmarks/sampling_overhead.py`)."""
import importlib, json, os, platform, shlex, sys, tempfile
from datetime import datetime, timezone
from pathlib import Path

import torch


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"): return line.split(":", 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()


def loadavg():
    try: return list(os.getloadavg())
    except (OSError, AttributeError): return None


def to_jsonable(v):
    if isinstance(v, dict): return {str(k): to_jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)): return [to_jsonable(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None: return v
    return repr(v)


def write_json_atomic(path: Path, data: dict):
    "Write `data` as JSON to `path` via a temporary file in the same folder and os.replace (creates the folder)."
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
            f.flush(); os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp): os.unlink(tmp)
        raise


def command_line() -> str:
    "The exact command that ran this process, shell-quoted."
    return " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def environment(packages=("torch", "diffusers", "numpy"), **extra) -> dict:
    "Python, platform, the versions of `packages`, torch's thread counts, CPU count and model, device 'cpu', then `extra`."
    env = {"python": platform.python_version(), "platform": platform.platform()}
    for name in packages: env[name] = getattr(importlib.import_module(name), "__version__", None)
    env.update({"torch_num_threads": torch.get_num_threads(), "torch_num_interop_threads": torch.get_num_interop_threads(),
                "os_cpu_count": os.cpu_count(), "cpus_allowed": sorted(os.sched_getaffinity(0)),  # taskset pins
                "cpu_model": cpu_model(), "device": "cpu"})
    env.update(extra)
    return env
