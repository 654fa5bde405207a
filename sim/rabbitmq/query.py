"""List query semantics of the management API: ``columns``, ``sort``, ``page``/``page_size``, ``name``.

Why: clients (the probe) depend on the exact behaviour of rabbit_mgmt_util 3.10: page size at
most 500, the envelope keys, a 400 when the page is beyond the end, ``name``/``use_regex`` only
filtering when paginating, missing sort keys sorting first, columns dropping absent fields.
"""

from __future__ import annotations

import re

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


class QueryError(Exception):
    """Becomes ``400 {"error": kind, "reason": reason}``."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


def _int(v: str | None) -> int | None:
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        raise QueryError("bad_request", "Pagination parameters are invalid") from None


def pagination(qs) -> dict | None:
    """None when no ``page``; else page/page_size/name/use_regex, validated like the real API."""
    page, size = _int(qs.get("page")), _int(qs.get("page_size"))
    if page is None:
        return None
    if size is None:
        size = DEFAULT_PAGE_SIZE
    if page <= 0 or size <= 0 or size > MAX_PAGE_SIZE:
        raise QueryError("invalid_pagination_parameters",
                         f"Invalid pagination parameters: page number {page}, "
                         f"page size {size}")
    return {"page": page, "page_size": size, "name": qs.get("name"),
            "use_regex": qs.get("use_regex") == "true"}


def columns(qs) -> list[list[str]] | None:
    raw = qs.get("columns")
    if raw is None:
        return None
    return [c.split(".") for c in raw.split(",") if c]


def column_tree(cols: list[list[str]] | None) -> dict | None:
    """``[["a"], ["b", "c"]]`` -> ``{"a": None, "b": {"c": None}}`` (None = whole value)."""
    if cols is None:
        return None
    tree: dict = {}
    for path in cols:
        node = tree
        for i, part in enumerate(path):
            if i == len(path) - 1:
                node[part] = None
            elif node.get(part, {}) is None:
                break
            else:
                node = node.setdefault(part, {})
    return tree


def extract(item, cols):
    """rabbit_mgmt_util:extract_column_items: keep wanted keys (dotted paths descend).

    ``cols`` is a list of paths or a tree from ``column_tree``; absent keys stay absent.
    """
    if cols is None:
        return item
    tree = cols if isinstance(cols, dict) else column_tree(cols)
    if isinstance(item, dict):
        return {k: (item[k] if sub is None else extract(item[k], sub))
                for k, sub in tree.items() if k in item}
    if isinstance(item, list):
        return [extract(i, tree) for i in item]
    return item


def _erl_key(v):
    """Erlang term order: number < atom (null/true/false) < map < list < binary."""
    if isinstance(v, bool) or v is None:
        return (1, str(v).lower())
    if isinstance(v, (int, float)):
        return (0, v)
    if isinstance(v, dict):
        return (2, str(sorted(v.items())))
    if isinstance(v, list):
        return (3, [_erl_key(x) for x in v])
    return (4, str(v))


def _dotted(item: dict, key: str):
    parts = key.split(".")
    for p in parts[:-1]:
        item = item.get(p, {}) if isinstance(item, dict) else {}
    return item.get(parts[-1], 0) if isinstance(item, dict) else 0


def sort_items(items: list, qs, default=("vhost", "name"), get=None) -> list:
    """Sort by ``sort`` (then the defaults); ``sort=`` (empty) keeps the order."""
    sort = qs.get("sort")
    keys = list(default) if not sort else [sort] + [k for k in default if k != sort]
    get = get or _dotted
    out = sorted(items, key=lambda it: [_erl_key(get(it, k)) for k in keys])
    if qs.get("sort_reverse") == "true":
        out.reverse()
    return out


def name_filter(items: list, pag: dict | None, get_name) -> list:
    """``name``: case-insensitive substring, or caseless regex with ``use_regex=true``."""
    if not pag or not pag.get("name"):
        return items
    needle = pag["name"]
    if pag["use_regex"]:
        try:
            rx = re.compile(needle, re.IGNORECASE)
        except re.error as e:
            raise QueryError("bad_request", f"Invalid regex: {e}") from None
        return [i for i in items if rx.search(get_name(i))]
    low = needle.lower()
    return [i for i in items if low in get_name(i).lower()]


def page_slice(filtered: list, pag: dict, total: int) -> tuple[list, dict]:
    """The page's slice and its envelope (without ``items``); 400 beyond the end."""
    page, size = pag["page"], pag["page_size"]
    offset = (page - 1) * size
    if offset > len(filtered):
        raise QueryError("page_out_of_range",
                         f"Page out of range, page: {page} page size: {size}, "
                         f"len: {len(filtered)}")
    chunk = filtered[offset:offset + size]
    env = {"page": page, "page_count": (len(filtered) + size - 1) // size, "page_size": size,
           "filtered_count": len(filtered), "item_count": len(chunk), "total_count": total}
    return chunk, env


def list_reply(objs: list, qs, render, basic_sort: set, get_name=lambda o: o["name"],
               get_basic=None) -> object:
    """Apply sort/filter/page/columns to ``objs``; ``render(obj) -> dict``.

    Like the plugin's "basic" strategy, objects are sorted, filtered and paged before being
    rendered when the sort keys are basic (vhost/name), so one page of 50k queues is cheap.
    """
    pag = pagination(qs)
    cols = column_tree(columns(qs))
    sort = qs.get("sort")
    if (not sort or sort in basic_sort) and get_basic is not None:
        keys = [sort] + [k for k in ("vhost", "name") if k != sort] if sort else ["vhost", "name"]
        ordered = sorted(objs, key=lambda o: [get_basic(o, k) for k in keys],
                         reverse=qs.get("sort_reverse") == "true")
        filtered = name_filter(ordered, pag, get_name)
        if pag is None:
            return [extract(render(o), cols) for o in filtered]
        chunk, env = page_slice(filtered, pag, len(objs))
        env["items"] = [extract(render(o), cols) for o in chunk]
        return env
    items = sort_items([render(o) for o in objs], qs)
    filtered = name_filter(items, pag, lambda i: i.get("name", ""))
    if pag is None:
        return [extract(i, cols) for i in filtered]
    chunk, env = page_slice(filtered, pag, len(items))
    env["items"] = [extract(i, cols) for i in chunk]
    return env
