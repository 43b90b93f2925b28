"""One function per API action, and the batch that runs them in one transaction.

A batch authenticates, opens one transaction, runs each operation in order, checks
the end-of-batch invariants, encodes the create/update results and commits. The
first error aborts everything: the transaction rolls back and the caller reports the
error object instead of any result.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Any,
    Callable,
    Dict,
    List,
    NamedTuple,
    Optional,
    Tuple,
)

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ftrack_server.api import wire_json
from ftrack_server.context import RequestContext
from ftrack_server.errors import InvalidActionError, NotFoundError, ValidationError
from ftrack_server.model import Model
from ftrack_server.query.loader import execute_query, load_entities
from ftrack_server.query.written import encode_written
from ftrack_server.storage.buffer import BufferedConnection
from ftrack_server.storage.credentials import revoke_api_keys, store_api_key
from ftrack_server.storage.writer import Writer

if TYPE_CHECKING:  # pragma: no cover
    from ftrack_server.server import LocalServer

READ_ONLY_ACTIONS = {"query_server_information", "query_schemas", "query", "search"}


class Pending(NamedTuple):
    """A create/update result, encoded once every operation of the batch ran."""

    index: int  # of the operation, and of its result
    action: str
    type_name: str
    key: Tuple[str, ...]
    projections: Tuple[str, ...]
    given: Optional[AbstractSet[str]]  # names whose nulls are echoed; None: all
    row: Optional[Dict[str, Any]]  # the row a create inserted


@dataclass
class Call:
    """The state of one batch while its operations run."""

    server: LocalServer
    connection: Connection
    context: RequestContext
    pending: List[Pending] = field(default_factory=list)
    _writer: Optional[Writer] = None

    @property
    def model(self) -> Model:
        return self.server.model

    @property
    def writer(self) -> Writer:
        if self._writer is None:
            self._writer = Writer(self.connection, self.model, self.context)
        return self._writer


Action = Callable[[Call, Dict[str, Any], int], Any]
ACTIONS: Dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(function: Action) -> Action:
        ACTIONS[name] = function
        return function

    return register


def run_batch(server: LocalServer, context: RequestContext, operations: List[Any]) -> list:
    """Run ``operations`` for the authenticated caller; return their results in order."""
    for operation in operations:
        if not isinstance(operation, dict):
            raise ValidationError(
                f"Each operation must be a JSON object, got {type(operation).__name__}."
            )
    write = any(operation.get("action") not in READ_ONLY_ACTIONS for operation in operations)
    with server.database.transaction(write=write) as raw_connection:
        # Creates queue their rows; any other statement writes them first.
        connection = BufferedConnection(raw_connection)
        call = Call(server, connection, context)
        results: List[Any] = []
        for index, operation in enumerate(operations):
            name = operation.get("action")
            function = ACTIONS.get(name) if isinstance(name, str) else None
            if function is None:
                raise InvalidActionError(name)
            results.append(function(call, operation, index))
        if call._writer is not None:
            call._writer.verify()
        _fill_pending(call, results)
        connection.flush()
    if call._writer is not None and context.page_keys is not None:
        context.page_keys.invalidate()
    return results


def _fill_pending(call: Call, results: List[Any]) -> None:
    """Encode created/updated entities, one group per (type, projections)."""
    groups: Dict[Tuple[str, Tuple[str, ...]], List[Pending]] = {}
    for entry in call.pending:
        groups.setdefault((entry.type_name, entry.projections), []).append(entry)
    for (type_name, projections), entries in groups.items():
        encoded = _encode_group(call, type_name, projections, entries)
        for entry, data in zip(entries, encoded):
            results[entry.index] = {"action": entry.action, "data": data}


def _encode_group(
    call: Call, type_name: str, projections: Tuple[str, ...], entries: List[Pending]
) -> List[Optional[Dict[str, Any]]]:
    """The data of ``entries`` (None for an entity that no longer exists).

    A created entity echoes what was set and what the server filled in, not the
    attributes that stayed empty. Entities created by a batch that only inserted rows
    are encoded from those rows; anything else is read back.
    """
    rows = [entry.row for entry in entries]
    given = [entry.given for entry in entries]
    if call.writer.rows_as_written and None not in rows:
        encoded = encode_written(
            call.connection, call.model, type_name, rows, projections, call.context, given
        )
        if encoded is not None:
            return encoded
    keys = [entry.key for entry in entries]
    loaded = load_entities(
        call.connection, call.model, type_name, keys, list(projections), call.context
    )
    primary_key = call.model.types[type_name].primary_key
    by_key = {tuple(str(entity[name]) for name in primary_key): entity for entity in loaded}
    found = [by_key.get(tuple(str(part) for part in key)) for key in keys]
    return [_echoed(data, names) for data, names in zip(found, given)]


def _echoed(data: Optional[Dict[str, Any]], given: Optional[AbstractSet[str]]) -> Optional[dict]:
    """``data`` without the nulls of attributes not in ``given`` (None: keep all)."""
    if data is None or given is None:
        return data
    return {name: value for name, value in data.items() if value is not None or name in given}


def _require(operation: Dict[str, Any], name: str, kind: type = str) -> Any:
    value = operation.get(name)
    if value is None:
        raise ValidationError(f"Missing {name!r} for action {operation.get('action')}.")
    if not isinstance(value, kind):
        raise ValidationError(
            f"{name!r} for action {operation.get('action')} must be a {kind.__name__}."
        )
    return value


# -- information -------------------------------------------------------------------------


@action("query_server_information")
def query_server_information(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    information = call.server.information(call.connection)
    values = operation.get("values") or []
    if "user_information" in values:
        information["user_information"] = {
            "id": call.context.user_id,
            "username": call.context.username,
        }
    if "is_nested_subqueries_enabled" in values:
        information["is_nested_subqueries_enabled"] = True
    return information


@action("query_schemas")
def query_schemas(call: Call, _operation: Dict[str, Any], _index: int) -> list:
    return call.model.schemas


# -- reading -----------------------------------------------------------------------------


@action("query")
def query(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    expression = _require(operation, "expression")
    context = call.context
    if call._writer is not None and context.page_keys is not None:
        # This batch wrote: cached page keys may not show its changes.
        context = dataclasses.replace(context, page_keys=None)
    return execute_query(call.connection, call.model, expression, context)


# -- writing -----------------------------------------------------------------------------


def _entity_type(operation: Dict[str, Any]) -> str:
    return _require(operation, "entity_type")


def _entity_data(operation: Dict[str, Any]) -> Dict[str, Any]:
    data = operation.get("entity_data")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError("'entity_data' must be a JSON object.")
    return data


@action("create")
def create(call: Call, operation: Dict[str, Any], index: int) -> None:
    data = _entity_data(operation)
    result = call.writer.create(_entity_type(operation), operation.get("entity_key"), data)
    call.pending.append(
        Pending(
            index,
            "create",
            result.entity_type,
            result.key,
            result.attributes,
            data.keys(),
            result.row,
        )
    )


@action("update")
def update(call: Call, operation: Dict[str, Any], index: int) -> None:
    result = call.writer.update(
        _entity_type(operation), operation.get("entity_key"), _entity_data(operation)
    )
    call.pending.append(
        Pending(index, "update", result.entity_type, result.key, result.attributes, None, None)
    )


@action("delete")
def delete(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    call.writer.delete(_entity_type(operation), operation.get("entity_key"))
    return {"action": "delete", "data": True}


@action("reset_remote")
def reset_remote(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    reset_type = operation.get("reset_type")
    entity_type = operation.get("entity_type")
    if reset_type != "api_key" or entity_type not in (None, "User"):
        raise ValidationError(
            f"Cannot reset {reset_type!r} of {entity_type or 'no entity'}: only the api_key "
            "of a User can be reset."
        )
    key = operation.get("entity_key")
    if isinstance(key, list):
        key = key[0] if key else None
    user_id = key or call.context.user_id
    users = call.server.database.table("resource")
    exists = call.connection.execute(
        sa.select(users.c.id).where(users.c.id == str(user_id), users.c.resource_type == "user")
    ).first()
    if exists is None:
        raise NotFoundError(f"User {user_id} not found.")
    revoke_api_keys(call.connection, str(user_id))
    return {
        "action": "reset_remote",
        "data": {"api_key": store_api_key(call.connection, str(user_id))},
    }


@action("send_user_invite")
def send_user_invite(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    _require(operation, "user_id")
    return {"sent": True}


@action("send_review_session_invite")
def send_review_session_invite(call: Call, operation: Dict[str, Any], _index: int) -> dict:
    _require(operation, "review_session_invitee_id")
    return {"sent": True}


def decode_operations(body: bytes) -> List[Any]:
    """Parse a request body into the list of operations, or raise ValidationError."""
    try:
        operations = wire_json.parse(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(f"The request body is not valid JSON: {error}.")
    if not isinstance(operations, list):
        raise ValidationError("The request body must be a JSON array of operations.")
    return operations
