import sys

from qingshan.cli import main

sys.exit(main())
