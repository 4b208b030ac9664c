"""``python -m osipsc.compiler`` = ``osipsc``."""

import sys

from .cli import main

sys.exit(main())
