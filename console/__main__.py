"""`python -m console`: the skillctl command line (the GUI is `python -m console.app`)."""

from console.cli import main

main()
