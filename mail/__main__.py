"""``python -m mail [FOLDER] [-n N]``: print the latest messages of the local mailbox.

(A ``__main__`` of the package rather than ``python -m mail.mailbox``, which the package
``__init__`` has already imported: runpy would warn and run a second copy.)
"""

import sys

from .mailbox import main

sys.exit(main())
