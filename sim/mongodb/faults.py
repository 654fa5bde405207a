"""Fault controls of ``SimReplicaSet`` (a mixin): members down, hung, slow, lagging, stale or
RECOVERING, a split with two primaries, step-downs (refused, forced, scheduled) and freezes.

Why: the console must be tested against every state an operator meets. Each method changes the
shared model through ``_mutate`` (thread-safe; see ``replset.py``). ``detected=True`` skips the
heartbeat delay after which the other members report a member DOWN.
"""

from __future__ import annotations

from msgops.sim.mongodb.election import (caught_up_electable, elect, electable, optime_at,
                                         step_down)
from msgops.sim.mongodb.model import (ARBITER, DOWN, PRIMARY, RECOVERING, SECONDARY, STARTUP2,
                                      STATE_STR, Member)


class FaultsMixin:
    """Mixed into SimReplicaSet; ``member`` is an ``_id`` (0, 1, …) or ``"host:port"``."""

    # --- process faults ------------------------------------------------------------------
    def member_down(self, member, detected: bool = False):
        """Kill the member: its port closes; others report it DOWN after a heartbeat."""
        def fn(model, now):
            m = model.member(member)
            m.running, m.hung = False, False
            lag = model.timing.heartbeat_interval + 0.01 if detected else 0.0
            m.down_since = now - lag
        return self._mutate(fn)

    def member_up(self, member):
        """Restart the member on the same port; it rejoins as SECONDARY and catches up."""
        def fn(model, now):
            m = model.member(member)
            if not m.running:
                m.running, m.down_since, m.started_at = True, None, now
                m.state = ARBITER if m.arbiter else SECONDARY
                m.election, m.no_primary_since = None, None
        return self._mutate(fn)

    def hang(self, member, hung: bool = True, detected: bool = False):
        """Accept connections but never answer (``hung=False`` to release)."""
        def fn(model, now):
            m = model.member(member)
            m.hung = hung
            lag = model.timing.heartbeat_timeout + 0.01 if detected else 0.0
            m.hung_since = (now - lag) if hung else None
        return self._mutate(fn)

    def slow(self, member, seconds: float):
        """Answer every request ``seconds`` late (0 = normal)."""
        return self._mutate(lambda model, now: setattr(model.member(member), "reply_delay",
                                                       float(seconds)))

    # --- replication faults ------------------------------------------------------------------
    def lag(self, member, seconds: float):
        """Put the member ``seconds`` behind its sync source at once and keep it there (past
        the oplog window it goes stale). ``lag(member, 0)`` lets it catch up."""
        def fn(model, now):
            m = model.member(member)
            m.lag = float(seconds)
            source = model.visible_primary(m, now)
            if seconds > 0 and source is not None and source is not m:
                behind = optime_at(model, source, now - seconds)
                m.optime = min(m.optime, behind, key=lambda o: (o.secs, o.inc))
        return self._mutate(fn)

    def make_stale(self, member):
        """Lag the member past the oplog window: RECOVERING ("too stale"), needs ``resync``."""
        def fn(model, now):
            m = model.member(member)
            if m.state == PRIMARY:
                step_down(model, m, now, 0.0, None)
            m.lag, m.stale, m.state = model.oplog_window + 60.0, True, RECOVERING
            m.optime = min(m.optime, optime_at(model, m, now - m.lag),
                           key=lambda o: (o.secs, o.inc))
        return self._mutate(fn)

    def set_recovering(self, member, on: bool = True):
        """Maintenance mode (``replSetMaintenance``): RECOVERING while on."""
        def fn(model, now):
            m = model.member(member)
            if on and m.state == PRIMARY:
                step_down(model, m, now, 0.0, None)
            m.maintenance = on
            if m.state in (SECONDARY, RECOVERING):
                m.state = RECOVERING if on or m.stale else SECONDARY
        return self._mutate(fn)

    def resync(self, member):
        """Initial sync: clears lag and staleness; STARTUP2 for ``timing.initial_sync``."""
        def fn(model, now):
            m = model.member(member)
            m.lag, m.stale, m.maintenance = 0.0, False, False
            m.state, m.startup2_until = STARTUP2, now + model.timing.initial_sync
        return self._mutate(fn)

    def set_oplog_window(self, seconds: float):
        return self._mutate(lambda model, now: setattr(model, "oplog_window", float(seconds)))

    # --- elections -------------------------------------------------------------------------
    def two_primaries(self, old=None, new=None):
        """Cut ``old`` (default: the primary) off from everyone; ``new`` is elected with a
        higher term on the other side, and both claim primary until ``heal()``."""
        def fn(model, now):
            a = model.member(old) if old is not None else model.primaries()[0]
            others = [m for m in model.members if m is not a]
            b = model.member(new) if new is not None else next(
                m for m in others if electable(model, m, now))
            since = now - model.timing.heartbeat_timeout - 0.01
            for m in others:
                model.cuts[frozenset((a.id, m.id))] = since
            model.hold_split = True
            elect(model, b, now, "electionTimeout")
        return self._mutate(fn)

    def heal(self):
        """End a split: links come back and the lower-term primary steps down."""
        def fn(model, now):
            model.cuts.clear()
            model.hold_split = False
        return self._mutate(fn)

    def refuse_step_down(self, seconds: float = 30.0):
        """Make every secondary lag ``seconds``: replSetStepDown then answers 262."""
        for m in list(self.model.members):
            if m.state != PRIMARY and not m.arbiter:
                self.lag(m.id, seconds)

    def freeze(self, member, seconds: float):
        """``replSetFreeze`` on a secondary: not electable for ``seconds`` (0 = unfreeze)."""
        def fn(model, now):
            model.member(member).frozen_until = now + seconds if seconds > 0 else 0.0
        return self._mutate(fn)

    def step_down(self, seconds: float = 60.0, force: bool = False):
        """Step the primary down now, as replSetStepDown does once a secondary is caught up."""
        def fn(model, now):
            p = model.primaries()[0]
            successor = caught_up_electable(model, p, now)
            if successor is None and not force:
                raise RuntimeError("no electable secondary caught up (use force=True)")
            step_down(model, p, now, seconds, successor)
        return self._mutate(fn)

    def elect(self, member):
        """Elect ``member`` now (a new term), stepping any visible primary down."""
        return self._mutate(lambda model, now: elect(model, model.member(member), now,
                                                     "stepUpRequestSkipDryRun"))

    def schedule_step_down(self, after: float, seconds: float = 60.0, every: float | None = None):
        """Step the primary down in ``after`` s (and every ``every`` s after that) — the demo."""
        def fire():
            try:
                self.step_down(seconds)
            except (RuntimeError, IndexError):
                pass
            if every:
                with self.model.lock:
                    self.scheduled.append((self.model.clock() + every, fire))
        with self.model.lock:  # the ticker swaps the list on the loop thread
            self.scheduled.append((self.model.clock() + after, fire))

    # --- the simulator's own view ----------------------------------------------------------
    @property
    def primary(self) -> Member | None:
        """The highest-term running primary, or None."""
        with self.model.lock:
            found = self.model.primaries()
            return max(found, key=lambda m: m.term) if found else None

    def states(self) -> dict[str, str]:
        """``{host: stateStr}`` as the simulator knows it; stopped or hung members are DOWN."""
        with self.model.lock:
            return {m.host: STATE_STR[m.state if m.responsive else DOWN]
                    for m in self.model.members}
