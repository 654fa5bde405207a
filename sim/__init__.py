"""msgops sim: wire-level simulators of the messaging tiers (RabbitMQ so far).

``from msgops.sim import SimCluster, ClusterModel, DemoScenario`` — loaded lazily so that
importing ``msgops.sim`` stays cheap (and never pulls in Textual or Rich).
"""

_EXPORTS = {
    "SimCluster": "msgops.sim.rabbitmq_cluster",
    "ClusterModel": "msgops.sim.rabbitmq_model",
    "HttpOptions": "msgops.sim.rabbitmq_http",
    "DemoScenario": "msgops.sim.scenario",
    "DemoTimings": "msgops.sim.scenario",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
