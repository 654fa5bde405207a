"""Package discovery for the one namespaced package: each top-level layer folder (console/, probes/,
...) is ``msgops.<layer>``, and every folder under it with an ``__init__.py`` is found here, so a
new tier's folders need no entry anywhere (pyproject.toml holds everything else)."""

from pathlib import Path

from setuptools import setup

LAYERS = ("console", "widgets", "probes", "runbooks", "sim", "lab")
here = Path(__file__).resolve().parent
packages = sorted(
    ".".join(("msgops", *init.parent.relative_to(here).parts))
    for layer in LAYERS
    for init in (here / layer).rglob("__init__.py")
    if "__pycache__" not in init.parts
)
setup(packages=packages, package_dir={f"msgops.{layer}": layer for layer in LAYERS})
