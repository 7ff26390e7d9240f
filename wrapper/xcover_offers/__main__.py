"""``python -m xcover_offers``: the same command line as ``xcover-offers``."""

from ._cli import main

raise SystemExit(main())
