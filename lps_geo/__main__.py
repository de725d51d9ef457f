"""``python -m lps_geo`` is the ``lps-geo`` command."""

import sys

from lps_geo.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
