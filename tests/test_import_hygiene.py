"""probes/, runbooks/ and the headless commands never load Textual or Rich (checked in a fresh process)."""

import subprocess
import sys

import pytest

HEADLESS_MODULES = [
    "msgops.probes.findings",
    "msgops.probes.targets",
    "msgops.probes.poller",
    "msgops.probes.rabbitmq",
    "msgops.probes.rabbitmq.collect",
    "msgops.probes.rabbitmq.assess",
    "msgops.probes.rabbitmq.canary",
    "msgops.runbooks",
    "msgops.runbooks.engine",
    "msgops.runbooks.registry",
    "msgops.runbooks.rabbitmq_queue_reset",
    "msgops.console.runbook_cli",
    "msgops.console.config",
    "msgops.console.headless",
    "msgops.console.cli",
    "msgops.sim",
]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_module_loads_no_textual(module):
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} loads {out.stdout.strip()}"


def test_headless_commands_load_no_textual(tmp_path):
    """Running `msgops check` end to end (on an empty inventory) imports no Textual."""
    inventory = tmp_path / "inventory.toml"
    inventory.write_text("[settings]\nread_only = true\n")
    code = (
        "import sys\nfrom msgops.console.cli import main\n"
        f"rc = main(['--inventory', {str(inventory)!r}, 'check'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print('LOADED', ','.join(bad), rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("LOADED  3"), out.stdout


def test_the_console_does_load_textual():
    """The check above can fail: the TUI module really imports Textual."""
    code = "import sys, msgops.console.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_wheel_is_one_namespaced_package(tmp_path):
    """The built wheel puts everything under msgops/ (no generic `console`, `probes` at the top)."""
    import pathlib
    import zipfile

    root = pathlib.Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(root)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("msgops-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("msgops-")}
    assert tops == {"msgops"}, tops
    assert "msgops/console/msgops.tcss" in names
    assert "msgops/probes/rabbitmq/collect.py" in names
