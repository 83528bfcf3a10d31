"""Run DfE's CIN census validation rules on one return and print what they found, as JSON.

Executed by the validator's own interpreter (the `.venv-cin` environment that `make` creates
from tools/cin-validator.txt), never by the service's: it imports only the standard library
and `cin_validator` (PyPI `csc-validator-be-cin`, which pins pandas 1.5). The service calls it
through reports/cin_validation.py.

    python reports/cin_validator_runner.py FILE.xml RULESET      (RULESET e.g. cin2025_26)

Prints one JSON object on stdout:

- "issues": one per rule, table and row the validator flagged: rule_code, message, severity
  ("error" or "query", from the rule's own type), table, columns (the columns the rule names
  in that table), row (the 0-based position of the row in that table, in document order over
  the whole return: the validator's ROW_ID) and la_child_id (the LAchildID on that row);
- "return_level": rules that fail the return as a whole (header rules such as 100, and
  LA-level rules such as 2883 or 2887Q), with rule_code, message, severity;
- "rule_exceptions": rules that did not work. "stage": "rule" when the rule raised (the
  validator prints "Error with rule ..." and carries on as if the rule had passed);
  "locating issues" when the rule found issues the validator could not place in a table and
  silently dropped (with the table, the rule's own row numbers and the LAchildIDs on those
  rows). Never silent here;
- "ruleset", "validator_version", "rules_run".

Exit status 0 whenever the rules ran (whatever they found); 2 for a usage error, an unknown
ruleset or a file that is not XML; 1 for anything else, with the reason on stderr.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import io
import json
import math
import os
import re
import sys
import traceback
import warnings
import xml.etree.ElementTree as ET

# This file's folder is the project's `reports` package: keep it off the import path, so that
# nothing of the project's can shadow what the validator imports.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

_ERROR_LINE = re.compile(r"^Error with rule (?P<code>\S+): (?P<exception>[^,]+), (?P<message>.*)$")


def _plain(value):
    """A JSON-safe value from a pandas cell (NaN and NA become None)."""
    if value is None:
        return None
    try:
        if isinstance(value, float) and math.isnan(value):
            return None
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _severity(rule) -> str:
    return str(getattr(rule.rule_type, "value", rule.rule_type)).lower()


def _recording(rule, raised: list[dict]):
    """The rule with its function wrapped to record (and re-raise) any exception, and to
    record issues the rule found but the validator cannot locate (and so drops)."""
    func = rule.func

    def record(stage: str, exc: Exception, **extra) -> None:
        raised.append({
            "rule_code": str(rule.code),
            "message": rule.message,
            "severity": _severity(rule),
            "stage": stage,
            "exception": type(exc).__name__,
            "detail": str(exc),
            **extra,
        })

    def recorded(data_container, rule_context):
        try:
            result = func(data_container, rule_context)
        except Exception as exc:  # noqa: BLE001 - recorded, then the validator's own handling
            record("rule", exc)
            raise
        for table, exc, rows in _unlocatable(rule_context):
            record("locating issues", exc, table=table, rows=rows)
        return result

    return dataclasses.replace(rule, func=recorded)


def _unlocatable(rule_context):
    """Issue groups a rule pushed that the validator's own locating step fails on.

    The validator turns each group into (table, column, row) locations inside a bare
    `except: return []`, so one malformed group silently discards every issue the rule found
    (rule 8540 in 0.1.13 names its row column ROW_ID_x, so it never reports anything).
    """
    from cin_validator.utils import create_issue_locs

    groups = list(rule_context.type2_issues) + list(rule_context.type3_issues)
    if not isinstance(rule_context.type1_issues, list):
        groups.append(rule_context.type1_issues)
    for group in groups:
        row_df = group.row_df
        if row_df is None or len(row_df) == 0:
            continue
        try:
            create_issue_locs(group)
        except Exception as exc:  # noqa: BLE001 - exactly what the validator swallows
            yield str(group.table)[len("CINTable."):], exc, _row_numbers(row_df)


def _row_numbers(row_df) -> list[int]:
    """The table rows a rule's issue group names, whatever it called its row column."""
    for column in row_df.columns:
        if str(column).startswith("ROW_ID"):
            try:
                return sorted({int(r) for cell in row_df[column] for r in (cell if isinstance(cell, list) else [cell])})
            except (TypeError, ValueError):
                return []
    return []


def run(path: str, ruleset: str) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from cin_validator import cin_validator

    try:
        module = importlib.import_module(f"cin_validator.rules.{ruleset}")
    except ModuleNotFoundError:
        raise UsageError(f"unknown ruleset {ruleset!r}") from None
    registry = module.registry

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None

    raised: list[dict] = []
    recording = {code: _recording(rule, raised) for code, rule in registry.items()}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        data = cin_validator.process_data(cin_validator.convert_data(root))
        validator = cin_validator.CinValidator(data, recording)

    # Where the validator lost a rule's issue locations, name the children on those rows.
    for item in raised:
        table = data.get(item.get("table") or "")
        if table is not None and "LAchildID" in table.columns:
            item["la_child_ids"] = [
                None if _plain(table["LAchildID"].iloc[row]) is None else str(table["LAchildID"].iloc[row])
                for row in item["rows"] if 0 <= row < len(table)
            ]

    # Anything the validator reported as a failing rule that the wrapper did not see.
    seen = {item["rule_code"] for item in raised}
    for line in printed.getvalue().splitlines():
        match = _ERROR_LINE.match(line.strip())
        if match and match["code"] not in seen:
            rule = registry.get(match["code"])
            raised.append({
                "rule_code": match["code"],
                "message": rule.message if rule else None,
                "severity": _severity(rule) if rule else None,
                "stage": "rule",
                "exception": match["exception"],
                "detail": match["message"],
            })

    issues: dict[tuple, dict] = {}
    for record in validator.full_issue_df.to_dict("records"):
        code = str(record["rule_code"])
        rule = registry[code]
        table = _plain(record.get("tables_affected"))
        row = _plain(record.get("row_id"))
        child = _plain(record.get("child_id"))
        key = (code, table, None if row is None else int(row), None if child is None else str(child))
        issue = issues.setdefault(key, {
            "rule_code": code,
            "message": rule.message,
            "severity": _severity(rule),
            "table": table,
            "columns": [],
            "row": key[2],
            "la_child_id": key[3],
        })
        column = _plain(record.get("columns_affected"))
        if column is not None and column not in issue["columns"]:
            issue["columns"].append(str(column))

    return_level: dict[str, dict] = {}
    for record in validator.multichild_issues.to_dict("records"):
        code = str(record["rule_code"])
        rule = registry[code]
        return_level.setdefault(code, {"rule_code": code, "message": rule.message, "severity": _severity(rule)})

    try:
        validator_version = version("csc-validator-be-cin")
    except PackageNotFoundError:
        validator_version = None
    return {
        "ruleset": ruleset,
        "validator_version": validator_version,
        "rules_run": len(registry),
        "issues": sorted(issues.values(), key=lambda i: (i["rule_code"], i["table"] or "", i["row"] or 0)),
        "return_level": sorted(return_level.values(), key=lambda i: i["rule_code"]),
        "rule_exceptions": sorted(raised, key=lambda i: i["rule_code"]),
    }


class UsageError(Exception):
    pass


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: cin_validator_runner.py FILE.xml RULESET", file=sys.stderr)
        return 2
    warnings.simplefilter("ignore")  # pandas 1.5's FutureWarnings, per rule, per run
    try:
        result = run(argv[0], argv[1])
    except UsageError as exc:
        print(f"cin_validator_runner: {exc}", file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001 - the caller shows the reason
        traceback.print_exc()
        return 1
    json.dump(result, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
