"""`python -m console.sandbox`: run the sandbox in the foreground."""

import sys

from console.sandbox.cli import main

sys.exit(main())
