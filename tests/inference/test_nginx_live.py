"""The rendered nginx config in a real nginx, in front of the scripted vLLM on loopback.

Proves the proxy part of the single-host recipe: TLS terminates, only the inference routes of /v1
reach vLLM, /health /metrics /tokenize answer 404 from outside, and the rate limit is per API key.
Skipped where nginx or openssl is not installed.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from debugllm_inference.recipes import RecipeOptions, render
from debugllm_inference.settings import ServeSettings

from tests.fakes.openai_server import COMPLETIONS, HEALTH, MODELS, FakeOpenAI

# Under CI (.ci/install-system.sh installs nginx) a missing nginx fails the test, not skips it.
pytestmark = pytest.mark.skipif(
    (shutil.which("nginx") is None or shutil.which("openssl") is None) and not os.environ.get("CI"),
    reason="nginx and openssl are needed (apt-get install nginx-light)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[str, FakeOpenAI]]:
    key, cert = str(tmp_path / "key.pem"), str(tmp_path / "cert.pem")
    openssl = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
    ]
    subprocess.run(
        [*openssl, "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
        timeout=60,
    )
    https_port = _free_port()
    with FakeOpenAI() as fake:
        options = RecipeOptions(
            tls_cert=str(tmp_path / "cert.pem"),
            tls_key=str(tmp_path / "key.pem"),
            rate_per_second=1,
            burst=2,
            http_port=_free_port(),
            https_port=https_port,
        )
        (tmp_path / "debugllm.conf").write_text(
            render("nginx", ServeSettings(port=fake.port), options)
        )
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
            f"http {{\n    access_log off;\n    include {tmp_path}/debugllm.conf;\n}}\n"
        )
        argv = ["nginx", "-p", f"{tmp_path}/", "-c", str(tmp_path / "nginx.conf")]
        check = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        process = subprocess.Popen([*argv, "-g", "daemon off;"], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield f"https://127.0.0.1:{https_port}", fake
        finally:
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def raw_get(url: str, path: str, key: str) -> int:
    """GET ``path`` byte for byte: httpx would remove its dot segments before sending."""
    port = int(url.rsplit(":", 1)[1])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {key}"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_only_inference_routes_pass_and_limits_are_per_key(
    proxied: tuple[str, FakeOpenAI],
) -> None:
    url, fake = proxied
    body = {"model": "debugllm", "prompt": "x", "max_tokens": 5}
    with httpx.Client(base_url=url, verify=False, timeout=10) as client:
        for path in ("/health", "/metrics", "/tokenize", "/v1/load_lora_adapter"):
            assert client.get(path).status_code == 404, path
        assert fake.requests_to(HEALTH) == []
        assert client.get("/v1/models").status_code == 200
        # nginx matches the normalised path; vLLM must get that path, not the client's (its
        # `^/metrics(.*)$` route would answer `/metrics/../v1/models` with the metrics).
        for n, path in enumerate(
            ("/metrics/../v1/models", "/v1/x/../models", "/metrics/%2e%2e/v1/models")
        ):
            assert raw_get(url, path, f"probe-{n}") == 200, path  # a bucket each
        assert raw_get(url, "/v1/models/../../metrics", "probe-3") == 404
        assert {r.path for r in fake.requests} == {MODELS}
        key_a = {"Authorization": "Bearer key-a"}
        statuses = [
            client.post("/v1/completions", json=body, headers=key_a).status_code for _ in range(8)
        ]
        assert statuses[0] == 200 and 429 in statuses
        # The same token spelt with other blanks or case is the same bucket.
        for spelling in ("Bearer  key-a", "bearer key-a", "Bearer\tkey-a"):
            response = client.post(
                "/v1/completions", json=body, headers={"Authorization": spelling}
            )
            assert response.status_code == 429, spelling
        # Another key has its own bucket.
        key_b = {"Authorization": "Bearer key-b"}
        assert client.post("/v1/completions", json=body, headers=key_b).status_code == 200
    received = fake.requests_to(COMPLETIONS)
    assert len(received) == statuses.count(200) + 1
    assert received[-1].headers["authorization"] == "Bearer key-b"
