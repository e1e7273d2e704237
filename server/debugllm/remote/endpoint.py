"""Endpoint configuration: URL validation and the refusal of plain HTTP to remote hosts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class EndpointConfigError(ValueError):
    """A configuration the client refuses; ``str(exc)`` is a message for the user."""


def is_loopback(host: str) -> bool:
    """Only ``localhost``, 127.0.0.0/8 and ::1. A name *under* ``.localhost`` is not trusted:
    RFC 6761 asks resolvers to map it to loopback, but not every resolver does (a DNS server
    may answer ``evil.localhost`` with a remote address), and plain HTTP would then send the key
    across the network. Other aliases (``localhost.localdomain``) depend on /etc/hosts."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_url(url: str, allow_insecure: bool = False) -> str:
    """The normalised base URL (no trailing slash); raises ``EndpointConfigError`` with why."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointConfigError(
            f"debugllm.endpoint.url must be an http(s) URL such as http://gpu-host:8000/v1, "
            f"got {url!r}"
        )
    if parts.username or parts.password:
        raise EndpointConfigError(
            "debugllm.endpoint.url must not contain credentials; set debugllm.endpoint.apiKey "
            "(or DEBUGLLM_API_KEY) instead"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not allow_insecure:
        raise EndpointConfigError(
            f"refusing plain http:// to {parts.hostname}: the API key and your code would cross "
            "the network unencrypted. Use https://, a loopback address or an SSH tunnel, or set "
            "debugllm.endpoint.allowInsecure to true"
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class Endpoint:
    """Everything the client needs; the key is excluded from ``repr``."""

    base_url: str
    model: str = "debugllm"
    api_key: str = field(default="", repr=False)
    explain_model: str = ""
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 30.0
    retries: int = 2
    retry_after_cap_s: float = 5.0
    max_in_flight: int = 4
