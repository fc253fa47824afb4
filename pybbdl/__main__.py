import sys

from pybbdl.cli import main

sys.exit(main())
