"""Langfuse tracing: exported to a local capture endpoint (real OTLP over HTTP), never the key."""

from __future__ import annotations

import gzip

import pytest
from debugllm.pipeline import FixPipeline, FixPlan
from debugllm.remote.endpoint import Endpoint
from debugllm.remote.source import ModelSource
from debugllm.remote.tracing import Tracer

from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI, Reply

OTEL = "/api/public/otel/v1/traces"
KEY = "sk-trace-secret-77"


def test_no_langfuse_variables_means_no_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_HOST"):
        monkeypatch.delenv(name, raising=False)
    assert Tracer.from_environment().client is None


async def test_a_fix_request_is_traced_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("langfuse")
    with FakeOpenAI() as fake, FakeOpenAI() as capture:
        capture.default(OTEL, Reply(json={}))
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-lf-local")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-local")
        monkeypatch.setenv("LANGFUSE_HOST", capture.base)
        fake.default(COMPLETIONS, Reply.completion("def add(a, b):\n    return a + b\n"))
        source = ModelSource(Endpoint(base_url=fake.url, api_key=KEY))
        assert source.tracer.client is not None
        pipeline = FixPipeline(model=source)
        text = "def add(a, b):\n    return a - b\n"
        analysis = pipeline.analyze(text)
        offset = text.index("a - b")
        target = pipeline.model_target(FixPlan(analysis), [], offset)
        assert target is not None
        result = await pipeline.model_fix(analysis, target)
        assert result.fix is not None
        await source.aclose()  # flushes the exporter
        capture.wait_for_requests(1, path=OTEL)
        bodies = b"".join(
            gzip.decompress(r.body) if r.headers.get("content-encoding") == "gzip" else r.body
            for r in capture.requests_to(OTEL)
        )
        assert b"debugllm.model-fix" in bodies and b"upstream" in bodies
        assert KEY.encode() not in bodies
        assert b"return a" not in bodies  # no user code either


def test_logs_are_json_lines_with_the_event_fields_merged() -> None:
    import json
    import logging

    from debugllm.logs import JsonLines

    record = logging.LogRecord(
        "debugllm.remote",
        logging.INFO,
        __file__,
        1,
        '{"event": "model-fix", "cache_hit": true}',
        None,
        None,
    )
    line = json.loads(JsonLines().format(record))
    assert line["level"] == "info" and line["event"] == "model-fix" and line["cache_hit"] is True
    plain = logging.LogRecord("x", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
    assert json.loads(JsonLines().format(plain))["message"] == "hello you"
