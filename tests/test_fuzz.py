"""Fuzzing the two ways in: uploads (random bytes, real images bit-flipped, cut short or glued
together) and GraphQL operations (documents built from the live schema with random arguments,
selections and variables, and plain garbage). Whatever comes in, the answer is a success or an
error with a known code: never a 500, never INTERNAL, and the hub stays healthy.

Runs are reproducible (derandomized) and bounded, so CI sees the same cases every time."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from hub.config import Settings

import media_samples as samples
from conftest import LiveHub
from test_hostile_input import staging_empties
from test_media_uploads import UPLOAD

# The hub's server thread runs in this process and draws from the global `random` (driver
# server selection, for one) while Hypothesis draws an example; Hypothesis takes that for a
# strategy using `random`.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
    ":hypothesis.errors.HypothesisDeprecationWarning")

FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

UPLOAD_CODES = {"BAD_USER_INPUT", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE"}
# Codes for a client's mistakes. Not INTERNAL (the hub failed), and not UNAVAILABLE either: the
# stores are up, so it would mean the input broke a store connection.
CLIENT_CODES = {"BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND",
                "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "GRAPHQL_PARSE_FAILED",
                "GRAPHQL_VALIDATION_FAILED"}
# Mutations that start background work other tests watch (jobs, webhook deliveries) are left
# out; uploads need a file, which the upload fuzz covers.
LEFT_OUT = {"startAutoTagJob", "startRerenderJob", "startReindexJob", "startTranscodeJob",
            "createWebhook",
            "deleteWebhook", "uploadAsset", "replaceAssetFile", "searchByImage"}


def small_images() -> list[bytes]:
    """A real photograph in each format, small so that the ones that survive mutation render
    quickly, large enough that most of each file is image data rather than headers."""
    photo = Image.open(io.BytesIO(samples.coffee_jpeg())).resize((120, 80))
    encoded = []
    for image_format in ("JPEG", "PNG", "GIF", "WEBP"):
        out = io.BytesIO()
        photo.save(out, image_format)
        encoded.append(out.getvalue())
    return encoded


IMAGES = small_images()
TAILS = [samples.zip_archive(), samples.HTML, b"\x00" * 8, IMAGES[0]]


@st.composite
def mutated_images(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(IMAGES)))
    for _ in range(draw(st.integers(0, 3))):
        if not data:
            break
        # Half the positions fall in the first 64 bytes, where the headers that decide most are.
        position = draw(st.one_of(st.integers(0, min(64, len(data) - 1)),
                                  st.integers(0, len(data) - 1)))
        mutation = draw(st.sampled_from(["flip", "cut", "glue", "insert", "overwrite"]))
        if mutation == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif mutation == "cut":
            del data[position:]
        elif mutation == "glue":
            data += draw(st.sampled_from(IMAGES + TAILS))
        elif mutation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        else:
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[position:position + len(chunk)] = chunk
    return bytes(data)


@settings(FUZZ, max_examples=60)
@given(content=st.one_of(mutated_images(), mutated_images(), st.binary(max_size=2048)),
       # Mostly without an extension, so that the checks after the name's run too.
       filename=st.sampled_from(["upload"] * 6 + ["photo.jpg", "photo.png", "file.bin"]))
def test_any_upload_is_stored_or_refused_with_a_known_code(
    hub: LiveHub, content: bytes, filename: str
) -> None:
    result = hub.upload(UPLOAD, {}, content, filename)

    assert result.status_code == 200, result
    if result.errors:
        assert set(result.codes) <= UPLOAD_CODES, result.errors
    else:
        assert result.data is not None and result.data["uploadAsset"]["id"]


# -- GraphQL operations -----------------------------------------------------------------------

INTROSPECTION = """
{ __schema {
    queryType { name } mutationType { name }
    types { name kind enumValues { name }
            fields { name args { name type { ...ref } } type { ...ref } }
            inputFields { name type { ...ref } } } } }
fragment ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""

TypeRef = dict[str, Any]


class SchemaFuzzer:
    """Draws GraphQL operations for the schema a live hub reports: mostly well-formed ones with
    random arguments, variables and selections, so that resolvers run, and some garbage."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.types = {t["name"]: t for t in schema["types"]}
        self.roots = {"query": schema["queryType"]["name"],
                      "mutation": schema["mutationType"]["name"]}
        self.enum_values = {value["name"] for t in schema["types"]
                            for value in t["enumValues"] or []}

    def operation(self, draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
        """A document and its variables."""
        kind = draw(st.sampled_from(["query", "query", "mutation", "garbage"]))
        if kind == "garbage":
            return draw(st.one_of(st.text(max_size=200), garbage_documents())), {}
        variables: dict[str, Any] = {}
        definitions: list[str] = []
        fields = [field for field in self.types[self.roots[kind]]["fields"]
                  if field["name"] not in LEFT_OUT]
        selections = [self.field(draw, field, variables, definitions, depth=0)
                      for field in draw(st.lists(st.sampled_from(fields), min_size=1,
                                                 max_size=3, unique_by=field_name))]
        header = f"({', '.join(definitions)})" if definitions else ""
        return f"{kind} Fuzz{header} {{ {' '.join(selections)} }}", variables

    def field(self, draw: st.DrawFn, field: dict[str, Any], variables: dict[str, Any],
              definitions: list[str], depth: int) -> str:
        arguments = []
        for argument in field["args"]:
            required = argument["type"]["kind"] == "NON_NULL"
            if draw(st.integers(0, 19 if required else 2)) == 0:
                continue  # left out: its default, or (now and then) a missing required one
            if draw(st.booleans()):
                name = f"v{len(variables)}"
                variables[name] = self.value(draw, argument["type"], depth=0)
                definitions.append(f"${name}: {type_name(argument['type'])}")
                arguments.append(f"{argument['name']}: ${name}")
            else:
                literal = graphql_literal(self.value(draw, argument["type"], depth=0),
                                          self.enum_values)
                arguments.append(f"{argument['name']}: {literal}")
        text = field["name"] + (f"({', '.join(arguments)})" if arguments else "")
        selection = self.selection(draw, named(field["type"]), variables, definitions, depth)
        return f"{text} {selection}" if selection else text

    def selection(self, draw: st.DrawFn, name: str, variables: dict[str, Any],
                  definitions: list[str], depth: int) -> str:
        found = self.types[name]
        if found["kind"] in {"SCALAR", "ENUM"}:
            return ""
        if found["kind"] != "OBJECT" or depth >= 3:
            return "{ __typename }"
        chosen = draw(st.lists(st.sampled_from(found["fields"]), min_size=1, max_size=4,
                               unique_by=field_name))
        inner = [self.field(draw, field, variables, definitions, depth + 1) for field in chosen]
        return "{ " + " ".join(inner) + " }"

    def value(self, draw: st.DrawFn, ref: TypeRef, depth: int) -> Any:
        """Mostly a value of the right type; now and then anything at all."""
        if draw(st.integers(0, 19)) == 0:
            return draw(json_values)
        if ref["kind"] == "NON_NULL":
            return self.value(draw, ref["ofType"], depth)
        if ref["kind"] == "LIST":
            return [self.value(draw, ref["ofType"], depth + 1)
                    for _ in range(draw(st.integers(0, 3)))]
        found = self.types[ref["name"]]
        if found["kind"] == "ENUM":
            return draw(st.sampled_from([v["name"] for v in found["enumValues"]]))
        if found["kind"] == "INPUT_OBJECT":
            if depth > 3:
                return None
            chosen = draw(st.lists(st.sampled_from(found["inputFields"]), max_size=5,
                                   unique_by=field_name))
            return {f["name"]: self.value(draw, f["type"], depth + 1) for f in chosen}
        return draw(SCALARS.get(ref["name"], json_values))


def named(ref: TypeRef) -> str:
    while ref.get("ofType"):
        ref = ref["ofType"]
    return str(ref["name"])


def type_name(ref: TypeRef) -> str:
    if ref["kind"] == "NON_NULL":
        return type_name(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{type_name(ref['ofType'])}]"
    return str(ref["name"])


def graphql_literal(value: Any, enum_names: set[str]) -> str:
    """A value written in GraphQL syntax (strings that name an enum value go bare)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return value if value in enum_names else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(graphql_literal(item, enum_names) for item in value) + "]"
    return "{" + ", ".join(f"{key}: {graphql_literal(item, enum_names)}"
                           for key, item in value.items() if key.isidentifier()) + "}"


def field_name(field: dict[str, Any]) -> str:
    return str(field["name"])


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children,
                                                            max_size=4)


# Named functions, not lambdas, in strategies: describing a lambda makes Hypothesis walk
# sys.modules, which the hub's server thread may be changing at that moment.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40),
    containers, max_leaves=12,
)
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Int": st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 1, 2**31, 10**12])),
    "Float": st.floats(allow_nan=False, allow_infinity=False),
    "Boolean": st.booleans(),
    "String": st.one_of(st.text(max_size=60),
                        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}", fullmatch=True)),
    "ID": st.one_of(st.text(max_size=30), st.from_regex(r"[0-9a-f]{24}", fullmatch=True)),
    "JSON": json_values,
    "DateTime": st.one_of(st.text(max_size=30), st.datetimes().map(datetime.isoformat)),
}


@st.composite
def garbage_documents(draw: st.DrawFn) -> str:
    """Random names, braces and arguments that look a bit like GraphQL."""
    names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
    parts = draw(st.lists(st.one_of(names, st.sampled_from(["{", "}", "(", ")", ":", "$", "...",
                                                              "@skip", '"x"', "1", "[", "]"])),
                          max_size=40))
    return draw(st.sampled_from(["", "query ", "mutation ", "{ "])) + " ".join(parts)


@pytest.fixture(scope="module")
def fuzzer(hub: LiveHub) -> SchemaFuzzer:
    return SchemaFuzzer(hub.ok(INTROSPECTION)["__schema"])


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_any_graphql_operation_is_answered_without_an_internal_error(
    hub: LiveHub, fuzzer: SchemaFuzzer, data: st.DataObject
) -> None:
    document, variables = fuzzer.operation(data.draw)

    response = hub.http.post("/graphql", headers={"content-type": "application/json"},
                             content=json.dumps({"query": document, "variables": variables}))

    assert response.status_code < 500, (document, variables, response.text)
    body = response.json()
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
    assert set(codes) <= CLIENT_CODES, (document, variables, body["errors"])


def test_after_the_fuzz_the_hub_is_healthy_and_no_upload_left_a_staging_file(
    hub: LiveHub, hub_settings: Settings
) -> None:
    assert hub.http.get("/healthz").json()["status"] == "ok"
    assert staging_empties(hub_settings)
