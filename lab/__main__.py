"""``python -m msgops.lab TIER ARGS``: the real lab of one tier (same as ``msgops lab TIER ARGS``)."""

import sys

from msgops.lab.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
