"""The entity model matches the reference schemas and resolves every relation."""

import json
from pathlib import Path

import pytest

from ftrack_server.model import Kind, ModelError, load_model
from ftrack_server.model.catalog import build_model, schema_hash
from ftrack_server.model.types import Closure, Computed, ForeignKey, Inverse, Through

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference"


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def reference_schemas():
    path = REFERENCE / "query_schemas.json"
    if not path.exists():
        pytest.skip("reference schemas not available beside the project")
    return json.loads(path.read_text())


def test_served_schemas_equal_the_reference(model, reference_schemas):
    assert model.schemas == reference_schemas
    assert len(model.types) == 116


def test_schema_hash_matches_a_real_server():
    # The hash a real ftrack server reports for the schemas we serve: clients compare it
    # with their schema cache, so an equal hash means the same schema document.
    assert load_model().schema_hash == "23a1157b8b1730fd91c76f63dcd67a8f"


def test_schema_hash_is_md5_of_sorted_json(model, reference_schemas):
    information = json.loads((REFERENCE / "query_server_information.json").read_text())
    assert model.schema_hash == schema_hash(reference_schemas) == information["schema_hash"]


def test_every_relation_is_resolved(model):
    for entity_type in model.types.values():
        for attribute in entity_type.attributes.values():
            if attribute.kind is Kind.SCALAR:
                assert (
                    attribute.is_stored
                    or isinstance(attribute.relation, Computed)
                    or (attribute.data_type == "object")
                ), f"{entity_type.name}.{attribute.name} has no storage"
            else:
                assert isinstance(
                    attribute.relation, (ForeignKey, Inverse, Through, Closure, Computed)
                ), f"{entity_type.name}.{attribute.name} is unresolved"


def test_foreign_key_columns_exist_in_the_table(model):
    for entity_type in model.types.values():
        columns = model.tables[entity_type.table].columns
        for attribute in entity_type.attributes.values():
            if isinstance(attribute.relation, ForeignKey):
                for column in attribute.relation.columns:
                    assert column in columns, f"{entity_type.name}.{attribute.name}: {column}"


def test_inverse_columns_exist_on_the_item_table(model):
    for entity_type in model.types.values():
        for attribute in entity_type.attributes.values():
            if isinstance(attribute.relation, Inverse):
                item_table = model.tables[model.types[attribute.target].table]
                for column in attribute.relation.columns:
                    assert column in item_table.columns, f"{entity_type.name}.{attribute.name}"


@pytest.mark.parametrize(
    ("base", "member", "row"),
    [
        ("Context", "Project", {"context_type": "show", "object_type_id": None}),
        (
            "Context",
            "Shot",
            {"context_type": "task", "object_type_id": "bad911de-3bd6-47b9-8b46-3476e237cb36"},
        ),
        ("TypedContext", "TypedContext", {"context_type": "task", "object_type_id": "custom"}),
        ("Component", "SequenceComponent", {"system_type": "sequence"}),
        ("Resource", "Group", {"resource_type": "group"}),
        ("List", "AssetVersionList", {"system_type": "assetversion"}),
        ("CustomAttributeValue", "UserCustomAttributeValue", {"_kind": "user"}),
        ("StatusChange", "TypedContextStatusChange", {"parent_type": "Shot"}),
        ("CustomAttributeLink", "UserCustomAttributeLink", {"to_entity_type": "User"}),
    ],
)
def test_rows_resolve_to_their_concrete_type(model, base, member, row):
    assert model.concrete_type(model.types[base], row) == member


def test_families_share_tables(model):
    assert {model.types[name].table for name in ("Project", "Task", "Shot", "Context")} == {
        "context"
    }
    assert model.types["NoteLabel"].table == model.types["NoteCategory"].table
    assert model.types["Shot"].fixed_values == {
        "context_type": "task",
        "object_type_id": "bad911de-3bd6-47b9-8b46-3476e237cb36",
    }
    assert set(model.types["TypedContext"].members) >= {"Task", "Shot", "Sequence", "AssetBuild"}
    assert "Project" not in model.types["TypedContext"].members


def test_aliases_of_one_storage_share_a_column(model):
    schema = model.types["Schema"]
    assert schema.attributes["type_id"].column == schema.attributes["object_type_id"].column
    project_schema = model.types["ProjectSchema"]
    assert (
        project_schema.attributes["_task_workflow"].relation
        == project_schema.attributes["task_workflow_schema"].relation
    )


def test_system_projections_use_client_names(model):
    assert model.types["Task"].system_projections == ("project_id", "context_type")
    assert model.types["AssetVersion"].system_projections == ("asset_id",)
    assert "value" in model.types["ContextCustomAttributeValue"].system_projections


def test_an_unresolvable_relation_is_reported():
    broken = [
        {
            "id": "Thing",
            "type": "object",
            "primary_key": ["id"],
            "required": [],
            "immutable": [],
            "default_projections": ["id"],
            "properties": {
                "id": {"type": "string"},
                "owner": {"$ref": "Thing"},
            },
        }
    ]
    with pytest.raises(ModelError, match=r"Thing\.owner"):
        build_model(broken)


def test_sequences_are_containers(model):
    # Sequence members reference their sequence through ``container``, so a sequence
    # must count as a ContainerComponent while new containers still get "container".
    container = model.types["ContainerComponent"]
    assert "SequenceComponent" in container.members
    assert container.fixed_values == {"system_type": "container"}
    assert model.concrete_type(container, {"system_type": "sequence"}) == "SequenceComponent"
    assert model.concrete_type(container, {"system_type": "container"}) == "ContainerComponent"
