"""``python -m newsqa``: the ``newsqa`` command (``newsqa.cli``)."""

import sys

from newsqa.cli import main

sys.exit(main())
