"""Scenario for the ORIGINAL client: build, query, change and delete a project tree.

Runs under the original ftrack-python-api (see tests/compat/conftest.py) with the
FTRACK_* environment pointing at our server; prints one JSON object of findings.
"""

import json
import sys
import uuid

import ftrack_api


def main():
    findings = {}
    session = ftrack_api.Session()
    findings["type_count"] = len(session.types)
    findings["server_version"] = session.server_information.get("version")

    schema = session.query('ProjectSchema where name is "VFX Scheme"').one()
    task_types = schema.get_types("Task")
    findings["task_type_names"] = sorted(task_type["name"] for task_type in task_types)
    task_type = task_types[0]
    findings["chosen_task_type"] = task_type["name"]
    task_statuses = schema.get_statuses("Task", task_type["id"])
    shot_statuses = schema.get_statuses("Shot")
    findings["task_status_count"] = len(task_statuses)
    findings["shot_status_count"] = len(shot_statuses)

    name = "compat_" + uuid.uuid4().hex[:8]
    project = session.create(
        "Project", {"name": name, "full_name": "Compat " + name, "project_schema": schema}
    )
    for sequence_number in (10, 20):
        sequence = session.create(
            "Sequence", {"name": f"sq{sequence_number:03d}", "parent": project}
        )
        for shot_number in (10, 20, 30):
            shot = session.create(
                "Shot",
                {
                    "name": f"sh{shot_number:03d}",
                    "parent": sequence,
                    "status": shot_statuses[0],
                },
            )
            for task_name in ("animation", "lighting"):
                session.create(
                    "Task",
                    {
                        "name": task_name,
                        "parent": shot,
                        "status": task_statuses[0],
                        "type": task_type,
                    },
                )
    session.commit()
    project_id = project["id"]

    # A second session sees what the first committed.
    other = ftrack_api.Session()
    tasks = other.query(
        "select name, parent.name, parent.parent.name, status.name, type.name "
        f'from Task where project_id is "{project_id}" order by parent.parent.name desc, '
        "parent.name, name"
    ).all()
    findings["task_count"] = len(tasks)
    findings["task_paths"] = [
        "{}/{}/{}".format(task["parent"]["parent"]["name"], task["parent"]["name"], task["name"])
        for task in tasks
    ]
    findings["task_status_names"] = sorted({task["status"]["name"] for task in tasks})
    findings["task_type_names_seen"] = sorted({task["type"]["name"] for task in tasks})
    findings["task_entity_types"] = sorted({task.entity_type for task in tasks})

    nested = other.query(
        f'Task where project.id is "{project_id}" and parent.parent.name is "sq010" '
        'and parent has (name is "sh020")'
    ).all()
    findings["nested_where_count"] = len(nested)

    shots_query = other.query(
        f'select name from Shot where project_id is "{project_id}" order by name desc',
        page_size=4,
    )
    findings["paged_shot_names"] = [shot["name"] for shot in shots_query]
    findings["first_shot"] = other.query(
        f'Shot where project_id is "{project_id}" order by name'
    ).first()["name"]
    findings["offset_limit_names"] = [
        shot["name"]
        for shot in other.query(
            f'select name from Shot where project_id is "{project_id}" order by name, parent.name '
            "offset 2 limit 3"
        )
    ]
    findings["sequence_one"] = other.query(
        f'Sequence where project_id is "{project_id}" and name is "sq020"'
    ).one()["name"]
    contexts = other.query(f'select name from Context where project_id is "{project_id}"')
    findings["context_types"] = sorted({context.entity_type for context in contexts})

    # Update through the first session, check through a fresh one.
    shot = session.query(
        f'Shot where project_id is "{project_id}" and name is "sh010" and parent.name is "sq010"'
    ).one()
    shot["description"] = "hero shot"
    shot["status"] = shot_statuses[-1]
    session.commit()
    check = ftrack_api.Session()
    updated = check.query(
        "select description, status.name from Shot where id is {}".format(shot["id"])
    ).one()
    findings["updated_description"] = updated["description"]
    findings["updated_status"] = updated["status"]["name"]
    findings["expected_status"] = shot_statuses[-1]["name"]

    # Delete the project: the whole tree goes.
    session.delete(project)
    session.commit()
    final = ftrack_api.Session()
    findings["contexts_after_delete"] = len(
        final.query(f'select id from Context where project_id is "{project_id}"').all()
    )
    findings["project_after_delete"] = len(
        final.query(f'Project where id is "{project_id}"').all()
    )
    for current in (session, other, check, final):
        current.close()
    print(json.dumps(findings))


if __name__ == "__main__":
    sys.exit(main())
