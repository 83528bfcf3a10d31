"""The v1 contract's shapes (the OpenAPI document the service serves; docs/http-api.md),
checked before anything reaches a journey.

A body of the wrong shape is answered 422 with pydantic's detail; the journey's rules then
refuse what is well-formed but not allowed (409). Unknown fields are refused too, so a
misspelt field is reported rather than silently ignored. Dates must be ISO `YYYY-MM-DD`
strings within the record's years and booleans JSON booleans: a case system that sends
`"yes"`, `1` or a timestamp has a bug that should surface now, not as a wrong date in a
child's chronology. Texts are the record's (api/fields.py): names, ids and codes take no
control or invisible characters, free text takes line breaks and tabs besides.
"""

# One module per resource, as api/routes/ has; the names are re-exported here so that
# `from api import schemas; schemas.X` reads the same wherever a shape lives.

from api.schemas.common import (  # noqa: F401
    LaCode, STAFF_ID_PATTERN, StaffId, CONTEXT_ID_PATTERN, ContextId, ContextKind, Text, ShortText, Strict,
    CommandIn, example_config, ErrorDetail, ErrorAnswer, ValidationIssue, ValidationAnswer, error_examples,
    Period,
)
from api.schemas.events import (  # noqa: F401
    HASH_1, HASH_2, EVENT_EXAMPLE, Event,
)
from api.schemas.commands import (  # noqa: F401
    Sex, Ethnicity, Category, StepDown, DeadlineKind, Meeting, Participant, Need, Target, CHILD_ID_PATTERN,
    YoungPersonIn, START_EXAMPLE, StartJourney, START_EXAMPLES, RecordStrategyDiscussion,
    RecordInitialConference, RecordCoreGroup, RecordVisit, RecordReviewConference, ExtendDeadline,
    CloseJourney, ChangePolicy, AllocateCase, AssignChair, WeightedContextIn, RecordContextWeighting,
    PlanActionIn, GoalIn, UpdatePlan, RecordParticipation, RecordConsent, RecordTransitionPlan,
    RecordCensusDetails, RecordAssessment, CorrectEvent, Command, COMMAND_TYPES, COMMAND_EXAMPLES,
)
from api.schemas.journeys import (  # noqa: F401
    Stage, JOURNEY_ID, STATE_EXAMPLE, ANSWER_EXAMPLE, SUMMARY_EXAMPLE, YoungPerson, Deadline, Plan,
    Allocation, WeightedContext, ContextWeighting, PlanAction, Goal, CarePlan, PlanFinding,
    ParticipationRecord, ConsentRecord, JourneyState, CommandAnswer, JourneySummary, JourneyPage, Chronology,
)
from api.schemas.contexts import (  # noqa: F401
    OutsideKind, ReferContext, REFER_EXAMPLES, RecordContextConference, RecordContextAction, CloseContext,
    ContextCommand, CONTEXT_COMMAND_TYPES, CONTEXT_COMMAND_EXAMPLES, CASE_ID, CASE_EXAMPLE,
    CONTEXT_EVENT_EXAMPLE, CONTEXT_ANSWER_EXAMPLE, LINKED_EXAMPLE, CONTEXT_EXAMPLE, CONTEXT_LIST_EXAMPLE,
    ContextDeadline, ContextAction, ContextCase, ContextAnswer, LinkedJourney, ContextAnswerRead,
    LinkedContext, LinkedContexts,
)
from api.schemas.chairs import (  # noqa: F401
    CHAIR_EXAMPLE, Chair, ChairPool, ChairIn,
)
from api.schemas.reports import (  # noqa: F401
    BaselineDimension, AgeBand, PopulationCount, BASELINE_EXAMPLE, PopulationBaselineIn, PopulationBaseline,
    ReportColumn, ReportRow, ReportTotals, ReportTable, RothShare, DisproportionalityGroup,
    Disproportionality, MonthShare, MonthTimeliness, CohortTimeliness, CohortReport,
)
