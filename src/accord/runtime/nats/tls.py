"""TLS for a run's servers: a certificate authority and a server certificate made with the
``openssl`` command, and the client side that trusts that authority only.

``make_certificates(DIR)`` writes ``ca.pem`` (the authority, self-signed), ``server.pem``
and ``server-key.pem`` (signed by it, for ``127.0.0.1``, ``::1`` and ``localhost`` and any
other names given), keys EC P-256, valid ``DAYS`` days; keys are mode 0600. Clients verify
the server against ``ca.pem`` (``client_context``); the servers verify each other's routes
the same way.
"""

from __future__ import annotations

import logging
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from accord.model.errors import ScenarioError

DAYS = 825  # the longest validity clients accept for a server certificate
CA_ENV = "ACCORD_NATS_CA"  # the CA file a run's processes verify tls:// servers against
LOCAL_NAMES = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Certificates:
    """Where a server's TLS files are."""

    ca: Path
    cert: Path
    key: Path

    @classmethod
    def at(cls, directory: Path) -> Certificates:
        """Where ``make_certificates(directory)`` writes them."""
        return cls(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")

    def block(self, verify: bool = False) -> dict[str, str | bool]:
        """A ``tls { ... }`` block of a ``nats-server`` configuration (``verify``: the peer
        must show a certificate of the CA too, as routes do)."""
        out: dict[str, str | bool] = {"cert_file": str(self.cert), "key_file": str(self.key),
                                      "ca_file": str(self.ca)}
        if verify:
            out["verify"] = True
        return out


def _openssl(*args: str, cwd: Path) -> None:
    """Run ``openssl ARGS``; a failure is a one-line ScenarioError."""
    exe = shutil.which("openssl")
    if exe is None:
        raise ScenarioError(str(cwd), "--tls", "the openssl command is not installed")
    proc = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        raise ScenarioError(str(cwd), "--tls", f"openssl {args[0]}: {last}")


def make_certificates(directory: Path, names: Iterable[str] = ()) -> Certificates:
    """A new CA and a server certificate it signs, for the loopback names and ``names``,
    written to ``directory`` (made if missing)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(str(directory), "--tls", f"cannot write ({exc.strerror})") from None
    certs = Certificates.at(directory)
    alt = ",".join(f"IP:{n}" if n[0].isdigit() or ":" in n else f"DNS:{n}"
                   for n in dict.fromkeys([*LOCAL_NAMES, *names]))
    with TemporaryDirectory(prefix="accord-tls-") as tmp:
        work = Path(tmp)
        ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
        _openssl("req", "-x509", *ec, "-keyout", "ca-key.pem", "-out", "ca.pem",
                 "-days", str(DAYS), "-subj", "/CN=accord run CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=work)
        _openssl("req", "-new", *ec, "-keyout", "server-key.pem", "-out", "server.csr",
                 "-subj", "/CN=accord nats-server", cwd=work)
        (work / "ext.cnf").write_text(
            f"subjectAltName={alt}\nbasicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth,clientAuth\n")
        _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                 "-CAcreateserial", "-out", "server.pem", "-days", str(DAYS),
                 "-extfile", "ext.cnf", cwd=work)
        for name, target in (("ca.pem", certs.ca), ("server.pem", certs.cert),
                             ("server-key.pem", certs.key)):
            shutil.copyfile(work / name, target)
    os.chmod(certs.key, 0o600)  # the CA's key is not kept: no further certificate is signed
    return certs


def trust(ca_file: Path) -> None:
    """Make this process (and the processes it starts) verify ``tls://`` servers against
    ``ca_file`` (a missing file is a one-line ScenarioError)."""
    if not ca_file.is_file():
        raise ScenarioError(str(ca_file), "--tls-ca", "no such CA file")
    os.environ[CA_ENV] = str(ca_file.resolve())


def client_context(ca_file: Path | str | None = None) -> ssl.SSLContext | None:
    """A client's TLS context that trusts only ``ca_file`` (default ``$ACCORD_NATS_CA``;
    neither: None, the system's authorities)."""
    ca = ca_file or os.environ.get(CA_ENV)
    if not ca:
        return None
    if not Path(ca).is_file():
        raise ScenarioError(str(ca), "--tls-ca", "no such CA file")
    asyncio_log = logging.getLogger("asyncio")
    if _quiet not in asyncio_log.filters:
        asyncio_log.addFilter(_quiet)
    return ssl.create_default_context(cafile=str(ca))


def _quiet(record: logging.LogRecord) -> bool:
    """Drop asyncio's warning at each TLS connection's close (nats-py's protocol returns
    True from ``eof_received``, which TLS ignores): noise, nothing is wrong."""
    return "eof_received" not in record.getMessage()
