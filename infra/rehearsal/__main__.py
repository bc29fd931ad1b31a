import sys

from .rehearse import main

sys.exit(main())
