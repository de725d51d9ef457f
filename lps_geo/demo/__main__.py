"""``python -m lps_geo.demo OUT_DIR``: write the synthetic demo data set."""

import sys

from lps_geo.demo.generator import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
