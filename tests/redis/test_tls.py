"""``rediss://`` against a real redis-server with TLS (Debian's is built with it): the certificate is
verified by default, against ``ca_file``; a server the CA did not sign is a finding that says so.
Certificates are made for the test with the openssl command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from msgops.probes.redis.assess import assess
from msgops.probes.redis.collect import RedisProbe
from tests.redis.conftest import PASSWORD, target_for
from tests.redis.real import free_port


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture
def certificates(tmp_path: Path) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    d = tmp_path / "tls"
    d.mkdir()
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=msgops test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    (d / "san.cnf").write_text("subjectAltName = IP:127.0.0.1\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
            "-out", "server.csr", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "1", "-extfile", "san.cnf", "-out", "server.pem", cwd=d)
    return d


async def findings(target) -> list:
    probe = RedisProbe(target)
    try:
        return list(assess(await probe.poll()))
    finally:
        await probe.aclose()


async def test_rediss_is_verified_against_the_ca_file(real_redis, certificates):
    tls_port = free_port()
    real_redis([f"requirepass {PASSWORD}", f"tls-port {tls_port}", f"tls-cert-file {certificates / 'server.pem'}",
                f"tls-key-file {certificates / 'server.key'}", f"tls-ca-cert-file {certificates / 'ca.pem'}",
                "tls-auth-clients no"])
    verified = await findings(target_for(tls_port, tls=True, ca_file=str(certificates / "ca.pem"),
                                         connect_timeout=2.0, call_timeout=2.0))
    assert [f.code for f in verified] == ["healthy"], verified
    unknown_ca = await findings(target_for(tls_port, tls=True, connect_timeout=2.0, call_timeout=2.0))
    assert [f.code for f in unknown_ca] == ["tls_failed"], unknown_ca
    assert unknown_ca[0].reason.startswith(f"TLS with 127.0.0.1:{tls_port} failed: certificate verify failed: "
                                           "self-signed certificate in certificate chain (ca_file names")
    unverified = await findings(target_for(tls_port, tls=True, verify_tls=False, connect_timeout=2.0, call_timeout=2.0))
    assert [f.code for f in unverified] == ["healthy"]
