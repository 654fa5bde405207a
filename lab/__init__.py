"""msgops lab: real backing services on this machine for integration tests and demos.

`RabbitLab` runs a real 3-node RabbitMQ cluster in network namespaces (``python -m
msgops.lab up``); see `msgops.lab.rabbitmq`.
"""

from ._util import LabError
from .rabbitmq import RabbitLab

__all__ = ["LabError", "RabbitLab"]
