"""`python tools/release ...` (run as a folder) or `python -m release ...` (with tools/ importable)."""

import sys
from pathlib import Path

if not __package__:  # run as `python tools/release`: make tools/ importable (this package, specdiff, codegen)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from release.cli import main

sys.exit(main())
