"""`make lint`'s audit: known vulnerabilities in the locked packages, by pip-audit.

pip-audit asks a vulnerability service about each pinned version: PyPI's JSON API
(`/pypi/<name>/<version>/json`), else OSV. Some networks reach PyPI's package index but not those
endpoints (this project's CI machine is one: the index answers, the per-version JSON does not),
and pip-audit then reports every package as "could not be audited" and passes. So this script
first checks that a service really answers; if one does, any known vulnerability or unaudited
package fails the build. If none does, it says loudly that the audit was SKIPPED and exits 0,
or 1 when AUDIT_REQUIRED=1 (set it wherever the services are reachable and an audit must happen).

    python -m scripts.audit [LOCK ...]      # default: requirements/runtime.txt requirements/dev.txt
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("requirements/runtime.txt", "requirements/dev.txt")
# A release with a published advisory: a service that knows it is really answering.
PYPI_PROBE = "https://pypi.org/pypi/jinja2/2.10/json"
OSV_PROBE = "https://api.osv.dev/v1/query"


def _answers(request: urllib.request.Request) -> bool:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.loads(response.read())
    except (OSError, ValueError):
        return False
    return bool(body.get("vulnerabilities") or body.get("vulns"))


def reachable_service() -> str | None:
    """The vulnerability service pip-audit can use from here, if any."""
    if _answers(urllib.request.Request(PYPI_PROBE)):
        return "pypi"
    query = json.dumps({"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "2.10"})
    osv = urllib.request.Request(
        OSV_PROBE, data=query.encode(), headers={"Content-Type": "application/json"}
    )
    return "osv" if _answers(osv) else None


def main(argv: list[str]) -> int:
    locks = argv or list(LOCKS)
    service = reachable_service()
    if service is None:
        print(
            "audit: SKIPPED: no vulnerability service answers from this machine (PyPI's "
            "per-version JSON API and OSV are both unreachable); the locks were NOT audited.",
            file=sys.stderr,
        )
        return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0
    command = [sys.executable, "-m", "pip_audit", "--strict", "--require-hashes", "--disable-pip"]
    command += ["--vulnerability-service", service, "--progress-spinner", "off"]
    for lock in locks:
        command += ["-r", lock]
    print(f"audit: {service}: {' '.join(locks)}", file=sys.stderr)
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
