"""Calculators over numbers that trial reports give: pure functions, fractions not percents.

Each calculator validates its inputs (``CalculatorInputError`` with a one-line message), computes
with scipy/statsmodels, and returns a frozen pydantic result with named fields. ``render`` turns
any result into one line of text ("14/19 = 73.7% (95% CI 48.8–90.9%)"); computing and rendering
stay apart so answers, the API and the CLI can show the same numbers their own way.

``CALCULATORS`` registers every calculator with an input model (described, with an example, for
OpenAPI and the CLI), and ``calculate(name, inputs)`` runs one by name and returns the
``Calculation`` that answers carry.

scipy and statsmodels are imported inside the functions that use them, so importing this module
(for the registry, e.g. to build the CLI's help) stays cheap.

Modules: ``results`` (the result models), ``stats`` (the calculators), ``render`` (one line of
text per result), ``registry`` (``CALCULATORS`` and ``calculate``).
"""

from assistant.calculators.registry import CALCULATORS, Calculator, calculate
from assistant.calculators.render import render
from assistant.calculators.results import (
    AEIncidence,
    ArmComparison,
    CountCandidate,
    CountsFromPercent,
    ImwgCumulative,
    Proportion,
)
from assistant.calculators.stats import (
    IMWG_CATEGORIES,
    MAX_PATIENTS,
    ae_incidence,
    compare_arms,
    counts_from_percent,
    imwg_cumulative,
    response_rate,
)

__all__ = [
    "AEIncidence", "ArmComparison", "CALCULATORS", "Calculator", "CountCandidate",
    "CountsFromPercent", "IMWG_CATEGORIES", "ImwgCumulative", "MAX_PATIENTS", "Proportion",
    "ae_incidence", "calculate", "compare_arms", "counts_from_percent", "imwg_cumulative",
    "render", "response_rate",
]  # fmt: skip
