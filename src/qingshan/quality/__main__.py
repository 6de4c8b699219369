"""``python -m qingshan.quality …`` — the same as ``qingshan quality …``."""

import sys

from qingshan.quality.cli import main

raise SystemExit(main(sys.argv[1:]))
