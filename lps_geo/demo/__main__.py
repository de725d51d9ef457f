"""Run the demo's command line: ``python -m lps_geo.demo OUT_DIR``."""

import sys

from lps_geo.demo.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
