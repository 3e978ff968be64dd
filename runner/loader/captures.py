"""``capture`` (FORMAT.md 1.4): variable name -> JSONPath, header, cookie, regex or status."""

from __future__ import annotations

from runner.loader import nodes, sections
from runner.loader.assertions import check_jsonpath, check_regex
from runner.loader.coreschema import BOOL, STR
from runner.loader.document import Document
from runner.loader.keys import CAPTURE_FORMS, CAPTURE_FORMS_TEXT
from runner.loader.placeholders import Uses, placeholder_uses
from runner.loader.pyyaml import MappingNode, Node, ScalarNode
from runner.loader.wording import closest
from runner.model import CaptureSpec


def build_captures(doc: Document, node: Node) -> list[tuple[CaptureSpec, Uses]]:
    """``capture``: a CaptureSpec for each variable, with the placeholders its source uses."""
    mapping = nodes.mapping(doc, node, "capture", hint="write capture: {name: $.path}")
    result: list[tuple[CaptureSpec, Uses]] = []
    for name, key, source in nodes.pairs(doc, mapping, skip_x=False):
        sections.check_name(doc, name, key, "capture")
        strings: list[tuple[str, Node]] = []
        kind, text = _capture_source(doc, name, source, strings)
        spec = CaptureSpec(name, kind, text, doc.location(key))  # type: ignore[arg-type]
        result.append((spec, placeholder_uses(doc, "capture", strings)))
    return result


def _capture_source(
    doc: Document, name: str, node: Node, strings: list[tuple[str, Node]]
) -> tuple[str, str]:
    hint = f"a capture is one of {CAPTURE_FORMS_TEXT}"
    if isinstance(node, ScalarNode) and node.tag == STR:
        text = node.value
        if text.startswith("$"):
            strings.append((text, node))
            check_jsonpath(doc, text, node)
            return "jsonpath", text
        doc.fail(f"capture '{name}': '{text}' is not a JSONPath", node, hint=hint)
    if isinstance(node, MappingNode):
        entries = nodes.pairs(doc, node, skip_x=True)
        if len(entries) == 1 and entries[0][0] in CAPTURE_FORMS:
            form, _key, value = entries[0]
            if form in ("status", "joined"):
                if not (
                    isinstance(value, ScalarNode)
                    and value.tag == BOOL
                    and nodes.boolean(doc, value, form)
                ):
                    doc.fail(f"capture '{form}' takes true", value, hint=f"write {{{form}: true}}")
                return form, form  # joined: the builder sets the request's stream.sse.join
            if form == "regex":
                pattern = nodes.string(
                    doc, value, "regex", hint="write regex: '...' in single quotes"
                )
                strings.append((pattern, value))
                check_regex(doc, pattern, value)
                return "regex", pattern
            text = nodes.text(doc, value, form, strings)
            if not text:
                doc.fail(f"capture '{name}': the {form} name is empty", value)
            return form, text
        if len(entries) == 1:
            close = closest(entries[0][0], CAPTURE_FORMS)
            if close:
                hint = f"did you mean '{close}'? {hint}"
    doc.fail(f"invalid capture '{name}'", node, hint=hint)
