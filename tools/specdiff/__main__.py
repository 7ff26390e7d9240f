"""`python tools/specdiff ...` (run as a folder) or `python -m specdiff ...` (with tools/ importable)."""

import sys
from pathlib import Path

if not __package__:  # run as `python tools/specdiff`: make the package importable by its name
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from specdiff.cli import main

sys.exit(main(sys.argv[1:]))
