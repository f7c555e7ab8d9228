"""``trialqa calc NAME --input VALUE ...``: the calculators on the command line.

Each calculator is a sub-command whose flags are its input model's fields (``--responders``,
``--events-a``), so ``trialqa calc NAME --help`` documents every input. Values are handed to the
input model as written; anything it refuses is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import types
import typing
from typing import Any, Literal

from assistant.calculators import CALCULATORS, Calculator, calculate
from assistant.errors import CalculatorInputError


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _example(calculator: Calculator) -> str:
    words = [f"trialqa calc {calculator.name}"]
    for field, value in calculator.example.items():
        if isinstance(value, dict):
            words.append(_flag(field) + "".join(f" {k}={v}" for k, v in value.items()))
        else:
            words.append(f"{_flag(field)} {value}")
    return " ".join(words)


def _epilog() -> str:
    lines = ["examples:"]
    lines += [f"  {_example(c)}" for c in CALCULATORS.values()]
    lines += [
        "  trialqa calc response_rate --responders 14 --evaluable 19 --method wilson --json",
        "",
        "rates and intervals are computed as fractions (--json) and shown as percents;",
        "confidence is a fraction too (0.95). `trialqa calc NAME --help` lists NAME's inputs.",
    ]
    return "\n".join(lines)


def _unwrap(annotation: Any) -> Any:
    """``int | None`` -> ``int``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation


def _add_inputs(parser: argparse.ArgumentParser, calculator: Calculator) -> None:
    for field, info in calculator.input_model.model_fields.items():
        annotation = _unwrap(info.annotation)
        default = "required" if info.is_required() else f"default: {info.default}"
        help_text = f"{info.description or ''} ({default})".strip()
        kwargs: dict[str, Any] = {"dest": field, "help": help_text.replace("%", "%%")}
        if typing.get_origin(annotation) is dict:
            kwargs.update(nargs="+", metavar="KEY=N")
        elif typing.get_origin(annotation) is Literal:
            kwargs["metavar"] = "{" + ",".join(typing.get_args(annotation)) + "}"
        else:
            kwargs["metavar"] = "N" if annotation is int else "X"
        parser.add_argument(_flag(field), **kwargs)


def add_parser(sub) -> None:
    """Register ``calc`` and one sub-command per calculator on ``sub`` (argparse subparsers)."""
    parser = sub.add_parser(
        "calc",
        help="run a calculator: response rates, counts from percents, IMWG, two arms, AEs",
        description="Statistics on reported trial numbers, the same as POST /v1/calculate/NAME.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    names = parser.add_subparsers(dest="calculator", required=True, metavar="NAME")
    for calculator in CALCULATORS.values():
        p = names.add_parser(
            calculator.name,
            help=calculator.description.replace("%", "%%"),
            description=calculator.description,
            epilog=f"example:\n  {_example(calculator)}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_inputs(p, calculator)
        p.add_argument("--json", action="store_true", help="print the Calculation as JSON")


def _pairs(field: str, items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CalculatorInputError(
                f"{_flag(field)} takes KEY=N pairs (e.g. CR=5), got {item!r}"
            )
        pairs[key] = value
    return pairs


def run(args: argparse.Namespace) -> int:
    calculator = CALCULATORS[args.calculator]
    inputs = {}
    for field in calculator.input_model.model_fields:
        value = getattr(args, field, None)
        if value is not None:
            inputs[field] = _pairs(field, value) if isinstance(value, list) else value
    calculation = calculate(calculator.name, inputs)
    print(calculation.model_dump_json(indent=2) if args.json else calculation.text)
    return 0
