"""``python -m verified_nn``: the same command line as ``verified-nn``."""

import sys

from verified_nn.cli import main

sys.exit(main())
