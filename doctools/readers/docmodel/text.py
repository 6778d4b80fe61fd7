"""What the words of a job API page mean: headings, labels, columns, types, enums, examples.

Everything here works on text that any reader produces (plain text or the markup of
:mod:`docmodel.blocks`), so the three readers share one interpretation of the documents.
English (OTC, Huawei Cloud international) and Chinese (Huawei Cloud China) wording.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from .blocks import collapse, strip_bold

# ---------------------------------------------------------------------------------------
# Sections and labels
# ---------------------------------------------------------------------------------------

#: Section kinds: where a table or an example belongs.
FUNCTION, URI, REQUEST, RESPONSE, REQ_EXAMPLE, RESP_EXAMPLE, STATUS, ERROR, ABNORMAL, OTHER = (
    "function",
    "uri",
    "request",
    "response",
    "request-example",
    "response-example",
    "status",
    "error",
    "abnormal",
    "other",
)

_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    (REQ_EXAMPLE, re.compile(r"(example requests?|requests? examples?|example of (a )?request|请求示例)")),
    (
        RESP_EXAMPLE,
        re.compile(r"(example (normal |successful )?responses?|(normal )?responses? examples?|example of (a )?response|响应示例)"),
    ),
    (ABNORMAL, re.compile(r"((abnormal|error|failed) responses?|异常响应)")),
    (URI, re.compile(r"(uri|url|uri format|request uri|request url|请求uri|uri格式)")),
    (
        REQUEST,
        re.compile(
            r"(requests?|request parameters?|request headers?( parameters?)?|request body( parameters?)?|"
            r"request messages?|请求参数|请求消息|请求)"
        ),
    ),
    (
        RESPONSE,
        re.compile(
            r"((normal |successful )?responses?|response parameters?|response headers?( parameters?)?|"
            r"response body( parameters?)?|response messages?|响应参数|响应消息|响应)"
        ),
    ),
    (STATUS, re.compile(r"(status codes?|returned values?|return values?|http status codes?|状态码|返回值)")),
    (ERROR, re.compile(r"(error codes?|error code description|错误码)")),
    (FUNCTION, re.compile(r"(function|description|api description|功能介绍|接口说明)")),
]

#: Headings page text is known to have besides the ones above (a copied page marks none).
PAGE_TEXT_OTHER_HEADINGS = re.compile(
    r"(authorization information|constraints?|debugging|precautions|scenarios?|"
    r"feedback|related documents?|examples?|sdk sample code|"
    r"调试|授权信息|约束与限制|相关文档|示例|sdk代码示例|使用说明)",
    re.I,
)


def _norm(text: str) -> str:
    return collapse(strip_bold(text)).strip(" :：").lower()


def heading_kind(text: str) -> str:
    """The kind of a section from its heading (``OTHER`` when unknown)."""
    norm = _norm(text)
    for kind, pattern in _HEADINGS:
        if pattern.fullmatch(norm):
            return kind
    if norm in ("example", "examples"):
        return REQ_EXAMPLE  # refined by labels and content
    return OTHER


def is_known_heading(text: str) -> bool:
    """Whether a line of page text is a section heading (all headings are known words)."""
    return heading_kind(text) != OTHER or bool(PAGE_TEXT_OTHER_HEADINGS.fullmatch(_norm(text)))


_STATUS_LABEL = re.compile(
    r"(?:status code|http status code|returned value|response code|状态码|返回码)\s*[:：]?\s*(\d{3})\b.*", re.I
)
_LABELS: list[tuple[str, re.Pattern[str]]] = [
    (
        REQ_EXAMPLE,
        re.compile(
            r"(example (of )?(a )?requests?|requests? examples?|example request message|(uri|url) examples?|"
            r"examples? (of (the |a )?)?(uri|url)|请求示例)"
        ),
    ),
    (
        RESP_EXAMPLE,
        re.compile(
            r"(example (of )?(a )?(normal |successful )?responses?|(normal )?responses? examples?|"
            r"example response message|响应示例)"
        ),
    ),
    (ABNORMAL, re.compile(r"(abnormal|error|failed) responses?( parameters?)?|异常响应")),
    (REQUEST, re.compile(r"(request parameters?|request body( parameters?)?|request header parameters?|请求参数)")),
    (RESPONSE, re.compile(r"((normal |successful )?response( parameters?)?|response body( parameters?)?|响应参数)")),
    (URI, re.compile(r"(uri format|uri|uri parameters?|parameter description)")),
]


@dataclass(frozen=True)
class Label:
    """A short paragraph that says what follows: ``Example response``, ``Status code: 200``."""

    kind: str | None
    status: str | None = None


def label_of(text: str, section: str) -> Label | None:
    """The label a short paragraph is, in the given section kind, or ``None``."""
    norm = _norm(text)
    if len(norm) > 60:
        return None
    match = _STATUS_LABEL.fullmatch(norm)
    if match:
        return Label(None, match.group(1))
    if norm in ("example", "examples", "example:", "示例"):
        if section in (REQUEST, URI, REQ_EXAMPLE):
            return Label(REQ_EXAMPLE)
        if section in (RESPONSE, RESP_EXAMPLE):
            return Label(RESP_EXAMPLE)
        return None
    for kind, pattern in _LABELS:
        if pattern.fullmatch(norm):
            if kind == URI and section != URI:
                return None
            return Label(kind)
    return None


#: A status code in a sentence: 1xx to 5xx, not a table number ("Table 200").
_STATUS_IN_TEXT = re.compile(r"(?<![\w.])(?<!table )(?<!表)([1-5]\d\d)(?!\w|\.\d)", re.I)
#: A sentence about APIs in general ("Generally, if status code 200 is returned, an API is
#: successfully called"), not about this call.
_CONVENTION = re.compile(r"^(generally|in general|usually|typically|as a rule|一般|通常)\b|\ban api is\b|\bapis\b", re.I)
#: Words that make a number a status code of this call.
_STATUS_WORDS = re.compile(
    r"(status code|response code|http code|return code|returns?\b|is returned|are returned|answers?\b|"
    r"responds?\b|返回|状态码)",
    re.I,
)
#: A sentence naming the code of a successful call ("the status code for a successful
#: call of this API is 202", "Status code 202 is returned for a normal response").
_SUCCESS_WORDS = re.compile(r"(success|succeed|normal|正常|成功)", re.I)


def status_sentences(text: str, *, in_status_section: bool) -> list[tuple[str, str, bool]]:
    """Status codes a paragraph states: ``(code, description, names the success)``.

    In a status code section: ``200``, ``200 OK``, ``200: OK``, and sentences naming a
    code ("The response code is 202 if the request is accepted"). Elsewhere only sentences
    that say a code is returned. Sentences about APIs in general ("Generally, 200 means
    success") state nothing about this call.
    """
    plain = collapse(strip_bold(text))
    match = re.fullmatch(r"([1-5]\d\d)(?:\s*(?:[:：\-–—]\s*|\s)(.{0,120}))?", plain)
    if match and in_status_section:
        return [(match.group(1), (match.group(2) or "").strip(), False)]
    out: list[tuple[str, str, bool]] = []
    for sentence in _sentences(plain):
        codes = _STATUS_IN_TEXT.findall(sentence)
        if not codes or _CONVENTION.search(sentence):
            continue
        if not _STATUS_WORDS.search(sentence):
            continue
        if not in_status_section and not _SUCCESS_WORDS.search(sentence):
            continue
        success = bool(_SUCCESS_WORDS.search(sentence)) and len(set(codes)) == 1
        for code in dict.fromkeys(codes):
            out.append((code, "", success and code.startswith("2")))
    return out


# ---------------------------------------------------------------------------------------
# Method and path
# ---------------------------------------------------------------------------------------

#: ``GET /v1/...``, also as people write it: ``GET/v1/...``, ``URI: POST /v2/...``,
#: ``POST https://{endpoint}/v2/...``, ``Method: GET URI: /v1/...``.
_METHOD_LINE = re.compile(
    r"(?:(?:request |api )?(?:uri|url|method|call)(?: format)?\s*[:：]\s*)?"
    r"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)(?:\s*[,;|]?\s*(?:request )?(?:uri|url)\s*[:：])?"
    r"(?:\s+|(?=/)|(?=https?://))([^\s?]+(?:\?.*)?)\s*",
    re.I,
)


@dataclass(frozen=True)
class Endpoint:
    """``GET /v3/{project_id}/jobs`` plus the query names of ``?id={id}``."""

    method: str
    path: str
    query: tuple[str, ...]


def method_line(text: str, *, need_template: bool = False) -> Endpoint | None:
    """The method and path of a line like ``GET https://{endpoint}/v1/{project_id}/jobs``.

    The scheme and host are dropped, so is a query string (its names are returned).
    ``need_template``: only accept a path with a ``{placeholder}`` (for example lines).
    """
    match = _METHOD_LINE.fullmatch(collapse(strip_bold(text)))
    if not match:
        return None
    target = re.sub(r"\s+", "", match.group(2)).rstrip(".,;")
    if re.fullmatch(r"https?://[^/?]+", target):
        target += "/"  # a host alone: the root of the service (``GET https://{Endpoint}``)
    target = re.sub(r"^https?://[^/]*", "", target)
    if not target.startswith("/"):
        return None
    path, _, query = target.partition("?")
    path = path.replace("[", "").replace("]", "")
    if need_template and "{" not in path:
        return None
    if not re.fullmatch(r"/[\w{}.~:@!$&'()*+,;=%/-]*", path):
        return None
    names = tuple(
        dict.fromkeys(
            part.split("=", 1)[0].strip("[]{} ")
            for part in query.replace("[", "&").replace("]", "&").split("&")
            if part.split("=", 1)[0].strip("[]{} ")
        )
    )
    return Endpoint(match.group(1).upper(), path.rstrip("/") or "/", names)


def path_params(path: str) -> list[str]:
    """Names of the ``{x}`` placeholders of a path template, in order."""
    return re.findall(r"\{([^{}/]+)\}", path)


# ---------------------------------------------------------------------------------------
# Tables: columns, mandatory, types, titles
# ---------------------------------------------------------------------------------------

NAME, MANDATORY, TYPE, DESCRIPTION, STATUS_COL, LOCATION, ERROR_COL, VALUE = (
    "name",
    "mandatory",
    "type",
    "description",
    "status",
    "location",
    "error",
    "value",
)

_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    (STATUS_COL, re.compile(r"(http )?(status codes?|returned values?|return values?|return codes?|状态码|返回值)")),
    (ERROR_COL, re.compile(r"(error codes?|错误码)")),
    (NAME, re.compile(r"(parameters?( names?)?|names?|fields?|field names?|attributes?|header|参数|参数名(称)?|名称|字段)")),
    (MANDATORY, re.compile(r"(mandatory|required|is mandatory|mandatory or not|是否必选|是否必填|必选|必填)")),
    (TYPE, re.compile(r"((parameter |data |value )?types?|参数类型|类型)")),
    (DESCRIPTION, re.compile(r"(descriptions?|parameter description|meaning|描述|说明|参数说明)")),
    (LOCATION, re.compile(r"(location|position|in|参数位置|位置)")),
    (VALUE, re.compile(r"(values?|enumeration values?|options?|取值|枚举值)")),
]


def column_role(header: str) -> str | None:
    """The role of a table column from its header text."""
    norm = _norm(header)
    for role, pattern in _COLUMNS:
        if pattern.fullmatch(norm):
            return role
    return None


def mandatory_of(text: str) -> bool | None:
    """``Yes``/``No`` (and their variants) as a bool; ``None`` when it says neither."""
    norm = _norm(text)
    if re.match(r"(yes|mandatory|required|true|是|必选|必填)\b", norm) or norm in ("是", "y", "m"):
        return True
    if re.match(r"(no|optional|false|否|可选)\b", norm) or norm in ("否", "n", "o"):
        return False
    return None


_TYPE_WORDS = (
    r"string|integer|int|int32|int64|long|number|float|double|boolean|bool|object|array|list|map|"
    r"dict|json|enum|date|datetime|timestamp|uuid|byte|bytes|short|decimal|bigdecimal|file|"
    r"char|character|any|null|none|字符串|整数|整型|布尔|对象|数组"
)
_TYPE_RE = re.compile(
    rf"((array|list) of .+|.+ objects?|(list|map|array|set)\s*<.*>|({_TYPE_WORDS})(\s*\[\s*\])?(\s*\(.*\))?|"
    r"[A-Z][A-Za-z0-9_]*(\[\])?)",
    re.I,
)


def looks_like_type(text: str) -> bool:
    """Whether a cell of page text is a type (``String``, ``Array of Task objects``)."""
    norm = collapse(strip_bold(text))
    return bool(norm) and len(norm) <= 80 and bool(_TYPE_RE.fullmatch(norm))


_PRIMITIVE = re.compile(rf"({_TYPE_WORDS}|str|int(eger)?\d*|uint\d*|float\d*)", re.I)
#: ``List<resource_tag>``, ``Array<Tag>``, ``Set<Match>``: a list of a named structure.
_GENERIC = re.compile(r"(?:list|array|set|collection)\s*<\s*([A-Za-z_][\w.]*)\s*>", re.I)


def _generic_element(type_text: str) -> str | None:
    """``resource_tag`` of ``List<resource_tag>``; ``None`` for ``List<String>``."""
    match = _GENERIC.fullmatch(collapse(type_text))
    if match and not _PRIMITIVE.fullmatch(match.group(1)):
        return match.group(1)
    return None


def is_object_type(type_text: str) -> bool:
    """Whether a field of this type has fields of its own (an object or array of objects)."""
    norm = type_text.lower()
    return (
        bool(re.search(r"\bobjects?\b", norm))
        or norm in ("dict", "map", "struct")
        or "对象" in type_text
        or _generic_element(type_text) is not None
    )


def type_name(type_text: str) -> str | None:
    """``JobEntities`` of ``JobEntities object`` or ``Array of JobEntities objects``."""
    match = re.fullmatch(r"(?:(?:array|list) of\s+)?([A-Za-z_][\w.]*)\s+objects?", collapse(type_text), re.I)
    if match and match.group(1).lower() not in ("object", "objects", "json", "an", "a"):
        return match.group(1)
    return _generic_element(type_text)


_TABLE_NUMBER = re.compile(r"^\s*(?:table|表)\s*(\d+)\s*[.:：]?\s*", re.I)


def table_number(title: str) -> int | None:
    """``2`` of ``Table 2 Data structure ...`` / ``表2 ...``."""
    match = _TABLE_NUMBER.match(strip_bold(title))
    return int(match.group(1)) if match else None


def title_words(title: str) -> str:
    """A table title without its ``Table N`` number."""
    return collapse(_TABLE_NUMBER.sub("", strip_bold(title), count=1))


_TABLE_MENTION = re.compile(r"(?:table|表)\s*(\d+)", re.I)


def table_mentions(text: str) -> list[int]:
    """Numbers of the tables a description mentions in words (``see Table 3``)."""
    return [int(n) for n in _TABLE_MENTION.findall(strip_bold(text))]


_NAME_RE = re.compile(r"[A-Za-z_@$][\w.\-\[\]@$:]*")


def looks_like_name(text: str) -> bool:
    """Whether a page-text paragraph is a parameter name (``job_id``, ``X-Auth-Token``)."""
    norm = collapse(strip_bold(text))
    return bool(_NAME_RE.fullmatch(norm)) and len(norm) <= 80


def looks_like_header_name(name: str) -> bool:
    """Whether a parameter name is an HTTP header (``X-Auth-Token``, ``Content-Type``)."""
    return bool(re.fullmatch(r"[A-Z][A-Za-z0-9]*(-[A-Za-z0-9]+)+", name)) or name.lower() in (
        "authorization",
        "host",
        "accept",
    )


# ---------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/;=+@]*")
_RANGE = re.compile(r"\d+(\.\d+)?\s*[-~]\s*\d+(\.\d+)?")
#: Words that start ``Word: text`` bullets which are properties, not values.
_NOT_VALUES = {
    "minimum", "maximum", "min", "max", "default", "range", "constraints", "constraint", "note",
    "notes", "example", "examples", "format", "unit", "length", "options", "definition", "type",
    "value", "values", "description", "details", "remarks", "caution", "warning", "important",
    "n/a", "na", "none", "null", "if", "the", "this", "for", "when", "only", "see", "e.g", "i.e",
}
_INLINE = re.compile(
    r"(?:^|(?<=[\s.;:,，。；：(（]))(?:"
    r"(?:the value (?:can be|must be|is one of)|(?:the )?values? (?:can be|include|are)|"
    r"valid values? (?:are|include)|possible values? (?:are|include)|the options are|can be one of)\s*[:：]?"
    r"|(?:value range|values?|valid values?|possible values?|fixed value|enumeration values?|"
    r"enumerated values?|options?|range|取值范围|取值|枚举值|可选值|固定值)\s*[:：]"
    r"|(?:fixed to|固定为|取值为))"
    r"\s*(?P<rest>.*)",
    re.I,
)
_INTRO = re.compile(
    r"(the value (?:can be|must be|is one of|is)|values? (?:can be|include|are)|valid values?|possible values?|"
    r"the options are|options?|enumeration values?|enumerated values?|value range|range|values?|"
    r"the following values|one of the following values|can be one of|取值范围|取值|枚举值|可选值)",
    re.I,
)
_NEGATIVE_INTRO = re.compile(
    r"(returned only|only when|only if|when the value of|if the value of|is returned when|depends on|"
    r"varies|仅当|仅在|当.*时)",
    re.I,
)


def _sentences(line: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.。!?])\s+|(?<=[。；;])", line) if s.strip()]


def _token(text: str) -> str | None:
    value = text.strip().strip("\"'`“”‘’«»").strip()
    value = value.rstrip(".。")
    if not value or not _TOKEN.fullmatch(value) or _RANGE.fullmatch(value):
        return None
    if value.lower() in _NOT_VALUES:
        return None
    return value


#: ``The value is fixed at **Job** and cannot be changed.``: one value, whatever follows it.
_FIXED_AT = re.compile(
    r"(?:^|(?<=[\s.;:,(]))(?:the )?value is (?:always )?fixed (?:at|to|as)\s+(?P<value>\S+?)[.,;]?(?:\s+(?:and|but)\b.*)?$",
    re.I,
)


#: Leads that may start a list of anything ("which can be changed", "including the
#: cluster and its nodes"): values only when at least two pieces follow, each one bold.
_WEAK_INLINE = re.compile(
    r"(?:^|(?<=[\s,;:(]))(?:(?:which|that|it) (?:can|may) be|(?:can|may) be one of|includ(?:es|ing)|"
    r"(?:is|are) either|(?:the )?values? (?:is|are)|is one of)\s*[:：]?\s*(?P<rest>\*\*.*)$",
    re.I,
)
_BOLD_RUN = re.compile(
    r"\*\*(?P<first>[^*]+)\*\*(?P<more>(?:\s*(?:,\s*(?:or|and)\b|,|，|、|\bor\b|\band\b|或|和)\s*\*\*[^*]+\*\*)+)"
)
#: What may follow the values: nothing, or words saying what they mean.
_AFTER_RUN = re.compile(r"\s*(?:[.。]?\s*$|,?\s*(?:indicating|indicates|which|meaning|respectively|in that order)\b)", re.I)


def _weak_inline_values(sentence: str) -> list[str]:
    """``Task status, which can be **success**, **running**, or **failed**`` and ``The value
    is **Single**, **Ha**, or **Replica**, indicating ...``: two or more bold pieces only."""
    match = _WEAK_INLINE.search(sentence.strip())
    if not match:
        return []
    run = _BOLD_RUN.match(match.group("rest"))
    if not run or not _AFTER_RUN.match(match.group("rest")[run.end() :]):
        return []
    values = []
    for piece in re.findall(r"\*\*([^*]+)\*\*", run.group(0)):
        value = _token(piece)
        if value is None:
            return []
        values.append(value)
    return values if len(values) >= 2 else []


#: ``It can only be set to **SUCCESS**.`` / ``The value can only be v2.``: one value.
_ONLY_BE = re.compile(
    r"(?:^|(?<=[\s.;:,(]))(?:it|the value|this (?:parameter|field)|the parameter)\s+can only be\s+"
    r"(?:set to\s+)?(?P<value>\S+?)[.,;]?$",
    re.I,
)


def _inline_values(line: str) -> list[str]:
    """Values of ``The value can be **a**, **b**, or **c**.`` / ``Fixed value: v1.``."""
    for sentence in _sentences(line):
        plain = strip_bold(sentence)
        fixed = _FIXED_AT.search(plain.strip()) or _ONLY_BE.search(plain.strip())
        if fixed:
            value = _token(fixed.group("value"))
            if value:
                return [value]
            continue
        match = _INLINE.search(plain)
        if not match:
            weak = _weak_inline_values(sentence)
            if weak:
                return weak
            continue
        rest = match.group("rest").strip()
        rest = re.sub(r"[.。]\s*$", "", rest)
        if not rest:
            continue
        pieces = [p for p in re.split(r",|，|、|;|；|\bor\b|\band\b|或|和|\|", rest) if p.strip()]
        values = [_token(p) for p in pieces]
        if values and all(values):
            return [v for v in values if v]
    return []


_ITEM_BOLD = re.compile(r"\*\*(?P<tok>[^*]+)\*\*\s*(?P<rest>.*)")
_ITEM_PLAIN = re.compile(r"(?P<tok>[\"'“]?[A-Za-z0-9_][A-Za-z0-9_.\-/;=+@]*[\"'”]?)\s*(?P<rest>.*)")
_SEPARATOR = re.compile(r"([:：(（,，.;；]|[-–—]\s|[-–—]$|$|indicates\b|means\b|表示)")


@dataclass(frozen=True)
class _Item:
    value: str
    bold: bool
    described: bool


#: A Go constant: ``JobPhaseRunning JobPhase = "Running"`` names the value ``Running``.
_ITEM_GO_CONST = re.compile(r"[A-Za-z_]\w*\s+[A-Za-z_][\w.]*\s*=\s*\"(?P<tok>[^\"]+)\"\s*[,;]?")


#: ``AZ1(eu-de-01): eu-de-01``: a name with a parenthesis, a colon, and one value only.
_ITEM_ALIAS = re.compile(r"[^:：()\s][^:：()]{0,40}\([^()]{1,40}\)\s*[:：]\s*(?P<tok>[^\s:：]+)")
#: A whole item that is a short value of a few words (``MRS 3.1.0-LTS.1``), read only after
#: a lead that ends in a colon ("Possible values are as follows:").
_BARE_PHRASE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/+@]*(?: [A-Za-z0-9_][A-Za-z0-9_.\-/+@]*){0,3}")


def _bullet_value(item: str) -> _Item | None:
    """The value a list item names at its start, if it starts with one."""
    match = _ITEM_GO_CONST.fullmatch(strip_bold(item).strip())
    if match:
        value = _token(match.group("tok"))
        # As explicit as a bold value: the quoted string is what is sent.
        return _Item(value, True, True) if value else None
    match = _ITEM_ALIAS.fullmatch(strip_bold(item).strip())
    if match:
        # "AZ1(eu-de-01): eu-de-01": a display name, then the value itself (as explicit as bold).
        value = _token(match.group("tok"))
        return _Item(value, True, True) if value else None
    match = _ITEM_BOLD.fullmatch(item)
    if match:
        value = _token(match.group("tok"))
        rest = match.group("rest")
        if value and _SEPARATOR.match(rest):
            return _Item(value, True, bool(rest.strip(" :：")))
        return None
    match = _ITEM_PLAIN.fullmatch(strip_bold(item))
    if match:
        value = _token(match.group("tok"))
        rest = match.group("rest")
        if value and _SEPARATOR.match(rest):
            described = bool(re.match(r"([:：]|[-–—]\s)", rest))
            if not rest.strip() or described:
                return _Item(value, False, described)
    return None


def enum_values(markup: str, type_text: str = "") -> list[str]:
    """The values a description lists for its field: sorted, deduplicated.

    Conservative: a list counts only when every item starts with a value (bold, or
    ``VALUE: text``) and the sentence before it does not tie the list to something else
    ("returned only when ..."); an inline list only when every piece is a value.
    Booleans list no values (``true``/``false`` say nothing the type does not).
    Every way of listing in the description adds to one set: the values of a sentence and
    of a bullet list repeating it are the same values.
    """
    if type_text.strip().lower() in ("boolean", "bool"):
        return []
    lines = markup.split("\n")
    values: set[str] = set()
    i = 0
    intro = ""
    while i < len(lines):
        line = lines[i]
        if not line.lstrip().startswith("- "):
            values.update(_bold_sentence_values(line) or _bold_definitions(line) or _inline_values(line))
            intro = line
            i += 1
            if _INTRO_COLON.search(strip_bold(line)):
                # "The value can be:" then one paragraph per value: **alpha**: the first.
                items = []
                while i < len(lines) and not lines[i].lstrip().startswith("- "):
                    # One paragraph of several definitions: **a**: ... **b**: ...
                    defined = _bold_definitions(lines[i].strip())
                    if defined:
                        items.extend(defined)
                        i += 1
                        continue
                    item = _bullet_value(lines[i].strip())
                    if item is None or not item.bold:
                        break
                    items.append(item.value)
                    i += 1
                values.update(items)
            continue
        start = i
        indent = len(line) - len(line.lstrip())
        while i < len(lines) and lines[i].lstrip().startswith("- ") and len(lines[i]) - len(lines[i].lstrip()) >= indent:
            i += 1
        values.update(_list_tree_values(lines[start:i], indent, intro))
        intro = ""
    return sorted(values)


def _list_tree_values(lines: list[str], indent: int, intro: str) -> list[str]:
    """Values of a bullet list whose items may hold lists of their own.

    An item with a list under it is a group header ("Region: eu-de" over its AZs): not a
    value, its list is read instead (the header as the list's lead). Items without one
    are read as one list.
    """
    items: list[str] = []
    values: list[str] = []
    i = 0
    while i < len(lines):
        item = lines[i].lstrip()[2:].strip()
        j = i + 1
        while j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > indent:
            j += 1
        nested: list[str] = []
        if j > i + 1:
            sub_indent = len(lines[i + 1]) - len(lines[i + 1].lstrip())
            nested = _list_tree_values(lines[i + 1 : j], sub_indent, item)
        if nested:
            values.extend(nested)  # a group header: its list holds the values
        else:
            items.append(item)  # a value, or a note, whatever lies under it
        i = j
    return values + (_list_values(items, intro) if items else [])


#: The words that lead into a list of values ("The value can be", "Valid values are"), shared
#: by the two leads below.
_VALUES_LEAD = (
    r"the value (?:can be|must be|is one of)|values? (?:can be|include|are)|valid values?(?: are| include)?|"
    r"possible values?(?: are| include)?"
)
#: A lead that ends in a colon: what follows lists the values.
_INTRO_COLON = re.compile(
    rf"(?:{_VALUES_LEAD}|the options are(?: as follows)?|enumeration values?|enumerated values?|"
    r"can be one of(?: the following)?|取值|枚举值|可选值)(?: as follows)?\s*[:：]\s*$",
    re.I,
)
#: ``The value can be: **Running**, indicating ... **Failed**, indicating ...``.
_BOLD_LEAD = re.compile(
    rf"(?:{_VALUES_LEAD}|the options are|enumeration values?)\s*[:：]\s*(?P<rest>\*\*.*)$", re.I
)
_BOLD_SENTENCE = re.compile(
    r"\*\*(?P<tok>[^*]+)\*\*\s*(?:[,，:：]|[-–—]\s|\(|indicat|means\b|表示|$).*", re.I
)


#: A sentence that starts with a bold value and a colon: ``**Running**: the job runs.``
_BOLD_DEFINITION = re.compile(r"(?:^|(?<=[.。;；]))\s*\*\*(?P<tok>[^*]+)\*\*\s*[:：]")


def _bold_definitions(line: str) -> list[str]:
    """Values defined one after another in a paragraph, with no lead:
    ``Job status. **Running**: it runs. **Completed**: it is done. **Failed**: it failed.``

    Two or more definitions, each a bold value and a colon at the start of a sentence (a
    bold word inside a sentence starts none); every defined word must be a value (not
    **Note** or **Default**), and what comes before them must not tie them to something
    else ("returned only when ...").
    """
    starts = list(_BOLD_DEFINITION.finditer(line))
    if len(starts) < 2 or _NEGATIVE_INTRO.search(strip_bold(line[: starts[0].start()])):
        return []
    values = []
    for match in starts:
        value = _token(match.group("tok"))
        if value is None:
            return []
        values.append(value)
    return values


def _bold_sentence_values(line: str) -> list[str]:
    """Values written as sentences after a lead, each starting with a bold value:
    ``The value can be: **Running**, indicating it runs. **Failed** indicating not.``"""
    match = _BOLD_LEAD.search(line)
    if not match:
        return []
    sentences = [s for s in re.split(r"(?<=[.。;；])\s+", match.group("rest").strip()) if s.strip()]
    values = []
    for sentence in sentences:
        item = _BOLD_SENTENCE.fullmatch(sentence.strip())
        value = _token(item.group("tok")) if item else None
        if value is None:
            return []
        values.append(value)
    return values if len(values) >= 2 else []


def _list_values(items: list[str], intro: str) -> list[str]:
    parsed = [_bullet_value(item) for item in items]
    sentences = _sentences(strip_bold(intro))
    last = sentences[-1] if sentences else ""
    if not parsed:
        return []
    if _NEGATIVE_INTRO.search(last):
        return []
    if not all(parsed):
        bare = [strip_bold(item).strip().rstrip(";；") for item in items]
        if _INTRO_COLON.search(last) and all(
            len(b) <= 40 and _BARE_PHRASE.fullmatch(b) and not _RANGE.fullmatch(b) and b.lower() not in _NOT_VALUES
            for b in bare
        ):
            return bare
        return []
    positive = bool(_INTRO.search(last))
    items_ok = [p for p in parsed if p]
    if all(p.bold for p in items_ok):
        accepted = True
    elif all(p.described for p in items_ok):
        accepted = positive or len(items_ok) >= 2
    else:
        accepted = positive
    return [p.value for p in items_ok] if accepted else []


# ---------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedExample:
    """An example's JSON value (or ``None``) and what had to be repaired to read it.

    ``start``/``end``: the span of ``text`` the value was read from (for blocks that hold
    several bodies, see :func:`parse_examples`).
    """

    value: Any
    repairs: tuple[str, ...]
    error: str | None
    start: int = 0
    end: int = 0


def parse_example(text: str) -> ParsedExample:
    """The JSON body of an example: the text itself, or what follows a request line.

    Text that is not JSON (``GET /v1/...`` alone, XML) gives ``None`` without error. JSON
    that fails to parse is tried again leniently (trailing commas, ``//`` comments,
    ``...`` ellipses): the repairs are named so the caller can warn. Prose lines before
    the body ("Token information stored in the response body:") are skipped, a repair too.
    """
    body, offset, skipped = _example_body(text)
    if body is None:
        return ParsedExample(None, (), None)
    parsed = _parse_body(body, offset)
    if skipped and parsed.value is None:
        return ParsedExample(None, (), None)  # prose with a bracket in it, not an example
    if skipped:
        return _with_repair(parsed, "text before the JSON body skipped")
    return parsed


def parse_examples(text: str) -> list[ParsedExample]:
    """Like :func:`parse_example`, but a block holding several JSON bodies back to back (a
    job, then an error body) gives one example per body, with a repair naming that."""
    body, offset, skipped = _example_body(text)
    if body is not None:
        spans = _top_level_spans(body)
        if spans is not None and len(spans) > 1:
            parts = [_parse_body(body[a:b], offset + a) for a, b in spans]
            if all(p.value is not None for p in parts):
                out = [_with_repair(p, f"{len(parts)} JSON bodies in one block, read as {len(parts)} examples") for p in parts]
                if skipped:
                    out = [_with_repair(p, "text before the JSON body skipped") for p in out]
                return out
    return [parse_example(text)]


def _with_repair(parsed: ParsedExample, repair: str) -> ParsedExample:
    if parsed.value is None or repair in parsed.repairs:
        return parsed
    return ParsedExample(parsed.value, (repair, *parsed.repairs), parsed.error, parsed.start, parsed.end)


def _example_body(text: str) -> tuple[str | None, int, bool]:
    """The part of an example's text that should be JSON, its offset in the text, and
    whether prose lines before it were skipped; ``None`` when no body starts anywhere."""
    stripped = text.strip()
    offset = len(text) - len(text.lstrip())
    first, _, rest = stripped.partition("\n")
    if method_line(first) or re.match(r"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s", first):
        start = re.search(r"^\s*[\[{]", rest, re.M)
        if not start:
            return None, 0, False
        body_start = offset + len(first) + 1 + start.start()
        body_start += len(text[body_start:]) - len(text[body_start:].lstrip())
        return text[body_start:].strip(), body_start, False
    if stripped and stripped[0] in "{[":
        return stripped, offset, False
    start = re.search(r"^[ \t]*[\[{]", text, re.M)
    if not start:
        return None, 0, False
    body_start = start.start() + len(start.group(0)) - 1
    return text[body_start:].strip(), body_start, True


def _parse_body(body: str, offset: int) -> ParsedExample:
    """A body starting with ``{`` or ``[``: strictly, else leniently."""
    end = offset + len(body)
    try:
        return ParsedExample(json.loads(body), (), None, offset, end)
    except ValueError as error:
        first_error = str(error)
    repaired, repairs = _repair_json(body)
    if "control character" in first_error:
        repairs.append("control characters in strings")
    if repairs:
        try:
            return ParsedExample(json.loads(repaired, strict=False), tuple(repairs), None, offset, end)
        except ValueError:
            pass
    return ParsedExample(None, (), first_error, offset, end)


def _top_level_spans(body: str) -> list[tuple[int, int]] | None:
    """The spans of the bracketed values of ``body`` at the top level, when only
    whitespace lies between and after them; ``None`` otherwise (unbalanced, other text)."""
    spans: list[tuple[int, int]] = []
    depth, i, n, start = 0, 0, len(body), 0
    while i < n:
        ch = body[i]
        if depth == 0:
            if ch.isspace():
                i += 1
                continue
            if ch not in "{[":
                return None
            start = i
        if ch == '"':
            i = _string_end(body, i)
            continue
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
        i += 1
    return spans if depth == 0 else None


def _repair_json(text: str) -> tuple[str, list[str]]:
    """Text with known publishing slips removed outside strings, and which ones."""
    repairs: list[str] = []

    def drop_comments_and_ellipses(text: str, i: int, out: list[str]) -> int:
        ch, n = text[i], len(text)
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            _note(repairs, "// comments")
            return i
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            _note(repairs, "/* comments */")
            return n if end < 0 else end + 2
        if text.startswith("...", i) or ch == "\u2026":
            i += 1 if ch == "\u2026" else 3
            while i < n and text[i] == ".":
                i += 1
            out.append("null" if "".join(out).rstrip().endswith(":") else "")
            _note(repairs, "... ellipses")
            return i
        out.append(ch)
        return i + 1

    def mend_commas(text: str, i: int, out: list[str]) -> int:
        """Commas with nothing after them (trailing, doubled, leading) go; missing ones
        between lines come."""
        ch = text[i]
        if ch == ",":
            after = text[i + 1 :].lstrip()
            before = "".join(out).rstrip()
            if not after or after[0] in "}]," or not before or before[-1] in "[{,":
                _note(repairs, "trailing commas")
                return i + 1
        if ch == "\n":
            before = "".join(out).rstrip()
            after = text[i + 1 :].lstrip()
            if before and after.startswith('"') and (before[-1] in '"}]' or re.search(r"(\d|true|false|null)$", before)):
                out.append(",")
                _note(repairs, "missing commas between lines")
        out.append(ch)
        return i + 1

    text = _outside_strings(text, drop_comments_and_ellipses)
    return _outside_strings(text, mend_commas), repairs


def _outside_strings(text: str, step: Callable[[str, int, list[str]], int]) -> str:
    """``text`` rewritten by ``step`` outside JSON strings, which are copied as they are:
    ``step(text, i, out)`` appends what the text at ``i`` becomes and returns where to go on."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            j = _string_end(text, i)
            out.append(text[i:j])
            i = j
        else:
            i = step(text, i, out)
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the JSON string starting at ``start`` (a quote)."""
    j = start + 1
    while j < len(text) and text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, len(text))


def _note(repairs: list[str], what: str) -> None:
    if what not in repairs:
        repairs.append(what)
