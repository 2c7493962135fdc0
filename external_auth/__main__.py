import sys

from external_auth.cli import main

sys.exit(main())
