"""Serve the sample news site until Ctrl-C: `python -m newslake.samplesite --port 8000`."""

from __future__ import annotations

import argparse
import logging
import time

from newslake.samplesite import SITE_FIRST_DAY, SITE_LAST_DAY, SampleSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newslake.samplesite", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--print-sources", action="store_true", help="print a sources config for this server")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with SampleSite(args.host, args.port) as site:
        n = len(site.manifest())
        # The URL goes to stdout so scripts can capture it.
        print(site.base_url, flush=True)
        logging.info("%d articles, UTC days %s..%s. Ctrl-C to stop.", n, SITE_FIRST_DAY, SITE_LAST_DAY)
        if args.print_sources:
            print(site.sources_yaml(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
