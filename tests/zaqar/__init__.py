"""Tests of the Zaqar tier against the real Zaqar lab (msgops.lab.zaqar)."""
