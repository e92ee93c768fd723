"""MLTable files parse as Azure ML writes them; unknown transformations are named errors."""

from __future__ import annotations

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.mltable import (
    KNOWN_TRANSFORMATIONS,
    ConvertColumnTypes,
    DropColumns,
    KeepColumns,
    ReadDelimited,
    ReadJsonLines,
    ReadParquet,
    Take,
    TakeRandomSample,
    parse_mltable,
)

AZURE = """\
$schema: https://azuremlschemas.azureedge.net/latest/MLTable.schema.json
type: mltable
paths:
  - file: ./train.csv
  - folder: ./more
  - pattern: ./parts/*.csv
transformations:
  - read_delimited:
      delimiter: ';'
      header: from_first_file
      encoding: latin1
      empty_as_string: true
      include_path_column: true
      infer_column_types: false
      support_multi_line: true
  - take: 100
  - take_random_sample:
      probability: 0.5
      seed: 7
  - drop_columns: [id, notes]
  - keep_columns: ["a", "b"]
  - convert_column_types:
      - columns: a
        column_type: int
      - columns: [when, also]
        column_type:
          datetime:
            formats: ['%Y-%m-%d']
      - columns: flag
        column_type:
          boolean:
            true_values: ['Y']
            false_values: ['N']
            mismatch_as: error
"""


def test_parses_every_transformation_in_azure_shape():
    table = parse_mltable(AZURE)
    assert [(p.kind, p.value) for p in table.paths] == [
        ("file", "./train.csv"),
        ("folder", "./more"),
        ("pattern", "./parts/*.csv"),
    ]
    read, take, sample, drop, keep, convert = table.transformations
    assert isinstance(read, ReadDelimited)
    assert (read.delimiter, read.header, read.encoding) == (";", "from_first_file", "latin1")
    assert read.empty_as_string
    assert read.include_path_column
    assert read.support_multi_line
    assert not read.infer_column_types
    assert table.read_step is read
    assert isinstance(take, Take)
    assert take.count == 100
    assert isinstance(sample, TakeRandomSample)
    assert (sample.probability, sample.seed) == (0.5, 7)
    assert isinstance(drop, DropColumns)
    assert drop.columns == ["id", "notes"]
    assert isinstance(keep, KeepColumns)
    assert keep.columns == ["a", "b"]
    assert isinstance(convert, ConvertColumnTypes)
    first, second, third = convert.conversions
    assert (first.columns, first.column_type.name) == (["a"], "int")
    assert (second.columns, second.column_type.formats) == (["when", "also"], ["%Y-%m-%d"])
    assert third.column_type.name == "boolean"
    assert (third.column_type.true_values, third.column_type.mismatch_as) == (["Y"], "error")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("paths: [{file: a.parquet}]\ntransformations: [read_parquet]\n", ReadParquet),
        ("paths: [{file: a.parquet}]\ntransformations:\n  - read_parquet:\n", ReadParquet),
        (
            "paths: [{file: a.jsonl}]\ntransformations:\n  - read_json_lines:\n"
            "      invalid_lines: drop\n      encoding: utf8\n      include_path_column: false\n",
            ReadJsonLines,
        ),
    ],
    ids=["bare-name", "null-options", "json-lines"],
)
def test_read_steps(text, kind):
    assert isinstance(parse_mltable(text).read_step, kind)


def test_no_transformations_is_fine():
    table = parse_mltable("paths:\n  - file: ./x.csv\n")
    assert table.transformations == []
    assert table.read_step is None


def test_unknown_transformation_is_named_with_the_known_ones():
    text = "paths: [{file: x.csv}]\ntransformations:\n  - read_delimited: {}\n  - explode: {}\n"
    with pytest.raises(InvalidArgumentError) as info:
        parse_mltable(text, "data/MLTable")
    message = str(info.value)
    assert "'explode'" in message
    assert "data/MLTable" in message
    for known in KNOWN_TRANSFORMATIONS:
        assert known in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n", "paths: list"),
        ("paths: [{file: x.csv}\n", "not valid YAML"),
        ("paths: [{file: x.csv, folder: y}]\n", "exactly one of file, folder or pattern"),
        ("paths: [{file: x.csv}]\ntransformations: [{take: -1}]\n", "count"),
        ("paths: [{file: x}]\ntransformations: [{read_delimited: {header: maybe}}]\n", "header"),
        ("paths: [{file: x.csv}]\ntransformations: [{read_delimited: {sep: ';'}}]\n", "sep"),
        ("paths: [{file: x.csv}]\ntransformations: [{take: 1, drop_columns: [a]}]\n", "one-key"),
        ("paths: [{file: x.csv}]\nwhatever: 1\n", "whatever"),
    ],
    ids=["not-a-mapping", "bad-yaml", "two-kinds", "negative-take", "header", "unknown-option",
         "two-keys", "unknown-key"],
)  # fmt: skip
def test_bad_files_are_clear_errors(text, expected):
    with pytest.raises(InvalidArgumentError, match=expected):
        parse_mltable(text)


def test_two_read_steps_are_refused():
    table = parse_mltable("paths: [{file: x}]\ntransformations: [read_parquet, read_json_lines]\n")
    with pytest.raises(InvalidArgumentError, match="at most one read_"):
        _ = table.read_step
