"""`python -m bot` is the same entry point as the `declare-bot` script."""

import sys

from bot.cli import main

sys.exit(main())
