"""``python -m qingshan.simulator …`` (the same as ``qingshan simulate …``)."""

import sys

from .cli import main

raise SystemExit(main(sys.argv[1:]))
