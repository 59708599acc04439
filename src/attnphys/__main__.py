"""``python -m attnphys``: the same command line as the ``attnphys`` script."""

import sys

from attnphys.cli import main

sys.exit(main())
