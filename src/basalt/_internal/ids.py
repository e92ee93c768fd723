"""Run names: human-friendly, unique, in the shape Azure ML gives job names."""

from __future__ import annotations

import secrets
import string

_ADJECTIVES = (
    "amber agile bold brave bright calm clever cool crisp curious dapper eager fancy frosty "
    "gentle happy honest jolly keen kind lively lucky mellow merry modest nimble patient plucky "
    "polite proud quiet quick rapid sharp shy silly sleek smart snowy steady sunny swift tender "
    "tidy vivid warm witty zesty"
).split()
_NOUNS = (
    "apple badger basil beetle berry brook cactus canyon cedar cloud comet coral crane delta "
    "dune ember falcon fern fig forest garden glacier harbor heron island jackal kettle kiwi "
    "lagoon lake lantern lemon lotus maple meadow mango nest oak ocean olive orchid otter owl "
    "panda pear pepper pine plum puma quail rain reef river rose sage salmon sky spoon tiger "
    "tulip valley wave willow yak zebra"
).split()
_ALPHABET = string.ascii_lowercase + string.digits


def new_run_name() -> str:
    """A new run name such as ``brave_otter_k3x9p2m7qa`` (about 52 bits of randomness)."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{secrets.choice(_ADJECTIVES)}_{secrets.choice(_NOUNS)}_{suffix}"
