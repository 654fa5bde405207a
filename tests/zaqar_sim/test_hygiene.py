"""The simulator never loads Textual or Rich (checked in a fresh process)."""

import subprocess
import sys


def test_simulator_loads_no_textual():
    code = ("import sys, msgops.sim.zaqar.server, msgops.sim.zaqar.__main__\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'rich'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == ""
