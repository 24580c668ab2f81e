"""``python -m labinterp`` runs the command line."""

from labinterp._cli import main

raise SystemExit(main())
