"""``python -m ftrack_server``: the same as the ``ftrack-server`` command."""

import sys

from ftrack_server.cli import main

sys.exit(main())
