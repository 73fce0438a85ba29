"""Every benchmark in turn (`make bench`): `.venv/bin/python -m bench [--write-readme]`.

Each runs in a process of its own (each sets Django up against its own database), with
DATABASE_URL (PostgreSQL) and REDIS_URL from the environment. `--write-readme` is passed
to those that write their figures into bench/README.md.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (module, arguments it accepts from here)
BENCHMARKS = [
    ("bench.members", ()),
    ("bench.checkin", ("--write-readme",)),
    ("bench.health", ()),
    ("bench.devices", ("--write-readme",)),
    ("bench.inventory", ()),
    ("bench.ops", ()),
    ("bench.classes", ()),
    ("bench.dashboard", ()),
    ("bench.backups", ()),
    ("bench.inspections", ()),
    ("bench.training", ()),
    ("bench.requestpath", ("--write-readme",)),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-readme", action="store_true", help="write figures into bench/README.md")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (each benchmark makes its own database)")
    failed = []
    for module, accepted in BENCHMARKS:
        extra = [flag for flag in accepted if flag == "--write-readme" and args.write_readme]
        print(f"\n=== {module} ===", flush=True)
        code = subprocess.call([sys.executable, "-m", module, *extra], cwd=ROOT)
        if code:
            failed.append(f"{module} (exit {code})")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
