import sys

from impact.cli.main import main

sys.exit(main())
