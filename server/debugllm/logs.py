"""JSON-lines logging on stderr: one object per record (time, level, logger, fields).

A record whose message is itself a JSON object (the model path's events: request id, latency,
tokens, cache hit, outcome) is merged into the line rather than nested as a string.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields: Any = None
        if message.startswith("{"):
            try:
                fields = json.loads(message)
            except ValueError:
                fields = None
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = message
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    logging.basicConfig(level=level, handlers=[handler])
    # httpx logs every request line at INFO; the model path logs its own events.
    logging.getLogger("httpx").setLevel(logging.WARNING)
