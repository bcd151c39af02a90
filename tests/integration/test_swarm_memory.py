"""Peak memory of a burst, measured here and held against the stack's limits (swarm/stack.yml):
a burst of logins or of cover uploads must not get an api task OOM-killed. Each burst runs in a
fresh interpreter (one gunicorn worker's worth: GUNICORN_THREADS requests at once, and more
queued), whose peak RSS times WEB_CONCURRENCY must fit the container with room to spare."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024

# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child forked from a big pytest
# process would report the parent's size, not its own peak.
BURST = """
import re, sys, threading
{setup}
def one(i):
    {work}
threads = [threading.Thread(target=one, args=(i,)) for i in range({burst})]
for t in threads: t.start()
for t in threads: t.join()
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024)
"""


def stack_service(name: str) -> dict[str, Any]:
    stack = yaml.safe_load((ROOT / "swarm/stack.yml").read_text())
    service: dict[str, Any] = stack["services"][name]
    return service


def memory_limit(name: str) -> int:
    limit = str(stack_service(name)["deploy"]["resources"]["limits"]["memory"])
    match = re.fullmatch(r"(\d+)([MG])", limit)
    assert match, limit
    return int(match.group(1)) * (1024 if match.group(2) == "G" else 1) * MIB


def processes(name: str) -> int:
    return int(stack_service(name)["environment"].get("WEB_CONCURRENCY", 2))


def peak_rss(setup: str, work: str, burst: int) -> int:
    script = BURST.format(setup=setup, work=work, burst=burst)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


@pytest.mark.slow
def test_a_burst_of_logins_fits_the_auth_api_memory_limit() -> None:
    peak = peak_rss(
        "from auth_service.passwords import Passwords\n"
        "passwords = Passwords('production')\n"
        "stored = passwords.hash('correct horse battery staple')",
        "passwords.verify(stored, 'wrong password %d' % i)",
        burst=16,
    )
    budget = memory_limit("auth-api") * 0.8  # 20 % for the master, sockets and fragmentation
    print(f"auth: peak RSS {peak / MIB:.0f} MiB per process x {processes('auth-api')}")
    assert peak * processes("auth-api") < budget


@pytest.mark.slow
def test_a_burst_of_the_largest_covers_fits_the_catalog_api_memory_limit(tmp_path: Path) -> None:
    from catalog_service import covers

    side = int(covers.MAX_PIXELS**0.5)  # the largest PNG accepted: the costliest decode
    image = Image.effect_noise((side, side), 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    del image
    (tmp_path / "cover.png").write_bytes(buffer.getvalue())
    peak = peak_rss(
        "from pathlib import Path\n"
        "from catalog_service.covers import reencode\n"
        f"data = Path({str(tmp_path / 'cover.png')!r}).read_bytes()",
        "reencode(data)",
        burst=8,
    )
    budget = memory_limit("catalog-api") * 0.8
    print(f"catalog: peak RSS {peak / MIB:.0f} MiB per process x {processes('catalog-api')}")
    assert peak * processes("catalog-api") < budget
