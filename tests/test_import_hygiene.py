"""probes/, runbooks/, sim/, lab/ and the headless commands never load Textual or Rich, and probes/ and
runbooks/ never load the console or its widgets (each module checked in a fresh process). The module
lists are discovered on disk, so a new tier's modules are covered the day they land."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI = ("textual", "rich")


def modules(layer: str) -> list[str]:
    found = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        if "__pycache__" in path.parts or path.name == "__main__.py":
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append(".".join(("msgops", *parts)))
    return found


HEADLESS = ["msgops.console.cli", "msgops.console.config", "msgops.console.headless",
            "msgops.console.runbook_cli", "msgops.console.exitcodes"]
CORE = modules("probes") + modules("runbooks")
OTHERS = modules("sim") + modules("lab") + HEADLESS


def loaded_by(module: str) -> list[str]:
    code = (f"import sys, {module}\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') "
            "or m.startswith(('msgops.console', 'msgops.widgets')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, f"{module} does not import: {out.stderr.strip().splitlines()[-1:]}"
    return [m for m in out.stdout.strip().split(",") if m]


def test_the_layers_were_found():
    assert "msgops.probes.rabbitmq.collect" in CORE and "msgops.runbooks.engine" in CORE
    assert len(CORE) > 20 and any(m.startswith("msgops.sim.") for m in OTHERS)


@pytest.mark.parametrize("module", CORE)
def test_core_module_loads_no_ui_and_no_console(module):
    bad = loaded_by(module)
    assert bad == [], f"{module} loads {bad}"


@pytest.mark.parametrize("module", OTHERS)
def test_module_loads_no_textual(module):
    bad = [m for m in loaded_by(module) if m.split(".")[0] in UI]
    assert bad == [], f"{module} loads {bad}"


def test_headless_commands_load_no_textual(tmp_path):
    """Running `msgops check` end to end (on an empty inventory) imports no Textual."""
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(f'[settings]\nread_only = true\nstate_dir = "{tmp_path}/state"\n')
    code = (
        "import sys\nfrom msgops.console.cli import main\n"
        f"rc = main(['--inventory', {str(inventory)!r}, 'check'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print('LOADED', ','.join(bad), rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("LOADED  3"), out.stdout


def test_the_console_does_load_textual():
    """The checks above can fail: the TUI module really imports Textual."""
    assert "textual" in ",".join(loaded_by("msgops.console.app"))


def test_wheel_is_one_namespaced_package(tmp_path):
    """The built wheel puts everything under msgops/ (no generic `console`, `probes` at the top),
    every tier folder included without a hand-kept package list."""
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("msgops-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("msgops-")}
    assert tops == {"msgops"}, tops
    assert "msgops/console/msgops.tcss" in names
    for layer in ("probes", "runbooks", "sim", "lab", "console/tiers"):
        for folder in (ROOT / layer).iterdir():
            if (folder / "__init__.py").exists():
                assert f"msgops/{layer}/{folder.name}/__init__.py" in names, folder
