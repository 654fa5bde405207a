"""The dedicated OpenStack venv (zaqar + keystone) the Zaqar lab runs its servers from.

Zaqar and Keystone pin dozens of oslo libraries that would fight msgops' own dependencies,
so they never go into the project's ``.venv``: they live in ``<cache>/venvs/openstack``
(cache = ``$MSGOPS_LAB_CACHE`` or ``<repo>/.lab/cache``), installed with every version pinned
(`CONSTRAINTS`, a ``pip freeze`` of a venv known to run the lab).  A stamp file records the
Python version and a hash of the pins; a venv whose stamp matches is reused as is, anything
else is rebuilt from nothing.  A lock file keeps two labs (a manual one and the tests') from
building the same venv at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from .._util import LabError, run

#: What the lab asks pip for; `CONSTRAINTS` fixes everything they pull in.
REQUIREMENTS = ("zaqar==23.0.1", "keystone==30.0.0", "redis", "pymongo", "SQLAlchemy", "gunicorn")

#: ``pip freeze`` of a working lab venv (Python 3.11, 2026-12): update both together.
CONSTRAINTS = """
alembic==1.20.1 amqp==5.4.2 aniso8601==10.0.1 attrs==26.1.0 autobahn==26.11.1 bcrypt==5.0.0
blinker==1.9.0 cachetools==8.0.2 cbor2==6.3.0 certifi==2026.10.19.post1 cffi==2.1.1
charset-normalizer==3.5.3 click==8.5.1 cryptography==50.0.2 debtcollector==3.1.0
decorator==5.3.1 defusedxml==0.7.1 dnspython==2.9.2 dogpile.cache==1.5.0 elementpath==4.8.0
eventlet==0.41.3 falcon==4.4.0 fasteners==0.20 Flask==3.1.3 Flask-RESTful==0.3.10
futurist==3.5.0 greenlet==3.5.6 gunicorn==27.0.1 hyperlink==21.0.0 idna==3.20 iso8601==2.1.0
itsdangerous==2.2.0 Jinja2==3.1.6 jsonschema==4.26.0 jsonschema-specifications==2025.9.1
keystone==30.0.0 keystoneauth1==5.18.1 keystonemiddleware==13.0.1 kombu==5.7.0 Mako==1.4.3
MarkupSafe==3.0.4 msgpack==1.2.4 netaddr==1.3.0 oauthlib==4.0.1 os-service-types==1.9.0
oslo.cache==4.3.0 oslo.concurrency==7.6.1 oslo.config==10.7.0 oslo.context==6.5.0
oslo.db==18.1.1 oslo.i18n==6.9.0 oslo.log==8.3.2 oslo.messaging==18.3.1 oslo.metrics==0.17.0
oslo.middleware==8.2.0 oslo.policy==6.0.1 oslo.reports==3.9.0 oslo.serialization==5.11.0
oslo.service==4.8.0 oslo.upgradecheck==2.8.0 oslo.utils==10.2.0 osprofiler==4.4.0
packaging==26.4 Paste==3.10.1 PasteDeploy==3.1.0 pbr==7.1.3 prettytable==3.18.0
prometheus_client==0.26.0 psutil==7.2.2 pycadf==4.1.0 pycparser==3.12 PyJWT==2.15.1
pymongo==4.20.1 pyOpenSSL==26.4.0 pyparsing==3.3.3 pysaml2==7.5.5 python-dateutil==4.0.0
python-keystoneclient==6.0.0 python-swiftclient==4.11.0 pytz==2026.6 PyYAML==6.0.4 redis==8.1.0
referencing==0.37.0 repoze-lru==0.8 requests==2.34.2 rfc3986==2.0.0 Routes==2.5.1
rpds-py==2026.9.1 six==1.17.0 SQLAlchemy==2.1.9 statsd==4.0.1 stevedore==5.10.0
testresources==2.1.2 testscenarios==0.7.0 txaio==26.6.1 typing_extensions==4.16.0
tzdata==2026.6 ujson==6.1.0 urllib3==2.8.0 vine==5.1.0 wcwidth==0.9.4 WebOb==1.8.11
Werkzeug==3.1.9 wrapt==2.5.2 xmlschema==2.5.1 yappi==1.7.6 zaqar==23.0.1
"""

STAMP = "msgops-lab-stamp.json"


def cache_dir() -> Path:
    """``$MSGOPS_LAB_CACHE``, else ``<repo>/.lab/cache`` (git-ignored)."""
    env = os.environ.get("MSGOPS_LAB_CACHE")
    if env:
        return Path(env).absolute()
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").exists():
        return repo / ".lab" / "cache"
    return Path.home() / ".cache" / "msgops-lab"


def _wanted_stamp() -> dict:
    pins = " ".join(CONSTRAINTS.split())
    return {
        "python": sys.version.split()[0],
        "requirements": list(REQUIREMENTS),
        "constraints_sha256": hashlib.sha256(pins.encode()).hexdigest(),
    }


class OpenStackVenv:
    """``<cache>/venvs/openstack``: `ensure()` it, then use `bin(name)` for its commands."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or cache_dir() / "venvs" / "openstack").absolute()

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.root / "bin" / name

    def is_current(self) -> bool:
        """True when the venv exists and was built from exactly today's pins."""
        try:
            stamp = json.loads((self.root / STAMP).read_text())
        except (OSError, ValueError):
            return False
        return stamp.get("build") == _wanted_stamp() and self.python.exists()

    def versions(self) -> dict:
        """What the stamp says was installed (the zaqar and keystone versions, the build inputs)."""
        try:
            return json.loads((self.root / STAMP).read_text())
        except (OSError, ValueError):
            return {}

    def ensure(self, log=print) -> bool:
        """Build the venv unless current; True when it had to be built."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        with open(self.root.parent / f".{self.root.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another lab may be building it: wait for it
            if self.is_current():
                return False
            self._build(log)
            return True

    def _build(self, log) -> None:
        try:
            import ensurepip  # noqa: F401  (Debian's python3 lacks it without python3-venv)
        except ImportError:
            raise LabError("python's venv/ensurepip are missing: apt-get install python3-venv") from None
        log(f"building the OpenStack venv (zaqar, keystone) in {self.root} ...")
        shutil.rmtree(self.root, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(self.root)], timeout=120, what="python -m venv")
        constraints = self.root / "constraints.txt"
        constraints.write_text("\n".join(CONSTRAINTS.split()) + "\n")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        run([str(self.python), "-m", "pip", "install", "--no-input", "-q", "-c", str(constraints),
             *REQUIREMENTS], env=env, timeout=1200, what="pip install zaqar/keystone into the lab venv")
        probe = run([str(self.python), "-c",
                     "import importlib.metadata as m; print(m.version('zaqar'), m.version('keystone'))"],
                    env=env, timeout=60, what="checking the lab venv")
        zaqar_v, keystone_v = probe.stdout.split()
        stamp = {"build": _wanted_stamp(), "zaqar": zaqar_v, "keystone": keystone_v}
        (self.root / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")  # written last: marks success
        log(f"OpenStack venv ready: zaqar {zaqar_v}, keystone {keystone_v}")
