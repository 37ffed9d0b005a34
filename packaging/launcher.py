"""The Linux bundle's one executable: `skillctl` (a symlink to it) or `skill-console`."""

import os
import sys

if os.path.basename(sys.argv[0]).startswith("skillctl"):
    from console.cli import main as cli_main

    cli_main()
else:
    from console.app import main as app_main

    sys.exit(app_main())
