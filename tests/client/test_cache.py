"""Tests for ftrack_api.cache: caches, key makers and memoisation."""

from __future__ import annotations

import collections
import dbm
import json
import multiprocessing
import os
import subprocess
import sys
import threading

import pytest

import ftrack_api.cache as cache_module
from ftrack_api.cache import (
    Cache,
    FileCache,
    KeyMaker,
    LayeredCache,
    Memoiser,
    MemoryCache,
    ObjectKeyMaker,
    ProxyCache,
    SerialisedCache,
    StringKeyMaker,
    memoise,
    memoise_decorator,
    memoise_method,
)

# -- helpers -----------------------------------------------------------------------------------


class DictCache(Cache):
    """Smallest concrete cache: only the abstract methods, so base behaviour shows."""

    def __init__(self):
        self.data = {}

    def get(self, key):
        return self.data[key]

    def set(self, key, value):
        self.data[key] = value

    def remove(self, key):
        del self.data[key]


class ListedCache(DictCache):
    """Cache whose keys() also lists a key it no longer holds (removed by someone else)."""

    def keys(self):
        return ["gone", *self.data]


class RecordingCache(MemoryCache):
    """Memory cache that records which keys were looked up."""

    def __init__(self):
        super().__init__()
        self.lookups = []

    def get(self, key):
        self.lookups.append(key)
        return super().get(key)


def run_threads(target, count):
    """Run *target(index)* in *count* threads and re-raise the first failure."""
    errors = []

    def guarded(index):
        try:
            target(index)
        except BaseException as error:  # collected and re-raised in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# -- the contract every cache meets ----------------------------------------------------------


@pytest.fixture(params=["memory", "file", "layered", "proxy", "serialised"])
def cache(request, tmp_path):
    """Each cache implementation, holding string values so every one can store them."""
    if request.param == "memory":
        return MemoryCache()
    if request.param == "file":
        return FileCache(str(tmp_path / "cache"))
    if request.param == "layered":
        return LayeredCache([MemoryCache(), FileCache(str(tmp_path / "cache"))])
    if request.param == "proxy":
        return ProxyCache(MemoryCache())
    return SerialisedCache(MemoryCache(), encode=json.dumps, decode=json.loads)


def test_get_missing_key_raises_key_error_naming_the_key(cache):
    with pytest.raises(KeyError) as raised:
        cache.get("missing")
    assert raised.value.args == ("missing",)


def test_set_then_get_returns_value(cache):
    cache.set("key", "value")
    assert cache.get("key") == "value"


def test_set_replaces_previous_value(cache):
    cache.set("key", "a long first value " * 50)
    cache.set("key", "short")
    assert cache.get("key") == "short"
    cache.set("key", "longer again " * 100)
    assert cache.get("key") == "longer again " * 100


def test_remove_deletes_key(cache):
    cache.set("key", "value")
    cache.remove("key")
    with pytest.raises(KeyError):
        cache.get("key")
    assert cache.keys() == []


def test_remove_missing_key_raises_key_error(cache):
    with pytest.raises(KeyError) as raised:
        cache.remove("missing")
    assert raised.value.args == ("missing",)


def test_keys_and_values_list_contents(cache):
    cache.set("a", "1")
    cache.set("b", "2")
    keys = cache.keys()
    assert isinstance(keys, list)
    assert sorted(keys) == ["a", "b"]
    assert sorted(cache.values()) == ["1", "2"]


def test_clear_without_pattern_removes_everything(cache):
    for key in ("a", "b", "c"):
        cache.set(key, key)
    cache.clear()
    assert cache.keys() == []


def test_clear_removes_keys_where_pattern_is_found_anywhere(cache):
    for key in ("a", "ba", "ab", "xax", "b"):
        cache.set(key, key)
    cache.clear(pattern="a")
    assert cache.keys() == ["b"]


def test_clear_pattern_is_a_regular_expression(cache):
    for key in ("a", "ba", "ab", "xax"):
        cache.set(key, key)
    cache.clear(pattern="a$")
    assert sorted(cache.keys()) == ["ab", "xax"]


# -- Cache base class ----------------------------------------------------------------------


def test_cache_is_abstract():
    with pytest.raises(TypeError):
        Cache()


def test_base_keys_is_not_implemented():
    with pytest.raises(NotImplementedError):
        DictCache().keys()


def test_base_values_and_clear_skip_keys_that_vanished():
    cache = ListedCache()
    cache.set("a", 1)
    assert cache.values() == [1]
    cache.clear()
    assert cache.data == {}


# -- MemoryCache ---------------------------------------------------------------------------


def test_memory_cache_keeps_objects_and_any_hashable_key():
    cache = MemoryCache()
    value = {"nested": [1, 2]}
    cache.set(("tuple", 1), value)
    cache.set(5, None)
    assert cache.get(("tuple", 1)) is value
    assert cache.get(5) is None
    assert cache._cache == {("tuple", 1): value, 5: None}


def test_memory_cache_is_consistent_under_concurrent_threads():
    cache = MemoryCache()

    def work(index):
        for number in range(500):
            own = f"{index}-{number}"
            cache.set(own, number)
            cache.set("shared", own)
            assert cache.get(own) == number
            cache.keys()
            if number % 2:
                cache.remove(own)

    run_threads(work, 8)
    expected = {f"{index}-{number}" for index in range(8) for number in range(0, 500, 2)}
    assert set(cache.keys()) == expected | {"shared"}
    assert cache.get("shared").endswith("-499")


# -- LayeredCache --------------------------------------------------------------------------


def test_layered_get_fills_only_the_layers_above_the_hit():
    top, middle, bottom = MemoryCache(), MemoryCache(), MemoryCache()
    layered = LayeredCache([top, middle, bottom])
    middle.set("key", "value")

    assert layered.get("key") == "value"
    assert top.get("key") == "value"
    assert bottom.keys() == []


def test_layered_get_from_bottom_fills_every_layer_above():
    top, middle, bottom = MemoryCache(), MemoryCache(), MemoryCache()
    layered = LayeredCache([top, middle, bottom])
    bottom.set("key", "value")

    assert layered.get("key") == "value"
    assert top.get("key") == middle.get("key") == "value"


def test_layered_get_hit_in_first_layer_does_not_consult_lower_layers():
    top, bottom = MemoryCache(), RecordingCache()
    layered = LayeredCache([top, bottom])
    top.set("key", "top value")
    bottom.set("key", "stale value")

    assert layered.get("key") == "top value"
    assert bottom.lookups == []


def test_layered_get_treats_none_as_a_hit():
    top, bottom = MemoryCache(), MemoryCache()
    top.set("key", None)
    bottom.set("key", "other")
    assert LayeredCache([top, bottom]).get("key") is None


def test_layered_set_writes_every_layer():
    top, bottom = MemoryCache(), MemoryCache()
    LayeredCache([top, bottom]).set("key", "value")
    assert top.get("key") == bottom.get("key") == "value"


def test_layered_remove_succeeds_when_any_layer_holds_the_key():
    top, bottom = MemoryCache(), MemoryCache()
    layered = LayeredCache([top, bottom])
    bottom.set("key", "value")
    layered.remove("key")
    assert bottom.keys() == []


def test_layered_keys_is_the_union_without_duplicates():
    top, bottom = MemoryCache(), MemoryCache()
    top.set("shared", 1)
    top.set("top", 1)
    bottom.set("shared", 1)
    bottom.set("bottom", 1)
    keys = LayeredCache([top, bottom]).keys()
    assert sorted(keys) == ["bottom", "shared", "top"]


def test_layered_clear_with_pattern_applies_to_every_layer():
    top, bottom = MemoryCache(), MemoryCache()
    layered = LayeredCache([top, bottom])
    layered.set("drop-1", 1)
    bottom.set("drop-2", 2)
    layered.set("keep", 3)
    layered.clear(pattern="^drop")
    assert top.keys() == bottom.keys() == ["keep"]


def test_empty_layered_cache_holds_nothing():
    layered = LayeredCache([])
    assert layered.keys() == []
    with pytest.raises(KeyError):
        layered.get("key")
    with pytest.raises(KeyError):
        layered.remove("key")


def test_layered_cache_keeps_the_given_layers():
    layers = (MemoryCache(), MemoryCache())
    assert LayeredCache(layers).caches is layers


def test_layered_cache_is_consistent_under_concurrent_threads():
    top, bottom = MemoryCache(), MemoryCache()
    layered = LayeredCache([top, bottom])

    def work(index):
        for number in range(300):
            key = f"{index}-{number}"
            bottom.set(key, number)
            assert layered.get(key) == number
            assert top.get(key) == number
            layered.set("shared", key)
            layered.get("shared")

    run_threads(work, 8)
    assert len(top.keys()) == len(bottom.keys()) == 8 * 300 + 1


# -- ProxyCache and SerialisedCache ------------------------------------------------------------


def test_proxy_cache_forwards_to_the_proxied_cache():
    proxied = MemoryCache()
    proxy = ProxyCache(proxied)
    assert proxy.proxied is proxied

    proxy.set("key", "value")
    assert proxied.get("key") == "value"
    proxied.set("other", "x")
    assert sorted(proxy.keys()) == ["key", "other"]
    proxy.remove("key")
    assert proxied.keys() == ["other"]


def test_serialised_cache_stores_encoded_and_returns_decoded_values():
    proxied = MemoryCache()
    serialised = SerialisedCache(proxied, encode=json.dumps, decode=json.loads)
    value = {"name": "shot", "ids": [1, 2]}

    serialised.set("key", value)

    assert proxied.get("key") == json.dumps(value)
    assert serialised.get("key") == value
    assert serialised.values() == [value]


def test_serialised_cache_without_functions_passes_values_through():
    proxied = MemoryCache()
    serialised = SerialisedCache(proxied)
    value = {"a": 1}
    serialised.set("key", value)
    assert serialised.encode is None and serialised.decode is None
    assert proxied.get("key") is value
    assert serialised.get("key") is value


def test_serialised_cache_with_only_encode_returns_the_encoded_form():
    serialised = SerialisedCache(MemoryCache(), encode=json.dumps)
    serialised.set("key", {"a": 1})
    assert serialised.get("key") == '{"a": 1}'


def test_serialised_file_cache_round_trips_structures_across_instances(tmp_path):
    path = str(tmp_path / "schemas")
    value = [{"id": "Shot", "properties": {"name": {"type": "string"}}}]
    SerialisedCache(FileCache(path), encode=json.dumps).set("schemas", value)

    reopened = SerialisedCache(FileCache(path), decode=json.loads)
    assert reopened.get("schemas") == value


# -- FileCache -----------------------------------------------------------------------------


def test_file_cache_creates_its_database_on_construction(tmp_path):
    path = str(tmp_path / "cache")
    cache = FileCache(path)
    assert cache.path == path
    assert dbm.whichdb(path)
    assert os.path.exists(path + ".lock")


def test_file_cache_persists_across_instances(tmp_path):
    path = str(tmp_path / "cache")
    first = FileCache(path)
    first.set("key", "value")
    first.set("unicode", "café ☃")

    second = FileCache(path)
    assert sorted(second.keys()) == ["key", "unicode"]
    assert second.get("unicode") == "café ☃"

    second.remove("key")
    assert first.keys() == ["unicode"]


def test_file_cache_returns_byte_values_as_strings(tmp_path):
    cache = FileCache(str(tmp_path / "cache"))
    cache.set("key", "café".encode())
    assert cache.get("key") == "café"


@pytest.mark.parametrize("value", [1, 1.5, None, ["list"], {"a": 1}])
def test_file_cache_rejects_values_that_are_not_strings(tmp_path, value):
    cache = FileCache(str(tmp_path / "cache"))
    with pytest.raises(TypeError, match="values must be bytes or strings"):
        cache.set("key", value)
    assert cache.keys() == []


@pytest.mark.parametrize("key", [1, b"bytes", ("tuple",)])
def test_file_cache_rejects_keys_that_are_not_strings(tmp_path, key):
    cache = FileCache(str(tmp_path / "cache"))
    with pytest.raises(TypeError, match="keys must be strings"):
        cache.set(key, "value")


def test_file_cache_in_missing_directory_fails_early(tmp_path):
    with pytest.raises(OSError):
        FileCache(str(tmp_path / "missing" / "cache"))


def test_file_cache_discards_a_damaged_database(tmp_path):
    path = str(tmp_path / "cache")
    cache = FileCache(path)
    cache.set("key", "value")
    if dbm.whichdb(path) != "dbm.dumb":
        pytest.skip("damages the index file of the dbm.dumb backend")
    with open(path + ".dir", "w") as index:
        index.write("('key', (0,")  # an index cut off mid-write

    reopened = FileCache(path)
    assert reopened.keys() == []
    reopened.set("key", "fresh")
    assert FileCache(path).get("key") == "fresh"


def test_file_cache_discards_database_files_it_cannot_read(tmp_path):
    path = str(tmp_path / "cache")
    FileCache(path).set("key", "value")
    for name in os.listdir(tmp_path):
        if not name.endswith(".lock"):
            (tmp_path / name).write_bytes(b"not a database\n" * 100)

    reopened = FileCache(path)
    assert reopened.keys() == []
    reopened.set("key", "fresh")
    assert FileCache(path).get("key") == "fresh"


def test_file_cache_is_consistent_under_concurrent_threads(tmp_path):
    path = str(tmp_path / "cache")
    shared_instance = FileCache(path)

    def work(index):
        # Half the threads share one instance, half use their own on the same path.
        cache = shared_instance if index % 2 else FileCache(path)
        write_and_verify(cache, f"thread{index}", 20)

    run_threads(work, 6)
    verify_written(FileCache(path), [f"thread{index}" for index in range(6)], 20)


def test_file_cache_is_consistent_across_processes_and_threads(tmp_path):
    path = str(tmp_path / "cache")
    FileCache(path)
    writers = [f"process{process}" for process in range(4)]

    context = multiprocessing.get_context("spawn")
    with context.Pool(len(writers)) as pool:
        pool.map(_write_from_threads, [(path, writer) for writer in writers])

    verify_written(
        FileCache(path),
        [f"{writer}-thread{thread}" for writer in writers for thread in range(3)],
        15,
    )


def _write_from_threads(arguments):
    """Process body for the multi-process test: several threads writing one database."""
    path, writer = arguments
    cache = FileCache(path)
    run_threads(lambda index: write_and_verify(cache, f"{writer}-thread{index}", 15), 3)


def expected_value(writer, number):
    """Value unique to a writer and number, of varying length to span storage blocks."""
    return f"{writer}:{number}:" + "x" * ((number * 211) % 1400)


def write_and_verify(cache, writer, count):
    """Write own keys, a shared key and a temporary key, checking each read back."""
    for number in range(count):
        key = f"{writer}/{number}"
        cache.set(key, expected_value(writer, number) + "stale")
        cache.set(key, expected_value(writer, number))
        assert cache.get(key) == expected_value(writer, number)

        cache.set("shared", expected_value(writer, number))
        assert_valid_value(cache.get("shared"))

        temporary = f"{writer}/temporary"
        cache.set(temporary, "temporary")
        cache.remove(temporary)
        with pytest.raises(KeyError):
            cache.get(temporary)


def assert_valid_value(value):
    writer, number, _ = value.split(":", 2)
    assert value == expected_value(writer, int(number))


def verify_written(cache, writers, count):
    """Check every writer's keys survived intact and nothing else is left."""
    expected = {f"{writer}/{number}" for writer in writers for number in range(count)}
    assert set(cache.keys()) == expected | {"shared"}
    for writer in writers:
        for number in range(count):
            assert cache.get(f"{writer}/{number}") == expected_value(writer, number)
    assert_valid_value(cache.get("shared"))


# -- key makers ----------------------------------------------------------------------------


def module_function(a, b=1):
    return a, b


class Widget:
    def method(self):
        return self

    @classmethod
    def build(cls):
        return cls()


class Gadget:
    def method(self):
        return self

    @classmethod
    def build(cls):
        return cls()


def test_key_maker_is_abstract():
    with pytest.raises(TypeError):
        KeyMaker()


def test_key_maker_joins_item_keys_with_its_separator():
    class Upper(KeyMaker):
        def _key(self, obj):
            return str(obj).upper()

    maker = Upper()
    maker.item_separator = "|"
    assert maker.key("a", "b", 3) == "A|B|3"


def test_string_key_maker_concatenates_string_forms():
    maker = StringKeyMaker()
    assert maker.item_separator == ""
    assert maker.key(1, "a", [2], {"b": 1}) == "1a[2]{'b': 1}"
    assert maker.key() == ""


def test_object_key_maker_markers():
    maker = ObjectKeyMaker()
    assert maker.item_separator == b"\0"
    assert maker.mapping_identifier == b"\1"
    assert maker.mapping_pair_separator == b"\2"
    assert maker.iterable_identifier == b"\3"
    assert maker.name_identifier == b"\4"


# Keys below were produced by the original client (ftrack-python-api 3.1) for the same input.
@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ((1,), b"\x80\x02K\x01."),
        (("str",), b"\x80\x02X\x03\x00\x00\x00strq\x00."),
        ((None,), b"\x80\x02N."),
        (([1, 2],), b"\x03\x80\x02K\x01.\x00\x80\x02K\x02.\x03"),
        (
            ({"b": 2, "a": 1},),
            b"\x01\x80\x02X\x01\x00\x00\x00aq\x00.\x02\x80\x02K\x01."
            b"\x00\x80\x02X\x01\x00\x00\x00bq\x00.\x02\x80\x02K\x02.\x01",
        ),
        (({"a": []},), b"\x01\x80\x02X\x01\x00\x00\x00aq\x00.\x02\x03\x03\x01"),
        ((len,), b"\x04len"),
        ((dict,), b"\x04dict\x00builtins"),
        ((collections.OrderedDict,), b"\x04OrderedDict\x00collections"),
        (
            (1, "a", [2]),
            b"\x80\x02K\x01.\x00\x80\x02X\x01\x00\x00\x00aq\x00.\x00\x03\x80\x02K\x02.\x03",
        ),
        ((), b""),
    ],
)
def test_object_key_maker_matches_original_keys(items, expected):
    assert ObjectKeyMaker().key(*items) == expected


def test_object_key_maker_names_functions_classes_and_methods_by_module():
    maker = ObjectKeyMaker()
    module = __name__.encode()
    assert maker.key(module_function) == b"\x04module_function\x00" + module
    assert maker.key(Widget) == b"\x04Widget\x00" + module
    assert maker.key(Widget().method) == b"\x04method\x00Widget\x00" + module


def test_object_key_maker_ignores_mapping_insertion_order():
    maker = ObjectKeyMaker()
    first = {"b": 1, "a": {"y": 2, "x": [3]}}
    second = {"a": {"x": [3], "y": 2}, "b": 1}
    assert maker.key(first) == maker.key(second)
    assert maker.key(collections.OrderedDict(reversed(list(first.items())))) == maker.key(first)


def test_object_key_maker_orders_mappings_with_incomparable_keys():
    maker = ObjectKeyMaker()
    assert maker.key({1: "a", "k": 2}) == maker.key({"k": 2, 1: "a"})


def test_object_key_maker_is_stable_across_processes_with_different_hash_seeds():
    code = (
        "from ftrack_api.cache import ObjectKeyMaker\n"
        "print(repr(ObjectKeyMaker().key({'set': {'apple', 'pear', 'fig', 'kiwi'},"
        " 'frozen': frozenset({'x', 'y', 'z'}), 'dict': {'b': 1, 'a': 2}})))\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        environment = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_object_key_maker_gives_distinct_keys_to_different_inputs():
    maker = ObjectKeyMaker()
    inputs = [
        1,
        "1",
        1.0,
        True,
        None,
        "",
        [],
        {},
        [1],
        {1: None},
        ["ab"],
        ["a", "b"],
        [["a"], "b"],
        {"a": "b"},
        {"a": "c"},
        {"b": "a"},
        module_function,
        Widget,
        Gadget,
        Widget.method,
        Gadget.method,
        Widget.build,
        Gadget.build,
        len,
        max,
    ]
    keys = [maker.key(item) for item in inputs]
    assert len(set(keys)) == len(inputs)
    assert maker.key("a", "b") != maker.key("ab")


def test_object_key_maker_keys_bound_methods_by_class_not_instance():
    maker = ObjectKeyMaker()
    assert maker.key(Widget().method) == maker.key(Widget().method)
    assert maker.key(Widget().method) != maker.key(Gadget().method)


def test_object_key_maker_raises_for_unpicklable_objects():
    with pytest.raises(TypeError):
        ObjectKeyMaker().key(threading.Lock())


# -- Memoiser ------------------------------------------------------------------------------


class CountingFunction:
    """Records calls of a wrapped function, exposed as a plain function for keying."""

    def __init__(self):
        self.calls = []

        def compute(a, b=2, *rest, **options):
            self.calls.append((a, b, rest, options))
            return {"result": [a, b, list(rest), options]}

        self.function = compute


def test_memoiser_defaults():
    memoiser = Memoiser()
    assert isinstance(memoiser.cache, MemoryCache)
    assert isinstance(memoiser.key_maker, ObjectKeyMaker)
    assert memoiser.return_copies is True


def test_memoiser_calls_function_once_per_distinct_arguments():
    counting = CountingFunction()
    memoiser = Memoiser()

    first = memoiser.call(counting.function, (1,))
    assert memoiser.call(counting.function, (1,)) == first
    assert memoiser.call(counting.function, kw={"a": 1}) == first
    assert memoiser.call(counting.function, [1, 2]) == first  # 2 is b's default
    assert len(counting.calls) == 1

    memoiser.call(counting.function, (1, 3))
    memoiser.call(counting.function, (1, 2, "extra"))
    memoiser.call(counting.function, (1,), {"flag": True})
    assert len(counting.calls) == 4


def test_memoiser_key_matches_original_client():
    def compute(a, b=1, *args, **kw):
        return a

    memoiser = Memoiser()
    memoiser.call(compute, (5,), {"b": 3})
    arguments = (
        b"\x01\x80\x02X\x01\x00\x00\x00aq\x00.\x02\x80\x02K\x05."
        b"\x00\x80\x02X\x04\x00\x00\x00argsq\x00.\x02\x03\x03"
        b"\x00\x80\x02X\x01\x00\x00\x00bq\x00.\x02\x80\x02K\x03."
        b"\x00\x80\x02X\x02\x00\x00\x00kwq\x00.\x02\x01\x01\x01"
    )
    name = compute.__qualname__.encode() + b"\x00" + __name__.encode()
    assert memoiser.cache.keys() == [b"\x04" + name + b"\x00" + arguments]


def test_memoiser_returns_copies_by_default():
    counting = CountingFunction()
    memoiser = Memoiser()

    first = memoiser.call(counting.function, (1,))
    first["result"].append("changed by caller")
    second = memoiser.call(counting.function, (1,))

    assert second == {"result": [1, 2, [], {}]}
    assert second is not first
    assert len(counting.calls) == 1


def test_memoiser_without_copies_returns_the_cached_object():
    counting = CountingFunction()
    memoiser = Memoiser(return_copies=False)
    first = memoiser.call(counting.function, (1,))
    assert memoiser.call(counting.function, (1,)) is first


def test_memoiser_caches_none_results():
    calls = []

    def nothing():
        calls.append(1)

    memoiser = Memoiser()
    assert memoiser.call(nothing) is None
    assert memoiser.call(nothing) is None
    assert len(calls) == 1


def test_memoiser_does_not_cache_exceptions():
    calls = []

    def failing():
        calls.append(1)
        raise ValueError("boom")

    memoiser = Memoiser()
    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            memoiser.call(failing)
    assert len(calls) == 2
    assert memoiser.cache.keys() == []


def test_memoiser_reports_bad_arguments_like_a_normal_call():
    def single(a):
        raise AssertionError("must not run")

    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        Memoiser().call(single, (1, 2))


def test_memoiser_handles_callables_without_signature():
    memoiser = Memoiser()
    assert memoiser.call(max, (3, 7)) == 7
    assert memoiser.call(max, (3, 7)) == 7
    assert len(memoiser.cache.keys()) == 1


def test_memoiser_uses_given_cache_and_key_maker():
    cache = MemoryCache()
    memoiser = Memoiser(cache=cache, key_maker=StringKeyMaker())
    memoiser.call(module_function, (5,))
    (key,) = cache.keys()
    assert isinstance(key, str)
    assert key.endswith("{'a': 5, 'b': 1}")


def test_memoise_uses_the_module_memoiser():
    calls = []

    @memoise
    def triple(value):
        calls.append(value)
        return value * 3

    assert triple(2) == 6
    assert triple(value=2) == 6
    assert calls == [2]
    assert triple.__name__ == "triple"
    key = cache_module.memoiser.key_maker.key(triple.__wrapped__, {"value": 2})
    assert cache_module.memoiser.cache.get(key) == 6


def test_memoise_decorator_uses_the_given_memoiser():
    memoiser = Memoiser()

    @memoise_decorator(memoiser)
    def double(value):
        """Double a value."""
        return value * 2

    assert double(4) == 8
    assert double.__doc__ == "Double a value."
    assert memoiser.cache.values() == [8]


class Counter:
    """Instance with unpicklable state, to show memoise_method never pickles self."""

    def __init__(self, start):
        self.start = start
        self.calls = 0
        self.lock = threading.Lock()

    @memoise_method
    def add(self, value, extra=0):
        self.calls += 1
        return [self.start + value + extra]


class DoubleCounter(Counter):
    @memoise_method
    def add(self, value, extra=0):
        return [2 * item for item in super().add(value, extra)]


def test_memoise_method_caches_per_instance():
    first, second = Counter(10), Counter(20)

    assert first.add(1) == [11]
    assert first.add(1) == [11]
    assert first.add(value=1, extra=0) == [11]
    assert first.calls == 1

    assert second.add(1) == [21]
    assert second.calls == 1

    assert first.add(2) == [12]
    assert first.calls == 2
    assert Counter.add.__name__ == "add"


def test_memoise_method_returns_copies():
    counter = Counter(0)
    counter.add(1).append("changed")
    assert counter.add(1) == [1]


def test_memoise_method_keeps_overridden_and_base_results_apart():
    counter = DoubleCounter(1)
    assert counter.add(1) == [4]
    assert Counter.add(counter, 1) == [2]
    assert counter.add(1) == [4]
    assert counter.calls == 1


def test_memoise_method_is_safe_across_threads():
    counter = Counter(0)
    run_threads(lambda index: [counter.add(number % 5) for number in range(200)], 8)
    assert counter.add(4) == [4]
    assert 5 <= counter.calls <= 5 * 8
