"""`python -m client ...` runs the `nlp2filters` CLI."""
import sys

from client.cli import main

sys.exit(main())
