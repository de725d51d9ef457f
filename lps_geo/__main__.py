"""``python -m lps_geo`` is the ``lps-geo`` command."""

import sys

from .cli import main

sys.exit(main())
