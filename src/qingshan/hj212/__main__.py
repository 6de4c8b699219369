"""``python -m qingshan.hj212 decode|encode|check …``"""

import sys

from .cli import main

raise SystemExit(main(sys.argv[1:]))
