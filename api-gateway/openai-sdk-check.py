#!/usr/bin/env python3
"""Drives a running kvroute gateway with the official OpenAI Python SDK, unchanged (not part of the Maven suite).

Every call goes through the SDK's own request building and response parsing (typed pydantic models, its SSE
reader, its error classes), so a response that is not in OpenAI shape fails here. Prints one line per check and
exits 1 if any check fails.

    pip install openai            # any 1.x or later
    deploy/run-local.sh --port-offset 300 --speedup 20 --no-demo &     # or any running stack
    python3 api-gateway/openai-sdk-check.py --base-url http://127.0.0.1:8300/v1
"""
import argparse
import sys

import openai
from openai import OpenAI

failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(name)


def expect_error(name, error_class, status, code, call):
    try:
        call()
    except error_class as e:
        body = e.body if isinstance(e.body, dict) else {}
        got = getattr(e, "code", None) or body.get("code")
        check(name, e.status_code == status and got == code and bool(body.get("message")),
              f"status {e.status_code}, code {got}, body {e.body}")
        return
    except Exception as e:  # wrong class: the SDK did not see an OpenAI-shaped error
        check(name, False, f"{type(e).__name__}: {e}")
        return
    check(name, False, "no error raised")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8000/v1")
    ap.add_argument("--api-key", default="unused")
    args = ap.parse_args()
    client = OpenAI(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=120)
    print(f"openai {openai.__version__} against {args.base_url}")

    models = client.models.list()
    model = models.data[0].id
    check("models.list", len(models.data) == 1 and models.data[0].object == "model", models)

    chat = client.chat.completions.create(model=model, max_tokens=12,
                                          messages=[{"role": "user", "content": "What is a KV cache?"}])
    msg = chat.choices[0].message
    check("chat.completions.create (non-streamed)",
          chat.object == "chat.completion" and msg.role == "assistant" and bool(msg.content)
          and chat.choices[0].finish_reason in ("stop", "length")
          and chat.usage.total_tokens == chat.usage.prompt_tokens + chat.usage.completion_tokens
          and isinstance(chat.usage.prompt_tokens_details.cached_tokens, int), chat)

    chunks = list(client.chat.completions.create(
        model=model, max_tokens=12, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a cache."}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    check("chat stream: role first, text, one finish_reason, usage chunk last",
          chunks[0].choices[0].delta.role == "assistant" and bool(text) and len(finishes) == 1
          and not chunks[-1].choices and chunks[-1].usage is not None
          and all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks), chunks[-3:])

    cmpl = client.completions.create(model=model, prompt="Once upon a time", max_tokens=8, seed=3)
    check("completions.create (text prompt)", cmpl.object == "text_completion" and bool(cmpl.choices[0].text), cmpl)
    ids = client.completions.create(model=model, prompt=[9707, 11, 1879, 0], max_tokens=8, stream=True,
                                    stream_options={"include_usage": True})
    ids = list(ids)
    check("completions stream (token-id prompt)",
          bool("".join(c.choices[0].text for c in ids if c.choices)) and ids[-1].usage.prompt_tokens == 4, ids[-2:])

    long_prompt = "Summarise this log.\n" + "".join(
        f"line {i}: request routed to worker with prefix reuse {i * 7}\n" for i in range(150))
    first = client.chat.completions.create(model=model, max_tokens=4,
                                           messages=[{"role": "user", "content": long_prompt}])
    again = None
    for _ in range(20):  # the router learns the first request's blocks from the worker's KV events
        again = client.chat.completions.create(model=model, max_tokens=4,
                                               messages=[{"role": "user", "content": long_prompt}])
        if again.usage.prompt_tokens_details.cached_tokens > 0:
            break
    check("repeated long prompt reports cached_tokens",
          again.usage.prompt_tokens_details.cached_tokens >= first.usage.prompt_tokens // 2, again.usage)

    expect_error("n=2 -> BadRequestError 400", openai.BadRequestError, 400, None,
                 lambda: client.chat.completions.create(model=model, n=2,
                                                        messages=[{"role": "user", "content": "x"}]))
    expect_error("unknown model -> NotFoundError 404 model_not_found", openai.NotFoundError, 404, "model_not_found",
                 lambda: client.chat.completions.create(model="no-such-model",
                                                        messages=[{"role": "user", "content": "x"}]))
    expect_error("max_tokens beyond the context -> 400 context_length_exceeded", openai.BadRequestError, 400,
                 "context_length_exceeded",
                 lambda: client.completions.create(model=model, prompt="hello", max_tokens=10_000_000))
    expect_error("unknown role -> 400", openai.BadRequestError, 400, None,
                 lambda: client.chat.completions.create(model=model,
                                                        messages=[{"role": "robot", "content": "x"}]))

    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
