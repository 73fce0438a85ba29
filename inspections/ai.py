"""AI photo analysis (seed 003's POST /ai/analyze), behind one provider interface.

A provider takes a photo and a question and answers a suggestion: an answer value that
fits the question's type, a confidence, an explanation, a flag and a comment. Nothing is
saved: the mechanic decides and posts an answer.

The first provider speaks the OpenAI-compatible chat completions API with image input
(hosted services and self-hosted servers such as vLLM, Ollama or LocalAI alike), configured
by AI_BASE_URL, AI_API_KEY and AI_MODEL. No provider configured → 503 `ai_unavailable`; a
provider that fails, times out (AI_TIMEOUT_SECONDS, 10 s) or answers something that does
not fit the schema → 502 with a message saying which. Never a 500.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status

from gymsite.core.errors import DomainError

from .models import QuestionType

logger = logging.getLogger(__name__)

# The largest reply read from a provider: a suggestion is a few hundred bytes.
MAX_REPLY_BYTES = 1024 * 1024

VALUES = {
    QuestionType.PASS_FAIL: ["pass", "fail", "na"],
    QuestionType.YES_NO: ["yes", "no", "na"],
    QuestionType.RATING: ["1", "2", "3", "4", "5", "na"],
}


class AIUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "ai_unavailable"
    default_detail = _("AI analysis is not configured on this server.")


class AIProviderError(DomainError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "ai_provider_error"
    default_detail = _("The AI provider failed.")


@dataclass(frozen=True)
class AnalysisRequest:
    image: bytes
    content_type: str
    question_text: str
    question_type: str
    section: str = ""
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    answer_value: str
    confidence: float
    explanation: str
    is_flagged: bool
    comments: str


class Provider(Protocol):
    model: str

    def analyze(self, request: AnalysisRequest) -> Analysis: ...


def _allowed_values(request: AnalysisRequest) -> list[str] | None:
    if request.question_type == QuestionType.MULTIPLE_CHOICE and request.options:
        return [*request.options, "na"]
    return VALUES.get(request.question_type)


def prompt_for(request: AnalysisRequest) -> str:
    allowed = _allowed_values(request)
    if allowed:
        answer_rule = "answer_value must be one of: " + ", ".join(json.dumps(v) for v in allowed) + "."
    elif request.question_type == QuestionType.NUMBER:
        answer_rule = "answer_value must be the number read in the photo, as text (or \"na\")."
    else:
        answer_rule = "answer_value is a short text answer."
    return (
        "You inspect vehicles and gym equipment from photos. Look at the photo and answer the "
        "inspection question.\n"
        f"Section: {request.section or '-'}\n"
        f"Question: {request.question_text}\n"
        f"Question type: {request.question_type}\n"
        f"{answer_rule}\n"
        "Reply with one JSON object and nothing else, with exactly these keys: "
        '"answer_value" (string), "confidence" (number from 0 to 1), "explanation" (string), '
        '"is_flagged" (boolean: true when the item needs attention), "comments" (string).'
    )


def _strip_fences(text: str) -> str:
    match = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    return match.group(1) if match else text


def parse_analysis(content, request: AnalysisRequest) -> Analysis:
    """The model's reply as an Analysis, or AIProviderError naming what does not fit."""
    def bad(why: str) -> AIProviderError:
        return AIProviderError(
            _("The AI provider's reply does not fit the expected schema: %(why)s") % {"why": why},
            "ai_bad_reply",
        )

    if not isinstance(content, str):
        raise bad("no text content")
    try:
        data = json.loads(_strip_fences(content).strip())
    except ValueError:
        raise bad("not JSON") from None
    if not isinstance(data, dict):
        raise bad("not a JSON object")
    value = data.get("answer_value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = format(value, "g")
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise bad("answer_value")
    value = value.strip()
    allowed = _allowed_values(request)
    if allowed is not None:
        matches = [v for v in allowed if v.lower() == value.lower()]
        if not matches:
            raise bad("answer_value is not one of the question's answers")
        value = matches[0]
    confidence = data.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise bad("confidence")
    flagged = data.get("is_flagged")
    if not isinstance(flagged, bool):
        raise bad("is_flagged")
    explanation = data.get("explanation", "")
    comments = data.get("comments", "")
    if comments is None:
        comments = ""
    if not isinstance(explanation, str) or not isinstance(comments, str):
        raise bad("explanation or comments")
    return Analysis(value, float(confidence), explanation[:2000], flagged, comments[:2000])


class OpenAICompatibleProvider:
    """POST {AI_BASE_URL}/chat/completions with the photo as an image_url data URL."""

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.timeout = timeout

    def _body(self, request: AnalysisRequest) -> bytes:
        data_url = f"data:{request.content_type};base64,{base64.b64encode(request.image).decode('ascii')}"
        return json.dumps(
            {
                "model": self.model,
                "temperature": 0,
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": prompt_for(request)},
                            {"type": "image_url", "image_url": {"url": data_url}},
                        ],
                    }
                ],
            }
        ).encode()

    def analyze(self, request: AnalysisRequest) -> Analysis:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        # The socket timeout bounds each wait; the deadline bounds the whole exchange, so a
        # server that trickles its reply a byte at a time still stops at the timeout.
        deadline = time.monotonic() + self.timeout
        try:
            # Inside the try: a malformed AI_BASE_URL is a provider error (502), not a 500.
            http_request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
                f"{self.base_url}/chat/completions", data=self._body(request), headers=headers, method="POST"
            )
            with urllib.request.urlopen(http_request, timeout=self.timeout) as response:  # noqa: S310
                chunks, size = [], 0
                while size <= MAX_REPLY_BYTES:
                    if time.monotonic() > deadline:
                        raise TimeoutError
                    chunk = response.read1(64 * 1024)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                raw = b"".join(chunks)
        except urllib.error.HTTPError as error:
            logger.warning("AI provider answered HTTP %s", error.code)
            raise AIProviderError(
                _("The AI provider answered with an error (HTTP %(status)d).") % {"status": error.code},
                "ai_provider_error",
            ) from None
        except TimeoutError:
            raise AIProviderError(
                _("The AI provider did not answer within %(seconds)g seconds.") % {"seconds": self.timeout},
                "ai_timeout",
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError | socket.timeout):
                raise AIProviderError(
                    _("The AI provider did not answer within %(seconds)g seconds.") % {"seconds": self.timeout},
                    "ai_timeout",
                ) from None
            logger.warning("AI provider unreachable: %s", reason)
            raise AIProviderError(_("The AI provider could not be reached."), "ai_provider_error") from None
        if len(raw) > MAX_REPLY_BYTES:
            raise AIProviderError(_("The AI provider's reply is too large."), "ai_bad_reply")
        try:
            reply = json.loads(raw)
            content = reply["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise AIProviderError(
                _("The AI provider's reply is not a chat completion."), "ai_bad_reply"
            ) from None
        return parse_analysis(content, request)


def configured_provider() -> Provider:
    """The provider the settings name, or AIUnavailable (503)."""
    if not settings.AI_BASE_URL or not settings.AI_MODEL:
        raise AIUnavailable()
    return OpenAICompatibleProvider(
        base_url=settings.AI_BASE_URL,
        api_key=settings.AI_API_KEY,
        model=settings.AI_MODEL,
        timeout=settings.AI_TIMEOUT_SECONDS,
    )
