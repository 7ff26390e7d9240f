"""What a new upstream document changes for users of this package: the semantic diff behind `update_spec`.

`tools/codegen.py update-spec` drives it, one module per job:

    additions      our documents of XCover operations (spec-additions/), merged into upstream's first
    fixes          the spec fixes and the path-parameter rule: the documents generation and the diff use
    rules          the classification table (kind of change x side -> level), and `Change`
    schema, diff   the semantic diff of two patched documents (where each change is in the document)
    surface        the generated API surface, and what a regeneration changed in it
    names          which generated class and module a change lands in, read from the generated code
    wrapper_usage  which wrapper code uses what changed (a static scan of the wrapper)
    bump           the version bump the changes need, and the one writer of the package version
    report         the printed report, the CHANGELOG draft, the stored JSON and `explain`
    cli            `python tools/specdiff {explain,apply-bump} build/spec-update.json`

`explain` re-prints which wrapper modules use what changed; the nox session runs it when the wrapper's
tests fail against the regenerated code.
"""

from .additions import Addition, Replaced, load_additions, merge_additions
from .bump import (
    apply_bump,
    bumped,
    propose_bump,
    read_version,
    surface_removals,
    with_surface_safety_net,
    write_version,
)
from .diff import advice, semantic_diff
from .fixes import (
    FixConflict,
    FixObsolete,
    PipelineError,
    apply_fixes,
    apply_fixes_reporting_obsolete,
    apply_fixes_where_they_apply,
    declare_path_parameters,
)
from .names import GeneratedNames, GeneratedShapeError, with_generated_names
from .report import ObsoleteFix, Report, explain
from .rules import RULES, Bump, Change, Level, Side
from .surface import Surface, api_surface, surface_report
from .wrapper_usage import (
    Dependency,
    Use,
    changed_names,
    generated_reexports,
    render_dependents,
    scan_wrapper,
    uses_in_source,
    wrapper_dependents,
)

__all__ = [
    "RULES",
    "Addition",
    "Bump",
    "Change",
    "Dependency",
    "FixConflict",
    "FixObsolete",
    "GeneratedNames",
    "GeneratedShapeError",
    "Level",
    "ObsoleteFix",
    "PipelineError",
    "Replaced",
    "Report",
    "Side",
    "Surface",
    "Use",
    "advice",
    "api_surface",
    "apply_bump",
    "apply_fixes",
    "apply_fixes_reporting_obsolete",
    "apply_fixes_where_they_apply",
    "bumped",
    "changed_names",
    "declare_path_parameters",
    "explain",
    "generated_reexports",
    "load_additions",
    "merge_additions",
    "propose_bump",
    "read_version",
    "render_dependents",
    "scan_wrapper",
    "semantic_diff",
    "surface_removals",
    "surface_report",
    "uses_in_source",
    "with_generated_names",
    "with_surface_safety_net",
    "wrapper_dependents",
    "write_version",
]
