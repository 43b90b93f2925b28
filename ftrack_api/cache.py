"""Caches, key makers and a memoiser.

A cache maps keys to values through a small interface (:class:`Cache`): ``get``, ``set``,
``remove`` and ``keys``. Caches compose: :class:`LayeredCache` stacks them (fast memory in
front of a slower persistent store), :class:`SerialisedCache` encodes values for stores that
only hold strings, and :class:`FileCache` persists to disk.

Every cache here may be shared between threads: the session holds one and its users call it
from many threads at once.
"""

from __future__ import annotations

import abc
import collections.abc
import contextlib
import copy
import dbm
import functools
import inspect
import os
import pickle
import re
import threading
from typing import Any, Callable, Iterator, List, Mapping, Optional, Sequence

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _acquire_file_lock(handle: Any) -> None:
        handle.seek(0)
        while True:
            try:
                # LK_LOCK retries for about ten seconds before giving up; keep waiting.
                msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue

    def _release_file_lock(handle: Any) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _acquire_file_lock(handle: Any) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)

    def _release_file_lock(handle: Any) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Cache(metaclass=abc.ABCMeta):
    """Base interface: a mapping of keys to values with pattern-based clearing."""

    @abc.abstractmethod
    def get(self, key: Any) -> Any:
        """Return the value stored at *key*; raise :exc:`KeyError` when there is none."""

    @abc.abstractmethod
    def set(self, key: Any, value: Any) -> None:
        """Store *value* at *key*, replacing any previous value."""

    @abc.abstractmethod
    def remove(self, key: Any) -> None:
        """Remove *key*; raise :exc:`KeyError` when it is not stored."""

    def keys(self) -> List[Any]:
        """Return a list of the stored keys."""
        raise NotImplementedError()

    def values(self) -> List[Any]:
        """Return a list of the stored values.

        Keys removed by another thread while this runs are skipped.
        """
        values = []
        for key in self.keys():
            try:
                values.append(self.get(key))
            except KeyError:
                continue
        return values

    def clear(self, pattern: Optional[str] = None) -> None:
        """Remove every key, or only keys in which the regular expression *pattern* is found."""
        matcher = re.compile(pattern) if pattern is not None else None
        for key in self.keys():
            if matcher is not None and matcher.search(key) is None:
                continue
            try:
                self.remove(key)
            except KeyError:
                continue


class ProxyCache(Cache):
    """Forward every call to another cache; a base for caches that adapt one."""

    def __init__(self, proxied: Cache) -> None:
        self.proxied = proxied
        super().__init__()

    def get(self, key: Any) -> Any:
        return self.proxied.get(key)

    def set(self, key: Any, value: Any) -> None:
        self.proxied.set(key, value)

    def remove(self, key: Any) -> None:
        self.proxied.remove(key)

    def keys(self) -> List[Any]:
        return self.proxied.keys()


class LayeredCache(Cache):
    """Stack of caches searched in order, fastest first.

    A value found in a lower layer is copied into the layers above it so the next lookup
    stops earlier. Writes and removals apply to every layer.
    """

    def __init__(self, caches: Sequence[Cache]) -> None:
        self.caches = caches
        super().__init__()

    def get(self, key: Any) -> Any:
        # Written for the common case: a hit in the first layer costs one call.
        for index, cache in enumerate(self.caches):
            try:
                value = cache.get(key)
            except KeyError:
                continue
            if index:
                for upper in self.caches[:index]:
                    upper.set(key, value)
            return value
        raise KeyError(key)

    def set(self, key: Any, value: Any) -> None:
        for cache in self.caches:
            cache.set(key, value)

    def remove(self, key: Any) -> None:
        """Remove *key* from every layer; raise :exc:`KeyError` only if no layer held it."""
        found = False
        for cache in self.caches:
            try:
                cache.remove(key)
            except KeyError:
                continue
            found = True
        if not found:
            raise KeyError(key)

    def keys(self) -> List[Any]:
        """Return the keys of all layers, each once, in the order first seen."""
        keys: dict = {}
        for cache in self.caches:
            keys.update(dict.fromkeys(cache.keys()))
        return list(keys)


class MemoryCache(Cache):
    """Cache held in a dictionary for the life of the process.

    No lock is taken: each method is a single dictionary operation (lookup, assignment,
    deletion, or a copy of the keys), and CPython performs each of those atomically, so
    concurrent threads always see a consistent dictionary. This keeps the session's
    per-entity lookups as cheap as a plain dictionary access.
    """

    def __init__(self) -> None:
        self._cache: dict = {}
        super().__init__()

    def get(self, key: Any) -> Any:
        return self._cache[key]

    def set(self, key: Any, value: Any) -> None:
        self._cache[key] = value

    def remove(self, key: Any) -> None:
        del self._cache[key]

    def keys(self) -> List[Any]:
        return list(self._cache)


class FileCache(Cache):
    """Persistent cache stored in a :mod:`dbm` database at *path*.

    Keys and values are strings (values may also be given as UTF-8 bytes; they are returned
    as strings). The database uses whichever :mod:`dbm` backend the interpreter provides and
    may be written by several threads and processes at once: each operation holds a thread
    lock and an exclusive lock on the file ``<path>.lock`` while it opens, uses and closes
    the database, so no writer ever interleaves with another and every completed operation
    is on disk for the next one to read. A database that cannot be read any more (for
    example, left half-written by a process killed mid-write) is discarded and started
    afresh, as befits a cache.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        super().__init__()
        # Create the database now so that a bad path fails early.
        with self._database():
            pass

    @contextlib.contextmanager
    def _database(self) -> Iterator[Any]:
        """Yield the open database, held exclusively until the block ends."""
        with self._lock, open(self.path + ".lock", "ab") as lock_handle:
            _acquire_file_lock(lock_handle)
            try:
                database = self._open()
                try:
                    yield database
                finally:
                    database.close()
            finally:
                _release_file_lock(lock_handle)

    def _open(self) -> Any:
        try:
            return dbm.open(self.path, "c")
        except Exception as error:
            if not _is_unreadable_database(error):
                raise
        # Flag "n" replaces whatever is there with a new, empty database.
        return dbm.open(self.path, "n")

    def get(self, key: str) -> str:
        encoded_key = _encode_key(key)
        with self._database() as database:
            try:
                value = database[encoded_key]
            except KeyError:
                raise KeyError(key) from None
        return value.decode("utf-8")

    def set(self, key: str, value: str) -> None:
        encoded_key = _encode_key(key)
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif not isinstance(value, (bytes, bytearray)):
            raise TypeError("values must be bytes or strings")
        with self._database() as database:
            # Remove the old value first: some backends (dbm.dumb) overwrite a value in
            # place when the new one fits, which a crash could leave half-written. A new
            # entry is appended instead, and only becomes visible once fully written.
            if encoded_key in database:
                del database[encoded_key]
            database[encoded_key] = value

    def remove(self, key: str) -> None:
        encoded_key = _encode_key(key)
        with self._database() as database:
            try:
                del database[encoded_key]
            except KeyError:
                raise KeyError(key) from None

    def keys(self) -> List[str]:
        with self._database() as database:
            # Not every dbm backend supports iteration; all of them have keys().
            return [key.decode("utf-8") for key in database.keys()]  # noqa: SIM118


def _encode_key(key: str) -> bytes:
    if not isinstance(key, str):
        raise TypeError(f"keys must be strings, not {type(key).__name__}")
    return key.encode("utf-8")


def _is_unreadable_database(error: Exception) -> bool:
    """Tell whether *error* from opening a database means its files are damaged.

    Operating-system failures (missing directory, no permission, too many open files) carry
    an errno and are not the database's fault; everything else is.
    """
    if isinstance(error, OSError):
        return error.errno is None
    return isinstance(error, (dbm.error[0], ValueError, SyntaxError))


class SerialisedCache(ProxyCache):
    """Proxy that encodes values before storing and decodes them after reading.

    Either function may be omitted to pass values through unchanged in that direction.
    """

    def __init__(
        self,
        proxied: Cache,
        encode: Optional[Callable[[Any], Any]] = None,
        decode: Optional[Callable[[Any], Any]] = None,
    ) -> None:
        self.encode = encode
        self.decode = decode
        super().__init__(proxied)

    def get(self, key: Any) -> Any:
        value = super().get(key)
        if self.decode:
            value = self.decode(value)
        return value

    def set(self, key: Any, value: Any) -> None:
        if self.encode:
            value = self.encode(value)
        super().set(key, value)


class KeyMaker(metaclass=abc.ABCMeta):
    """Turn a sequence of items into one cache key."""

    def __init__(self) -> None:
        self.item_separator = ""
        super().__init__()

    def key(self, *items: Any) -> Any:
        """Return the key for *items*: each item's key joined by :attr:`item_separator`."""
        return self.item_separator.join(self._key(item) for item in items)

    @abc.abstractmethod
    def _key(self, obj: Any) -> Any:
        """Return the key for the single item *obj*."""


class StringKeyMaker(KeyMaker):
    """Key each item by its string form."""

    def _key(self, obj: Any) -> str:
        return str(obj)


class ObjectKeyMaker(KeyMaker):
    """Make stable byte-string keys for arbitrary objects.

    Equal inputs give equal keys, in any process: mappings are keyed in sorted key order
    (so insertion order does not matter), sets in sorted order, other iterables item by item,
    functions, methods and classes by their name and module, and anything else by its pickle.
    Marker bytes separate the parts so that, for example, ``("ab",)`` and ``("a", "b")``
    cannot collide.
    """

    def __init__(self) -> None:
        super().__init__()
        self.item_separator = b"\0"
        self.mapping_identifier = b"\1"
        self.mapping_pair_separator = b"\2"
        self.iterable_identifier = b"\3"
        self.name_identifier = b"\4"

    def _key(self, item: Any) -> bytes:
        # Strings are iterable but keyed whole; the order of these checks matters.
        if isinstance(item, str):
            return pickle.dumps(item, protocol=2)

        if isinstance(item, collections.abc.Mapping):
            pairs = (
                self._key(key) + self.mapping_pair_separator + self._key(item[key])
                for key in self._sorted(item)
            )
            return (
                self.mapping_identifier + self.item_separator.join(pairs) + self.mapping_identifier
            )

        if isinstance(item, collections.abc.Iterable):
            if isinstance(item, (set, frozenset)):
                item = self._sorted(item)
            return (
                self.iterable_identifier
                + self.item_separator.join(self._key(entry) for entry in item)
                + self.iterable_identifier
            )

        if (
            inspect.ismethod(item)
            or inspect.isfunction(item)
            or inspect.isbuiltin(item)
            or inspect.isclass(item)
        ):
            return self.name_identifier + self.item_separator.join(
                part.encode("utf-8") for part in _name_parts(item)
            )

        return pickle.dumps(item, protocol=2)

    def _sorted(self, items: Any) -> list:
        """Sort *items* by value, or by their keys when the values cannot be compared."""
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=self._key)


def _name_parts(item: Any) -> List[str]:
    """Return the names identifying a function, method, builtin or class.

    A bound method is named by its function's name, the class it is bound to and its module;
    the instance itself is not part of the key.
    """
    if inspect.ismethod(item):
        owner = item.__self__ if inspect.isclass(item.__self__) else type(item.__self__)
        return [item.__name__, owner.__qualname__, item.__module__]

    parts = [getattr(item, "__qualname__", item.__name__)]
    module = getattr(item, "__module__", None)
    # Builtins such as ``len`` are keyed by their bare name, as in the original client.
    if module and not (inspect.isbuiltin(item) and module == "builtins"):
        parts.append(module)
    return parts


class Memoiser:
    """Cache the results of function calls.

    Calls are keyed by the function and its bound arguments (defaults filled in), so
    ``f(1)``, ``f(a=1)`` and ``f(1, b=2)`` (where ``b`` defaults to 2) share one result.
    With *return_copies* each caller gets a deep copy and cannot alter the cached value.
    Two threads missing the same key at once may both call the function; the later result
    is kept.
    """

    def __init__(
        self,
        cache: Optional[Cache] = None,
        key_maker: Optional[KeyMaker] = None,
        return_copies: bool = True,
    ) -> None:
        self.cache = cache if cache is not None else MemoryCache()
        self.key_maker = key_maker if key_maker is not None else ObjectKeyMaker()
        self.return_copies = return_copies
        super().__init__()

    def call(
        self,
        function: Callable[..., Any],
        args: Optional[Sequence[Any]] = None,
        kw: Optional[Mapping[str, Any]] = None,
    ) -> Any:
        """Return ``function(*args, **kw)``, from the cache when it was called so before."""
        args = tuple(args) if args is not None else ()
        kw = dict(kw) if kw is not None else {}

        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            # No introspectable signature (some builtins): key the arguments as given.
            key = self.key_maker.key(function, args, kw)
        else:
            try:
                bound = signature.bind(*args, **kw)
            except TypeError:
                # Let the call itself raise its usual, more helpful, error.
                return function(*args, **kw)
            bound.apply_defaults()
            key = self.key_maker.key(function, dict(bound.arguments))

        try:
            value = self.cache.get(key)
        except KeyError:
            value = function(*args, **kw)
            self.cache.set(key, value)

        if self.return_copies:
            return copy.deepcopy(value)
        return value


def memoise_decorator(memoiser: Memoiser) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return a decorator that memoises functions with *memoiser*."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def memoised(*args: Any, **kw: Any) -> Any:
            return memoiser.call(function, args, kw)

        return memoised

    return decorate


#: Memoiser shared by functions decorated with :func:`memoise`.
memoiser = Memoiser()


def memoise(function: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise *function* with the module's shared :data:`memoiser`."""
    return memoise_decorator(memoiser)(function)


_INSTANCE_MEMOISERS = "_ftrack_api_memoisers"


def memoise_method(method: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise *method* per instance.

    Results are cached on the instance itself (so they go away with it and two instances
    never share results), keyed by the call's arguments other than ``self``; the instance
    needs a ``__dict__`` but no pickling or hashing.
    """

    @functools.wraps(method)
    def memoised(self: Any, *args: Any, **kw: Any) -> Any:
        # setdefault is atomic, so racing threads agree on one memoiser per method.
        memoisers = vars(self).setdefault(_INSTANCE_MEMOISERS, {})
        method_memoiser = memoisers.get(method)
        if method_memoiser is None:
            method_memoiser = memoisers.setdefault(method, Memoiser())
        return method_memoiser.call(method.__get__(self, type(self)), args, kw)

    return memoised
