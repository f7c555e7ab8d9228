"""What ``TrialNames.found`` reports, for a fixed list of trial names: the tests of the
follow-up rewrite read names this way instead of from a store."""

import re
from collections.abc import Callable, Sequence


def names_finder(trials: Sequence[str]) -> Callable[[str], list[str]]:
    """``names_in(text)``: the names of ``trials`` written in ``text`` (any case, any
    separator between their parts), in the order they are written."""

    def names_in(text: str) -> list[str]:
        found = []
        for name in trials:
            parts = re.findall(r"[0-9A-Za-z]+", name)
            pattern = r"(?<![0-9a-z])" + r"[\s\-_/.]*".join(parts) + r"(?![0-9a-z])"
            if m := re.search(pattern, text, re.I):
                found.append(m.group(0))
        return sorted(found, key=text.find)

    return names_in
