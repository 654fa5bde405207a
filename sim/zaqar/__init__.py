"""msgops.sim.zaqar: a wire-level simulator of the Zaqar v2 API with Redis pools (Zaqar 23).

``from msgops.sim.zaqar import ZaqarSim, ZaqarModel, Timings`` — loaded lazily so importing the
package stays cheap (and never pulls in Textual or Rich). See ``server.py`` for the public API.
"""

_EXPORTS = {
    "ZaqarSim": "msgops.sim.zaqar.server",
    "ZaqarModel": "msgops.sim.zaqar.model",
    "Pool": "msgops.sim.zaqar.model",
    "Timings": "msgops.sim.zaqar.common",
    "ApiError": "msgops.sim.zaqar.common",
    "CatalogMirror": "msgops.sim.zaqar.mirror",
    "read_placement": "msgops.sim.zaqar.mirror",
    "TokenRegistry": "msgops.sim.zaqar.keystone",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
