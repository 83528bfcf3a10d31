"""DfE's CIN census validation rules, run on a generated return (issue 7).

`validate(xml_path, ruleset)` runs the open-source validator `csc-validator-be-cin` (pinned in
tools/cin-validator.txt; `make` installs it into `.venv-cin/`) under its own Python
(`Settings.cin_validator_python`, PATHWAYS_CIN_VALIDATOR_PYTHON) through
reports/cin_validator_runner.py, and returns every failure: rule, message, error or query,
table, columns, row and LAchildID, the return-level failures, and the rules that did not work.

Rulesets (`RULESETS`): cin2025_26 for the 2025-26 collection, cin2026_27 for 2026-27. In
validator 0.1.13 both are the 2024-25 rules unchanged (the same 109 rules), and nothing ties a
ruleset to the header: the census period is read from ReferenceDate alone.

The XML the validator reads
===========================
(tests/reports/fixtures/cin_valid.xml passes both rulesets with no errors and no queries.)
`?` optional, `*` any number, `+` one or more; [codes] are the rules that check it.

    Message                          root (its name is not read)
      Header
        CollectionDetails
          Collection                 CIN
          Year                       the year the census ends: 2026 for 2025-26
          ReferenceDate              31 March of Year                                  [100]
        Source
          SourceLevel, LEA, SoftwareCode, Release, SerialNo, DateTime   (L, 873, ...; not checked)
        Content/CBDSLevels/CBDSLevel Child (DfE's; not read)
      Children
        Child*
          ChildIdentifiers
            LAchildID                letters and digits only, <= 20, unique   [8500 8510 1570 1580]
            UPN?                     see below; unique               [1510 1520 1530 1540 1550]
            FormerUPN?               a letter and 12 digits                            [1560Q]
            UPNunknown?              UN1-UN7                                     [8770Q 8772]
            PersonBirthDate?         exactly one of the two birth dates         [8525Q 8520 8606]
            ExpectedPersonBirthDate? unborn: ReferenceDate -30 days to +9 months, Sex U [8530Q 8750]
            Sex                      M F U                                        [4180 2886Q]
            PersonDeathDate?                          [8535Q 8545Q 8555Q 8585Q 8915 8920 4008]
          ChildCharacteristics
            Ethnicity                                                                   [4220]
            Disabilities?            Disability+: NONE alone, or codes without repeats;
                                     needed for a born child with a referral that is not NFA
                                                                            [8790 8794 8540]
          CINdetails+                one per referral (episode)
            CINreferralDate          on or before ReferenceDate                   [8600 8606]
            ReferralSource                                                              [8866]
            PrimaryNeedCode?         required unless ReferralNFA                   [8650 8610]
            CINclosureDate?          in the census year, on/after the referral   [8620 8630]
            ReasonForClosure?        with CINclosureDate, and only with it   [8640 8805 8810]
            DateOfInitialCPC?        only for an ICPC with no Section47 module; never both [2884]
            ReferralNFA              0 or 1                                             [8568]
            Assessments*
              AssessmentActualStartDate       on/after the referral                     [1103]
              AssessmentInternalReviewDate?   read, not checked
              AssessmentAuthorisationDate?    in the census year, on/after the start [8696 8608]
              FactorsIdentifiedAtAssessment?  AssessmentFactors+, only on an authorised
                                              assessment, each code once   [8614 8897Q 8898]
            CINPlanDates*
              CINPlanStartDate                on/before ReferenceDate, on/after referral [4010 4015]
              CINPlanEndDate?                 in the census year, after the start [4013 4011 4012Q]
            Section47*
              S47ActualStartDate              on/after referral, on/before the ICPC [2889 8615]
              InitialCPCtarget?               a weekday                                [8870Q]
              DateOfInitialCPC?               in the census year, a weekday [8715 8875 1104]
              ICPCnotRequired                 0, or 1 when it ended without a conference
            ChildProtectionPlans*
              CPPstartDate                    on/before ReferenceDate, on/after referral [8720 1105]
              CPPendDate?                     in the census year, after the start [8930 8925 8840]
              InitialCategoryOfAbuse          NEG PHY EMO SAB MUL                        [8905]
              LatestCategoryOfAbuse           NEG PHY EMO SAB MUL                        [8910]
              NumberOfPreviousCPP             an integer >= 0                            [8730]
              Reviews?                        CPPreviewDate+, each after CPPstartDate [8841 8842Q]

Elements are found by name, so the validator does not check their order; the order above is
the validator's own and that of the published samples (DfE's schema decides order at upload).

Values
------
- Dates: YYYY-MM-DD only. Anything else goes through pandas' guesser (02/06/2025 is read as
  6 February) or becomes missing, silently. The census period is 1 April of Year-1 to
  ReferenceDate inclusive.
- Flags (ReferralNFA, ICPCnotRequired): write 0 or 1. The rules compare text: 8740 takes only
  "0" as false, 2885 only "1" as true, others accept lower-case "true"/"false" too.
- ReferralSource (required for referrals since 1 April 2013): 1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E
  3F 4 5A 5B 5C 5D 6 7 8 9 10.
- PrimaryNeedCode: N0-N9. ReasonForClosure: RC1-RC9; RC2 (died) wants PersonDeathDate [8585Q];
  RC8/RC9 (closed after assessment) want an Assessments module and no Section47, CP plan, CIN
  plan or DateOfInitialCPC [8825Q 2990]; one assessment with factor 21 wants RC8/RC9 [8873Q].
- AssessmentFactors: 1A 1B 1C 2A 2B 2C 3A 3B 3C 4A 4B 4C 5A 5B 5C 6A 6B 6C 7A 8B 8C 8D 8E 8F 9A
  10A 11A 12A 13A 14A 15A 16A 17A 18A 18B 18C 19A 19B 19C 20 21 22A 23A 24A (18A and 19A are
  meant to be queried, 21 "no factors" meant to stand alone; see defects).
- Categories of abuse: NEG PHY EMO SAB MUL only; there is no ROTH or extra-familial category, so
  a ROTH plan is returned as an ordinary CP plan.
- UPN: 13 characters: a check letter, an LA code (characters 2-4, post-1998 codes such as 873),
  8 digits, then a digit or a letter other than I, O, S. Check letter: the sum of each of
  characters 2-13 times its position (2..13), modulo 23, indexes ABCDEFGHJKLMNPQRTUVWXYZ (only
  checked when characters 2-13 are all digits).
- UPNunknown: UN1-UN7. A child of school age (born on or before 31 August of Year-6: 2020-08-31
  for 2025-26) with a referral that is not NFA needs a UPN or UN2-UN7, so not UN1 (not of school
  age) [8770Q]; UN7 (referral with no further action) only if every referral is NFA [8772].
- Disability: NONE MOB HAND PC INC COMM LD HEAR VIS BEH CON AUT DDA.
- Sex: M F U (U for an unborn child; at most 2% of born children U [2886Q]).
- Ethnicity: WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH
  CHNE OOTH REFU NOBT.

Rules across modules that bite
------------------------------
- A CP plan starting in the year starts on the DateOfInitialCPC of a Section47 in the same
  CINdetails (or the CINdetails' own DateOfInitialCPC when it has no Section47) [2885]; no more
  plans start in the year than ICPCs are held [2883, return-level].
- Only the year's activity: ICPCs, assessment authorisations, closures and plan ends fall in the
  census year [8715 8696 8620 8930 4013]. A referral, plan or s.47 carried over may start
  earlier; its earlier ICPC or authorised assessment is left out.
- Open at ReferenceDate: an unauthorised assessment starts in the year [8736] and less than 45
  working days before ReferenceDate [8670Q]; a s.47 with no ICPC and ICPCnotRequired 0 starts
  in the year [8740] and less than 15 working days before [8675Q].
- A closed episode: every assessment authorised [8867]; every s.47 has an ICPC date or
  ICPCnotRequired 1, not both [8868]; closure on/after every activity date [8565].
- One open at a time: one open episode per child that is not NFA, and it is the latest referral
  [8815 8816]; episodes do not overlap [8820] (one may start the day another closes); per
  episode one open CIN plan [4004], s.47 [8839], assessment [8896], per child one open CP plan
  [8935]; no overlaps [4014 8940 8890 8863Q].
- A CIN plan never runs with a CP plan [4001 4016 4017] (it may start the day the CP plan ends);
  no CP review during a CIN plan [4003].
- A Section47 needs an Assessments module in the same episode [2991Q]; an NFA referral has no
  assessment, s.47, ICPC, CIN plan or CP plan [8831 4000 8832].
- Return-level: at least 8 Disability entries of NONE (2887Q counts NONE entries, so a small
  return hits it), and if any child has a disability, some child has two or more [2888Q].

Defects of validator 0.1.13
---------------------------
Rules that raise or drop what they found are reported in `rule_exceptions` (so the return does
not pass); the gaps are for the generator's own checks to cover.

- Only the first CPPreviewDate of each <Reviews> is read. DfE's specification has at most one
  <Reviews> per plan holding every CPPreviewDate, so later reviews go unchecked.
- 8540 (disability missing or invalid) finds its issues but the validator cannot place them and
  drops them: reported with stage "locating issues", the table, rows and LAchildIDs.
- 8614 (factors on an unauthorised assessment), 8897Q (an invalid factor code) and 8898 (a
  repeated factor) raise TypeError on what they should report, and 8565 (activity after
  closure) raises ValueError when a CIN plan date is after the closure: stage "rule".
- 8869 (21 with other factors), 8945Q (18A) and 8950Q (19A) never fire: they compare the
  assessment's list of factors with one code.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Ruleset -> the collection year it validates.
RULESETS = {"cin2025_26": "2025-26", "cin2026_27": "2026-27"}
RUNNER = Path(__file__).with_name("cin_validator_runner.py")
ERROR = "error"
QUERY = "query"


class CinValidatorError(RuntimeError):
    """The validator could not give an answer."""


class CinValidatorNotInstalled(CinValidatorError):
    """The validator's environment is missing: `make` (run or test) creates it."""


class CinValidatorFailed(CinValidatorError):
    """The validator ran but did not finish (an unreadable return, a crash, a time-out)."""


@dataclass(frozen=True)
class Failure:
    """A rule's finding: on one row of one table, or (table None) on the return as a whole."""

    rule_code: str
    message: str
    severity: str  # ERROR or QUERY, the rule's own type
    table: str | None = None  # ChildIdentifiers, CINdetails, Section47, ...; None: return-level
    columns: tuple[str, ...] = ()
    row: int | None = None  # 0-based position in that table, in document order over the return
    la_child_id: str | None = None

    @property
    def return_level(self) -> bool:
        return self.table is None


@dataclass(frozen=True)
class RuleException:
    """A rule that did not work: it raised ("rule"), or found issues the validator dropped
    because it could not place them ("locating issues": then table, rows, la_child_ids)."""

    rule_code: str
    message: str | None
    severity: str | None
    stage: str
    exception: str
    detail: str
    table: str | None = None
    rows: tuple[int, ...] = ()
    la_child_ids: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class ValidationResult:
    ruleset: str
    validator_version: str | None
    rules_run: int
    failures: tuple[Failure, ...]
    rule_exceptions: tuple[RuleException, ...]

    @property
    def errors(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.severity == ERROR)

    @property
    def queries(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.severity == QUERY)

    @property
    def passed(self) -> bool:
        """No error, no query, and every rule worked."""
        return not self.failures and not self.rule_exceptions

    def codes(self) -> set[str]:
        return {f.rule_code for f in self.failures}


def validator_python() -> Path:
    from settings import Settings

    return Settings.from_env().cin_validator_python


def validate(xml_path: str | os.PathLike, ruleset: str, python: str | os.PathLike | None = None,
             *, timeout: float | None = 900.0) -> ValidationResult:
    """Run `ruleset`'s rules on the return at `xml_path` with the validator's own Python
    (`python`, else the setting)."""
    if ruleset not in RULESETS:
        raise ValueError(f"unsupported ruleset {ruleset!r}: one of {', '.join(RULESETS)}")
    xml_path = Path(xml_path)
    if not xml_path.is_file():
        raise FileNotFoundError(xml_path)
    interpreter = Path(python) if python is not None else validator_python()
    if not (interpreter.is_file() and os.access(interpreter, os.X_OK)):
        raise CinValidatorNotInstalled(_not_installed(interpreter))
    try:
        done = subprocess.run(
            # -I: none of the caller's PYTHON* variables, user site or working folder on its path.
            [str(interpreter), "-I", str(RUNNER), str(xml_path), ruleset],
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise CinValidatorFailed(f"the CIN validator took more than {timeout:g} s on {xml_path}") from None
    except OSError as exc:
        raise CinValidatorNotInstalled(f"{_not_installed(interpreter)} ({exc})") from exc
    if done.returncode != 0:
        reason = done.stderr.strip() or f"exit status {done.returncode}"
        if "No module named 'cin_validator'" in reason:
            raise CinValidatorNotInstalled(_not_installed(interpreter))
        raise CinValidatorFailed(f"the CIN validator failed on {xml_path}: {reason}")
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise CinValidatorFailed(f"the CIN validator's answer is not JSON: {done.stdout[:500]!r}") from exc
    return _result(answer)


def _not_installed(interpreter: Path) -> str:
    return (f"the CIN validator is not installed at {interpreter}: run `make test` or `make run` "
            "(they create .venv-cin from tools/cin-validator.txt), or set "
            "PATHWAYS_CIN_VALIDATOR_PYTHON to a Python that has csc-validator-be-cin")


def _result(answer: dict) -> ValidationResult:
    failures = [
        Failure(rule_code=i["rule_code"], message=i["message"], severity=i["severity"], table=i["table"],
                columns=tuple(i["columns"]), row=i["row"], la_child_id=i["la_child_id"])
        for i in answer["issues"]
    ] + [
        Failure(rule_code=i["rule_code"], message=i["message"], severity=i["severity"])
        for i in answer["return_level"]
    ]
    exceptions = tuple(
        RuleException(rule_code=e["rule_code"], message=e.get("message"), severity=e.get("severity"),
                      stage=e["stage"], exception=e["exception"], detail=e["detail"], table=e.get("table"),
                      rows=tuple(e.get("rows", ())), la_child_ids=tuple(e.get("la_child_ids", ())))
        for e in answer["rule_exceptions"]
    )
    return ValidationResult(ruleset=answer["ruleset"], validator_version=answer["validator_version"],
                            rules_run=answer["rules_run"], failures=tuple(failures), rule_exceptions=exceptions)
