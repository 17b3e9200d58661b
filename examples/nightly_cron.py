"""Nightly cron job: refresh forecasts, store them and write staffing and the report.

The job is the ``demandcast forecast`` command; this wrapper shows what cron sees
(exit codes, one line on stderr per error) and can set itself up on the simulator.

Crontab (02:30 every night; logs appended; the lock makes overlapping runs exit 4)::

    30 2 * * *  demandcast forecast -c /srv/demandcast/demandcast.toml >> /var/log/dc.log 2>&1

Exit codes: 0 ok, 1 internal error, 2 bad config or input file, 3 every model failed
(the failure is recorded in the store), 4 another run holds the lock. Rerun a missed
night with ``--as-of YYYY-MM-DD``: it replaces that night's run in the store.

The config is ``examples/demandcast.toml`` (every key documented); switch the store
from SQLite to PostgreSQL by changing its ``[store] url`` line.

Run::

    python examples/nightly_cron.py --config /srv/demandcast/demandcast.toml
    python examples/nightly_cron.py --simulate /tmp/nightly   # set up on the simulator
"""

from __future__ import annotations

import argparse
import sys

from demandcast.cli import main as demandcast_main
from demandcast.demo import write_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--config", help="the demandcast.toml of the nightly job")
    group.add_argument("--simulate", metavar="FOLDER", help="write a simulated setup there first")
    parser.add_argument("--as-of", help="rerun a past night (YYYY-MM-DD)")
    args = parser.parse_args(argv)

    config = args.config
    if args.simulate:
        config = str(write_demo(args.simulate, quick=True))
    command = ["forecast", "--config", config]
    if args.as_of:
        command += ["--as-of", args.as_of]
    code = demandcast_main(command)
    if code == 0 and args.simulate:
        # the next night: one more day of data would arrive; here we rerun the night
        # before to show that a rerun replaces its run instead of adding one
        code = demandcast_main([*command[:3], "--as-of", "2024-05-30", "-q"])
    return code


if __name__ == "__main__":
    sys.exit(main())
