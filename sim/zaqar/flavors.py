"""Flavor operations of the Zaqar model (a mixin of ``ZaqarModel``).

Why: a flavor is a named set of pools (Zaqar 23: each pool row carries a ``flavor`` name; the
``Flavors`` table keeps the name, the project and the capabilities of the first pool at creation).
The samples (84-95) show the quirks the console must live with: ``pool_list``/``capabilities`` are
computed from the pools at read time (a deleted pool silently leaves its flavor), deleting a flavor
leaves its pools with ``flavor: ""`` (not null), and nothing stops deleting a pool a flavor uses.
"""

from __future__ import annotations

from msgops.sim.zaqar.common import CAPABILITIES, ApiError, not_found

_NAMES = {v: k for k, v in CAPABILITIES.items()}


def _unable(description: str) -> ApiError:
    return ApiError(400, "Unable to create", description)


class FlavorOps:
    """Needs ``lock``, ``pools``, ``flavors``, ``capabilities`` and ``_emit`` of the model."""

    def _flavor_pools(self, name: str) -> list:
        return [p for p in self.pools.values() if p.flavor == name]

    def _flavor_caps(self, name: str) -> list[str]:
        pools = self._flavor_pools(name)
        return [_NAMES[c] for c in self.capabilities(pools[0].uri)] if pools else []

    def put_flavor(self, project: str, name: str, pool_list: list[str]) -> None:
        """``PUT /v2/flavors/{name}`` with a ``pool_list``: upsert, then tag those pools."""
        with self.lock:
            if not pool_list:
                raise _unable("Bad Request")
            for pool in pool_list:
                if pool not in self.pools:
                    raise _unable(f"Flavor {name} could not be created, error:Pool {pool} does "
                                  "not exist")
            self.flavors[(project, name)] = self.capabilities(self.pools[pool_list[0]].uri)
            self._emit("flavor", project, name, self.flavors[(project, name)])
            for pool in pool_list:
                self.update_pool(pool, flavor=name)

    def patch_flavor(self, project: str, name: str, pool_list: list[str]) -> dict:
        """``PATCH``: the new pools get the flavor, pools dropped from the list get ``""``."""
        with self.lock:
            if not pool_list:
                raise _unable("Bad Request")
            if (project, name) not in self.flavors:
                raise not_found(f"Flavor {name} does not exist")
            old = [p.name for p in self._flavor_pools(name)]
            for pool in pool_list:
                if pool not in self.pools:
                    raise ApiError(400, "updatefail", f"Flavor {name} cant be updated, error:Pool "
                                   f"{pool} does not exist")
            caps = self.capabilities(self.pools[pool_list[0]].uri)
            self.flavors[(project, name)] = caps
            self._emit("flavor", project, name, caps)
            for pool in pool_list:
                self.update_pool(pool, flavor=name)
            for pool in old:
                if pool not in pool_list:
                    self.update_pool(pool, flavor="")
            return {"name": name, "capabilities": [_NAMES[c] for c in caps],
                    "pool_list": list(pool_list)}

    def get_flavor(self, project: str, name: str) -> dict:
        with self.lock:
            if (project, name) not in self.flavors:
                raise not_found(f"Flavor {name} does not exist")
            return {"name": name, "capabilities": self._flavor_caps(name),
                    "pool_list": [p.name for p in self._flavor_pools(name)]}

    def list_flavors(self, project: str, marker: str | None = None, limit: int = 10,
                     detailed: bool = False) -> tuple[list[dict], str | None]:
        """Listing items: ``name``, ``pool_list`` only when non-empty, ``capabilities`` when
        detailed (``href`` is added by the HTTP layer, between name and pool_list)."""
        with self.lock:
            names = sorted(n for (p, n) in self.flavors if p == project and n > (marker or ""))
            names = names[:limit] if limit > 0 else names
            out = []
            for name in names:
                item = {"name": name}
                pools = [p.name for p in self._flavor_pools(name)]
                if pools:
                    item["pool_list"] = pools
                if detailed:
                    item["capabilities"] = self._flavor_caps(name)
                out.append(item)
            return out, (names[-1] if names else None)

    def delete_flavor(self, project: str, name: str) -> None:
        """Always succeeds. Pools of *any* project's flavor of that name get ``flavor: ""``."""
        with self.lock:
            for pool in self._flavor_pools(name):
                self.update_pool(pool.name, flavor="")
            if self.flavors.pop((project, name), None) is not None:
                self._emit("flavor_deleted", project, name)
