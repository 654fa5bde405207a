"""msgops lab: real backing services on this machine, for integration tests, benchmarks and demos.

One folder per tier (``msgops.lab.rabbitmq``, ...), each with its own ``__main__``
(``msgops lab <tier> up|down|status ...``); the helpers every lab shares live here
(``_util``: processes, ports, timings; ``netns``: network namespaces for real partitions).
"""

from msgops.lab._util import LabError

__all__ = ["LabError"]
