"""Lazy, paged query results.

:class:`QueryResult` fetches pages of ``page_size`` entities as they are needed,
following the server's ``next.offset`` until it is null or the expression's own
limit is reached (protocol.md 4.3, query-language.md 1.1).
"""

from __future__ import annotations

import collections.abc
import re
from typing import Any, List, Optional, Tuple

import ftrack_api.exception


class QueryResult(collections.abc.Sequence):
    """The entities an expression selects, fetched page by page when used."""

    OFFSET_EXPRESSION = re.compile(r"(?P<offset>offset (?P<value>\d+))")
    LIMIT_EXPRESSION = re.compile(r"(?P<limit>limit (?P<value>\d+))")

    def __init__(self, session: Any, expression: str, page_size: int = 500) -> None:
        super().__init__()
        self._session = session
        self._results: List[Any] = []
        (
            self._expression,
            self._offset,
            self._limit,
        ) = self._extract_offset_and_limit(expression)
        self._page_size = page_size
        if self._limit is not None and self._limit < self._page_size:
            self._page_size = self._limit
        self._next_offset: Optional[int] = self._offset if self._offset is not None else 0

    def _extract_offset_and_limit(
        self, expression: str
    ) -> Tuple[str, Optional[int], Optional[int]]:
        """Remove the first ``offset N`` and ``limit N`` from ``expression``; return them."""
        offset = limit = None
        match = self.OFFSET_EXPRESSION.search(expression)
        if match:
            offset = int(match.group("value"))
            expression = expression[: match.start()] + expression[match.end() :]
        match = self.LIMIT_EXPRESSION.search(expression)
        if match:
            limit = int(match.group("value"))
            expression = expression[: match.start()] + expression[match.end() :]
        return expression.strip(), offset, limit

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice) or index < 0:
            self.all()
            return self._results[index]
        while index >= len(self._results) and self._can_fetch_more():
            self._fetch_more()
        return self._results[index]

    def __len__(self) -> int:
        return len(self.all())

    def _can_fetch_more(self) -> bool:
        if self._next_offset is None:
            return False
        return self._limit is None or len(self._results) < self._limit

    def _fetch_more(self) -> None:
        """Fetch the next page of results."""
        if self._next_offset is None:
            raise ValueError("Cannot fetch any more data.")
        page_size = self._page_size
        if self._limit is not None:
            page_size = min(page_size, self._limit - len(self._results))
        expression = f"{self._expression} offset {self._next_offset} limit {page_size}"
        records, metadata = self._session._query(expression)
        self._results.extend(records)
        self._next_offset = metadata.get("next", {}).get("offset")
        if self._limit is not None and len(self._results) >= self._limit:
            self._next_offset = None

    def all(self) -> List[Any]:
        """Every result, fetching what has not been fetched."""
        while self._can_fetch_more():
            self._fetch_more()
        return list(self._results)

    def one(self) -> Any:
        """The single result; NoResultFoundError or MultipleResultsFoundError otherwise."""
        if self._limit is not None:
            raise ValueError("Expression already contains a limit clause.")
        if self._offset is not None:
            raise ValueError(
                "Expression contains an offset clause which does not make sense when "
                "selecting a single item."
            )
        results, _metadata = self._session._query(f"{self._expression} limit 2")
        if not results:
            raise ftrack_api.exception.NoResultFoundError()
        if len(results) > 1:
            raise ftrack_api.exception.MultipleResultsFoundError()
        return results[0]

    def first(self) -> Optional[Any]:
        """The first result, or None."""
        if self._limit is not None:
            raise ValueError("Expression already contains a limit clause.")
        expression = self._expression
        if self._offset is not None:
            expression += f" offset {self._offset}"
        results, _metadata = self._session._query(f"{expression} limit 1")
        return results[0] if results else None
