"""msgops Zaqar lab: real Redis pools, Keystone and zaqar-servers for the Zaqar tier's tests.

``python -m msgops.lab.zaqar up|down|status|stop-pool N|start-pool N [--dir DIR]``, or from
Python `ZaqarLab`.  The OpenStack servers run from their own venv (`msgops.lab.zaqar.venv`),
never from the project's.
"""

from .._util import LabError
from .lab import DEFAULT_BASE_PORT, DEFAULT_REDIS_BASE_PORT, ZaqarLab, missing_debian_packages

__all__ = ["DEFAULT_BASE_PORT", "DEFAULT_REDIS_BASE_PORT", "LabError", "ZaqarLab", "missing_debian_packages"]
